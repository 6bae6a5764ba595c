"""An anonymous visitor browses home, catalogue and a course on a desktop and on a phone."""

import pytest
from playwright.sync_api import expect

from .helpers import assert_accessible, assert_fits_width, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_visitor_reaches_a_course_from_home_through_the_catalogue(screen, platform, base_url):
    viewport, page = screen
    course = platform.course

    page.goto(base_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    screenshot(page, f"home-{viewport.name}")
    assert_fits_width(page, "home")

    page.get_by_role("navigation", name="Chính").get_by_role("link", name="Danh mục").click()
    expect(page).to_have_url(base_url + "/catalogue/")
    expect(page.get_by_label("Tìm khóa học")).to_be_visible()
    card = page.locator(".cards .card").filter(has_text=course.title)
    expect(card).to_contain_text(platform.institution.name)
    screenshot(page, f"catalogue-{viewport.name}")
    assert_fits_width(page, "catalogue")

    card.get_by_role("link", name=course.title).click()
    expect(page).to_have_url(base_url + course.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    expect(page.get_by_role("link", name="Mô-đun 1")).to_be_visible()
    expect(page.get_by_role("link", name="Đăng nhập để ghi danh")).to_be_visible()
    screenshot(page, f"course-{viewport.name}")
    assert_fits_width(page, "course")


def test_catalogue_filter_narrows_the_list(desktop, platform, base_url):
    page = desktop
    page.goto(base_url + "/catalogue/")
    page.get_by_label("Tìm khóa học").fill("không-có-khóa-nào")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator(".cards")).not_to_contain_text(platform.course.title)
    page.get_by_label("Tìm khóa học").fill(platform.course.title)
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator(".cards .card")).to_have_count(1)


def test_keyboard_user_skips_the_header_to_the_content(desktop, platform, base_url):
    page = desktop
    page.goto(base_url + "/catalogue/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Chuyển đến nội dung")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_search_finds_a_course(screen, platform, base_url):
    viewport, page = screen
    page.goto(base_url + "/search/")
    page.get_by_label("Tìm chương trình, khóa học và bài học").fill("AAA")
    page.get_by_role("main").get_by_role("button", name="Tìm kiếm").click()
    expect(page.locator(".results")).to_contain_text(platform.course.title)
    screenshot(page, f"search-{viewport.name}")
    assert_accessible(page, f"search ({viewport.name})")
    assert_fits_width(page, "search")
