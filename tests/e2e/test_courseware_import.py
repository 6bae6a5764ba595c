"""A teacher uploads a package in the admin and watches its import finish on a progress bar."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from courseware import services
from courseware.models import ImportJob, Package
from tests.courseware import packages

from .helpers import PASSWORD, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def files(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "files")
    return tmp_path


def _log_in_to_admin(page, base_url, username):
    page.goto(base_url + "/accounts/login/?next=/admin/courseware/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form[action*='/accounts/login/'] button[type=submit]").click()
    expect(page).to_have_url(base_url + "/admin/courseware/")


def test_teacher_uploads_a_package_and_opens_it(desktop, platform, base_url, files):
    page = desktop
    archive = files / "han-dien.zip"
    archive.write_bytes(packages.zip_bytes(packages.scorm2004_sequenced()))
    _log_in_to_admin(page, base_url, platform.teacher.username)

    page.locator("a[href$='/admin/courseware/upload/']").first.click()
    page.locator("#id_file").set_input_files(str(archive))
    page.locator("#id_title").fill("Hàn điện cơ bản")
    page.locator("#id_licence").select_option("cc-by")
    page.locator("form button[type=submit]").last.click()

    # The default task backend runs the import inside the upload request: the bar is full.
    expect(page).to_have_url(re.compile(r"/admin/courseware/imports/\d+/$"))
    expect(page.locator("#import-progress")).to_have_attribute("value", "100")
    page.locator("#import-package-link").click()
    package = Package.objects.get()
    expect(page).to_have_url(base_url + f"/admin/courseware/packages/{package.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hàn điện cơ bản")
    expect(page.locator(".courseware-tree li")).to_have_count(
        package.latest_version().activities.count()
    )
    screenshot(page, "courseware-package-desktop")


def test_the_progress_bar_follows_a_job_that_a_worker_runs(phone, platform, base_url, files):
    page = phone
    upload = default_storage.save(
        "courseware/uploads/AAA/waiting.zip",
        ContentFile(packages.zip_bytes(packages.scorm12_multi())),
    )
    job = ImportJob.objects.create(
        institution=platform.institution,
        upload_name=upload,
        original_name="waiting.zip",
        created_by=platform.teacher,
        metadata={"title": "Đo lường điện"},
    )
    _log_in_to_admin(page, base_url, platform.teacher.username)
    page.goto(base_url + f"/admin/courseware/imports/{job.pk}/")
    expect(page.locator("#import-progress")).to_have_attribute("value", "0")
    expect(page.locator("#import-done")).to_be_hidden()
    screenshot(page, "courseware-import-waiting-phone")

    services.import_job_run(job_id=job.pk)  # what the worker does

    expect(page.locator("#import-progress")).to_have_attribute("value", "100")
    expect(page.locator("#import-done")).to_be_visible()
    expect(page.locator("#import-status")).to_have_text(
        ImportJob.objects.get(pk=job.pk).get_status_display()
    )
    screenshot(page, "courseware-import-done-phone")


def test_a_refused_upload_lists_its_problem_on_the_page(desktop, platform, base_url, files):
    page = desktop
    upload = default_storage.save(
        "courseware/uploads/AAA/bad.zip",
        ContentFile(packages.with_entry(packages.scorm12_single(), "../../escape.js")),
    )
    job = ImportJob.objects.create(
        institution=platform.institution,
        upload_name=upload,
        original_name="bad.zip",
        created_by=platform.teacher,
    )
    _log_in_to_admin(page, base_url, platform.teacher.username)
    page.goto(base_url + f"/admin/courseware/imports/{job.pk}/")
    services.import_job_run(job_id=job.pk)
    expect(page.locator("#import-problems")).to_contain_text("../../escape.js")
    expect(page.locator("#import-done")).to_be_hidden()
