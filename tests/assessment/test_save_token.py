"""Saves held by the save token: start and state hand it to the attempt's learner only; with
it a save needs no session and no CSRF header, and every refusal still holds (another
learner's attempt, a forged or re-salted token, a closed, paused or overdue attempt, a
deactivated learner, tampered option ids, stale and conflicting seqs)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment import attempts
from assessment.models import Answer, Attempt
from tests import factories as site_factories

from . import factories

HEADER = "HTTP_X_ATTEMPT_TOKEN"


def _prepared(tenant, learners, *types):
    bank = factories.make_bank(tenant.institution, actor=tenant.teacher)
    items = [factories.make_item(bank, kind, actor=tenant.teacher) for kind in types]
    exam = factories.make_exam(
        tenant.institution, actor=tenant.teacher, items=items, time_limit_minutes=20
    )
    return attempts.exam_attempts_prepare(actor=tenant.teacher, exam=exam, learners=learners)


@pytest.fixture
def attempt(tenant_a):
    [prepared] = _prepared(tenant_a, [tenant_a.learner], "single_choice", "cloze")
    return prepared


def url(name, attempt):
    return reverse(f"assessment:{name}", args=[attempt.public_id])


def post(client, name, attempt, body=None, **extra):
    return client.post(
        url(name, attempt), data=json.dumps(body or {}), content_type="application/json", **extra
    )


def started(tenant, attempt) -> dict:
    """Start as the learner (session, CSRF enforced) and answer the start's state."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant.learner)
    page = client.get(url("attempt", attempt))
    response = post(
        client, "attempt_start", attempt, HTTP_X_CSRFTOKEN=str(page.context["csrf_token"])
    )
    assert response.status_code == 200, response.content
    return response.json()


def choice_of(state) -> tuple[str, list[str]]:
    question = next(q for q in state["questions"] if q["type"] == "single_choice")
    return question["key"], [option["id"] for option in question["body"]["options"]]


def held(token, attempt, body):
    """A save with the token only: no session cookie, no CSRF header."""
    return post(Client(enforce_csrf_checks=True), "answer_save", attempt, body, **{HEADER: token})


def test_start_and_state_give_the_learner_a_token_and_staff_none(tenant_a, attempt, client):
    state = started(tenant_a, attempt)
    assert attempts.save_token_read(state["save_token"], attempt.public_id) == (
        attempt.pk,
        tenant_a.learner.pk,
    )
    client.force_login(tenant_a.learner)
    assert client.get(url("attempt_state", attempt)).json()["save_token"] == state["save_token"]
    client.force_login(tenant_a.teacher)
    staff_view = client.get(url("attempt_state", attempt))
    assert staff_view.status_code == 403
    assert "save_token" not in staff_view.json()
    staff_start = post(client, "attempt_start", attempt)
    assert staff_start.status_code == 403
    assert "save_token" not in staff_start.json()


def test_a_held_save_needs_no_session_or_csrf_and_keeps_the_seq_rules(tenant_a, attempt):
    state = started(tenant_a, attempt)
    key, options = choice_of(state)
    body = {"question": key, "seq": 2, "response": options[0]}
    saved = held(state["save_token"], attempt, body)
    assert (saved.status_code, saved.json()["status"], saved.json()["seq"]) == (200, "saved", 2)
    assert held(state["save_token"], attempt, body).json()["status"] == "unchanged"
    stale = held(state["save_token"], attempt, {**body, "seq": 1, "response": options[1]})
    assert (stale.status_code, stale.json()["status"], stale.json()["seq"]) == (409, "stale", 2)
    conflict = held(state["save_token"], attempt, {**body, "response": options[1]})
    assert (conflict.status_code, conflict.json()["error"]) == (409, "seq_conflict")
    newer = held(state["save_token"], attempt, {**body, "seq": 3, "response": options[1]})
    assert newer.json()["status"] == "saved"
    stored = Answer.objects.get(question__attempt=attempt, question__key=key)
    assert (stored.seq, stored.response) == (3, options[1])


def test_a_held_save_of_a_cloze_maps_its_select_gap(tenant_a, attempt):
    state = started(tenant_a, attempt)
    cloze = next(q for q in state["questions"] if q["type"] == "cloze")
    select = next(gap for gap in cloze["body"]["gaps"] if gap.get("options"))
    response = {select["id"]: select["options"][0]["id"], "g1": 220, "g3": "điện áp"}
    saved = held(
        state["save_token"], attempt, {"question": cloze["key"], "seq": 1, "response": response}
    )
    assert saved.status_code == 200, saved.content
    forged = {**response, select["id"]: "v"}  # the authored id, not this attempt's token
    refused = held(
        state["save_token"], attempt, {"question": cloze["key"], "seq": 2, "response": forged}
    )
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid")
    assert Answer.objects.get(question__key=cloze["key"]).seq == 1


