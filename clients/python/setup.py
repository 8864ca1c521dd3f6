"""Generates the gRPC stubs (with .pyi type hints) from the repository's proto/ at build time.

The protos are looked up in $SCHEMAHERO_PROTO_DIR, else ../../proto (this file lives in
clients/python of the SchemaHero repository; `pip install clients/python` builds in place).
"""

import os
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "src"


def proto_dir() -> Path:
    configured = os.environ.get("SCHEMAHERO_PROTO_DIR")
    candidate = Path(configured) if configured else HERE.parent.parent / "proto"
    if not (candidate / "schemahero" / "v1").is_dir():
        raise SystemExit(
            f"schemahero: no protos at {candidate}/schemahero/v1: build from the SchemaHero repository "
            "(pip install clients/python) or set SCHEMAHERO_PROTO_DIR to its proto/ directory"
        )
    return candidate


def generate() -> None:
    import grpc_tools
    from grpc_tools import protoc

    protos = proto_dir()
    files = sorted(str(p.relative_to(protos)) for p in (protos / "schemahero" / "v1").glob("*.proto"))
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{protos}",
        f"-I{well_known}",
        f"--python_out={PACKAGE}",
        f"--pyi_out={PACKAGE}",
        f"--grpc_python_out={PACKAGE}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit(f"schemahero: protoc failed on {protos}")
    (PACKAGE / "schemahero" / "v1" / "__init__.py").write_text('"""Generated from proto/schemahero/v1 at build time."""\n')


def runtime_requirements() -> list:
    """The stubs need runtimes at least as new as the generator (they check it on import)."""
    from importlib.metadata import version

    protobuf = version("protobuf")
    grpc = version("grpcio-tools")
    major = int(protobuf.split(".")[0])
    return [f"grpcio>={grpc}", f"protobuf>={protobuf},<{major + 1}"]


# Generated before setup() so that the schemahero.v1 package exists when packages are listed.
generate()
setup(packages=["schemahero", "schemahero.v1"], install_requires=runtime_requirements())
