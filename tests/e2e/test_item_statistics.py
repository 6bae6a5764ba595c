"""An examiner reads an exam's item statistics on a phone and on a desktop: summary, charts,
dubious items, downloads; axe-core finds no serious violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories as site_factories
from tests.assessment import factories
from tests.assessment.stats_helpers import sit

from .helpers import PASSWORD, assert_accessible, assert_fits_width, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Eight learners, five items: Q5 is right only for the weaker learners (dubious).
CHOICES = ["aaaab", "aaabb", "aabab", "abaab", "aabba", "babba", "bbbba", "bbbba"]


def _exam(tenant):
    bank = factories.make_bank(tenant.institution, actor=tenant.teacher)
    stems = [
        "Điện áp lưới sinh hoạt ở Việt Nam?",
        "Dụng cụ đo dòng điện?",
        "Màu dây tiếp địa?",
        "Thiết bị chống giật?",
        "Tiết diện dây cho bếp 3 kW?",
    ]
    items = [
        factories.make_item(bank, "single_choice", actor=tenant.teacher, stem=f"<p>{stem}</p>")
        for stem in stems
    ]
    exam = factories.make_exam(
        tenant.institution, actor=tenant.teacher, items=items, title="Kiểm tra an toàn điện"
    )
    for index, choices in enumerate(CHOICES):
        learner = site_factories.make_learner(tenant.institution, f"stats-{index}")
        sit(
            tenant.teacher,
            exam,
            learner,
            {item.pk: c for item, c in zip(items, choices, strict=True)},
        )
    return exam


def test_examiner_reads_item_statistics(screen, platform, base_url):
    viewport, page = screen
    exam = _exam(platform)
    path = f"/admin/assessment/statistics/{exam.pk}/"
    page.goto(base_url + "/accounts/login/?next=" + path)
    page.locator("#id_username").fill(platform.teacher.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[action*='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(base_url + path)

    expect(page.locator("#scatter-title")).to_have_count(1)
    expect(page.locator(".item-stats__summary dd").first).to_have_text("8")
    expect(page.locator("tr.item-stats__dubious").first).to_be_visible()
    expect(page.locator("svg .point--dubious").first).to_be_attached()
    # Every attempt is drawn in the histogram's text alternative.
    description = page.locator("#histogram-desc").text_content()
    assert sum(int(part.split(":")[1]) for part in description.split(".") if ":" in part) == 8
    # The charts' coordinates are plain numbers whatever the language (no decimal comma),
    # so the bars have a height on the screen.
    heights = [
        box["height"] for box in (bar.bounding_box() for bar in page.locator("rect.bar").all())
    ]
    assert len(heights) == 10 and max(heights) > 50
    page.locator("details summary").first.click()
    assert_fits_width(page, f"item statistics ({viewport.name})")
    assert_accessible(page, f"item statistics ({viewport.name})")
    # The admin scrolls its content in a box of its own: make the window as tall as the
    # content to photograph it whole.
    height = page.evaluate(
        "() => Math.ceil(document.querySelector('#item-statistics').getBoundingClientRect().bottom"
        " + (document.querySelector('main') || document.body).scrollTop + 40)"
    )
    page.set_viewport_size({"width": viewport.width, "height": min(max(height, 800), 8000)})
    page.evaluate("() => (document.querySelector('main') || document.body).scrollTo(0, 0)")
    screenshot(page, f"item-statistics-{viewport.name}")

    with page.expect_download() as download:
        page.locator("a[href*='/download/xlsx']").click()
    assert download.value.suggested_filename.endswith(".xlsx")
