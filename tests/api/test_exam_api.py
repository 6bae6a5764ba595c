"""The exam API: exams for their institution's staff, attempts for their learner (results
only once released) and for the exam's staff, all scoped by tenancy."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from assessment import attempts, marking
from tests.assessment import factories


@pytest.fixture
def exam(tenant_a):
    bank = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)
    items = [
        factories.make_item(bank, "true_false", actor=tenant_a.teacher),
        factories.make_item(bank, "single_choice", actor=tenant_a.teacher, tags=["an-toan"]),
    ]
    return factories.make_exam(
        tenant_a.institution,
        actor=tenant_a.teacher,
        items=items[:1],
        rules=[factories_rule(bank)],
        title="Đề kiểm tra API",
        time_limit_minutes=20,
        access_code="MA-1",
        review_when="on_release",
    )


def factories_rule(bank):
    from assessment.exams import RuleSpec

    return RuleSpec(bank=bank, count=1, tag="an-toan")


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def submitted(tenant, exam, *, answer=True):
    [attempt] = attempts.exam_attempts_prepare(
        actor=tenant.teacher, exam=exam, learners=[tenant.learner]
    )
    attempts.attempt_start(attempt=attempt, learner=tenant.learner, access_code="MA-1")
    question = attempt.questions.get(view__type="true_false")
    attempts.answer_save(
        attempt=attempt, learner=tenant.learner, question_key=question.key, seq=1, response=answer
    )
    return attempts.attempt_submit(attempt=attempt, actor=tenant.learner)


def test_staff_list_and_read_their_exams_with_settings_and_sections(tenant_a, exam):
    api = api_as(tenant_a.teacher)
    rows = api.get("/api/v1/exams/").json()["results"]
    assert [row["id"] for row in rows] == [exam.pk]
    assert rows[0]["institution"] == "AAA"
    assert rows[0]["version"]["number"] == 1
    assert rows[0]["version"]["time_limit_minutes"] == 20
    detail = api.get(f"/api/v1/exams/{exam.pk}/").json()
    [section] = detail["sections"]
    assert len(section["items"]) == 1
    assert section["rules"][0]["tag"] == "an-toan"
    assert detail["version"]["access_code"] == "MA-1"


def test_the_exam_list_reads_in_fixed_queries(tenant_a, exam, django_assert_max_num_queries):
    for number in range(3):
        factories.make_exam(
            tenant_a.institution,
            actor=tenant_a.teacher,
            items=[exam.current_version.sections.get().items.get().item_version],
            title=f"Đề {number}",
        )
    api = api_as(tenant_a.teacher)
    api.get("/api/v1/exams/")  # warm the user's roles
    with django_assert_max_num_queries(8):
        rows = api.get("/api/v1/exams/").json()["results"]
    assert len(rows) == 4


def test_another_institution_and_learners_see_no_exam(tenant_a, tenant_b, exam):
    for user in (tenant_b.teacher, tenant_b.admin, tenant_a.learner):
        api = api_as(user)
        assert api.get("/api/v1/exams/").json()["results"] == []
        assert api.get(f"/api/v1/exams/{exam.pk}/").status_code == 404


def test_anonymous_callers_are_refused(exam):
    assert APIClient().get("/api/v1/exams/").status_code == 401
    assert APIClient().get("/api/v1/exam-attempts/").status_code == 401


def test_the_api_is_read_only(tenant_a, exam):
    api = api_as(tenant_a.teacher)
    assert api.post("/api/v1/exams/", {"title": "x"}, format="json").status_code == 405
    assert api.delete(f"/api/v1/exams/{exam.pk}/").status_code == 405


def test_a_learner_sees_only_submitted_status_until_the_result_is_released(tenant_a, exam):
    marking.exam_marking_update(actor=tenant_a.teacher, exam=exam, release="examiner")
    attempt = submitted(tenant_a, exam)
    api = api_as(tenant_a.learner)
    rows = api.get("/api/v1/exam-attempts/").json()["results"]
    assert [(row["id"], row["status"]) for row in rows] == [(str(attempt.public_id), "submitted")]
    detail = api.get(f"/api/v1/exam-attempts/{attempt.public_id}/").json()
    # The examiner releases results and has not yet: nothing of the marks.
    assert detail["status"] == "submitted"
    assert detail["result"]["state"] == "awaiting"
    assert "score" not in detail["result"]
    marking.results_release(actor=tenant_a.teacher, exam=exam)
    detail = api.get(f"/api/v1/exam-attempts/{attempt.public_id}/").json()
    assert detail["result"]["state"] == "released"
    assert detail["result"]["score"] == "1"


def test_a_learner_reads_the_released_result(tenant_a, exam):
    from assessment import exams

    exams.exam_update(actor=tenant_a.teacher, exam=exam, review_when="immediately")
    attempt = submitted(tenant_a, exam)
    assert attempt.version.review_when == "immediately"
    result = (
        api_as(tenant_a.learner).get(f"/api/v1/exam-attempts/{attempt.public_id}/").json()["result"]
    )
    # Released automatically (every mark final): the score and the review.
    assert result["state"] == "released"
    assert result["review"]["max_score"] == "2"
    assert result["review"]["score"] == "1"  # the drawn choice question is unanswered
    assert len(result["review"]["questions"]) == 2


def test_staff_read_the_marks_of_their_institutions_attempts_only(tenant_a, tenant_b, exam):
    attempt = submitted(tenant_a, exam)
    detail = api_as(tenant_a.teacher).get(f"/api/v1/exam-attempts/{attempt.public_id}/").json()
    assert detail["learner"] == tenant_a.learner.username
    assert detail["result"]["score"] == "1"
    other = api_as(tenant_b.teacher)
    assert other.get("/api/v1/exam-attempts/").json()["results"] == []
    assert other.get(f"/api/v1/exam-attempts/{attempt.public_id}/").status_code == 404


def test_a_learner_cannot_read_another_learners_attempt(tenant_a, exam):
    from tests import factories as site_factories

    attempt = submitted(tenant_a, exam)
    classmate = site_factories.make_learner(tenant_a.institution, "ban-cung-lop")
    api = api_as(classmate)
    assert api.get("/api/v1/exam-attempts/").json()["results"] == []
    assert api.get(f"/api/v1/exam-attempts/{attempt.public_id}/").status_code == 404
    assert api.get("/api/v1/exam-attempts/not-a-uuid/").status_code == 404


def test_attempts_filter_by_exam(tenant_a, exam):
    submitted(tenant_a, exam)
    api = api_as(tenant_a.teacher)
    assert len(api.get("/api/v1/exam-attempts/", {"exam": exam.pk}).json()["results"]) == 1
    assert api.get("/api/v1/exam-attempts/", {"exam": exam.pk + 999}).json()["results"] == []


def test_the_openapi_document_describes_the_exam_endpoints(client, db):
    import yaml

    paths = yaml.safe_load(client.get("/api/v1/schema/").content)["paths"]
    for path in (
        "/api/v1/exams/",
        "/api/v1/exams/{id}/",
        "/api/v1/exam-attempts/",
        "/api/v1/exam-attempts/{public_id}/",
    ):
        assert path in paths
