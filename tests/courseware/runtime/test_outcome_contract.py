"""The contract from courseware to lms: one signal after commit, one idempotent lms row."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.db import transaction
from django.test import TestCase

from courseware.data import AttemptOutcome
from courseware.models import Attempt
from courseware.signals import attempt_outcome_changed
from lms.models import CoursewareProgress
from lms.progress import courseware_progress_record
from lrs.models import Statement
from tests.courseware import packages

from .conftest import Runtime, scos


@pytest.fixture
def outcomes():
    received = []

    def receiver(sender, *, outcome, **kwargs):
        received.append(outcome)

    attempt_outcome_changed.connect(receiver, dispatch_uid="test-outcomes")
    yield received
    attempt_outcome_changed.disconnect(dispatch_uid="test-outcomes")


def _passed_commit(runtime):
    return runtime.commit(
        {"core": {"lesson_status": "passed", "score": {"raw": "95"}, "session_time": "00:05:00"}},
        terminate=True,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_commit_sends_one_signal_after_commit_and_lms_keeps_one_row(
    school, imported, open_attempt, outcomes
):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    runtime = Runtime(attempt, scos(result.version)[0], learner)
    runtime.load()
    runtime.commit({"core": {"lesson_location": "p1"}})  # incomplete: a first outcome
    assert [o.completion_status for o in outcomes] == ["incomplete"]
    runtime.commit({"core": {"lesson_location": "p2"}})  # nothing changed: no signal
    assert len(outcomes) == 1
    _passed_commit(runtime)
    assert [(o.completion_status, o.success_status, o.sequence) for o in outcomes] == [
        ("incomplete", "unknown", 1),
        ("completed", "passed", 2),
    ]
    row = CoursewareProgress.objects.get()
    assert row.learner == learner
    assert row.placement == "lesson:1:block"
    assert row.attempt_id == attempt.pk
    assert (row.completion_status, row.success_status, row.score_scaled) == (
        "completed",
        "passed",
        0.95,
    )
    assert row.total_time_seconds == 300
    assert row.completed_at is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rolled_back_transaction_sends_nothing(school, imported, open_attempt, outcomes):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    runtime = Runtime(attempt, scos(result.version)[0], learner)
    runtime.load()
    with pytest.raises(RuntimeError), transaction.atomic():
        _passed_commit(runtime)
        raise RuntimeError("the caller fails after the commit service")
    assert outcomes == []
    assert not CoursewareProgress.objects.exists()
    attempt.refresh_from_db()
    assert attempt.completion_status == "not attempted"
    assert not Statement.objects.exists()


def test_replayed_or_older_outcome_changes_nothing(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    runtime = Runtime(attempt, scos(result.version)[0], learner)
    runtime.load()
    with_outcomes = []
    attempt_outcome_changed.connect(
        lambda sender, outcome, **kw: with_outcomes.append(outcome), dispatch_uid="t2", weak=False
    )
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            runtime.commit({"core": {"lesson_location": "p1"}})
        with TestCase.captureOnCommitCallbacks(execute=True):
            _passed_commit(runtime)
    finally:
        attempt_outcome_changed.disconnect(dispatch_uid="t2")
    first, second = with_outcomes
    row = CoursewareProgress.objects.get()
    assert row.sequence == 2 and row.completion_status == "completed"
    before = CoursewareProgress.objects.values().get()
    courseware_progress_record(outcome=first)  # older: arrives late
    courseware_progress_record(outcome=second)  # replayed
    assert CoursewareProgress.objects.values().get() == before


def test_a_later_attempt_wins_over_an_older_attempts_late_outcome(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    first = open_attempt(result)
    second = open_attempt(result, new=True)
    assert second.number == 2
    first.refresh_from_db()
    assert first.status == Attempt.Status.CLOSED
    now = datetime.datetime.now(datetime.UTC)
    base = {
        "learner_id": learner.pk,
        "package_id": result.package.pk,
        "version_id": result.version.pk,
        "institution_id": second.institution_id,
        "placement": "lesson:1:block",
        "success_status": "unknown",
        "score_scaled": None,
        "total_time_seconds": 0.0,
    }
    newer = AttemptOutcome(
        attempt_id=second.pk,
        completion_status="incomplete",
        changed_at=now,
        sequence=1,
        attempt_number=2,
        **base,
    )
    late = dataclasses.replace(
        newer,
        attempt_id=first.pk,
        completion_status="completed",
        sequence=7,
        attempt_number=1,
        changed_at=now + datetime.timedelta(seconds=5),
    )
    courseware_progress_record(outcome=newer)
    courseware_progress_record(outcome=late)
    row = CoursewareProgress.objects.get()
    assert row.attempt_id == second.pk and row.completion_status == "incomplete"
    assert row.attempts == 2


def test_progress_rows_are_scoped_to_the_learner_and_own_staff(
    school, school_b, imported, open_attempt
):
    _i, teacher, learner, other = school
    _ib, teacher_b, _lb, _ob = school_b
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    runtime = Runtime(attempt, scos(result.version)[0], learner)
    runtime.load()
    with TestCase.captureOnCommitCallbacks(execute=True):
        runtime.commit({"core": {"lesson_status": "completed"}}, terminate=True)
    row = CoursewareProgress.objects.get()
    assert row in CoursewareProgress.objects.visible_to(learner)
    assert row in CoursewareProgress.objects.visible_to(teacher)
    assert row not in CoursewareProgress.objects.visible_to(other)
    assert row not in CoursewareProgress.objects.visible_to(teacher_b)
