"""Saves and submission of one attempt racing (PostgreSQL: needs real row locks).

A save reads the question with its attempt row locked (`_question_locked`) and writes the
answer with one INSERT … ON CONFLICT … WHERE the stored seq is lower. The tests hold a
writer right after its locked read: two saves of one question end with the higher seq in
either order; a save and a submission end with the answer marked, because the submission
waits for the save's lock; the last test removes the lock and shows the answer would then
land after the marking, unmarked.
"""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from django.db import connection, connections

from assessment import attempts
from assessment.models import Answer, Attempt

from . import factories

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)"
)


@pytest.fixture
def people(transactional_db) -> factories.People:
    return factories.make_people("EXAM1", "exam")


def _started(tenant):
    bank = factories.make_bank(tenant.institution, actor=tenant.teacher)
    item = factories.make_item(bank, actor=tenant.teacher)
    exam = factories.make_exam(tenant.institution, actor=tenant.teacher, items=[item])
    [attempt] = attempts.exam_attempts_prepare(
        actor=tenant.teacher, exam=exam, learners=[tenant.learner]
    )
    return attempts.attempt_start(attempt=attempt, learner=tenant.learner)


def _hold_after_locked_read(monkeypatch, barrier, *, late: str, lock: bool = True):
    """Hold each saving thread after its locked read; the thread named `late` waits longer."""
    read = attempts._question_locked

    def held(rows, key):
        question = read(rows, key) if lock else _unlocked(rows, key)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        if threading.current_thread().name == late:
            time.sleep(0.3)
        return question

    monkeypatch.setattr(attempts, "_question_locked", held)


def _unlocked(rows, key):
    return rows.filter(key=key).select_related("attempt", "item_version").order_by().first()


def _in_thread(name: str, outcomes: list[str], call) -> threading.Thread:
    def run():
        try:
            outcomes.append(f"{name}:{call()}")
        except Exception as exc:
            outcomes.append(f"{name}:{type(exc).__name__}")
        finally:
            connections.close_all()

    return threading.Thread(target=run, name=name)


def _race(tenant, monkeypatch, first_seq: int) -> tuple[int, list[str]]:
    attempt = _started(tenant)
    question = attempt.questions.get()
    a, b = sorted(question.id_map)[:2]
    attempts.answer_save(
        attempt=attempt, learner=tenant.learner, question_key=question.key, seq=1, response=a
    )
    _hold_after_locked_read(monkeypatch, threading.Barrier(2, timeout=2), late="seq5")
    outcomes: list[str] = []

    def writer(seq: int):
        return attempts.answer_save(
            attempt=Attempt(pk=attempt.pk, learner_id=tenant.learner.pk),
            learner=tenant.learner,
            question_key=question.key,
            seq=seq,
            response=a if seq == 5 else b,
        ).status

    order = (5, 6) if first_seq == 5 else (6, 5)
    threads = [_in_thread(f"seq{seq}", outcomes, lambda seq=seq: writer(seq)) for seq in order]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=20)
    return Answer.objects.get(question=question).seq, sorted(outcomes)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("first_seq", [5, 6])
def test_concurrent_saves_the_higher_seq_wins(people, monkeypatch, first_seq):
    stored, outcomes = _race(people, monkeypatch, first_seq)
    assert stored == 6
    assert "seq6:saved" in outcomes


def _save_racing_submit(tenant, monkeypatch, *, lock: bool):
    """A save held after its read while the learner submits in another thread."""
    attempt = _started(tenant)
    question = attempt.questions.get()
    right = next(opaque for opaque, authored in question.id_map.items() if authored == "a")
    # The barrier lets the save read first; the submission then starts while it is held.
    barrier = threading.Barrier(1, timeout=2)
    _hold_after_locked_read(monkeypatch, barrier, late="save", lock=lock)
    outcomes: list[str] = []
    save = _in_thread(
        "save",
        outcomes,
        lambda: (
            attempts.answer_save_own(
                public_id=attempt.public_id,
                learner=tenant.learner,
                question_key=question.key,
                seq=1,
                response=right,
            ).status
        ),
    )
    submit = _in_thread(
        "submit",
        outcomes,
        lambda: attempts.attempt_submit(attempt=attempt, actor=tenant.learner).status,
    )
    save.start()
    time.sleep(0.1)  # the save has read (and, with the lock, holds the attempt row)
    submit.start()
    save.join(timeout=20)
    submit.join(timeout=20)
    attempt.refresh_from_db()
    return attempt, sorted(outcomes)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_holding_the_lock_is_marked_by_the_submission_that_waited(people, monkeypatch):
    attempt, outcomes = _save_racing_submit(people, monkeypatch, lock=True)
    assert outcomes == ["save:saved", "submit:submitted"]
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.score == attempt.max_score > 0  # the right answer counted


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_the_attempt_lock_the_answer_would_land_after_marking(people, monkeypatch):
    attempt, outcomes = _save_racing_submit(people, monkeypatch, lock=False)
    assert outcomes == ["save:saved", "submit:submitted"]
    assert attempt.score == 0  # marked before the answer arrived: what the lock prevents
    assert Answer.objects.filter(question__attempt=attempt).exists()
