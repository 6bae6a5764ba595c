"""An exam placed in a lesson: what the block shows and the one access decision behind it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import attempts, exams, marking
from assessment.models import Attempt
from lms import services
from lms.models import LessonPage
from tests import factories as site_factories
from tests.assessment import factories


def _place(course, exam) -> tuple[LessonPage, str]:
    lesson = LessonPage.objects.descendant_of(course).get()
    lesson.body = [
        ("paragraph", "<p>Ôn tập trước khi thi</p>"),
        ("exam", {"exam": exam, "introduction": "Mang theo máy tính cầm tay."}),
    ]
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    block_id = next(child.id for child in lesson.body if child.block_type == "exam")
    return lesson, block_id


def _exam(tenant, **settings):
    bank = factories.make_bank(tenant.institution, actor=tenant.teacher)
    item = factories.make_item(bank, "true_false", actor=tenant.teacher)
    settings.setdefault("title", "Kiểm tra an toàn điện")
    settings.setdefault("time_limit_minutes", 15)
    settings.setdefault("review_when", "immediately")
    return factories.make_exam(tenant.institution, actor=tenant.teacher, items=[item], **settings)


@pytest.fixture
def placed(tenant_a):
    """Tenant A's exam in its course's lesson; the learner enrolled."""
    exam = _exam(tenant_a)
    lesson, block_id = _place(tenant_a.course, exam)
    services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    return tenant_a, exam, lesson, block_id


def _launch(client, lesson, block_id):
    return client.post(reverse("lms:exam_launch", args=[lesson.pk, block_id]))


def _sit(learner, exam, correct: bool = True) -> Attempt:
    attempt = Attempt.objects.get(exam=exam, learner=learner, status="prepared")
    attempts.attempt_start(attempt=attempt, learner=learner)
    question = attempt.questions.get()
    attempts.answer_save(
        attempt=attempt, learner=learner, question_key=question.key, seq=1, response=correct
    )
    return attempts.attempt_submit(attempt=attempt, actor=learner)


def test_learner_starts_the_exam_from_the_lesson_and_sees_its_state_change(client, placed):
    tenant, exam, lesson, block_id = placed
    client.force_login(tenant.learner)
    page = client.get(lesson.url).content.decode()
    assert "Kiểm tra an toàn điện" in page
    assert "Mang theo máy tính cầm tay." in page
    assert 'data-state="not_started"' in page
    assert 'data-used="0" data-allowed="1"' in page
    assert reverse("lms:exam_launch", args=[lesson.pk, block_id]) in page

    response = _launch(client, lesson, block_id)
    attempt = Attempt.objects.get(exam=exam, learner=tenant.learner)
    assert response.status_code == 302
    assert response.url == reverse("assessment:attempt", args=[attempt.public_id])
    # Launching again before starting gives back the same prepared attempt.
    assert _launch(client, lesson, block_id).url == response.url
    assert Attempt.objects.filter(exam=exam, learner=tenant.learner).count() == 1

    attempts.attempt_start(attempt=attempt, learner=tenant.learner)
    page = client.get(lesson.url).content.decode()
    assert 'data-state="in_progress"' in page

    attempts.answer_save(
        attempt=attempt,
        learner=tenant.learner,
        question_key=attempt.questions.get().key,
        seq=1,
        response=True,
    )
    attempts.attempt_submit(attempt=attempt, actor=tenant.learner)
    page = client.get(lesson.url).content.decode()
    # Review "immediately" with marks: the result is released to the learner at once.
    assert 'data-state="released"' in page
    assert "1 / 1" in page
    # One attempt allowed and used: no button, the reason instead.
    assert reverse("lms:exam_launch", args=[lesson.pk, block_id]) not in page
    assert _launch(client, lesson, block_id).status_code == 403


def test_a_submitted_attempt_without_released_marks_shows_submitted(client, tenant_a):
    exam = _exam(tenant_a, review_when="on_release", attempts_allowed=2)
    marking.exam_marking_update(actor=tenant_a.teacher, exam=exam, release="examiner")
    lesson, block_id = _place(tenant_a.course, exam)
    services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    client.force_login(tenant_a.learner)
    _launch(client, lesson, block_id)
    attempt = _sit(tenant_a.learner, exam)
    page = client.get(lesson.url).content.decode()
    assert 'data-state="submitted"' in page
    assert 'data-used="1" data-allowed="2"' in page
    assert reverse("assessment:result", args=[attempt.public_id]) in page
    # A second attempt is left: launching prepares attempt number 2.
    assert _launch(client, lesson, block_id).status_code == 302
    assert Attempt.objects.filter(exam=exam, learner=tenant_a.learner).count() == 2


def test_a_learner_not_enrolled_is_refused(client, placed):
    tenant, _exam, lesson, block_id = placed
    stranger = site_factories.make_learner(tenant.institution, "chua-ghi-danh")
    client.force_login(stranger)
    assert 'data-reason="not_enrolled"' in client.get(lesson.url).content.decode()
    assert _launch(client, lesson, block_id).status_code == 403
    assert not Attempt.objects.filter(learner=stranger).exists()


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        ({"closes_at": timezone.now() - timedelta(minutes=1)}, "closed"),
        ({"opens_at": timezone.now() + timedelta(hours=1)}, "not_open"),
    ],
)
def test_outside_the_window_the_exam_cannot_start(client, placed, window, reason):
    from lms.launch import exam_access

    tenant, exam, lesson, block_id = placed
    if "closes_at" in window:
        window["opens_at"] = window["closes_at"] - timedelta(hours=1)
    exams.exam_update(actor=tenant.teacher, exam=exam, **window)
    client.force_login(tenant.learner)
    assert _launch(client, lesson, block_id).status_code == 403
    assert exam_access(tenant.learner, lesson, block_id).reason == reason
    assert not Attempt.objects.filter(exam=exam).exists()


def test_an_unpublished_exam_cannot_start(client, tenant_a):
    bank = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)
    item = factories.make_item(bank, actor=tenant_a.teacher)
    exam = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=[item], publish=False
    )
    lesson, block_id = _place(tenant_a.course, exam)
    services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    client.force_login(tenant_a.learner)
    assert _launch(client, lesson, block_id).status_code == 403


def test_a_learner_mid_attempt_may_resume_after_the_exam_closed_for_new_starts(client, placed):
    from lms.launch import exam_access

    tenant, exam, lesson, block_id = placed
    client.force_login(tenant.learner)
    url = _launch(client, lesson, block_id).url
    attempts.attempt_start(
        attempt=Attempt.objects.get(exam=exam, learner=tenant.learner), learner=tenant.learner
    )
    other = site_factories.make_learner(tenant.institution, "den-muon")
    services.enrolment_self_enrol(learner=other, course=tenant.course)
    exams.exam_update(actor=tenant.teacher, exam=exam, attempts_allowed=1)  # no change
    decision = exam_access(tenant.learner, lesson, block_id)
    assert decision.allowed and decision.state.state == "in_progress"
    assert _launch(client, lesson, block_id).url == url


def test_no_attempts_left_refuses_a_new_attempt(client, placed):
    tenant, exam, lesson, block_id = placed
    client.force_login(tenant.learner)
    _launch(client, lesson, block_id)
    _sit(tenant.learner, exam, correct=False)
    page = client.get(lesson.url).content.decode()
    assert 'data-reason="no_attempts_left"' in page
    assert _launch(client, lesson, block_id).status_code == 403
    assert Attempt.objects.filter(exam=exam, learner=tenant.learner).count() == 1


def test_another_institutions_exam_placed_in_a_course_is_not_found(client, tenant_a, tenant_b):
    foreign = _exam(tenant_b, title="Đề của trường khác")
    lesson, block_id = _place(tenant_a.course, foreign)
    services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    client.force_login(tenant_a.learner)
    assert _launch(client, lesson, block_id).status_code == 404
    assert not Attempt.objects.filter(exam=foreign).exists()


def test_staff_who_do_not_sit_the_exam_get_the_invigilator_link_not_an_attempt(client, placed):
    tenant, exam, lesson, block_id = placed
    client.force_login(tenant.teacher)
    page = client.get(lesson.url).content.decode()
    assert reverse("assessment:invigilate", args=[exam.pk]) in page
    assert _launch(client, lesson, block_id).status_code == 403
    assert not Attempt.objects.filter(learner=tenant.teacher).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, placed):
    _tenant, _exam, lesson, block_id = placed
    response = _launch(client, lesson, block_id)
    assert response.status_code == 302
    assert "login" in response.url


def test_an_unknown_block_is_not_found(client, placed):
    tenant, _exam, lesson, _block_id = placed
    client.force_login(tenant.learner)
    assert _launch(client, lesson, "no-such-block").status_code == 404


def test_a_self_enrolled_learner_of_another_institution_may_sit_the_course_exam(
    client, placed, tenant_b
):
    tenant, exam, lesson, block_id = placed
    services.enrolment_self_enrol(learner=tenant_b.learner, course=tenant.course)
    client.force_login(tenant_b.learner)
    assert _launch(client, lesson, block_id).status_code == 302
    assert Attempt.objects.filter(exam=exam, learner=tenant_b.learner).count() == 1


def test_the_demo_places_its_exam_in_a_lesson_ready_for_the_learner_left_to_sit(
    db, client, settings, tmp_path
):
    from django.core.management import call_command

    from institutions.models import User
    from lms.management.commands.load_demo import DEMO_EXAM_TITLE

    settings.MEDIA_ROOT = str(tmp_path)
    call_command("load_demo", institutions=1, quiet_logins=True)
    call_command("load_demo", institutions=1, quiet_logins=True)  # again: one block still
    lessons = [
        lesson
        for lesson in LessonPage.objects.filter(alias_of__isnull=True)
        if any(child.block_type == "exam" for child in lesson.body)
    ]
    assert len(lessons) == 1
    [block] = [child for child in lessons[0].body if child.block_type == "exam"]
    assert block.value["exam"].title == DEMO_EXAM_TITLE
    client.force_login(User.objects.get(username__endswith="-hv6"))
    page = client.get(lessons[0].url).content.decode()
    assert 'data-reason=""' in page
    assert reverse("lms:exam_launch", args=[lessons[0].pk, block.id]) in page


def test_the_editors_exam_chooser_offers_only_their_institutions_exams(client, placed, tenant_b):
    tenant, exam, _lesson, _block_id = placed
    foreign = _exam(tenant_b, title="Đề của trường khác")
    client.force_login(tenant.teacher)
    response = client.get(reverse("assessment_exam_chooser:choose"))
    assert response.status_code == 200
    page = response.json()["html"]
    assert exam.title in page
    assert foreign.title not in page
    chosen = reverse("assessment_exam_chooser:chosen", args=[foreign.pk])
    assert client.get(chosen).status_code == 404
