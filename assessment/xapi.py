"""A submitted attempt, also as an xAPI statement in the platform's LRS."""

from __future__ import annotations

import uuid

from django.conf import settings

from lrs.api import learner_actor, record

from .models import Attempt

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
# Derived ids make recording the same submission twice a no-op in the LRS.
STATEMENT_NAMESPACE = uuid.UUID("0d7b9f5e-3c2a-4f0b-8a8e-6b2f6d1c9e47")


def _base() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def exam_iri(exam_id: int) -> str:
    """The activity id of an exam: stable across its versions."""
    return f"{_base()}/exam/exams/{exam_id}"


def submitted_statement(attempt: Attempt) -> dict:
    """`completed` with the raw and scaled score (none while hand marking is pending);
    registration = the course enrolment's when the exam was sat from a course, else the
    attempt's public id (always in the attempt extension)."""
    learner = attempt.learner
    result: dict = {"completion": True}
    if not attempt.needs_manual and attempt.max_score:
        result["score"] = {
            "raw": float(attempt.score),
            "min": 0.0,
            "max": float(attempt.max_score),
            "scaled": round(float(attempt.score / attempt.max_score), 4),
        }
    return {
        "id": str(uuid.uuid5(STATEMENT_NAMESPACE, f"attempt:{attempt.pk}:submitted")),
        "actor": learner_actor(
            home_page=_base(),
            learner_id=learner.learner_id or f"user-{learner.pk}",
            name=learner.display_name,
        ),
        "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
        "object": {
            "objectType": "Activity",
            "id": exam_iri(attempt.exam_id),
            "definition": {
                "name": {"und": attempt.exam.title},
                "type": "http://adlnet.gov/expapi/activities/assessment",
            },
        },
        "result": result,
        "context": {
            "registration": str(attempt.enrolment_registration or attempt.public_id),
            "platform": "Taynghe",
            "extensions": {
                f"{_base()}/xapi/extensions/attempt": str(attempt.public_id),
                f"{_base()}/xapi/extensions/exam-version": attempt.version.number,
            },
        },
        "timestamp": attempt.submitted_at.isoformat(),
    }


def submitted_record(attempt: Attempt):
    """Store the statement of a submission in the exam institution's LRS (idempotent)."""
    return record(institution=attempt.exam.institution, statement=submitted_statement(attempt))


SCORED = "http://adlnet.gov/expapi/verbs/scored"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"


def released_statement(attempt: Attempt, *, passed: bool | None, now) -> dict:
    """The released result: `passed`/`failed` against the exam's pass mark, else `scored`,
    with the final score. Its id derives from the attempt and the score, so releasing again
    is a no-op and a changed result (a regrade) is a new statement."""
    statement = submitted_statement(attempt)
    verb, display = (
        (SCORED, "scored")
        if passed is None
        else (PASSED, "passed")
        if passed
        else (FAILED, "failed")
    )
    result: dict = {"completion": True}
    if attempt.max_score:
        result["score"] = {
            "raw": float(attempt.score),
            "min": 0.0,
            "max": float(attempt.max_score),
            "scaled": round(float(attempt.score / attempt.max_score), 4),
        }
    if passed is not None:
        result["success"] = passed
    statement.update(
        id=str(uuid.uuid5(STATEMENT_NAMESPACE, f"attempt:{attempt.pk}:released:{attempt.score}")),
        verb={"id": verb, "display": {"en-US": display}},
        result=result,
    )  # the timestamp stays the submission's: the same result is the same statement
    return statement


def released_record(attempt: Attempt, *, passed: bool | None, now):
    """Store the statement of a released result in the exam institution's LRS (idempotent)."""
    return record(
        institution=attempt.exam.institution,
        statement=released_statement(attempt, passed=passed, now=now),
    )
