"""moveOn: AU, block and course satisfaction, `satisfied` statements, and lms progress."""

from __future__ import annotations

import pytest

from courseware.models import Attempt, Cmi5AuState
from lms.models import CoursewareProgress
from lrs import cmi5 as rules
from lrs.models import Statement

from .conftest import aus


def _verbs(registration) -> list[str]:
    return [
        s.verb_id.rsplit("/", 1)[-1]
        for s in Statement.objects.filter(registration=registration).order_by("stored", "pk")
    ]


def _satisfied_types(registration) -> list[str]:
    return [
        s.payload["object"]["definition"]["type"].rsplit("/", 1)[-1]
        for s in Statement.objects.filter(registration=registration, verb_id=rules.SATISFIED)
    ]


def _run(au, *, complete=False, score=None, fail=None):
    if complete:
        assert (
            au.send(au.statement(rules.COMPLETED, moveon=True, completion=True)).status_code == 200
        )
    if score is not None:
        statement = au.statement(rules.PASSED, moveon=True, success=True, score={"scaled": score})
        assert au.send(statement).status_code == 200
    if fail is not None:
        statement = au.statement(rules.FAILED, moveon=True, success=False, score={"scaled": fail})
        assert au.send(statement).status_code == 200
    assert au.send(au.statement(rules.TERMINATED)).status_code == 200


@pytest.mark.parametrize(
    ("move_on", "run", "satisfied"),
    [
        ("Completed", {"complete": True}, True),
        ("Completed", {"score": 0.9}, False),
        ("Passed", {"score": 0.9}, True),
        ("Passed", {"complete": True}, False),
        ("CompletedAndPassed", {"complete": True, "score": 0.9}, True),
        ("CompletedAndPassed", {"complete": True}, False),
        ("CompletedOrPassed", {"score": 0.9}, True),
        ("CompletedOrPassed", {"complete": True}, True),
        ("CompletedOrPassed", {"fail": 0.1}, False),
    ],
)
def test_move_on_variants(school, course, launch, move_on, run, satisfied):
    _i, _t, learner, _o = school
    result = course(move_on=move_on)
    au = launch(result).start()
    _run(au, **run)
    attempt = Attempt.objects.get()
    first = aus(result.version)[0]
    state = Cmi5AuState.objects.get(attempt=attempt, activity=first)
    assert state.satisfied is satisfied
    # The second AU (NotApplicable, inside the block) was satisfied at the first launch, so
    # the course is satisfied exactly when the first AU is.
    assert ("course" in _satisfied_types(au.registration)) is satisfied
    progress = CoursewareProgress.objects.get(learner=learner)
    assert (progress.completion_status == "completed") is satisfied
    assert (progress.completed_at is not None) is satisfied
    if satisfied and run.get("score"):
        assert progress.success_status == "passed"
        assert progress.score_scaled == pytest.approx(run["score"])


def test_satisfied_statements_follow_the_outcome_in_order(course, launch):
    result = course(move_on="CompletedAndPassed")
    au = launch(result).start()
    _run(au, complete=True, score=0.9)
    verbs = _verbs(au.registration)
    # The block of the NotApplicable AU is satisfied before the first launch.
    assert verbs[:2] == ["satisfied", "launched"]
    assert verbs[2:] == ["initialized", "completed", "passed", "satisfied", "terminated"]
    course_satisfied = (
        Statement.objects.filter(registration=au.registration, verb_id=rules.SATISFIED)
        .order_by("-stored")
        .first()
        .payload
    )
    assert course_satisfied["context"]["contextActivities"]["grouping"] == [
        {"id": "https://taynghe.example/course/t"}
    ]
    assert course_satisfied["context"]["extensions"][rules.EXT_SESSION] == au.session_id
    assert course_satisfied["object"]["id"] != "https://taynghe.example/course/t"


def test_not_applicable_satisfies_at_registration(school, course, launch):
    _i, _t, learner, _o = school
    result = course(move_on="NotApplicable")
    au = launch(result)
    assert sorted(_satisfied_types(au.registration)) == ["block", "course"]
    assert _verbs(au.registration)[-1] == "launched"
    assert CoursewareProgress.objects.get(learner=learner).completion_status == "completed"


def test_satisfaction_is_recorded_once(course, launch):
    result = course(move_on="CompletedOrPassed")
    au = launch(result).start()
    _run(au, complete=True, score=0.9)
    assert _satisfied_types(au.registration).count("course") == 1
