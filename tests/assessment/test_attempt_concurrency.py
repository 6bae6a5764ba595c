"""Two saves of the same question racing (PostgreSQL: needs real row locks).

Both writers are held right after reading the stored answer until the other arrives (or
a short timeout passes); seq 5 then writes after seq 6. With the attempt row lock the
second writer cannot read before the first commits, so seq 6 wins in either order; the
last test removes the lock and shows seq 5 would then overwrite seq 6.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection, connections

from assessment import attempts
from assessment.models import Answer, Attempt
from institutions import services as institution_services
from institutions.roles import InstitutionRole

from . import factories

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)"
)


@dataclass
class People:
    """An institution without the Wagtail site (a transactional test's flush removes it)."""

    institution: object
    teacher: object
    learner: object


@pytest.fixture
def people(transactional_db) -> People:
    institution = institution_services.institution_create(
        actor=None, code="EXAM1", name="Trường thi", kind="college", province="Hà Nội"
    )
    users = []
    for name, role in (
        ("exam-teacher", InstitutionRole.TEACHER),
        ("exam-hv", InstitutionRole.LEARNER),
    ):
        user = institution_services.user_create(username=name, password="x-pass-123")
        institution_services.membership_grant(
            actor=None, user=user, institution=institution, role=role
        )
        users.append(user)
    return People(institution, *users)


def _started(tenant):
    bank = factories.make_bank(tenant.institution, actor=tenant.teacher)
    item = factories.make_item(bank, actor=tenant.teacher)
    exam = factories.make_exam(tenant.institution, actor=tenant.teacher, items=[item])
    [attempt] = attempts.exam_attempts_prepare(
        actor=tenant.teacher, exam=exam, learners=[tenant.learner]
    )
    return attempts.attempt_start(attempt=attempt, learner=tenant.learner)


def _race(tenant, monkeypatch, first_seq: int) -> tuple[int, list[str]]:
    attempt = _started(tenant)
    question = attempt.questions.get()
    a, b = sorted(question.id_map)[:2]
    attempts.answer_save(
        attempt=attempt, learner=tenant.learner, question_key=question.key, seq=1, response=a
    )
    barrier = threading.Barrier(2, timeout=2)
    read = attempts._stored_answer

    def held_read(q):
        stored = read(q)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        if threading.current_thread().name == "seq5":
            time.sleep(0.3)  # seq 5 writes last
        return stored

    monkeypatch.setattr(attempts, "_stored_answer", held_read)
    outcomes: list[str] = []

    def writer(seq: int) -> None:
        try:
            result = attempts.answer_save(
                attempt=Attempt(pk=attempt.pk, learner_id=tenant.learner.pk),
                learner=tenant.learner,
                question_key=question.key,
                seq=seq,
                response=a if seq == 5 else b,
            )
            outcomes.append(f"{seq}:{result.status}")
        except Exception as exc:
            outcomes.append(f"{seq}:{type(exc).__name__}")
        finally:
            connections.close_all()

    order = (5, 6) if first_seq == 5 else (6, 5)
    threads = [threading.Thread(target=writer, args=(seq,), name=f"seq{seq}") for seq in order]
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
    assert "6:saved" in outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_the_attempt_lock_a_lower_seq_would_overwrite(people, monkeypatch):
    monkeypatch.setattr(attempts, "_attempt_locked", lambda pk: Attempt.objects.get(pk=pk))
    stored, _outcomes = _race(people, monkeypatch, 6)
    assert stored == 5
