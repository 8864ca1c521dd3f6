"""Fixtures: the real planner binary (SCHEMAHERO_PLANNER_BIN, else built with cargo), a planner
process per test, a PKI made with openssl for mTLS, and feeding the planner its Database and
Tables over ResourceService, as a watcher does."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import grpc
import pytest

from schemahero.v1 import resource_pb2, resource_service_pb2, resource_service_pb2_grpc

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def planner_bin() -> Path:
    configured = os.environ.get("SCHEMAHERO_PLANNER_BIN")
    if configured:
        path = Path(configured)
        assert path.is_file(), f"SCHEMAHERO_PLANNER_BIN={configured} is not a file"
        return path
    cargo = shutil.which("cargo")
    assert cargo, "set SCHEMAHERO_PLANNER_BIN, or put cargo on PATH to build the planner"
    # The packages the Rust integration tests build too: one feature set, no rebuild between them.
    packages = ["schemahero-planner", "schemahero-watcher", "schemahero-executor", "kubectl-schemahero"]
    subprocess.run([cargo, "build", "--quiet", *[a for p in packages for a in ("-p", p)]], cwd=REPO, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "debug" / "schemahero-planner"


class Planner:
    def __init__(self, binary: Path, dir: Path, listen: str = "127.0.0.1:0", extra: Optional[List[str]] = None) -> None:
        self.dir = dir
        self.log = open(dir / "planner.log", "ab")
        self.process = subprocess.Popen(
            [str(binary), "--listen", listen, "--store", str(dir / "planner.db"), "--drift-interval-secs", "3600",
             "--debounce-ms", "20", *(extra or [])],
            stdout=subprocess.PIPE, stderr=self.log)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        prefix = "planner listening on "
        assert line.startswith(prefix), f"unexpected planner output {line!r}: {(dir / 'planner.log').read_text()}"
        self.address = line[len(prefix):]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def start_planner(planner_bin: Path, tmp_path: Path) -> Iterator:
    started: List[Planner] = []

    def start(listen: str = "127.0.0.1:0", extra: Optional[List[str]] = None) -> Planner:
        p = Planner(planner_bin, tmp_path, listen, extra)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def table_spec(name: str, columns: Optional[List[Dict[str, str]]] = None) -> Dict:
    return {"database": "app", "name": name,
            "schema": {"sqlite": {"primaryKey": ["id"], "columns": columns or [{"name": "id", "type": "integer"}]}}}


def feed(channel: grpc.Channel, target_db: Path, tables: List[str]) -> None:
    """Tells the planner about the Database `app` (a SQLite file) and `tables`; each event must
    be acknowledged without error."""
    events = [resource_service_pb2.StreamResourcesRequest(sequence=1, upsert_database=resource_pb2.Database(
        namespace="default", name="app", driver="sqlite", uri=str(target_db)))]
    for i, name in enumerate(tables):
        events.append(resource_service_pb2.StreamResourcesRequest(sequence=i + 2, upsert_table=resource_pb2.Table(
            namespace="default", name=name, source=f"{name}.yaml", spec_json=json.dumps(table_spec(name)))))
    acks = list(resource_service_pb2_grpc.ResourceServiceStub(channel).StreamResources(iter(events), timeout=30))
    assert [(a.sequence, a.error) for a in acks] == [(e.sequence, "") for e in events]


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture
def pki(tmp_path: Path) -> Dict[str, Path]:
    """A CA and certificates (EC P-256) for the planner (localhost, 127.0.0.1), a reviewer
    (CN rita) and a watcher (CN wat), as PEM files."""
    assert shutil.which("openssl"), "openssl is needed to make the test certificates"
    d = tmp_path / "pki"
    d.mkdir()
    files: Dict[str, Path] = {"ca": d / "ca.crt"}
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(d / "ca.key"))
    openssl("req", "-x509", "-new", "-key", str(d / "ca.key"), "-subj", "/CN=pytest CA", "-days", "2", "-out", str(files["ca"]),
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name, subject, extensions in [
        ("planner", "/CN=schemahero-planner", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
        ("reviewer", "/CN=rita/O=schemahero:reviewer", "extendedKeyUsage=clientAuth\n"),
        ("watcher", "/CN=wat/O=schemahero:watcher", "extendedKeyUsage=clientAuth\n"),
    ]:
        key, csr, crt, ext = (d / f"{name}.key", d / f"{name}.csr", d / f"{name}.crt", d / f"{name}.ext")
        ext.write_text(extensions)
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(key))
        openssl("req", "-new", "-key", str(key), "-subj", subject, "-out", str(csr))
        openssl("x509", "-req", "-in", str(csr), "-CA", str(files["ca"]), "-CAkey", str(d / "ca.key"), "-CAcreateserial",
                "-days", "2", "-extfile", str(ext), "-out", str(crt))
        files[f"{name}.crt"], files[f"{name}.key"] = crt, key
    return files
