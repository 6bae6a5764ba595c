"""A learner starts an exam from its lesson in the real Chromium on a phone, answers,
submits, and finds the lesson saying so; the lesson and the exam authoring screen pass axe."""

import re

import pytest
from playwright.sync_api import expect

from assessment.models import Answer, Attempt
from lms import services
from lms.models import LessonPage
from tests.assessment import factories
from tests.factories import PASSWORD

from .helpers import assert_accessible, assert_fits_width, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _placed(tenant):
    bank = factories.make_bank(tenant.institution, actor=tenant.teacher)
    item = factories.make_item(
        bank, "true_false", actor=tenant.teacher, stem="<p>Phải cắt nguồn trước khi sửa?</p>"
    )
    exam = factories.make_exam(
        tenant.institution,
        actor=tenant.teacher,
        items=[item],
        title="Kiểm tra cuối bài",
        time_limit_minutes=10,
        attempts_allowed=2,
        review_when="immediately",
    )
    lesson = LessonPage.objects.descendant_of(tenant.course).get()
    lesson.body = [
        ("paragraph", "<p>Ôn tập trước khi làm bài kiểm tra.</p>"),
        ("exam", {"exam": exam, "introduction": "Làm bài trong 10 phút."}),
    ]
    lesson.save_revision().publish()
    services.enrolment_self_enrol(learner=tenant.learner, course=tenant.course)
    return exam, LessonPage.objects.get(pk=lesson.pk)


def test_learner_sits_the_exam_from_the_lesson_and_sees_it_submitted(
    phone, desktop, platform, base_url
):
    exam, lesson = _placed(platform)
    page = phone
    page.goto(base_url + lesson.url)
    page.locator("a[href*='/accounts/login/']").first.click()
    log_in(page, platform.learner.username)
    page.goto(base_url + lesson.url)
    block = page.locator(".exam-block")
    expect(block).to_contain_text("Kiểm tra cuối bài")
    expect(block.locator(".exam-state")).to_have_attribute("data-state", "not_started")
    assert_accessible(page, "the lesson with an exam block (phone)")
    assert_fits_width(page, "the lesson with an exam block")
    screenshot(page, "exam-block-lesson-phone")

    block.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/exam/attempts/[0-9a-f-]+/$"))
    page.locator("[data-start] button[type=submit]").click()
    expect(page.locator("[data-question]")).to_have_count(1)
    page.locator("[data-question] label").first.click()
    expect(page.locator("[data-indicator]")).to_have_attribute(
        "data-state", "saved", timeout=10_000
    )
    assert Answer.objects.filter(question__attempt__exam=exam).count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-submit]").click()
    expect(page.locator("[data-result]")).to_be_visible()
    attempt = Attempt.objects.get(exam=exam, learner=platform.learner)
    assert attempt.status == Attempt.Status.SUBMITTED

    page.goto(base_url + lesson.url)
    state = page.locator(".exam-block .exam-state")
    # Submitted; with review "immediately" the marks are out at once, if marking released them.
    expect(state).to_have_attribute("data-state", re.compile("^(submitted|released)$"))
    expect(page.locator(".exam-block")).to_have_attribute("data-used", "1")
    assert_accessible(page, "the lesson after the exam (phone)")
    screenshot(page, "exam-block-submitted-phone")

    # The examiner's authoring screen of the same exam, on a desktop.
    admin = desktop
    admin.goto(base_url + f"/accounts/login/?next=/admin/assessment/exams/{exam.pk}/")
    admin.locator("#id_username").fill(platform.teacher.username)
    admin.locator("#id_password").fill(PASSWORD)
    admin.locator("form[action*='/accounts/login/'] button[type=submit]").click()
    expect(admin.locator(".exam-state")).to_be_visible()
    expect(admin.locator("[data-versioning=on]")).to_be_visible()  # it has an attempt now
    assert_accessible(admin, "the exam authoring screen")
    screenshot(admin, "exam-authoring-desktop")

    # The standalone sitting's candidate list, and the invigilator's table with "lock".
    admin.goto(base_url + f"/admin/assessment/exams/{exam.pk}/candidates/")
    expect(admin.locator("table.candidates")).to_contain_text(platform.learner.username)
    assert_accessible(admin, "the candidate list")
    admin.goto(base_url + f"/exam/exams/{exam.pk}/invigilate")
    expect(admin.locator("tbody tr")).to_have_count(1)
    assert_accessible(admin, "the invigilator's table")
    screenshot(admin, "exam-candidates-invigilate-desktop")
