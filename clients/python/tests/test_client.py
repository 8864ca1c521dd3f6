"""schemahero (Python) against the real planner process, over plaintext loopback and mTLS."""

from __future__ import annotations

import threading
import time

import grpc
import pytest

import schemahero
from schemahero import Client, Phase
from conftest import feed, table_spec


def planned_by_table(watch: schemahero.Watch, count: int) -> dict:
    seen = {}
    for m in watch:
        assert Phase(m.phase) == Phase.PLANNED
        seen[m.table_resource] = m.id
        if len(seen) == count:
            return seen
    raise AssertionError("the watch ended")


def test_review_cycle(start_planner, tmp_path):
    planner = start_planner()
    with Client(planner.address) as client:
        assert list(client.list_migrations()) == []
        watch = client.watch_migrations()
        feed(grpc.insecure_channel(planner.address), tmp_path / "app.db", ["users", "orders", "items"])
        ids = planned_by_table(watch, 3)
        assert watch.caught_up, "the replay of an empty store ended with a bookmark"

        # Pages of one give the same migrations, in the same order, as the default page size.
        assert [m.id for m in client.list_migrations(page_size=1)] == [m.id for m in client.list_migrations()]
        assert [m.id for m in client.list_migrations(table="users")] == [ids["users"]]
        assert [m.id for m in client.list_migrations(phase="planned")] == [m.id for m in client.list_migrations()]

        # Errors are exceptions carrying the status.
        with pytest.raises(schemahero.NotFoundError) as missing:
            client.get_migration("nope-1")
        assert missing.value.code == grpc.StatusCode.NOT_FOUND
        assert "nope-1" in missing.value.details

        # Approve with a comment; wait_for returns at once for Approved, times out for Executed
        # (no executor here) naming where it is.
        approved = client.approve(ids["users"], comment="ship it")
        assert (Phase(approved.phase), approved.approval_comment, approved.approved_by) == (Phase.APPROVED, "ship it", "anonymous")
        assert client.wait_for(ids["users"], Phase.APPROVED, timeout=10).id == ids["users"]
        started = time.monotonic()
        with pytest.raises(schemahero.WaitTimeoutError) as waited:
            client.wait_for(ids["users"], "Executed", timeout=0.7)
        assert waited.value.phase == "Approved"
        assert 0.6 < time.monotonic() - started < 5
        with pytest.raises(schemahero.FailedPreconditionError):
            client.approve(ids["users"])  # only Planned migrations can be approved

        # Rejected: a wait for Executed ends at once.
        rejected = client.reject(ids["orders"], comment="orders live in billing")
        assert rejected.rejection_comment == "orders live in billing"
        with pytest.raises(schemahero.MigrationEndedError) as ended:
            client.wait_for(ids["orders"], Phase.EXECUTED, timeout=10)
        assert ended.value.phase == "Rejected"

        # wait_for follows a watch: an approval made while it waits ends the wait.
        result = {}
        waiter = threading.Thread(target=lambda: result.update(m=client.wait_for(ids["items"], Phase.APPROVED, timeout=20)))
        waiter.start()
        time.sleep(0.3)
        client.approve(ids["items"])
        waiter.join(timeout=25)
        assert result["m"].id == ids["items"]

        # The watch saw each change, in order.
        seen = [(m.table_resource, Phase(m.phase)) for _, m in zip(range(3), watch)]
        assert seen == [("users", Phase.APPROVED), ("orders", Phase.REJECTED), ("items", Phase.APPROVED)]
        watch.close()

        # Timestamps next to the deprecated milliseconds.
        users = client.get_migration(ids["users"])
        assert users.approved_time.ToMilliseconds() == users.approved_at
        assert users.HasField("planned_time") and not users.HasField("executed_time")


