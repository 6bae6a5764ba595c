"""An institution administrator reads the LRS forwarding screen on a phone and a desktop:
a destination whose statements failed, the error, and "Retry failed"; axe-core finds no
serious violation."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from lrs import api, forwarding
from lrs.models import ForwardingItem

from .helpers import PASSWORD, assert_accessible, assert_fits_width, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_admin_sees_failed_forwarding_and_retries(screen, platform, base_url):
    viewport, page = screen
    destination = forwarding.destination_create(
        actor=platform.admin,
        institution=platform.institution,
        name="LRS của trường (Learning Locker)",
        endpoint="http://127.0.0.1:9/xapi/",  # nothing listens: every send fails
        username="truong",
        password="bí-mật",
        max_attempts=1,
    )
    for _ in range(2):
        api.record(
            institution=platform.institution,
            statement={
                "id": str(uuid.uuid4()),
                "actor": api.platform_learner_actor(platform.learner),
                "verb": {"id": "http://adlnet.gov/expapi/verbs/registered"},
                "object": {"id": "http://taynghe.test/courses/1"},
            },
        )
    assert forwarding.forward_due().failed == 2

    path = "/admin/lrs/forwarding/"
    page.goto(base_url + "/accounts/login/?next=" + path)
    page.locator("#id_username").fill(platform.admin.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[action*='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(base_url + path)
    expect(page.get_by_role("heading", name=destination.name)).to_be_visible()
    expect(page.locator('[data-count="failed"]')).to_have_text("2")
    expect(page.locator(".forwarding-errors li").first).to_contain_text("ConnectionError")
    assert_fits_width(page, f"LRS forwarding ({viewport.name})")
    assert_accessible(page, f"LRS forwarding ({viewport.name})")
    screenshot(page, f"lrs-forwarding-{viewport.name}")

    page.locator(f"form[action$='/{destination.pk}/retry/'] button").click()
    expect(page.locator('[data-count="pending"]')).to_have_text("2")
    assert set(ForwardingItem.objects.values_list("status", flat=True)) == {"pending"}
