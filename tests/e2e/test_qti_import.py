"""An examiner uploads a QTI package on a phone and reads the item-by-item report; the
upload form and the report are axe-clean and fit the screen; exporting downloads a zip."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.assessment import factories
from tests.assessment.qti.helpers import example, package

from .helpers import PASSWORD, assert_accessible, assert_fits_width, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_examiner_imports_a_package_and_reads_the_report(phone, platform, base_url, tmp_path):
    bank = factories.make_bank(platform.institution, actor=platform.teacher, name="Điện dân dụng")
    files = {
        "items/order.xml": example("order.xml"),
        "items/match.xml": example("match.xml"),
        "items/broken.xml": "<assessmentItem><itemBody>",
    }
    upload = tmp_path / "goi-qti.zip"
    upload.write_bytes(
        package(files, items=["items/order.xml", "items/match.xml", "items/broken.xml"]).getvalue()
    )
    path = "/admin/assessment/qti/import/"
    phone.goto(base_url + "/accounts/login/?next=" + path)
    phone.locator("#id_username").fill(platform.teacher.username)
    phone.locator("#id_password").fill(PASSWORD)
    phone.locator("form[action*='/accounts/login/'] button[type=submit]").click()
    expect(phone).to_have_url(base_url + path)
    assert_accessible(phone, "QTI upload form")
    assert_fits_width(phone, "QTI upload form")
    phone.locator("#id_bank").select_option(str(bank.pk))
    phone.locator("#id_file").set_input_files(str(upload))
    phone.locator("#qti-import-submit").click()
    report = phone.locator("#qti-report")
    expect(report).to_be_visible()
    expect(phone.locator("#qti-summary")).to_contain_text("2")
    expect(report.locator("tbody tr")).to_have_count(3)
    expect(report).to_contain_text("xml_malformed")
    screenshot(phone, "qti-import-report-phone")
    assert_accessible(phone, "QTI import report")
    assert_fits_width(phone, "QTI import report")
    phone.goto(base_url + f"/admin/assessment/qti/banks/{bank.pk}/")
    assert_accessible(phone, "QTI bank export")
    with phone.expect_download() as download:
        phone.locator("#qti-version").select_option("3.0")
        phone.locator("#qti-export-submit").click()
    assert download.value.suggested_filename.endswith("-qti30.zip")
