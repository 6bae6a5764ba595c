"""The cmi5 Learners screen on a phone: a teacher waives a learner's AU with a reason; the
screen passes axe-core and does not scroll sideways."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from courseware import api as courseware
from courseware.cmi5 import services as cmi5
from courseware.models import Cmi5AuState, Cmi5Session
from courseware.services import package_import
from tests.courseware.cmi5.conftest import aus, course_files
from tests.courseware.packages import zip_bytes

from .helpers import PASSWORD, assert_accessible, assert_fits_width, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_teacher_waives_an_au_from_the_learners_screen_on_a_phone(
    phone, platform, base_url, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    result = package_import(
        actor=platform.teacher,
        institution=platform.institution,
        file=io.BytesIO(zip_bytes(course_files(move_on="Passed"))),
    )
    attempt = courseware.attempt_open(
        learner=platform.learner,
        package=result.package,
        version=result.version,
        institution=platform.institution,
        placement="lesson:1:block",
    )
    cmi5.cmi5_launch(
        learner=platform.learner,
        attempt=attempt,
        activity=aus(result.version)[0],
        platform_origin=base_url,
        return_url=base_url + "/",
    )
    page = phone
    screen = f"/admin/courseware/packages/{result.package.pk}/cmi5/"
    page.goto(base_url + "/accounts/login/?next=" + screen)
    page.locator("#id_username").fill(platform.teacher.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[action*='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(base_url + screen)
    expect(page.locator(".cmi5-registration")).to_have_count(1)
    assert_accessible(page, "cmi5 learners")
    assert_fits_width(page, "cmi5 learners")
    screenshot(page, "cmi5-learners-phone")

    first = aus(result.version)[0]
    row = page.locator(f"tr[data-au='{first.pk}']")
    row.locator("select[name=reason]").select_option("Tested Out")
    row.locator("form[action$='/waive/'] button").click()
    expect(page).to_have_url(base_url + screen)
    assert Cmi5AuState.objects.get(attempt=attempt, activity=first).waived
    assert Cmi5Session.objects.get().status == "open"
    screenshot(page, "cmi5-learners-waived-phone")
