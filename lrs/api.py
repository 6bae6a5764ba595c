"""What other parts of the platform may call in `lrs`: record the platform's own statements."""

from __future__ import annotations

import uuid

from django.conf import settings

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
    "platform_learner_actor",
    "record",
]


def learner_actor(*, home_page: str, learner_id: str, name: str = "") -> dict:
    """The actor of a learner: account homePage = the platform, name = the stable learner id."""
    actor = {"objectType": "Agent", "account": {"homePage": home_page, "name": learner_id}}
    if name:
        actor["name"] = name
    return actor


def platform_learner_actor(learner) -> dict:
    """The actor of a platform user in every statement the platform writes: account homePage
    = the platform's base URL, name = the national learner id (`user-<pk>` until one is
    assigned), with the display name."""
    return learner_actor(
        home_page=settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
        learner_id=learner.learner_id or f"user-{learner.pk}",
        name=learner.display_name,
    )


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


# --- cmi5: what courseware's cmi5 launch needs of the LRS ----------------------------------

from . import cmi5 as _cmi5  # noqa: E402  (cmi5 builds on the services imported above)

CMI5_CATEGORY = _cmi5.CATEGORY_CMI5
CMI5_MOVEON_CATEGORY = _cmi5.CATEGORY_MOVEON
CMI5_SESSION_EXTENSION = _cmi5.EXT_SESSION
CMI5_MASTERY_EXTENSION = _cmi5.EXT_MASTERY
CMI5_LAUNCH_MODE_EXTENSION = _cmi5.EXT_LAUNCH_MODE
CMI5_LAUNCH_URL_EXTENSION = _cmi5.EXT_LAUNCH_URL
CMI5_MOVE_ON_EXTENSION = _cmi5.EXT_MOVE_ON
CMI5_LAUNCH_PARAMETERS_EXTENSION = _cmi5.EXT_LAUNCH_PARAMETERS
CMI5_REASON_EXTENSION = _cmi5.EXT_REASON  # a result extension
CMI5_LAUNCHED = _cmi5.LAUNCHED
CMI5_INITIALIZED = _cmi5.INITIALIZED
CMI5_COMPLETED = _cmi5.COMPLETED
CMI5_PASSED = _cmi5.PASSED
CMI5_FAILED = _cmi5.FAILED
CMI5_TERMINATED = _cmi5.TERMINATED
CMI5_ABANDONED = _cmi5.ABANDONED
CMI5_WAIVED = _cmi5.WAIVED
CMI5_SATISFIED = _cmi5.SATISFIED
Cmi5StatementStored = _cmi5.Cmi5StatementStored
cmi5_statement_stored = _cmi5.cmi5_statement_stored
cmi5_launch_data_save = _cmi5.launch_data_save


def cmi5_session_end(*, registration: uuid.UUID, activity_id: str, actor: dict) -> int:
    """Stop the launch credentials of a learner's AU in a registration (its session ended)."""
    from .validation import agent_key

    return _cmi5.session_credentials_end(
        registration=registration, activity_id=activity_id, agent_key=agent_key(actor)
    )


def json_text(value) -> str:
    """Compact JSON, as a launch URL carries the actor."""
    import json

    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
