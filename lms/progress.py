"""Courseware progress in lms: the receiver of `attempt_outcome_changed` and its one service."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from courseware.data import AttemptOutcome
from courseware.signals import attempt_outcome_changed

from .course_progress import enrolment_progress_refresh
from .models import CoursewareProgress


def _is_newer(outcome: AttemptOutcome, row: CoursewareProgress) -> bool:
    """A later attempt wins; within one attempt, a larger outcome sequence does."""
    if outcome.attempt_id == row.attempt_id:
        return outcome.sequence > row.sequence
    return (outcome.attempt_number, outcome.changed_at) > (row.attempt_number, row.changed_at)


def courseware_progress_record(*, outcome: AttemptOutcome) -> CoursewareProgress:
    """Store one attempt outcome as the learner's progress at its placement (idempotent).

    An outcome older than the one stored (a replay, or one that arrives late) changes
    nothing. Sent by courseware after its own commit: no user acts here, so no permission
    check; the audit trail of the change is courseware's `courseware.attempt_outcome`.
    """
    fields = {
        "institution_id": outcome.institution_id,
        "package_id": outcome.package_id,
        "version_id": outcome.version_id,
        "attempt_id": outcome.attempt_id,
        "attempt_number": outcome.attempt_number,
        "sequence": outcome.sequence,
        "completion_status": outcome.completion_status,
        "success_status": outcome.success_status,
        "score_scaled": outcome.score_scaled,
        "total_time_seconds": outcome.total_time_seconds,
        "changed_at": outcome.changed_at,
    }
    completed = outcome.completion_status == "completed"
    for _try in range(2):
        try:
            with transaction.atomic():
                row = (
                    CoursewareProgress.objects.select_for_update()
                    .filter(learner_id=outcome.learner_id, placement=outcome.placement)
                    .first()
                )
                if row is None:
                    return CoursewareProgress.objects.create(
                        learner_id=outcome.learner_id,
                        placement=outcome.placement,
                        attempts=outcome.attempt_number,
                        completed_at=outcome.changed_at if completed else None,
                        **fields,
                    )
                if not _is_newer(outcome, row):
                    return row
                for name, value in fields.items():
                    setattr(row, name, value)
                row.attempts = max(row.attempts, outcome.attempt_number)
                if completed and row.completed_at is None:
                    row.completed_at = outcome.changed_at
                row.save()
                return row
        except IntegrityError:
            continue  # a concurrent first outcome created the row: the second pass updates it
    raise IntegrityError("courseware_progress_record")  # pragma: no cover


def _on_outcome(sender, *, outcome: AttemptOutcome, **kwargs) -> None:
    courseware_progress_record(outcome=outcome)
    # The enrolment's figure (dashboard, teacher's list) follows from the rows just stored.
    enrolment_progress_refresh(learner_id=outcome.learner_id, placement=outcome.placement)


def connect_signals() -> None:
    """Called from LmsConfig.ready()."""
    attempt_outcome_changed.connect(_on_outcome, dispatch_uid="lms.courseware_progress_record")
