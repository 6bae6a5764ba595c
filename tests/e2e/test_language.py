"""The header's language links switch the whole page between Vietnamese and English."""

import pytest
from playwright.sync_api import expect

from .helpers import assert_fits_width, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_visitor_switches_to_english_and_back(screen, platform, base_url):
    viewport, page = screen
    page.goto(base_url + "/catalogue/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "vi")
    expect(page.get_by_role("link", name="Danh mục")).to_be_visible()

    page.get_by_role("navigation", name="Ngôn ngữ").get_by_role("link", name="English").click()
    expect(page).to_have_url(base_url + "/en/catalogue/")
    expect(html).to_have_attribute("lang", "en")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Catalogue")).to_be_visible()
    expect(main_nav.get_by_role("link", name="Search")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_label("Search courses")).to_be_visible()
    expect(page.locator(".cards")).to_contain_text(platform.course.title)
    screenshot(page, f"catalogue-en-{viewport.name}")
    assert_fits_width(page, "the English catalogue")

    page.get_by_role("navigation", name="Language").get_by_role("link", name="Tiếng Việt").click()
    expect(page).to_have_url(base_url + "/catalogue/")
    expect(html).to_have_attribute("lang", "vi")
    expect(page.get_by_label("Tìm khóa học")).to_be_visible()


def test_learner_switches_the_dashboard_to_english(desktop, platform, base_url):
    page = desktop
    page.goto(base_url + "/dashboard/")
    log_in(page, platform.learner.username)
    expect(page).to_have_url(base_url + "/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Khóa học của tôi")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(base_url + "/en/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My courses")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    screenshot(page, "dashboard-en-desktop")

    page.get_by_role("link", name="Tiếng Việt").click()
    expect(page).to_have_url(base_url + "/dashboard/")
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
