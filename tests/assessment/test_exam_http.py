"""The exam client's JSON endpoints: start, state, save (409 stale, 410 closed), submit."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment import attempts
from assessment.models import Answer, Attempt
from tests import factories as site_factories

from . import factories


@pytest.fixture
def attempt(tenant_a):
    bank = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)
    items = [
        factories.make_item(bank, "single_choice", actor=tenant_a.teacher),
        factories.make_item(bank, "ordering", actor=tenant_a.teacher),
    ]
    exam = factories.make_exam(
        tenant_a.institution,
        actor=tenant_a.teacher,
        items=items,
        time_limit_minutes=20,
        review_when="immediately",
    )
    [prepared] = attempts.exam_attempts_prepare(
        actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner]
    )
    return prepared


def url(name, attempt):
    return reverse(f"assessment:{name}", args=[attempt.public_id])


def post(client, name, attempt, body=None, **extra):
    return client.post(
        url(name, attempt),
        data=json.dumps(body or {}) if not isinstance(body, str) else body,
        content_type="application/json",
        **extra,
    )


@pytest.fixture
def learner_client(client, tenant_a):
    client.force_login(tenant_a.learner)
    return client


def started_state(client, attempt):
    response = post(client, "attempt_start", attempt)
    assert response.status_code == 200, response.content
    return response.json()


def test_start_returns_the_prepared_attempt_with_the_server_clock(learner_client, attempt):
    before = timezone.now()
    data = started_state(learner_client, attempt)
    assert data["status"] == "in_progress"
    assert [q["key"] for q in data["questions"]] == list(
        attempt.questions.values_list("key", flat=True)
    )
    deadline = Attempt.objects.get(pk=attempt.pk).deadline
    assert data["deadline"] == deadline.isoformat()
    assert before <= timezone.datetime.fromisoformat(data["server_now"]) <= timezone.now()
    assert "correct" not in json.dumps(data)
    # Starting again (a second tab, a reload) answers the same attempt and deadline.
    assert started_state(learner_client, attempt)["deadline"] == data["deadline"]


def test_save_state_and_submit_over_http(learner_client, attempt):
    data = started_state(learner_client, attempt)
    choice = next(q for q in data["questions"] if q["type"] == "single_choice")
    option = choice["body"]["options"][0]["id"]
    body = {"question": choice["key"], "seq": 2, "response": option}
    response = post(learner_client, "answer_save", attempt, body)
    assert response.status_code == 200
    assert response.json()["status"] == "saved"
    assert post(learner_client, "answer_save", attempt, body).json()["status"] == "unchanged"
    stale = post(learner_client, "answer_save", attempt, {**body, "seq": 1, "response": None})
    assert stale.status_code == 409
    assert stale.json() | {"saved_at": None} == {
        "status": "stale",
        "question": choice["key"],
        "seq": 2,
        "saved_at": None,
    }
    conflict = post(learner_client, "answer_save", attempt, {**body, "response": None})
    assert (conflict.status_code, conflict.json()["error"]) == (409, "seq_conflict")

    state = learner_client.get(url("attempt_state", attempt)).json()
    assert state["answers"] == {choice["key"]: {"seq": 2, "response": option}}

    submitted = post(learner_client, "attempt_submit", attempt)
    assert submitted.status_code == 200
    result = submitted.json()
    assert result["status"] == "submitted"
    assert result["review"]["max_score"] == "2"
    again = post(learner_client, "attempt_submit", attempt).json()
    assert again["review"]["score"] == result["review"]["score"]

    closed = post(learner_client, "answer_save", attempt, {**body, "seq": 3})
    assert (closed.status_code, closed.json()["error"]) == (410, "closed")


def test_saving_after_the_grace_period_is_gone(learner_client, attempt):
    data = started_state(learner_client, attempt)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=10))
    key = data["questions"][0]["key"]
    response = post(
        learner_client, "answer_save", attempt, {"question": key, "seq": 1, "response": None}
    )
    assert (response.status_code, response.json()["error"]) == (410, "deadline_passed")
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ("not json", 400, "invalid"),
        ("[1, 2]", 400, "invalid"),
        ({"seq": 1, "response": None}, 400, "invalid"),
        ({"question": "q-forged", "seq": 1, "response": None}, 400, "unknown_question"),
        ({"question": "KEY", "seq": "1", "response": None}, 400, "invalid"),
        ({"question": "KEY", "seq": 1, "response": "a"}, 400, "invalid"),
        (
            {"question": "KEY", "seq": 1, "response": None, "client_time": "yesterday"},
            400,
            "invalid",
        ),
    ],
)
def test_malformed_saves_get_a_clear_error(learner_client, attempt, body, status, error):
    data = started_state(learner_client, attempt)
    if isinstance(body, dict) and body.get("question") == "KEY":
        body = {**body, "question": data["questions"][0]["key"]}
    response = post(learner_client, "answer_save", attempt, body)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["message"]
    assert not Answer.objects.exists()


def test_saving_before_the_start_is_a_conflict(learner_client, attempt):
    key = attempt.questions.first().key
    response = post(
        learner_client, "answer_save", attempt, {"question": key, "seq": 1, "response": None}
    )
    assert (response.status_code, response.json()["error"]) == (409, "not_started")


def test_other_people_cannot_see_or_sit_the_attempt(client, attempt, tenant_a, tenant_b):
    key = attempt.questions.first().key
    body = {"question": key, "seq": 1, "response": None}
    other_learner = site_factories.make_learner(tenant_a.institution)
    for person, status in (
        (other_learner, 404),
        (tenant_b.learner, 404),
        (tenant_b.teacher, 404),
        (tenant_a.teacher, 403),
    ):
        client.force_login(person)
        assert post(client, "attempt_start", attempt).status_code == status
        assert post(client, "answer_save", attempt, body).status_code == status
        assert client.get(url("attempt_state", attempt)).status_code == status
        assert client.get(url("attempt", attempt)).status_code == 404
    client.logout()
    assert post(client, "answer_save", attempt, body).status_code == 401
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.PREPARED


def test_posts_need_the_csrf_token(tenant_a, attempt):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.learner)
    assert post(client, "attempt_start", attempt).status_code == 403
    page = client.get(url("attempt", attempt))
    assert page.status_code == 200
    token = page.context["csrf_token"]
    assert post(client, "attempt_start", attempt, HTTP_X_CSRFTOKEN=str(token)).status_code == 200


def test_wrong_access_code_is_refused(learner_client, tenant_a, attempt):
    from assessment import exams

    exams.exam_update(actor=tenant_a.teacher, exam=attempt.exam, access_code="123456")
    # The prepared attempt keeps its version (no code); a new learner's attempt needs it.
    other = site_factories.make_learner(tenant_a.institution)
    [coded] = attempts.exam_attempts_prepare(
        actor=tenant_a.teacher, exam=attempt.exam, learners=[other]
    )
    client = Client()
    client.force_login(other)
    wrong = post(client, "attempt_start", coded, {"access_code": "654321"})
    assert (wrong.status_code, wrong.json()["error"]) == (403, "access_refused")
    assert post(client, "attempt_start", coded, {"access_code": "123456"}).status_code == 200
    assert started_state(learner_client, attempt)["status"] == "in_progress"


def test_the_page_renders_the_client(learner_client, attempt):
    response = learner_client.get(url("attempt", attempt))
    assert response.status_code == 200
    html = response.content.decode()
    assert "assessment/exam.js" in html
    assert 'id="exam-strings"' in html
    assert str(attempt.public_id) in html


def test_my_exams_lists_only_the_learners_own_attempts(client, attempt, tenant_a):
    other = site_factories.make_learner(tenant_a.institution)
    client.force_login(other)
    assert attempt.exam.title not in client.get(reverse("assessment:my_exams")).content.decode()
    client.force_login(tenant_a.learner)
    page = client.get(reverse("assessment:my_exams")).content.decode()
    assert attempt.exam.title in page
    assert url("attempt", attempt) in page


def test_review_shows_correct_answers_only_when_the_exam_says_so(learner_client, attempt, tenant_a):
    data = started_state(learner_client, attempt)
    result = post(learner_client, "attempt_submit", attempt).json()
    assert all("correct" not in entry for entry in result["review"]["questions"])

    from assessment import exams

    exams.exam_update(
        actor=tenant_a.teacher, exam=attempt.exam, review_correct=True, attempts_allowed=2
    )
    [second] = attempts.exam_attempts_prepare(
        actor=tenant_a.teacher, exam=attempt.exam, learners=[tenant_a.learner]
    )
    assert second.number == 2
    data = started_state(learner_client, second)
    review = post(learner_client, "attempt_submit", second).json()["review"]
    correct = {entry["key"]: entry["correct"] for entry in review["questions"]}
    choice = second.questions.get(item_version__question_type="single_choice")
    ordering = second.questions.get(item_version__question_type="ordering")
    assert correct[choice.key] == next(k for k, v in choice.id_map.items() if v == "a")
    assert [ordering.id_map[token] for token in correct[ordering.key]] == ["s1", "s2", "s3", "s4"]
    assert all(q["key"] in correct for q in data["questions"])
