"""The idiomatic layer over the generated MigrationService stub."""

from __future__ import annotations

import enum
import json
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import grpc

from .errors import MigrationEndedError, SchemaHeroError, WaitTimeoutError, from_rpc_error
from .v1 import migration_pb2, migration_service_pb2, migration_service_pb2_grpc

Migration = migration_pb2.Migration
PlanPreview = migration_service_pb2.PlanPreviewResponse

#: Migrations asked for per ListMigrations page (the planner caps pages at 1000).
PAGE_SIZE = 500

# Codes after which a watch reconnects with its resume token (the connection or planner went away).
_RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.ABORTED,
}
_RECONNECTS = 8


class Phase(enum.IntEnum):
    """A migration's phase (the proto enum schemahero.v1.Phase)."""

    UNSPECIFIED = 0
    PLANNED = 1
    APPROVED = 2
    EXECUTING = 3
    EXECUTED = 4
    REJECTED = 5
    FAILED = 6
    SUPERSEDED = 7

    @classmethod
    def of(cls, value: Union["Phase", str, int]) -> "Phase":
        """A Phase from itself, its number, or its name in any case ("Executed", "PHASE_EXECUTED")."""
        if isinstance(value, str):
            name = value.upper()
            name = name[len("PHASE_"):] if name.startswith("PHASE_") else name
            try:
                return cls[name]
            except KeyError:
                raise ValueError(f"unknown phase {value!r}; one of {', '.join(p.name.title() for p in cls if p)}") from None
        return cls(int(value))

    @property
    def is_final(self) -> bool:
        """It will never change phase again."""
        return self in (Phase.EXECUTED, Phase.REJECTED, Phase.FAILED, Phase.SUPERSEDED)


PhaseLike = Union[Phase, str, int]


def _target(target: str) -> Tuple[str, Optional[bool]]:
    """host:port and whether the URL asked for TLS (None: no scheme given)."""
    for scheme, tls in (("https://", True), ("http://", False)):
        if target.startswith(scheme):
            return target[len(scheme):].rstrip("/"), tls
    return target, None


