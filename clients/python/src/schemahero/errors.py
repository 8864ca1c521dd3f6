"""Errors of the client: every failed call raises a SchemaHeroError carrying the gRPC status."""

from __future__ import annotations

from typing import Optional

import grpc


class SchemaHeroError(Exception):
    """A call the planner refused or could not answer. `code` is the gRPC status code (None for
    errors of this client, such as a wait that timed out), `details` the planner's message."""

    def __init__(self, message: str, code: Optional[grpc.StatusCode] = None, details: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.details = details


class NotFoundError(SchemaHeroError):
    """NOT_FOUND: no migration with that id."""


class InvalidArgumentError(SchemaHeroError):
    """INVALID_ARGUMENT: a bad request (a field, a spec, a page or resume token)."""


class FailedPreconditionError(SchemaHeroError):
    """FAILED_PRECONDITION: not possible now (e.g. approving a migration that is not Planned)."""


class PermissionDeniedError(SchemaHeroError):
    """PERMISSION_DENIED / UNAUTHENTICATED: the certificate lacks the role (reviewers need
    schemahero:reviewer)."""


class UnavailableError(SchemaHeroError):
    """UNAVAILABLE / DEADLINE_EXCEEDED: the planner (or its store or database) cannot be reached."""


class OutOfRangeError(SchemaHeroError):
    """OUT_OF_RANGE: a resume token this store did not issue: list again and watch from there."""


class WaitTimeoutError(SchemaHeroError):
    """wait_for ran out of time; `phase` is the phase the migration was last seen in."""

    def __init__(self, message: str, phase: str) -> None:
        super().__init__(message)
        self.phase = phase


class MigrationEndedError(SchemaHeroError):
    """wait_for: the migration reached another final phase and never will reach the one waited for."""

    def __init__(self, message: str, phase: str) -> None:
        super().__init__(message)
        self.phase = phase


_BY_CODE = {
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.UNAUTHENTICATED: PermissionDeniedError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DEADLINE_EXCEEDED: UnavailableError,
    grpc.StatusCode.OUT_OF_RANGE: OutOfRangeError,
}


def from_rpc_error(error: grpc.RpcError) -> SchemaHeroError:
    """The exception for a failed call, by its status code."""
    code = error.code() if hasattr(error, "code") else None
    details = (error.details() if hasattr(error, "details") else "") or ""
    name = code.name if code is not None else "UNKNOWN"
    cls = _BY_CODE.get(code, SchemaHeroError)
    return cls(f"{name}: {details}", code=code, details=details)
