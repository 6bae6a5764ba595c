"""A learner logs in through the form, enrols in a course and finds it on the dashboard."""

import re

import pytest
from playwright.sync_api import expect

from lms.models import Enrolment

from .helpers import assert_accessible, assert_fits_width, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_learner_self_enrols_and_sees_the_course_with_their_learner_id(screen, platform, base_url):
    viewport, page = screen
    learner, course = platform.learner, platform.course
    learner.refresh_from_db()
    assert learner.learner_id

    page.goto(base_url + course.url)
    page.get_by_role("link", name="Đăng nhập để ghi danh").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    screenshot(page, f"login-{viewport.name}")
    assert_accessible(page, "the login page")
    assert_fits_width(page, "the login page")

    log_in(page, learner.username)
    expect(page).to_have_url(base_url + course.url)
    page.get_by_role("button", name="Ghi danh khóa học").click()
    expect(page.locator(".messages")).to_contain_text(f"Bạn đã ghi danh khóa {course.title}")
    expect(page.get_by_text("Bạn đã ghi danh khóa học này.")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Tiến độ")).to_be_visible()
    assert Enrolment.objects.filter(learner=learner, course=course).exists()
    screenshot(page, f"course-enrolled-{viewport.name}")

    page.get_by_role("link", name="Khóa học của tôi").click()
    expect(page).to_have_url(base_url + "/dashboard/")
    expect(page.locator("main")).to_contain_text(f"Mã định danh người học: {learner.learner_id}")
    expect(page.locator(".cards").get_by_role("link", name=course.title)).to_be_visible()
    screenshot(page, f"dashboard-learner-{viewport.name}")
    assert_fits_width(page, "the dashboard")