class Watch:
    """Changes to migrations, as they happen; iterate it. Bookmarks are consumed here; when the
    connection drops the watch reconnects with its resume token, so nothing is missed and a
    migration that changed meanwhile comes once, as it is now. `resume_token` is where another
    process (or this one after a restart) can continue."""

    def __init__(self, stub: migration_service_pb2_grpc.MigrationServiceStub, request: migration_service_pb2.WatchMigrationsRequest,
                 timeout: Optional[float] = None) -> None:
        self._stub = stub
        self._request = request
        self.resume_token: str = request.resume_token
        self.caught_up = False
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._call: Any = None
        self._closed = False
        self._open()

    def _open(self) -> None:
        self._request.resume_token = self.resume_token
        remaining = None if self._deadline is None else max(0.0, self._deadline - time.monotonic())
        self._call = self._stub.WatchMigrations(self._request, timeout=remaining)

    def __iter__(self) -> "Watch":
        return self

    def __next__(self) -> Migration:
        failures = 0
        while True:
            if self._closed:
                raise StopIteration
            try:
                message = next(self._call)
            except StopIteration:
                error: Optional[grpc.RpcError] = None  # the planner ended the stream (shutting down)
            except grpc.RpcError as e:
                if self._closed:
                    raise StopIteration from None
                error = e
            else:
                failures = 0
                self.resume_token = message.resume_token
                if message.HasField("migration"):
                    return message.migration
                self.caught_up = True
                continue
            code = error.code() if error is not None else grpc.StatusCode.UNAVAILABLE
            if code not in _RETRYABLE or failures >= _RECONNECTS:
                raise from_rpc_error(error) if error is not None else SchemaHeroError("the planner ended the watch")
            time.sleep(min(5.0, 0.1 * (2 ** failures)))
            failures += 1
            self._open()

    def close(self) -> None:
        """Ends the watch (iteration stops)."""
        self._closed = True
        if self._call is not None:
            self._call.cancel()

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Client:
    """A connection to the planner's MigrationService.

    `target` is host:port (or http://host:port); with `ca`, `cert` and `key` (PEM files: the CA
    that signed the planner's certificate, and this client's certificate and key, whose CN is the
    user and whose O must include schemahero:reviewer) the connection is mTLS. `server_name`
    overrides the name checked in the planner's certificate (e.g. through a port-forward).
    `timeout` (seconds) bounds each unary call.
    """

    def __init__(self, target: str, *, ca: Union[str, Path, None] = None, cert: Union[str, Path, None] = None,
                 key: Union[str, Path, None] = None, server_name: Optional[str] = None, timeout: float = 30.0,
                 options: Sequence[Tuple[str, Any]] = ()) -> None:
        address, wants_tls = _target(target)
        files = (ca, cert, key)
        if any(f is not None for f in files) and not all(f is not None for f in files):
            raise ValueError("ca, cert and key go together: give all three for mTLS, or none")
        tls = all(f is not None for f in files)
        if wants_tls is True and not tls:
            raise ValueError(f"{target}: https:// needs ca, cert and key")
        if wants_tls is False and tls:
            raise ValueError(f"{target}: TLS files were given: use https:// or host:port")
        opts: List[Tuple[str, Any]] = [("grpc.max_receive_message_length", 64 * 1024 * 1024), *options]
        if tls:
            def read(path: Union[str, Path, None], what: str) -> bytes:
                try:
                    return Path(str(path)).read_bytes()
                except OSError as e:
                    raise ValueError(f"{what} {path}: {e.strerror}") from None

            credentials = grpc.ssl_channel_credentials(
                root_certificates=read(ca, "ca"), private_key=read(key, "key"), certificate_chain=read(cert, "cert"))
            if server_name:
                opts.append(("grpc.ssl_target_name_override", server_name))
            self._channel = grpc.secure_channel(address, credentials, options=opts)
        else:
            self._channel = grpc.insecure_channel(address, options=opts)
        self._stub = migration_service_pb2_grpc.MigrationServiceStub(self._channel)
        self.timeout = timeout

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stub(self) -> migration_service_pb2_grpc.MigrationServiceStub:
        """The generated stub, for what this layer does not cover."""
        return self._stub

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=self.timeout)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None

    def list_migrations(self, *, namespace: Optional[str] = None, database: Optional[str] = None, table: Optional[str] = None,
                        phase: Optional[PhaseLike] = None, page_size: int = PAGE_SIZE) -> Iterator[Migration]:
        """Every migration matching the filters given, oldest plan first, a page fetched at a time
        as the iterator is read."""
        request = migration_service_pb2.ListMigrationsRequest(
            namespace=namespace or "", database=database or "", table=table or "",
            phase=Phase.of(phase) if phase is not None else 0, page_size=page_size)
        while True:
            page = self._call("ListMigrations", request)
            yield from page.migrations
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def get_migration(self, id: str) -> Migration:
        return self._call("GetMigration", migration_service_pb2.GetMigrationRequest(id=id)).migration

    def approve(self, id: str, comment: Optional[str] = None) -> Migration:
        """Approves a Planned migration; `comment` is kept on it (approval_comment)."""
        return self._call("ApproveMigration", migration_service_pb2.ApproveMigrationRequest(id=id, comment=comment or "")).migration

    def reject(self, id: str, comment: Optional[str] = None) -> Migration:
        """Rejects a Planned or Approved migration; `comment` is kept on it (rejection_comment)."""
        return self._call("RejectMigration", migration_service_pb2.RejectMigrationRequest(id=id, comment=comment or "")).migration

    def watch_migrations(self, *, namespace: Optional[str] = None, database: Optional[str] = None, table: Optional[str] = None,
                         phase: Optional[PhaseLike] = None, id: Optional[str] = None, resume_token: Optional[str] = None,
                         timeout: Optional[float] = None) -> Watch:
        """Follows changes to the matching migrations: first the current state of those changed
        after `resume_token` (of all of them without one), then each change as it happens.
        `timeout` (seconds) ends the watch with UnavailableError (DEADLINE_EXCEEDED)."""
        request = migration_service_pb2.WatchMigrationsRequest(
            namespace=namespace or "", database=database or "", table=table or "",
            phase=Phase.of(phase) if phase is not None else 0, id=id or "", resume_token=resume_token or "")
        return Watch(self._stub, request, timeout)

    def wait_for(self, id: str, phase: PhaseLike, timeout: float) -> Migration:
        """Waits until migration `id` is in `phase` and returns it. Raises MigrationEndedError as
        soon as it reaches another final phase, WaitTimeoutError after `timeout` seconds,
        NotFoundError for an unknown id."""
        wanted = Phase.of(phase)
        deadline = time.monotonic() + timeout
        last = self.get_migration(id)

        def done(m: Migration) -> bool:
            now = Phase(m.phase)
            if now == wanted:
                return True
            if now.is_final:
                raise MigrationEndedError(
                    f"migration {id} ended {now.name.title()} and will never be {wanted.name.title()}"
                    + (f": {m.error}" if m.error else ""), phase=now.name.title())
            return False

        if done(last):
            return last
        try:
            watch = self.watch_migrations(id=id, timeout=timeout)
            with watch:
                for m in watch:
                    last = m
                    if done(m):
                        return m
        except SchemaHeroError as e:
            if e.code == grpc.StatusCode.UNIMPLEMENTED:  # a planner from before WatchMigrations: poll
                while time.monotonic() < deadline:
                    time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
                    last = self.get_migration(id)
                    if done(last):
                        return last
            elif e.code != grpc.StatusCode.DEADLINE_EXCEEDED:
                raise
        now = Phase(last.phase).name.title()
        raise WaitTimeoutError(f"migration {id} is {now}, not {wanted.name.title()}, after {timeout}s", phase=now)

    def plan_preview(self, namespace: str, database: str, table_spec: Union[str, Mapping[str, Any]]) -> PlanPreview:
        """Plans a Table spec (a dict, or JSON or YAML text: a bare spec or a whole Table
        resource) against the Database namespace/database the planner knows: the statements,
        with hazards, a migration would hold now. Nothing is stored."""
        spec = table_spec if isinstance(table_spec, str) else json.dumps(dict(table_spec))
        request = migration_service_pb2.PlanPreviewRequest(namespace=namespace, database=database, table_spec=spec)
        return self._call("PlanPreview", request)


def hazards(preview_or_migration: Any) -> List[Dict[str, str]]:
    """The hazards of every statement, as dicts (kind name, message, sql), for reports."""
    out = []
    for statement in preview_or_migration.statements:
        for hazard in statement.hazards:
            kind = migration_pb2.HazardKind.Name(hazard.kind).removeprefix("HAZARD_KIND_") if hazard.kind else "UNSPECIFIED"
            out.append({"kind": kind, "message": hazard.message, "sql": statement.sql})
    return out
