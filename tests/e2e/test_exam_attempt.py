"""A learner sits an exam in the real Chromium on a phone, loses the network mid-exam, keeps
answering, comes back online and sees every answer confirmed by the server."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from assessment import attempts
from assessment.models import Answer, Attempt
from tests.assessment import factories

from . import helpers
from .helpers import assert_accessible, assert_fits_width, log_in


def screenshot(page, name):
    """The whole page from the top (the sticky status bar otherwise lands mid-page)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    return helpers.screenshot(page, name)


pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _attempt(tenant):
    bank = factories.make_bank(tenant.institution, actor=tenant.teacher)
    items = [
        factories.make_item(
            bank, "single_choice", actor=tenant.teacher, stem="<p>Điện áp lưới sinh hoạt?</p>"
        ),
        factories.make_item(
            bank, "true_false", actor=tenant.teacher, stem="<p>Phải cắt nguồn trước khi sửa?</p>"
        ),
        factories.make_item(
            bank, "short_answer", actor=tenant.teacher, stem="<p>Vôn kế đo đại lượng gì?</p>"
        ),
        factories.make_item(
            bank, "ordering", actor=tenant.teacher, stem="<p>Sắp xếp các bước an toàn</p>"
        ),
    ]
    exam = factories.make_exam(
        tenant.institution,
        actor=tenant.teacher,
        items=items,
        title="Kiểm tra an toàn điện",
        time_limit_minutes=30,
        review_when="immediately",
    )
    [attempt] = attempts.exam_attempts_prepare(
        actor=tenant.teacher, exam=exam, learners=[tenant.learner]
    )
    return attempt


def _question(page, attempt, question_type):
    key = attempt.questions.get(item_version__question_type=question_type).key
    return page.locator(f"[data-question='{key}']")


def _token(attempt, question_type, authored):
    row = attempt.questions.get(item_version__question_type=question_type)
    return row.key, next(k for k, v in row.id_map.items() if v == authored)


def test_answers_given_offline_are_confirmed_after_reconnecting(phone, platform, base_url):
    page = phone
    attempt = _attempt(platform)
    indicator = page.locator("[data-indicator]")

    page.goto(f"{base_url}/exam/attempts/{attempt.public_id}/")
    log_in(page, platform.learner.username)
    page.locator("[data-start] button[type=submit]").click()
    expect(page.locator("[data-question]")).to_have_count(4)
    expect(page.locator("[data-clock]")).to_have_text(re.compile(r"^(29|30):\d\d$"))

    # Online: choose 220 V, see it saved.
    choice = _question(page, attempt, "single_choice")
    choice.get_by_text("220 V").click()
    expect(indicator).to_have_attribute("data-state", "saved", timeout=10_000)
    assert Answer.objects.count() == 1

    # The network goes away; the learner keeps answering.
    page.context.set_offline(True)
    _question(page, attempt, "true_false").locator("label").first.click()
    _question(page, attempt, "short_answer").locator("input").fill("Điện áp")
    ordering = _question(page, attempt, "ordering")
    ordering.locator("button[data-dir='down']").first.click()
    expect(indicator).to_have_attribute("data-state", "offline", timeout=10_000)
    expect(indicator).to_contain_text("3")
    assert Answer.objects.count() == 1  # nothing reached the server
    journal = page.evaluate(f"() => localStorage.getItem('taynghe-exam-{attempt.public_id}')")
    assert journal and "Điện áp" in journal
    screenshot(page, "exam-offline-phone")

    # Back online: the journal is replayed and the server confirms everything.
    page.context.set_offline(False)
    expect(indicator).to_have_attribute("data-state", "saved", timeout=15_000)
    assert Answer.objects.count() == 4
    key, token = _token(attempt, "single_choice", "a")
    assert Answer.objects.get(question__key=key).response == token
    key = attempt.questions.get(item_version__question_type="true_false").key
    assert Answer.objects.get(question__key=key).response is True
    key = attempt.questions.get(item_version__question_type="short_answer").key
    assert Answer.objects.get(question__key=key).response == "Điện áp"
    assert (
        page.evaluate(
            f"() => JSON.parse(localStorage.getItem('taynghe-exam-{attempt.public_id}')).entries"
        )
        == {}
    )

    assert_accessible(page, "the exam client (phone)")
    assert_fits_width(page, "the exam client")
    screenshot(page, "exam-saved-phone")

    # A reload shows what the server holds.
    page.reload()
    expect(choice.locator("input:checked")).to_have_count(1)
    expect(_question(page, attempt, "short_answer").locator("input")).to_have_value("Điện áp")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-submit]").click()
    expect(page.locator("[data-result]")).to_be_visible()
    expect(indicator).to_have_attribute("data-state", "closed")
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.SUBMITTED
    screenshot(page, "exam-submitted-phone")


def test_the_invigilator_adds_time_and_pauses(desktop, platform, base_url):
    page = desktop
    attempt = _attempt(platform)
    attempt = attempts.attempt_start(attempt=attempt, learner=platform.learner)

    page.goto(f"{base_url}/exam/exams/{attempt.exam_id}/invigilate")
    log_in(page, platform.teacher.username)
    row = page.locator("tbody tr").filter(has_text=platform.learner.display_name)
    expect(row).to_contain_text("30")
    row.locator("input[name=minutes]").fill("10")
    row.locator("form").first.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    assert Attempt.objects.get(pk=attempt.pk).deadline == attempt.deadline + timedelta(minutes=10)
    page.locator("tbody tr").first.locator("form").nth(1).locator("button").click()
    expect(page.locator("tbody tr input[name=action][value=resume]")).to_have_count(1)
    assert Attempt.objects.get(pk=attempt.pk).paused_at is not None
    assert_accessible(page, "the invigilator's table")
    screenshot(page, "exam-invigilate-desktop")


def test_the_journal_survives_a_reload_and_is_replayed(desktop, platform, base_url):
    page = desktop
    attempt = _attempt(platform)
    attempts.attempt_start(attempt=attempt, learner=platform.learner)
    indicator = page.locator("[data-indicator]")
    page.goto(f"{base_url}/exam/attempts/{attempt.public_id}/")
    log_in(page, platform.learner.username)
    expect(page.locator("[data-question]")).to_have_count(4)

    # Saves fail (the server is unreachable for them) while the page itself still loads.
    page.route("**/answers", lambda route: route.abort())
    _question(page, attempt, "short_answer").locator("input").fill("Điện áp")
    expect(indicator).to_have_attribute("data-state", "offline", timeout=10_000)
    page.reload()  # the tab is reloaded (or the browser restarted) before the server heard
    expect(_question(page, attempt, "short_answer").locator("input")).to_have_value("Điện áp")
    assert not Answer.objects.exists()

    page.unroute("**/answers")
    expect(indicator).to_have_attribute("data-state", "saved", timeout=15_000)
    key = attempt.questions.get(item_version__question_type="short_answer").key
    assert Answer.objects.get(question__key=key).response == "Điện áp"
