"""SCORM 1.2 sessions: load, commit, resume, time, mastery, rollup."""

from __future__ import annotations

from courseware.models import CmiRecord
from tests.courseware import packages

from .conftest import Runtime, scos


def test_first_load_is_ab_initio_with_learner_and_launch_data(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_multi())
    attempt = open_attempt(result)
    first = scos(result.version)[0]
    state = Runtime(attempt, first, learner).load()
    assert state.standard == "scorm12"
    assert state.entry == "ab-initio"
    assert state.seq == 0
    core = state.cmi["core"]
    assert core["student_id"] == learner.learner_id
    assert core["lesson_status"] == "not attempted"
    assert core["credit"] == "credit" and core["lesson_mode"] == "normal"
    assert core["total_time"] == "0000:00:00.00"
    assert state.cmi["launch_data"] == "level=1"
    assert state.cmi["student_data"]["mastery_score"] == "80"


def test_suspend_then_resume_restores_everything_exactly(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    sco = scos(result.version)[0]
    runtime = Runtime(attempt, sco, learner)
    runtime.load()
    big = "x" * 10000 + "é"  # beyond 1.2's 4096: kept whole
    runtime.commit(
        {
            "core": {
                "lesson_location": "page-7",
                "lesson_status": "incomplete",
                "exit": "suspend",
                "session_time": "00:10:00",
                "score": {"raw": "", "min": "", "max": ""},
            },
            "suspend_data": big,
            "interactions": {
                "0": {
                    "id": "q1",
                    "type": "choice",
                    "student_response": "a",
                    "result": "wrong",
                    "objectives": {"0": {"id": "obj1"}},
                    "correct_responses": {"0": {"pattern": "b"}},
                }
            },
            "objectives": {"0": {"id": "obj1", "status": "incomplete", "score": {"raw": "40"}}},
        },
        terminate=True,
    )
    # Another device, another session.
    state = Runtime(attempt, sco, learner).load()
    assert state.entry == "resume"
    assert state.seq == 1
    assert state.cmi["suspend_data"] == big
    assert state.cmi["core"]["lesson_location"] == "page-7"
    assert state.cmi["core"]["total_time"] == "0000:10:00.00"
    assert "exit" not in state.cmi["core"] and "session_time" not in state.cmi["core"]
    assert state.cmi["interactions"]["0"]["student_response"] == "a"
    assert next(iter(state.cmi["interactions"]["0"])) == "id"
    assert state.cmi["interactions"]["0"]["correct_responses"]["0"]["pattern"] == "b"
    assert state.cmi["objectives"]["0"] == {
        "id": "obj1",
        "status": "incomplete",
        "score": {"raw": "40"},
    }


def test_session_time_is_added_once_per_session(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    sco = scos(result.version)[0]
    runtime = Runtime(attempt, sco, learner)
    runtime.load()
    runtime.commit({"core": {"session_time": "00:01:00"}})
    runtime.commit({"core": {"session_time": "00:02:00"}})  # the session's time so far
    done = runtime.commit({"core": {"session_time": "00:02:30", "exit": "suspend"}}, terminate=True)
    assert done.total_time_seconds == 150
    runtime.load()
    again = runtime.commit({"core": {"session_time": "00:00:30"}}, terminate=True)
    assert again.total_time_seconds == 180
    attempt.refresh_from_db()
    assert attempt.total_time_seconds == 180


def test_mastery_score_decides_passed_or_failed(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_multi())
    attempt = open_attempt(result)
    first = scos(result.version)[0]
    runtime = Runtime(attempt, first, learner)
    runtime.load()
    low = runtime.commit({"core": {"lesson_status": "passed", "score": {"raw": "79"}}})
    assert low.success_status == "failed" and low.completion_status == "incomplete"
    high = runtime.commit({"core": {"lesson_status": "incomplete", "score": {"raw": "80"}}})
    assert high.success_status == "passed" and high.completion_status == "completed"
    record = CmiRecord.objects.get(attempt=attempt, activity=first)
    assert record.data["cmi.core.lesson_status"] == "passed"
    assert record.score_scaled == 0.8


def test_course_completes_when_every_sco_is_completed_or_passed(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_multi())
    attempt = open_attempt(result)
    activities = scos(result.version)
    # Two SCOs and an asset: the asset has no API and never reports, so it is not waited for.
    assert [a.scorm_type for a in activities] == ["sco", "sco", "asset"]
    for index, activity in enumerate(activities[:2]):
        runtime = Runtime(activity=activity, attempt=attempt, learner=learner)
        runtime.load()
        status = "passed" if index == 0 else "completed"
        raw = {"raw": "90"} if index == 0 else {}
        runtime.commit({"core": {"lesson_status": status, "score": raw}}, terminate=True)
        attempt.refresh_from_db()
        expected = "completed" if index == 1 else "incomplete"
        assert attempt.completion_status == expected
    assert attempt.success_status == "passed"


def test_one_failed_sco_fails_the_course(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_multi())
    attempt = open_attempt(result)
    first, second, _asset = scos(result.version)
    one = Runtime(attempt, first, learner)
    one.load()
    one.commit({"core": {"score": {"raw": "50"}}}, terminate=True)  # below mastery 80
    two = Runtime(attempt, second, learner)
    two.load()
    two.commit({"core": {"lesson_status": "passed"}}, terminate=True)
    attempt.refresh_from_db()
    assert (attempt.completion_status, attempt.success_status) == ("incomplete", "failed")
    assert attempt.score_scaled == 0.5


def test_what_scorm_again_accepts_in_12_is_stored(school, imported, open_attempt):
    """Refusing what the runtime already accepted would lose the learner's whole commit."""
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    runtime = Runtime(attempt, scos(result.version)[0], learner)
    runtime.load()
    runtime.commit(
        {
            "core": {"score": {"raw": ".5", "max": None}},
            "interactions": [
                {"id": "Question 1", "type": "true-false", "student_response": "true"}
            ],
        }
    )
    data = CmiRecord.objects.get().data
    assert data["cmi.interactions.0.id"] == "Question 1"
    assert data["cmi.interactions.0.student_response"] == "true"
    assert data["cmi.core.score.raw"] == ".5"
    assert "cmi.core.score.max" not in data