def test_plan_preview(start_planner, tmp_path):
    planner = start_planner()
    feed(grpc.insecure_channel(planner.address), tmp_path / "app.db", [])
    with Client(planner.address) as client:
        preview = client.plan_preview("default", "app", table_spec("extra", [
            {"name": "id", "type": "integer"}, {"name": "name", "type": "text"}]))
        assert len(preview.statements) == 1 and preview.statements[0].sql.startswith('CREATE TABLE "extra"'), preview
        assert list(client.list_migrations()) == [], "a preview stores nothing"
        yaml = "name: extra\nschema:\n  sqlite:\n    primaryKey: [id]\n    columns:\n      - name: id\n        type: integer\n"
        assert client.plan_preview("default", "app", yaml).statements[0].sql.startswith('CREATE TABLE "extra"')
        with pytest.raises(schemahero.FailedPreconditionError) as unknown:
            client.plan_preview("default", "ghost", {"name": "t", "schema": {"sqlite": {"columns": [{"name": "id", "type": "integer"}]}}})
        assert "ghost" in str(unknown.value)
        with pytest.raises(schemahero.InvalidArgumentError) as bad:
            client.plan_preview("default", "app", table_spec("t", [{"name": "id", "type": "integer; DROP TABLE x"}]))
        assert bad.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_resume_tokens(start_planner, tmp_path):
    planner = start_planner()
    channel = grpc.insecure_channel(planner.address)
    with Client(planner.address) as client:
        feed(channel, tmp_path / "app.db", ["users"])
        with client.watch_migrations() as watch:
            first = next(iter(watch))
        token = watch.resume_token
        feed(channel, tmp_path / "app.db", ["orders"])
        client.reject(first.id, comment="no")
        # Another process resumes from the token: only what changed after it, once each.
        with client.watch_migrations(resume_token=token) as resumed:
            got = [(m.table_resource, Phase(m.phase)) for _, m in zip(range(2), resumed)]
        assert sorted(got) == [("orders", Phase.PLANNED), ("users", Phase.REJECTED)]
        with pytest.raises(schemahero.InvalidArgumentError):
            next(iter(client.watch_migrations(resume_token="garbage")))
        with pytest.raises(schemahero.OutOfRangeError) as ahead:
            next(iter(client.watch_migrations(resume_token="w1.999999")))
        assert "list again" in ahead.value.details


def test_watch_survives_a_planner_restart(start_planner, tmp_path):
    planner = start_planner()
    with Client(planner.address) as client:
        feed(grpc.insecure_channel(planner.address), tmp_path / "app.db", ["users"])
        watch = client.watch_migrations()
        users = next(watch)
        planner.stop()
        restarted = start_planner(listen=planner.address)
        assert restarted.address == planner.address
        client.approve(users.id, comment="after the restart")
        again = next(watch)
        assert (again.id, Phase(again.phase), again.approval_comment) == (users.id, Phase.APPROVED, "after the restart")
        watch.close()


def test_mtls_roles(start_planner, pki, tmp_path):
    planner = start_planner(extra=["--tls-cert", str(pki["planner.crt"]), "--tls-key", str(pki["planner.key"]),
                                   "--tls-client-ca", str(pki["ca"])])
    reviewer = dict(ca=pki["ca"], cert=pki["reviewer.crt"], key=pki["reviewer.key"], server_name="localhost")
    watcher = dict(ca=pki["ca"], cert=pki["watcher.crt"], key=pki["watcher.key"], server_name="localhost")
    credentials = grpc.ssl_channel_credentials(pki["ca"].read_bytes(), pki["watcher.key"].read_bytes(), pki["watcher.crt"].read_bytes())
    feed(grpc.secure_channel(planner.address, credentials, options=[("grpc.ssl_target_name_override", "localhost")]),
         tmp_path / "app.db", ["users"])
    with Client(planner.address, **reviewer) as client:
        m = next(client.watch_migrations())
        approved = client.approve(m.id, comment="over mTLS")
        assert (approved.approved_by, approved.approval_comment) == ("rita", "over mTLS")
    with Client(f"https://{planner.address}", **watcher) as stranger:
        with pytest.raises(schemahero.PermissionDeniedError) as refused:
            list(stranger.list_migrations())
        assert refused.value.code == grpc.StatusCode.PERMISSION_DENIED
        assert "schemahero:reviewer" in refused.value.details
    with pytest.raises(ValueError):
        Client(f"https://{planner.address}")
    with pytest.raises(ValueError):
        Client(planner.address, ca=pki["ca"])


def test_phase_names_and_hazards():
    assert Phase.of("executed") is Phase.EXECUTED
    assert Phase.of("PHASE_PLANNED") is Phase.PLANNED
    assert Phase.of(5) is Phase.REJECTED
    with pytest.raises(ValueError, match="unknown phase 'done'"):
        Phase.of("done")
    assert Phase.FAILED.is_final and not Phase.APPROVED.is_final
    from schemahero.v1 import migration_pb2
    statement = migration_pb2.Statement(sql="DROP TABLE t", hazards=[
        migration_pb2.Hazard(kind=migration_pb2.HAZARD_KIND_DELETES_DATA, message="drops t")])
    preview = schemahero.PlanPreview(statements=[statement])
    assert schemahero.hazards(preview) == [{"kind": "DELETES_DATA", "message": "drops t", "sql": "DROP TABLE t"}]
