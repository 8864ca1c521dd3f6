"""SchemaHero planner client: list, watch, wait for, approve and reject migrations, and preview
plans, over the planner's MigrationService (plaintext or mTLS).

    from schemahero import Client, Phase
    with Client("planner:9090", ca="ca.crt", cert="me.crt", key="me.key") as client:
        for m in client.list_migrations(phase=Phase.PLANNED):
            client.approve(m.id, comment="reviewed")
"""

from .client import PAGE_SIZE, Client, Migration, Phase, PlanPreview, Watch, hazards
from .errors import (
    FailedPreconditionError,
    InvalidArgumentError,
    MigrationEndedError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    SchemaHeroError,
    UnavailableError,
    WaitTimeoutError,
)

__all__ = [
    "PAGE_SIZE",
    "Client",
    "FailedPreconditionError",
    "InvalidArgumentError",
    "Migration",
    "MigrationEndedError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "Phase",
    "PlanPreview",
    "SchemaHeroError",
    "UnavailableError",
    "WaitTimeoutError",
    "Watch",
    "hazards",
]
