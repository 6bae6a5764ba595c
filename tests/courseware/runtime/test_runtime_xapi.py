"""Each change of an attempt's outcome is also an xAPI statement in the platform's LRS."""

from __future__ import annotations

from django.conf import settings

from lrs.models import Statement
from tests.courseware import packages

from .conftest import Runtime, scos


def test_outcome_changes_are_statements_with_the_attempt_as_registration(
    school, imported, open_attempt
):
    institution, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    runtime = Runtime(attempt, scos(result.version)[0], learner)
    runtime.load()
    runtime.commit({"core": {"lesson_location": "p1"}})
    runtime.commit({"core": {"lesson_location": "p2"}})  # no outcome change: no statement
    runtime.commit(
        {"core": {"lesson_status": "passed", "score": {"raw": "85"}, "session_time": "00:02:00"}},
        terminate=True,
    )
    statements = list(Statement.objects.filter(registration=attempt.pk).order_by("stored"))
    assert [s.verb_id.rsplit("/", 1)[-1] for s in statements] == ["progressed", "passed"]
    assert all(s.institution == institution for s in statements)
    passed = statements[-1].payload
    assert passed["actor"]["account"] == {
        "homePage": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
        "name": learner.learner_id,
    }
    assert passed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert passed["object"]["id"].endswith(f"/courseware/packages/{result.package.pk}")
    assert passed["context"]["registration"] == str(attempt.pk)
    assert passed["result"] == {
        "completion": True,
        "success": True,
        "score": {"scaled": 0.85},
        "duration": "PT2M0S",
    }


def test_completion_without_success_is_completed(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_single())
    attempt = open_attempt(result)
    runtime = Runtime(attempt, scos(result.version)[0], learner)
    runtime.load()
    runtime.commit({"core": {"lesson_status": "completed"}}, terminate=True)
    verbs = Statement.objects.filter(registration=attempt.pk).values_list("verb_id", flat=True)
    assert list(verbs) == ["http://adlnet.gov/expapi/verbs/completed"]
