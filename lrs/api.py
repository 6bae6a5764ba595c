"""What other parts of the platform may call in `lrs`: record the platform's own statements."""

from __future__ import annotations

import uuid

from .data import LaunchCredentials
from .services import (
    StatementConflict,
    launch_credentials_issue,
    platform_authority,
    statements_store,
)
from .validation import XAPIValidationError

__all__ = [
    "LaunchCredentials",
    "StatementConflict",
    "XAPIValidationError",
    "launch_credentials",
    "learner_actor",
    "record",
]


def learner_actor(*, home_page: str, learner_id: str, name: str = "") -> dict:
    """The actor of a learner: account homePage = the platform, name = the stable learner id."""
    actor = {"objectType": "Agent", "account": {"homePage": home_page, "name": learner_id}}
    if name:
        actor["name"] = name
    return actor


def record(*, institution, statement: dict) -> uuid.UUID:
    """Store one statement the platform writes itself (its authority is the platform).

    Give the statement an `id` to make recording idempotent: the same id and content
    again is a no-op. Raises `XAPIValidationError` for an invalid statement.
    """
    outcome = statements_store(
        institution=institution, statements=[statement], authority=platform_authority()
    )
    return outcome.ids[0]


def launch_credentials(
    *, institution, actor: dict, registration: uuid.UUID, activity_id: str, ttl: int = 3600
) -> LaunchCredentials:
    """Short-lived credentials for content launched for one learner in one registration.

    They write statements only with `actor` as actor and `registration` in their context,
    read only what they wrote, keep only that learner's state in that registration, and
    stop working after `ttl` seconds. Raises `XAPIValidationError` for a bad actor, IRI
    or ttl.
    """
    client, secret = launch_credentials_issue(
        institution=institution,
        actor=actor,
        registration=registration,
        activity_id=activity_id,
        ttl=ttl,
    )
    return LaunchCredentials(
        key=client.key,
        secret=secret,
        expires_at=client.expires_at,
        registration=str(registration),
        activity_id=activity_id,
    )
