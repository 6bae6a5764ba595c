"""The LRS rules cmi5 puts on an AU's statements (cmi5 §9): accepted, and refused with 403."""

from __future__ import annotations

import json

import pytest

from lrs import cmi5 as rules
from lrs.models import Statement


@pytest.fixture
def au(course, launch):
    return launch(course()).start()


def _moveon(au, verb, **result):
    return au.statement(verb, moveon=True, **result)


def test_a_whole_session_is_accepted(au):
    assert au.send(_moveon(au, rules.COMPLETED, completion=True)).status_code == 200
    passed = _moveon(au, rules.PASSED, success=True, score={"scaled": 0.9})
    assert au.send(passed).status_code == 200
    allowed = au.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False)
    assert au.send(allowed).status_code == 200
    assert au.send(au.statement(rules.TERMINATED, duration="PT1M")).status_code == 200


def test_statement_before_initialized_is_forbidden(course, launch):
    au = launch(course())
    au.fetch()
    au.read_launch_data()
    response = au.send(_moveon(au, rules.COMPLETED, completion=True))
    assert response.status_code == 403
    allowed = au.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False)
    assert au.send(allowed).status_code == 403
    assert not Statement.objects.filter(verb_id=rules.COMPLETED).exists()


def test_statement_after_terminated_is_forbidden(au):
    assert au.send(au.statement(rules.TERMINATED)).status_code == 200
    response = au.send(_moveon(au, rules.COMPLETED, completion=True))
    assert response.status_code == 403
    assert b"terminated" in response.content


def test_initialized_twice_is_forbidden(au):
    assert au.send(au.statement(rules.INITIALIZED)).status_code == 403


def test_passed_below_mastery_score_is_forbidden(au):
    low = _moveon(au, rules.PASSED, success=True, score={"scaled": 0.5})
    assert au.send(low).status_code == 403
    at = _moveon(au, rules.PASSED, success=True, score={"scaled": 0.7})
    assert au.send(at).status_code == 200


def test_failed_at_or_above_mastery_score_is_forbidden(au):
    high = _moveon(au, rules.FAILED, success=False, score={"scaled": 0.8})
    assert au.send(high).status_code == 403
    low = _moveon(au, rules.FAILED, success=False, score={"scaled": 0.2})
    assert au.send(low).status_code == 200


def test_completed_twice_is_forbidden_even_in_another_session(course, launch):
    result = course()
    first = launch(result).start()
    assert first.send(_moveon(first, rules.COMPLETED, completion=True)).status_code == 200
    assert first.send(_moveon(first, rules.COMPLETED, completion=True)).status_code == 403
    assert first.send(first.statement(rules.TERMINATED)).status_code == 200
    second = launch(result).start()
    assert second.send(_moveon(second, rules.COMPLETED, completion=True)).status_code == 403


def test_failed_or_passed_after_passed_is_forbidden(au):
    passed = _moveon(au, rules.PASSED, success=True, score={"scaled": 0.9})
    assert au.send(passed).status_code == 200
    failed = _moveon(au, rules.FAILED, success=False, score={"scaled": 0.1})
    assert au.send(failed).status_code == 403
    again = _moveon(au, rules.PASSED, success=True, score={"scaled": 1.0})
    assert au.send(again).status_code == 403


def test_missing_or_wrong_session_id_is_forbidden(au):
    statement = _moveon(au, rules.COMPLETED, completion=True)
    del statement["context"]["extensions"][rules.EXT_SESSION]
    assert au.send(statement).status_code == 403
    statement["context"]["extensions"][rules.EXT_SESSION] = "another-session"
    assert au.send(statement).status_code == 403


def test_defined_statement_without_cmi5_category_is_forbidden(au):
    statement = au.statement(rules.TERMINATED, defined=False)
    assert au.send(statement).status_code == 403


def test_allowed_statement_with_cmi5_category_is_forbidden(au):
    statement = au.statement("http://adlnet.gov/expapi/verbs/experienced")
    assert au.send(statement).status_code == 403


def test_completed_without_moveon_category_or_completion_is_forbidden(au):
    assert au.send(au.statement(rules.COMPLETED, completion=True)).status_code == 403
    assert au.send(_moveon(au, rules.COMPLETED)).status_code == 403


def test_lms_verbs_are_forbidden_to_the_au(au):
    for verb in (rules.LAUNCHED, rules.SATISFIED, rules.WAIVED, rules.ABANDONED):
        assert au.send(au.statement(verb)).status_code == 403


def test_defined_statement_about_another_activity_is_forbidden(au):
    statement = _moveon(au, rules.COMPLETED, completion=True)
    statement["object"]["id"] = "https://elsewhere.example/au"
    assert au.send(statement).status_code == 403


@pytest.mark.parametrize("mode", ["Browse", "Review"])
def test_browse_and_review_refuse_outcomes(course, launch, mode):
    au = launch(course(), mode=mode).start()
    assert au.launch_data["launchMode"] == mode
    for verb, result in (
        (rules.COMPLETED, {"completion": True}),
        (rules.PASSED, {"success": True, "score": {"scaled": 0.9}}),
        (rules.FAILED, {"success": False, "score": {"scaled": 0.1}}),
    ):
        assert au.send(_moveon(au, verb, **result)).status_code == 403
    assert au.send(au.statement(rules.TERMINATED)).status_code == 200


