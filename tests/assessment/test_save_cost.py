"""What one answer save costs, counted in what does not depend on the machine: SQL queries.

A save holding the save token reads no session and no user row and makes two queries (the
locked read of question, item version and attempt; the upsert); without the token the
session and the user are read first. On PostgreSQL the held save must hold the attempt
row while it writes, so a submission waiting for that row marks the answer (the last
tests hold a save after its locked read and let a submission race it)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import attempts
from assessment.models import Answer, Attempt

from . import factories


def _prepared(institution, teacher, learner) -> Attempt:
    bank = factories.make_bank(institution, actor=teacher)
    items = [factories.make_item(bank, actor=teacher) for _ in range(3)]
    exam = factories.make_exam(institution, actor=teacher, items=items, time_limit_minutes=20)
    [attempt] = attempts.exam_attempts_prepare(actor=teacher, exam=exam, learners=[learner])
    return attempt


@pytest.fixture
def attempt(tenant_a):
    return _prepared(tenant_a.institution, tenant_a.teacher, tenant_a.learner)


def _real(queries) -> list[str]:
    """The queries that do work: not transaction control or the test's savepoints."""
    return [
        q["sql"]
        for q in queries
        if "SAVEPOINT" not in q["sql"] and q["sql"] not in ("BEGIN", "COMMIT")
    ]


def _save(client, attempt, body, **extra):
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            reverse("assessment:answer_save", args=[attempt.public_id]),
            data=json.dumps(body),
            content_type="application/json",
            **extra,
        )
    return response, _real(captured.captured_queries)


def _reads(queries: list[str], table: str) -> bool:
    return any(f'FROM "{table}"' in q or f"FROM {table} " in q for q in queries)


def test_a_held_save_makes_two_queries_and_reads_no_session_or_user(tenant_a, attempt):
    client = Client()
    client.force_login(tenant_a.learner)
    state = client.post(
        reverse("assessment:attempt_start", args=[attempt.public_id]),
        data="{}",
        content_type="application/json",
    ).json()
    token = state["save_token"]
    question = state["questions"][0]
    option = question["body"]["options"][0]["id"]
    body = {"question": question["key"], "seq": 1, "response": option}

    # With the session cookie still sent (as a browser does), the token is what counts.
    response, held = _save(client, attempt, body, HTTP_X_ATTEMPT_TOKEN=token)
    assert response.json()["status"] == "saved"
    assert len(held) == 2, held
    assert not _reads(held, "django_session") and not _reads(held, "institutions_user")

    response, session = _save(client, attempt, {**body, "seq": 2})
    assert response.json()["status"] == "saved"
    assert _reads(session, "django_session") and _reads(session, "institutions_user")
    assert len(session) == 4, session

    # A retry (the same seq again) reads the stored answer to say "unchanged".
    response, retry = _save(client, attempt, {**body, "seq": 2}, HTTP_X_ATTEMPT_TOKEN=token)
    assert response.json()["status"] == "unchanged"
    assert len(retry) == 3, retry


# ---------------------------------------------------------------------------
# The held save and a submission racing (PostgreSQL: needs real row locks).

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)"
)


@pytest.fixture
def people(transactional_db) -> factories.People:
    return factories.make_people("SAVE1", "save")


def _race_submit(people, monkeypatch, *, lock: bool):
    institution, teacher, learner = people.institution, people.teacher, people.learner
    attempt = attempts.attempt_start(
        attempt=_prepared(institution, teacher, learner), learner=learner
    )
    question = attempt.questions.first()
    right = next(opaque for opaque, authored in question.id_map.items() if authored == "a")
    if not lock:
        monkeypatch.setattr(attempts, "_held_lock", lambda: "")
    read = attempts._held_question_locked

    def held_read(*args):
        row = read(*args)
        if threading.current_thread().name == "save":
            time.sleep(0.3)  # the submission starts while this save holds the row
        return row

    monkeypatch.setattr(attempts, "_held_question_locked", held_read)
    outcomes: list[str] = []

    def run(name, call):
        def target():
            try:
                outcomes.append(f"{name}:{call()}")
            except Exception as exc:
                outcomes.append(f"{name}:{type(exc).__name__}")
            finally:
                connections.close_all()

        return threading.Thread(target=target, name=name)

    save = run(
        "save",
        lambda: (
            attempts.answer_save_held(
                attempt_pk=attempt.pk,
                learner_id=learner.pk,
                question_key=question.key,
                seq=1,
                response=right,
            ).status
        ),
    )
    submit = run("submit", lambda: attempts.attempt_submit(attempt=attempt, actor=learner).status)
    save.start()
    time.sleep(0.1)
    submit.start()
    for thread in (save, submit):
        thread.join(timeout=20)
    attempt.refresh_from_db()
    return attempt, sorted(outcomes)


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_held_save_is_marked_by_the_submission_that_waited_for_it(people, monkeypatch):
    attempt, outcomes = _race_submit(people, monkeypatch, lock=True)
    assert outcomes == ["save:saved", "submit:submitted"]
    assert attempt.score > 0  # the right answer counted


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_the_lock_a_held_save_would_land_after_marking(people, monkeypatch):
    attempt, outcomes = _race_submit(people, monkeypatch, lock=False)
    assert outcomes == ["save:saved", "submit:submitted"]
    assert attempt.score == 0  # what the lock prevents
    assert Answer.objects.filter(question__attempt=attempt).exists()
