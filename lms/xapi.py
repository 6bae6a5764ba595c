"""The learning site's own events as xAPI statements in the platform's LRS.

Enrolment (`registered`), withdrawal (`unregistered`) and course completion (`completed`),
each about the course as an activity, with the learner's platform actor
(`lrs.api.platform_learner_actor`, the same as courseware's and assessment's statements)
and the enrolment's registration id in the context. They are written after the
enrolment's transaction commits, through `lrs.api.record`; a statement id is a UUID 5 of
the event (enrolment registration, verb and the moment of the change), so recording the
same event again is a no-op in the LRS. A failure to record is logged and never undoes
the enrolment: the enrolment is the operational record, the LRS its history.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction

from lrs.api import platform_learner_actor, record

logger = logging.getLogger(__name__)

ADL = "http://adlnet.gov/expapi"
REGISTERED = f"{ADL}/verbs/registered"
# ADL's vocabulary has no verb for leaving a registration; the xAPI registry's does.
UNREGISTERED = "http://id.tincanapi.com/verb/unregistered"
COMPLETED = f"{ADL}/verbs/completed"
COURSE_TYPE = f"{ADL}/activities/course"

VERBS = {"registered": REGISTERED, "unregistered": UNREGISTERED, "completed": COMPLETED}
STATEMENT_NAMESPACE = uuid.UUID("8e0f4a52-61c7-4b8e-9d2a-3c5f7b1e0a64")


def _base() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def course_iri(course_id: int) -> str:
    """The activity id of a course page (stable whatever its slug or translation)."""
    return f"{_base()}/courses/{course_id}"


def statement_id(*, registration: uuid.UUID, event: str, moment: datetime) -> str:
    """The statement id of one enrolment event: the same event always gets the same id."""
    return str(uuid.uuid5(STATEMENT_NAMESPACE, f"{registration}:{event}:{moment.isoformat()}"))


def enrolment_statement(enrolment, *, event: str, moment: datetime) -> dict:
    """The statement of `event` (registered, unregistered, completed) on an enrolment."""
    course = enrolment.course
    statement = {
        "id": statement_id(registration=enrolment.registration, event=event, moment=moment),
        "actor": platform_learner_actor(enrolment.learner),
        "verb": {"id": VERBS[event], "display": {"en-US": event}},
        "object": {
            "objectType": "Activity",
            "id": course_iri(course.alias_of_id or course.pk),
            "definition": {
                "name": {"und": course.title},
                "type": COURSE_TYPE,
            },
        },
        "context": {
            "registration": str(enrolment.registration),
            "platform": "Taynghe",
        },
        "timestamp": moment.isoformat(),
    }
    if event == "completed":
        statement["result"] = {"completion": True}
    return statement


def enrolment_record(*, enrolment_id: int, event: str, moment: datetime) -> uuid.UUID | None:
    """Write the statement of one enrolment event (idempotent by its derived id)."""
    from .models import Enrolment

    enrolment = (
        Enrolment.objects.select_related("learner", "course", "institution")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        return None
    return record(
        institution=enrolment.institution,
        statement=enrolment_statement(enrolment, event=event, moment=moment),
    )


def _record_logged(**kwargs) -> None:
    try:
        enrolment_record(**kwargs)
    except Exception:  # the enrolment stands; the LRS copy is history, not the record
        logger.exception("lms: could not record the xAPI statement of %s", kwargs)


def enrolment_event_on_commit(enrolment, *, event: str, moment: datetime) -> None:
    """Record `event` once the current transaction commits (never if it rolls back)."""
    transaction.on_commit(
        partial(_record_logged, enrolment_id=enrolment.pk, event=event, moment=moment)
    )
