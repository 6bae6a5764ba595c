"""What other parts of the platform may call in `lrs`: record the platform's own statements."""

from __future__ import annotations

import uuid

from .services import StatementConflict, platform_authority, statements_store
from .validation import XAPIValidationError

__all__ = ["StatementConflict", "XAPIValidationError", "learner_actor", "record"]


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