def test_a_batch_is_refused_whole(au):
    good = _moveon(au, rules.COMPLETED, completion=True)
    bad = _moveon(au, rules.PASSED, success=True, score={"scaled": 0.1})
    response = au.client.post(
        au.endpoint_path + "statements",
        data=json.dumps([good, bad]),
        content_type="application/json",
        **au.headers(),
    )
    assert response.status_code == 403
    assert not Statement.objects.filter(verb_id=rules.COMPLETED).exists()


def test_credentials_of_a_new_session_stop_the_old_one(course, launch):
    result = course()
    first = launch(result).start()
    second = launch(result).start()
    # The first session was abandoned by the second launch: its credentials stopped.
    assert first.send(_moveon(first, rules.COMPLETED, completion=True)).status_code == 401
    assert second.send(_moveon(second, rules.COMPLETED, completion=True)).status_code == 200


def test_initialized_before_reading_the_learner_preferences_is_forbidden(course, launch):
    au = launch(course())
    au.fetch()
    au.read_launch_data()
    assert au.send(au.statement(rules.INITIALIZED)).status_code == 403
    assert au.read_preferences().status_code == 404
    assert au.send(au.statement(rules.INITIALIZED)).status_code == 200


def test_the_au_reads_but_never_writes_preferences_or_launch_data(au):
    base = au.endpoint_path
    agent = json.dumps(au.actor)
    profile = au.client.put(
        f"{base}agents/profile?profileId=cmi5LearnerPreferences&agent={agent}",
        data=json.dumps({"languagePreference": "vi-VN", "audioPreference": "on"}),
        content_type="application/json",
        **au.headers(),
    )
    assert profile.status_code == 403
    other = json.dumps({"mbox": "mailto:someone@example.com"})
    assert (
        au.client.get(
            f"{base}agents/profile", {"profileId": "x", "agent": other}, **au.headers()
        ).status_code
        == 403
    )
    no_agent = au.client.put(
        f"{base}agents/profile?profileId=cmi5LearnerPreferences",
        data="{}",
        content_type="application/json",
        **au.headers(),
    )
    assert no_agent.status_code == 400
    query = (
        f"activityId={au.activity_id}&agent={agent}&registration={au.registration}"
        "&stateId=LMS.LaunchData"
    )
    put = au.client.put(
        f"{base}activities/state?{query}",
        data="{}",
        content_type="application/json",
        **au.headers(),
    )
    assert put.status_code == 403
    assert au.client.delete(f"{base}activities/state?{query}", **au.headers()).status_code == 403
    assert au.read_launch_data()["launchMode"] == "Normal"


@pytest.mark.parametrize(
    "change",
    [
        "no_id",
        "no_timestamp",
        "local_timestamp",
        "no_duration",
        "completion_on_passed",
        "raw_without_min",
        "no_mastery_extension",
        "other_mastery_extension",
        "moveon_on_terminated",
        "voiding",
    ],
)
def test_malformed_au_statements_are_forbidden(au, change):
    passed = _moveon(
        au, rules.PASSED, success=True, score={"scaled": 0.9, "raw": 90, "min": 0, "max": 100}
    )
    if change == "no_id":
        del passed["id"]
    elif change == "no_timestamp":
        del passed["timestamp"]
    elif change == "local_timestamp":
        passed["timestamp"] = "2026-12-05T09:00:00.000+07:00"
    elif change == "no_duration":
        del passed["result"]["duration"]
    elif change == "completion_on_passed":
        passed["result"]["completion"] = True
    elif change == "raw_without_min":
        del passed["result"]["score"]["min"]
    elif change == "no_mastery_extension":
        del passed["context"]["extensions"][rules.EXT_MASTERY]
    elif change == "other_mastery_extension":
        passed["context"]["extensions"][rules.EXT_MASTERY] = 0.8
    elif change == "moveon_on_terminated":
        passed = au.statement(rules.TERMINATED, moveon=True)
    elif change == "voiding":
        stored = au.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False)
        assert au.send(stored).status_code == 200
        passed = au.statement(rules.INITIALIZED, defined=False)
        passed["verb"] = {"id": "http://adlnet.gov/expapi/verbs/voided"}
        passed["object"] = {"objectType": "StatementRef", "id": stored["id"]}
    assert au.send(passed).status_code == 403


def test_one_passed_or_failed_per_session_but_a_new_session_may_pass(course, launch):
    result = course()
    first = launch(result).start()
    failed = _moveon(first, rules.FAILED, success=False, score={"scaled": 0.1})
    assert first.send(failed).status_code == 200
    again = _moveon(first, rules.FAILED, success=False, score={"scaled": 0.2})
    assert first.send(again).status_code == 403
    passed = _moveon(first, rules.PASSED, success=True, score={"scaled": 0.9})
    assert first.send(passed).status_code == 403
    assert first.send(first.statement(rules.TERMINATED)).status_code == 200
    second = launch(result).start()
    passed = _moveon(second, rules.PASSED, success=True, score={"scaled": 0.9})
    assert second.send(passed).status_code == 200
