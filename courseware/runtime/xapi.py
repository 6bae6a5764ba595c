"""Each change of an attempt's outcome, also as an xAPI statement in the platform's LRS."""

from __future__ import annotations

import uuid

from django.conf import settings

from lrs.api import learner_actor, record

from ..data import AttemptOutcome
from .cmi import seconds_as_duration

ADL_VERBS = {
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "progressed": "http://adlnet.gov/expapi/verbs/progressed",
}
# The statement id is derived from the attempt and the outcome's sequence, so that recording
# the same outcome twice is a no-op in the LRS.
STATEMENT_NAMESPACE = uuid.UUID("5b7c3c0e-8f0a-4c1e-9a55-1f6f0b8f2c31")


def _base() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def package_iri(package_id: int) -> str:
    """The activity id of a package: stable across its versions."""
    return f"{_base()}/courseware/packages/{package_id}"


def verb_for(outcome: AttemptOutcome, previous: tuple[str, str]) -> str:
    """passed/failed when success changed, completed when completion did, progressed otherwise."""
    completion, success = previous
    if outcome.success_status != success and outcome.success_status in ("passed", "failed"):
        return outcome.success_status
    if outcome.completion_status != completion and outcome.completion_status == "completed":
        return "completed"
    return "progressed"


def outcome_statement(
    *, outcome: AttemptOutcome, learner, package_title: str, verb: str, registration=None
) -> dict:
    """The statement for one outcome change (xAPI 1.0.3, ADL verbs). The registration is the
    enrolment's when lms gave one, else the attempt; the attempt id is always an extension."""
    result: dict = {"duration": seconds_as_duration(outcome.total_time_seconds)}
    if outcome.completion_status in ("completed", "incomplete"):
        result["completion"] = outcome.completion_status == "completed"
    if outcome.success_status in ("passed", "failed"):
        result["success"] = outcome.success_status == "passed"
    if outcome.score_scaled is not None:
        result["score"] = {"scaled": max(-1.0, min(1.0, outcome.score_scaled))}
    return {
        "id": str(uuid.uuid5(STATEMENT_NAMESPACE, f"{outcome.attempt_id}:{outcome.sequence}")),
        "actor": learner_actor(
            home_page=_base(),
            learner_id=learner.learner_id or f"user-{learner.pk}",
            name=learner.display_name,
        ),
        "verb": {"id": ADL_VERBS[verb], "display": {"en-US": verb}},
        "object": {
            "objectType": "Activity",
            "id": package_iri(outcome.package_id),
            "definition": {
                "name": {"und": package_title or str(outcome.package_id)},
                "type": "http://adlnet.gov/expapi/activities/course",
            },
        },
        "result": result,
        "context": {
            "registration": str(registration or outcome.attempt_id),
            "platform": "Taynghe",
            "extensions": {
                f"{_base()}/xapi/extensions/attempt": str(outcome.attempt_id),
                f"{_base()}/xapi/extensions/placement": outcome.placement,
                f"{_base()}/xapi/extensions/package-version": outcome.version_id,
            },
        },
        "timestamp": outcome.changed_at.isoformat(),
    }


def outcome_record(
    *,
    outcome: AttemptOutcome,
    learner,
    institution,
    package_title: str,
    previous,
    registration=None,
):
    """Store the statement of one outcome change; idempotent by its derived id."""
    statement = outcome_statement(
        outcome=outcome,
        learner=learner,
        package_title=package_title,
        verb=verb_for(outcome, previous),
        registration=registration,
    )
    return record(institution=institution, statement=statement)
