"""An examiner marks an essay with its rubric in the admin and releases the result; the
learner, on a phone, sees it on the result page and in "My results"; axe finds nothing serious."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessment.models import ResponseMark
from tests.assessment.marking_setup import essay_exam, question, sit

from .helpers import PASSWORD, SCREENSHOTS, assert_accessible, assert_fits_width, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_examiner_marks_an_essay_and_releases_then_the_learner_sees_it(
    desktop, phone, platform, base_url
):
    exam = essay_exam(platform, pass_percent=Decimal(50), title="Kiểm tra an toàn điện")
    attempt = sit(platform, exam, essay="Ngắt cầu dao, treo biển báo, kiểm tra không điện.")
    essay = question(attempt, "essay")

    # The examiner, on a desktop: the queue, the response, the rubric, release.
    queue = reverse("assessment_marking:queue", args=[exam.pk])
    desktop.goto(base_url + "/accounts/login/?next=" + queue)
    desktop.locator("#id_username").fill(platform.teacher.username)
    desktop.locator("#id_password").fill(PASSWORD)
    desktop.locator("form[action*='/accounts/login/'] button[type=submit]").click()
    expect(desktop).to_have_url(base_url + queue)
    desktop.locator(f"a[href^='{reverse('assessment_marking:mark', args=[essay.pk])}']").click()
    expect(desktop.locator("#response")).to_contain_text("Ngắt cầu dao")
    desktop.locator("input[name='level-accuracy'][value='2']").check()
    desktop.locator("input[name='level-clarity'][value='1']").check()
    desktop.locator("#notes").fill("Đủ các bước an toàn.")
    assert_accessible(desktop, "marking an essay")
    desktop.screenshot(path=str(SCREENSHOTS / "marking-essay-desktop.png"), full_page=True)
    desktop.locator("button[name='action'][value='mark']").click()
    expect(desktop.locator("#status")).not_to_have_text("")
    mark = ResponseMark.objects.get(question=essay)
    assert (mark.score, mark.marker_id) == (Decimal(5), platform.teacher.pk)
    desktop.goto(base_url + queue)
    desktop.locator(
        f"form[action='{reverse('assessment_marking:release', args=[exam.pk])}'] button"
    ).click()
    expect(desktop.locator(".messages")).to_be_visible()

    # The learner, on a phone: the result page and My results.
    result = reverse("assessment:result", args=[attempt.public_id])
    phone.goto(base_url + "/accounts/login/?next=" + result)
    log_in(phone, platform.learner.username)
    expect(phone.locator(".score")).to_contain_text("6 / 6")
    expect(phone.locator(".status-passed")).to_be_visible()
    assert_fits_width(phone, "result page (phone)")
    assert_accessible(phone, "result page (phone)")
    phone.screenshot(path=str(SCREENSHOTS / "marking-result-phone.png"), full_page=True)
    phone.goto(base_url + reverse("lms:my_results"))
    expect(phone.locator("table")).to_contain_text("Kiểm tra an toàn điện")
    expect(phone.locator(".notice-list")).to_be_visible()
    assert_fits_width(phone, "my results (phone)")
    assert_accessible(phone, "my results (phone)")
    phone.screenshot(path=str(SCREENSHOTS / "marking-my-results-phone.png"), full_page=True)
