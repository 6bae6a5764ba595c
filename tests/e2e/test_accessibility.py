"""axe-core finds no serious or critical WCAG 2.1 AA violation on the main pages.

Home, catalogue, a course and the learner's dashboard, in both languages, on a desktop
and on a phone.
"""

import pytest
from playwright.sync_api import expect

from lms import services

from .helpers import assert_accessible, assert_fits_width, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_main_pages_pass_axe(screen, language, platform, base_url):
    viewport, page = screen
    services.enrolment_self_enrol(learner=platform.learner, course=platform.course)
    prefix = "" if language == "vi" else "/en"
    home = f"{base_url}{prefix}/"

    page.goto(home)
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_accessible(page, f"home ({language}, {viewport.name})")

    page.goto(f"{home}catalogue/")
    assert_accessible(page, f"catalogue ({language}, {viewport.name})")
    page.locator(".cards").get_by_role("link", name=platform.course.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(platform.course.title)
    assert_accessible(page, f"course ({language}, {viewport.name})")

    page.goto(f"{home}dashboard/")
    log_in(page, platform.learner.username)
    expect(page.locator(".cards").get_by_role("link", name=platform.course.title)).to_be_visible()
    assert_accessible(page, f"dashboard ({language}, {viewport.name})")
    assert_fits_width(page, "the dashboard")
    screenshot(page, f"dashboard-{language}-{viewport.name}")
