"""A teacher logs in, opens a course's learner list and enrols a cohort."""

import re

import pytest
from playwright.sync_api import expect

from lms.models import Enrolment

from .helpers import assert_accessible, assert_fits_width, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_teacher_enrols_a_cohort_and_sees_its_learners(screen, platform, base_url):
    viewport, page = screen
    teacher, learner, course, cohort = (
        platform.teacher,
        platform.learner,
        platform.course,
        platform.cohort,
    )
    learner.refresh_from_db()

    page.goto(base_url + "/teach/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/teach/"))
    log_in(page, teacher.username)
    expect(page).to_have_url(base_url + "/teach/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Giảng dạy của tôi")
    screenshot(page, f"teach-{viewport.name}")
    assert_accessible(page, "the teacher's courses")
    assert_fits_width(page, "the teacher's courses")

    page.get_by_role("table").get_by_role("link", name=course.title).click()
    expect(page).to_have_url(base_url + f"/teach/courses/{course.pk}/")
    table = page.get_by_role("table", name="Người học và tiến độ")
    expect(table).to_contain_text("Chưa có người học ghi danh.")

    page.get_by_label("Lớp").select_option(label=str(cohort))
    page.get_by_role("button", name="Ghi danh cả lớp").click()
    expect(page.locator(".messages")).to_contain_text("Đã ghi danh 1 người học.")
    row = table.get_by_role("row").filter(has_text=learner.learner_id)
    expect(row).to_contain_text(learner.display_name)
    expect(row).to_contain_text(cohort.code)
    assert Enrolment.objects.filter(learner=learner, course=course, cohort=cohort).exists()
    screenshot(page, f"teach-course-{viewport.name}")
    assert_accessible(page, "a course's learners")
    assert_fits_width(page, "a course's learners")
