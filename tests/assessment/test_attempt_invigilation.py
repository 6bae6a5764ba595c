"""The invigilator: add time, pause and resume an attempt; the sitting table; who may do it."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessment import attempts
from assessment.models import Answer, Attempt
from institutions.models import AuditEvent

from . import factories


@pytest.fixture
def started(tenant_a):
    bank = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)
    item = factories.make_item(bank, actor=tenant_a.teacher)
    exam = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=[item], time_limit_minutes=30
    )
    [attempt] = attempts.exam_attempts_prepare(
        actor=tenant_a.teacher, exam=exam, learners=[tenant_a.learner]
    )
    return attempts.attempt_start(attempt=attempt, learner=tenant_a.learner)


def test_adding_time_moves_the_deadline_and_is_audited(started, tenant_a):
    before = started.deadline
    after = attempts.attempt_time_add(
        actor=tenant_a.teacher, attempt=started, minutes=10, reason="mất điện"
    )
    assert after.deadline == before + timedelta(minutes=10)
    assert AuditEvent.objects.filter(action="attempt.time_add", actor=tenant_a.teacher).exists()


@pytest.mark.parametrize("minutes", [0, -5, 601, "10", True, None])
def test_adding_a_strange_amount_of_time_is_refused(started, tenant_a, minutes):
    with pytest.raises(ValidationError):
        attempts.attempt_time_add(actor=tenant_a.teacher, attempt=started, minutes=minutes)
    assert Attempt.objects.get(pk=started.pk).deadline == started.deadline


def test_only_the_exams_staff_invigilate(started, tenant_a, tenant_b):
    for person in (tenant_a.learner, tenant_b.teacher, tenant_b.admin, None):
        with pytest.raises(PermissionDenied):
            attempts.attempt_time_add(actor=person, attempt=started, minutes=5)
        with pytest.raises(PermissionDenied):
            attempts.attempt_pause(actor=person, attempt=started)
    with pytest.raises(PermissionDenied):
        attempts.exam_sitting(user=tenant_b.teacher, exam=started.exam)
    assert Attempt.objects.get(pk=started.pk).paused_at is None


def test_a_paused_attempt_refuses_saves_stops_its_clock_and_escapes_the_sweep(started, tenant_a):
    question = started.questions.get()
    option = sorted(question.id_map)[0]
    now = timezone.now()
    attempts.attempt_pause(actor=tenant_a.teacher, attempt=started, now=now)
    with pytest.raises(attempts.AttemptPaused):
        attempts.answer_save(
            attempt=started,
            learner=tenant_a.learner,
            question_key=question.key,
            seq=1,
            response=option,
        )
    assert attempts.attempts_expire(now=now + timedelta(hours=2)) == 0
    resumed = attempts.attempt_resume(
        actor=tenant_a.teacher, attempt=started, now=now + timedelta(minutes=7)
    )
    assert resumed.deadline == started.deadline + timedelta(minutes=7)
    assert resumed.paused_at is None
    result = attempts.answer_save(
        attempt=started, learner=tenant_a.learner, question_key=question.key, seq=1, response=option
    )
    assert result.status == "saved"


def test_invigilating_a_submitted_attempt_is_refused(started, tenant_a):
    attempts.attempt_submit(attempt=started, actor=tenant_a.learner)
    with pytest.raises(attempts.AttemptClosed):
        attempts.attempt_time_add(actor=tenant_a.teacher, attempt=started, minutes=5)


def test_the_sitting_table_over_http(client, started, tenant_a, tenant_b):
    url = reverse("assessment:invigilate", args=[started.exam_id])
    client.force_login(tenant_a.teacher)
    page = client.get(url)
    assert page.status_code == 200
    assert tenant_a.learner.display_name in page.content.decode()

    act = reverse("assessment:invigilate_act", args=[started.public_id])
    assert client.post(act, {"action": "add_time", "minutes": "15"}).status_code == 302
    assert Attempt.objects.get(pk=started.pk).deadline == started.deadline + timedelta(minutes=15)
    assert client.post(act, {"action": "add_time", "minutes": "lots"}).status_code == 302
    assert client.post(act, {"action": "pause"}).status_code == 302
    assert Attempt.objects.get(pk=started.pk).paused_at is not None

    client.force_login(tenant_a.learner)
    save = client.post(
        reverse("assessment:answer_save", args=[started.public_id]),
        data=json.dumps({"question": started.questions.get().key, "seq": 1, "response": None}),
        content_type="application/json",
    )
    assert (save.status_code, save.json()["error"]) == (423, "paused")
    assert client.post(act, {"action": "resume"}).status_code == 404
    assert client.get(url).status_code == 404

    client.force_login(tenant_b.teacher)
    assert client.get(url).status_code == 404
    assert client.post(act, {"action": "resume"}).status_code == 404
    assert Attempt.objects.get(pk=started.pk).paused_at is not None
    assert not Answer.objects.exists()


def test_the_sitting_table_reads_in_fixed_queries(started, tenant_a):
    from tests import factories as site_factories

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            rows = attempts.exam_sitting(user=tenant_a.teacher, exam=started.exam)
            [row["learner"].display_name for row in rows]
        return len(queries)

    few = count()
    others = [site_factories.make_learner(tenant_a.institution) for _ in range(4)]
    attempts.exam_attempts_prepare(actor=tenant_a.teacher, exam=started.exam, learners=others)
    assert count() == few


def test_a_save_is_a_handful_of_queries(started, tenant_a, django_assert_max_num_queries):
    question = started.questions.get()
    with django_assert_max_num_queries(6):
        attempts.answer_save(
            attempt=started,
            learner=tenant_a.learner,
            question_key=question.key,
            seq=1,
            response=sorted(question.id_map)[0],
        )