def test_tampered_question_ids_and_unknown_questions_are_refused(tenant_a, attempt):
    state = started(tenant_a, attempt)
    key, _options = choice_of(state)
    authored = held(state["save_token"], attempt, {"question": key, "seq": 1, "response": "a"})
    assert (authored.status_code, authored.json()["error"]) == (400, "invalid")
    unknown = held(
        state["save_token"], attempt, {"question": "q-forged", "seq": 1, "response": None}
    )
    assert (unknown.status_code, unknown.json()["error"]) == (400, "unknown_question")
    assert not Answer.objects.exists()


def test_a_token_opens_no_other_attempt(tenant_a, attempt):
    other_learner = site_factories.make_learner(tenant_a.institution)
    [other] = _prepared(tenant_a, [other_learner], "single_choice")
    attempts.attempt_start(attempt=other, learner=other_learner)
    state = started(tenant_a, attempt)
    key = other.questions.get().key
    body = {"question": key, "seq": 1, "response": None}
    # The token does not name this attempt: the save takes the session path, whose CSRF
    # check refuses a request without the header.
    assert held(state["save_token"], other, body).status_code == 403
    # Logged in as the token's learner, the other attempt is not theirs to see.
    client = Client()
    client.force_login(tenant_a.learner)
    wrong = post(client, "answer_save", other, body, **{HEADER: state["save_token"]})
    assert wrong.status_code == 404
    assert not Answer.objects.exists()


@pytest.mark.parametrize("forge", ["edited", "other_salt", "garbage", "huge"])
def test_a_forged_token_is_no_token(tenant_a, attempt, forge):
    state = started(tenant_a, attempt)
    key, options = choice_of(state)
    value = f"{attempt.public_id}:{attempt.pk}:{tenant_a.learner.pk}"
    token = {
        "edited": state["save_token"].replace(f":{tenant_a.learner.pk}:", ":999999:", 1),
        "other_salt": signing.Signer(salt="something.else").sign(value),
        "garbage": "not-a-token",
        "huge": state["save_token"] + "x" * 500,
    }[forge]
    assert attempts.save_token_read(token, attempt.public_id) is None
    response = held(token, attempt, {"question": key, "seq": 1, "response": options[0]})
    assert response.status_code == 403  # the session path: no CSRF header, no session
    assert not Answer.objects.exists()


def test_without_a_token_the_save_still_needs_the_csrf_header(tenant_a, attempt):
    state = started(tenant_a, attempt)
    key, options = choice_of(state)
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.learner)
    body = {"question": key, "seq": 1, "response": options[0]}
    assert post(client, "answer_save", attempt, body).status_code == 403
    page = client.get(url("attempt", attempt))
    csrf = str(page.context["csrf_token"])
    assert post(client, "answer_save", attempt, body, HTTP_X_CSRFTOKEN=csrf).status_code == 200


def test_a_held_save_is_refused_when_the_attempt_is_not_taking_answers(tenant_a, attempt):
    state = started(tenant_a, attempt)
    token = state["save_token"]
    key, options = choice_of(state)
    body = {"question": key, "seq": 1, "response": options[0]}

    attempts.attempt_pause(actor=tenant_a.teacher, attempt=attempt)
    paused = held(token, attempt, body)
    assert (paused.status_code, paused.json()["error"]) == (423, "paused")
    attempts.attempt_resume(actor=tenant_a.teacher, attempt=attempt)

    grace = attempts.grace_seconds()
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=grace - 30)
    )
    assert held(token, attempt, body).status_code == 200  # late, but within the grace
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=grace + 30)
    )
    late = held(token, attempt, {**body, "seq": 2})
    assert (late.status_code, late.json()["error"]) == (410, "deadline_passed")

    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(minutes=5))
    attempts.attempt_submit(attempt=attempt, actor=tenant_a.learner)
    closed = held(token, attempt, {**body, "seq": 3})
    assert (closed.status_code, closed.json()["error"]) == (410, "closed")
    assert Answer.objects.get(question__key=key).seq == 1


def test_a_token_from_before_the_start_cannot_save(tenant_a, attempt, client):
    client.force_login(tenant_a.learner)
    token = client.get(url("attempt_state", attempt)).json()["save_token"]
    key = attempt.questions.first().key
    response = held(token, attempt, {"question": key, "seq": 1, "response": None})
    assert (response.status_code, response.json()["error"]) == (409, "not_started")


@pytest.mark.parametrize("question", ["known", "unknown"])
def test_a_deactivated_learner_cannot_save_with_their_token(tenant_a, attempt, question):
    state = started(tenant_a, attempt)
    key, _options = choice_of(state)
    tenant_a.learner.is_active = False
    tenant_a.learner.save(update_fields=["is_active"])
    body = {"question": key if question == "known" else "q-forged", "seq": 1, "response": None}
    response = held(state["save_token"], attempt, body)
    assert (response.status_code, response.json()["error"]) == (403, "forbidden")
    assert not Answer.objects.exists()
