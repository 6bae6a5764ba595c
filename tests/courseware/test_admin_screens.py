"""The courseware admin screens: upload, follow an import, read a package; scoped by institution."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courseware.models import ImportJob, Package

from . import packages


def _zip(files=None, name="course.zip") -> SimpleUploadedFile:
    data = packages.zip_bytes(files or packages.scorm12_multi())
    return SimpleUploadedFile(name, data, content_type="application/zip")


def _upload(client, tenant, capture, **fields):
    client.force_login(tenant.teacher)
    data = {
        "institution": tenant.institution.pk,
        "file": _zip(),
        "title": "",
        "language": "vi",
        "licence": "cc-by-sa",
        "keywords": "hàn, điện",
        **fields,
    }
    with capture(execute=True):
        return client.post(reverse("courseware_admin:upload"), data)


def test_teacher_uploads_a_package_and_follows_the_import_to_its_page(
    client, tenant_a, django_capture_on_commit_callbacks
):
    response = _upload(client, tenant_a, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("courseware_admin:job", kwargs={"pk": job.pk})
    state = client.get(reverse("courseware_admin:job_status", kwargs={"pk": job.pk})).json()
    assert (state["status"], state["percent"], state["finished"]) == ("succeeded", 100, True)
    package = Package.objects.get()
    assert package.keywords == ["hàn", "điện"] and package.licence == "cc-by-sa"
    assert state["package_url"] == reverse("courseware_admin:package", kwargs={"pk": package.pk})
    page = client.get(state["package_url"])
    assert page.status_code == 200
    assert b"v1" in page.content and b"SCORM 1.2" in page.content
    listing = client.get(reverse("courseware_admin:index"))
    assert package.title.encode() in listing.content


def test_refused_upload_shows_each_problem_with_its_file(
    client, tenant_a, django_capture_on_commit_callbacks
):
    client.force_login(tenant_a.teacher)
    bad = SimpleUploadedFile(
        "bad.zip",
        packages.with_entry(packages.scorm12_single(), "/etc/cron.d/x"),
        "application/zip",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("courseware_admin:upload"),
            {
                "institution": tenant_a.institution.pk,
                "file": bad,
                "language": "vi",
                "licence": "cc0",
            },
        )
    job = ImportJob.objects.get()
    page = client.get(reverse("courseware_admin:job", kwargs={"pk": job.pk}))
    assert job.status == "failed" and b"/etc/cron.d/x" in page.content
    assert Package.objects.count() == 0


def test_the_owner_field_offers_only_the_teachers_institutions(client, tenant_a, tenant_b):
    client.force_login(tenant_a.teacher)
    page = client.get(reverse("courseware_admin:upload")).content.decode()
    assert tenant_a.institution.name in page and tenant_b.institution.name not in page


def test_teacher_cannot_upload_into_another_institution_through_the_form(
    client, tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    client.force_login(tenant_a.teacher)
    response = client.post(
        reverse("courseware_admin:upload"),
        {
            "institution": tenant_b.institution.pk,
            "file": _zip(),
            "language": "vi",
            "licence": "cc0",
        },
    )
    assert response.status_code == 200  # the form refuses the choice
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("view", ["job", "job_status", "package"])
def test_another_institutions_imports_and_packages_are_not_found(
    client, tenant_a, tenant_b, django_capture_on_commit_callbacks, view
):
    _upload(client, tenant_b, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    pk = job.package_id if view == "package" else job.pk
    client.force_login(tenant_a.teacher)
    assert client.get(reverse(f"courseware_admin:{view}", kwargs={"pk": pk})).status_code == 404
    assert job.package.title.encode() not in client.get(reverse("courseware_admin:index")).content


def test_another_institution_cannot_post_a_new_version(
    client, tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    _upload(client, tenant_b, django_capture_on_commit_callbacks)
    package = Package.objects.get()
    client.force_login(tenant_a.teacher)
    url = reverse("courseware_admin:package", kwargs={"pk": package.pk})
    assert client.post(url, {"file": _zip()}).status_code == 404
    assert package.versions.count() == 1


def test_teacher_uploads_a_new_version_from_the_package_page(
    client, tenant_a, django_capture_on_commit_callbacks
):
    _upload(client, tenant_a, django_capture_on_commit_callbacks)
    package = Package.objects.get()
    url = reverse("courseware_admin:package", kwargs={"pk": package.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": _zip(packages.scorm12_single())})
    assert response.status_code == 302
    assert list(package.versions.values_list("number", flat=True).order_by("number")) == [1, 2]


def test_learner_cannot_open_the_courseware_screens(client, tenant_a):
    client.force_login(tenant_a.learner)
    response = client.get(reverse("courseware_admin:index"))
    assert response.status_code in (302, 403)
    assert client.get(reverse("courseware_admin:upload")).status_code in (302, 403)


def test_an_upload_over_the_archive_limit_is_refused_on_the_form_and_never_kept(
    client, tenant_a, settings, storage_root
):
    settings.COURSEWARE_MAX_ARCHIVE_BYTES = 100
    client.force_login(tenant_a.teacher)
    response = client.post(
        reverse("courseware_admin:upload"),
        {
            "institution": tenant_a.institution.pk,
            "file": _zip(),
            "language": "vi",
            "licence": "cc0",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0
    assert not [path for path in storage_root.rglob("*") if path.is_file()]
