"""Commits the server refuses or answers without harm: wrong people, bad values, replays, old data."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from courseware import api
from courseware.models import Attempt, CmiCommit, CmiRecord
from tests.courseware import packages

from .conftest import Runtime, scos


@pytest.fixture
def session12(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    runtime = Runtime(attempt, scos(result.version)[0], learner)
    runtime.load()
    runtime.commit({"core": {"lesson_location": "kept", "session_time": "00:01:00"}})
    return runtime


def _unchanged(runtime, before):
    record = CmiRecord.objects.get(attempt=runtime.attempt, activity=runtime.activity)
    assert record.data == before.data
    assert record.seq == before.seq
    assert record.session_seconds == before.session_seconds
    assert CmiCommit.objects.filter(record=record).count() == 1


def test_another_learner_can_neither_load_nor_commit(school, session12):
    _i, teacher, _learner, other = school
    for person in (other, teacher):
        with pytest.raises(PermissionDenied):
            api.runtime_load(attempt=session12.attempt, activity=session12.activity, learner=person)
        with pytest.raises(PermissionDenied):
            api.runtime_commit(
                attempt=session12.attempt,
                activity=session12.activity,
                learner=person,
                seq=99,
                commit_id="x",
                cmi={"cmi": {"core": {"lesson_status": "passed"}}},
                terminate=True,
            )
    assert CmiRecord.objects.get().data["cmi.core.lesson_location"] == "kept"


def test_an_activity_of_another_package_is_refused(school, imported, session12):
    other_package = imported(packages.scorm12_multi())
    foreign = scos(other_package.version)[0]
    with pytest.raises(PermissionDenied):
        api.runtime_load(attempt=session12.attempt, activity=foreign, learner=session12.learner)
    with pytest.raises(PermissionDenied):
        Runtime(session12.attempt, foreign, session12.learner).commit({"core": {}})


@pytest.mark.parametrize(
    ("cmi", "code", "element"),
    [
        ({"core": {"lesson_status": "done"}}, 405, "cmi.core.lesson_status"),
        ({"core": {"score": {"raw": "101"}}}, 405, "cmi.core.score.raw"),
        ({"core": {"score": {"raw": "abc"}}}, 405, "cmi.core.score.raw"),
        ({"core": {"session_time": "1:2:3"}}, 405, "cmi.core.session_time"),
        ({"core": {"exit": "quit"}}, 405, "cmi.core.exit"),
        ({"core": {"lesson_location": "x" * 256}}, 405, "cmi.core.lesson_location"),
        ({"core": {"nonsense": "1"}}, 201, "cmi.core.nonsense"),
        ({"student_preference": {"audio": "101"}}, 405, "cmi.student_preference.audio"),
        ({"interactions": {"0": {"id": "q\t1"}}}, 405, "cmi.interactions.0.id"),
        ({"interactions": {"0": {"id": "q" * 256}}}, 405, "cmi.interactions.0.id"),
        ({"interactions": {"0": {"id": "q1", "type": "essay"}}}, 405, "cmi.interactions.0.type"),
        (
            {"interactions": {"0": {"id": "q1", "student_response": "x" * 256}}},
            405,
            "cmi.interactions.0.student_response",
        ),
        ({"core": {"lesson_location": {"a": ["b"]}}}, 201, "cmi.core.lesson_location.a.0"),
        ({"comments": True}, 405, "cmi.comments"),
        ({"suspend_data": "x" * 64001}, 405, "cmi.suspend_data"),
    ],
)
def test_scorm12_bad_value_raises_its_code_and_stores_nothing(session12, cmi, code, element):
    before = CmiRecord.objects.get()
    with pytest.raises(api.CmiError) as caught:
        session12.commit(cmi)
    assert (caught.value.code, caught.value.element) == (code, element)
    _unchanged(session12, before)


def test_read_only_values_sent_back_are_ignored_not_trusted(session12):
    session12.commit(
        {"core": {"student_id": "someone-else", "credit": "no-credit", "total_time": "9999:00:00"}}
    )
    state = session12.load()
    assert state.cmi["core"]["student_id"] == session12.learner.learner_id
    assert state.cmi["core"]["credit"] == "credit"
    assert state.cmi["core"]["total_time"] == "0000:01:00.00"


def test_replayed_commit_returns_its_first_result_and_changes_nothing(session12):
    first = session12.commit({"core": {"lesson_status": "incomplete"}}, commit_id="c-1")
    session12.commit({"core": {"lesson_status": "completed"}})
    again = session12.commit({"core": {"lesson_status": "failed"}}, commit_id="c-1", seq=first.seq)
    assert again.seq == first.seq and again.completion_status == "incomplete"
    record = CmiRecord.objects.get()
    assert record.data["cmi.core.lesson_status"] == "completed"
    assert record.seq == 3


def test_an_older_sequence_never_overwrites_newer_data(session12):
    session12.commit({"core": {"lesson_location": "page-9"}})  # seq 2
    late = session12.commit({"core": {"lesson_location": "page-1"}}, seq=2)
    assert late.stale and not late.ok and late.seq == 2
    older = session12.commit({"core": {"lesson_location": "page-0"}}, seq=1)
    assert older.stale
    assert CmiRecord.objects.get().data["cmi.core.lesson_location"] == "page-9"


@pytest.mark.parametrize(
    ("seq", "commit_id", "cmi"),
    [
        (True, "a", {}),
        (-1, "a", {}),
        ("5", "a", {}),
        (5, "", {}),
        (5, "x" * 65, {}),
        (5, None, {}),
        (5, "a", ["cmi"]),
        (5, "a", "cmi.core.lesson_status=passed"),
    ],
)
def test_malformed_requests_are_refused(session12, seq, commit_id, cmi):
    before = CmiRecord.objects.get()
    with pytest.raises(api.CmiError):
        api.runtime_commit(
            attempt=session12.attempt,
            activity=session12.activity,
            learner=session12.learner,
            seq=seq,
            commit_id=commit_id,
            cmi=cmi,
            terminate=False,
        )
    _unchanged(session12, before)


def test_closed_attempt_loads_for_review_and_refuses_commits(school, session12):
    api.attempt_close(attempt=session12.attempt, actor=session12.learner)
    state = session12.load()  # with the caller's stale copy of the attempt: still review
    assert (state.credit, state.mode) == ("no-credit", "review")
    assert state.cmi["core"]["lesson_location"] == "kept"
    with pytest.raises(PermissionDenied):
        session12.commit({"core": {"lesson_location": "changed"}})


def test_attempt_open_returns_the_active_attempt_and_new_starts_the_next(
    school, imported, open_attempt
):
    result = imported(packages.scorm12_single())
    first = open_attempt(result)
    assert open_attempt(result) == first
    assert open_attempt(result, placement="lesson:2:block") != first
    second = open_attempt(result, new=True)
    assert second.number == 2 and second.pk != first.pk
    assert (
        Attempt.objects.filter(status=Attempt.Status.ACTIVE, placement="lesson:1:block").get()
        == second
    )


def test_attempt_stays_on_the_version_it_began_on(school, imported, open_attempt):
    import io

    from courseware.services import package_version_add

    _i, teacher, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    newer = package_version_add(
        actor=teacher,
        package=result.package,
        file=io.BytesIO(packages.zip_bytes(packages.scorm12_single())),
    ).version
    again = api.attempt_open(
        learner=learner,
        package=result.package,
        version=newer,
        institution=attempt.institution,
        placement="lesson:1:block",
    )
    assert again == attempt and again.version == result.version
    fresh = api.attempt_open(
        learner=learner,
        package=result.package,
        version=newer,
        institution=attempt.institution,
        placement="lesson:1:block",
        new=True,
    )
    assert fresh.version == newer


def test_attempt_open_refuses_a_version_of_another_package(school, imported, open_attempt):
    _i, _t, learner, _o = school
    one = imported(packages.scorm12_single())
    two = imported(packages.scorm12_multi())
    with pytest.raises(ValidationError):
        api.attempt_open(
            learner=learner,
            package=one.package,
            version=two.version,
            institution=one.package.institution,
            placement="p",
        )


def test_progress_is_read_by_the_learner_and_own_staff_only(school, school_b, session12):
    _i, teacher, learner, other = school
    _ib, teacher_b, _lb, _ob = school_b
    for reader in (learner, teacher):
        progress = api.attempt_progress(attempt=session12.attempt, actor=reader)
        assert progress.activities[0].total_time_seconds == 60
        assert progress.activities[0].sessions == 1
    for stranger in (other, teacher_b):
        with pytest.raises(PermissionDenied):
            api.attempt_progress(attempt=session12.attempt, actor=stranger)
    assert session12.attempt in Attempt.objects.visible_to(teacher)
    assert session12.attempt in Attempt.objects.visible_to(learner)
    assert session12.attempt not in Attempt.objects.visible_to(teacher_b)
    assert session12.attempt not in Attempt.objects.visible_to(other)


def test_the_commit_log_keeps_a_window_and_an_older_replay_is_answered_stale(
    session12, monkeypatch
):
    from courseware.runtime import services

    monkeypatch.setattr(services, "COMMIT_LOG_KEEP", 3)
    monkeypatch.setattr(services, "COMMIT_LOG_PRUNE_EVERY", 2)
    for n in range(2, 7):
        session12.commit({"core": {"lesson_location": f"p{n}"}}, commit_id=f"c{n}")
    kept = set(CmiCommit.objects.values_list("commit_id", flat=True))
    assert kept == {"c4", "c5", "c6"}
    replay = session12.commit({"core": {"lesson_location": "old"}}, commit_id="c2", seq=2)
    assert replay.stale
    assert CmiRecord.objects.get().data["cmi.core.lesson_location"] == "p6"
