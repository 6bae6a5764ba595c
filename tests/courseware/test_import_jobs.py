"""Background imports: an upload is kept, imported once after commit, its progress recorded."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from courseware import services
from courseware.models import ImportJob, Package
from institutions import services as institution_services

from . import packages
from .conftest import assert_nothing_kept, stored_files


def _upload(data: bytes, name: str = "course.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


def _create(tenant, data: bytes, capture, **kwargs) -> ImportJob:
    with capture(execute=True):
        job = services.import_job_create(
            actor=tenant.teacher, institution=tenant.institution, file=_upload(data), **kwargs
        )
    job.refresh_from_db()
    return job


def test_an_upload_is_imported_after_commit_and_its_upload_removed(
    tenant_a, storage_root, django_capture_on_commit_callbacks
):
    data = packages.zip_bytes(packages.scorm12_multi())
    job = _create(
        tenant_a,
        data,
        django_capture_on_commit_callbacks,
        metadata={"title": "Hàn điện cơ bản", "licence": "cc-by", "keywords": ["hàn"]},
    )
    assert job.status == ImportJob.Status.SUCCEEDED
    assert job.percent == 100 and job.finished_at is not None
    package = job.package
    assert (package.title, package.licence, package.keywords) == (
        "Hàn điện cơ bản",
        "cc-by",
        ["hàn"],
    )
    assert job.version == package.latest_version()
    assert job.total == job.version.file_count and job.done == job.total
    # The kept upload is gone; only the package's own files remain.
    assert not any("uploads" in str(path) for path in stored_files(storage_root))
    assert all(job.version.storage_prefix in str(path) for path in stored_files(storage_root))


def test_a_refused_archive_fails_the_job_with_its_problems_and_keeps_nothing(
    tenant_a, storage_root, django_capture_on_commit_callbacks
):
    data = packages.with_entry(packages.scorm12_single(), "../escape.html")
    job = _create(tenant_a, data, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED
    assert [problem["code"] for problem in job.problems] == ["zip_slip"]
    assert job.problems[0]["path"] == "../escape.html"
    assert job.package is None and job.version is None
    assert_nothing_kept(storage_root)


def test_a_job_runs_once_whatever_the_number_of_deliveries(
    tenant_a, django_capture_on_commit_callbacks
):
    job = _create(
        tenant_a, packages.zip_bytes(packages.scorm12_single()), django_capture_on_commit_callbacks
    )
    again = services.import_job_run(job_id=job.pk)
    assert again.status == ImportJob.Status.SUCCEEDED
    assert Package.objects.count() == 1 and job.package.versions.count() == 1


def test_a_new_version_goes_to_the_package(tenant_a, django_capture_on_commit_callbacks):
    first = _create(
        tenant_a, packages.zip_bytes(packages.scorm12_single()), django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_job_create(
            actor=tenant_a.teacher,
            institution=None,
            package=first.package,
            file=_upload(packages.zip_bytes(packages.scorm12_multi())),
        )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert job.package == first.package and job.version.number == 2


def test_teacher_cannot_queue_an_import_for_another_institution(tenant_a, tenant_b, storage_root):
    with pytest.raises(PermissionDenied):
        services.import_job_create(
            actor=tenant_a.teacher,
            institution=tenant_b.institution,
            file=_upload(packages.zip_bytes(packages.scorm12_single())),
        )
    assert ImportJob.objects.count() == 0 and stored_files(storage_root) == []


def test_a_role_taken_away_before_the_job_runs_refuses_the_import(tenant_a, storage_root):
    job = services.import_job_create(  # on_commit not run: the job waits in the queue
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        file=_upload(packages.zip_bytes(packages.scorm12_single())),
    )
    membership = tenant_a.teacher.memberships.get(institution=tenant_a.institution)
    institution_services.membership_revoke(actor=None, membership=membership)
    job = services.import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert job.problems[0]["code"] == "refused"
    assert_nothing_kept(storage_root)


def test_progress_moves_forward_through_the_phases(tenant_a):
    import io

    seen: list[tuple[str, int, int]] = []
    services.package_import(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        file=io.BytesIO(packages.zip_bytes(packages.scorm12_multi())),
        progress=lambda phase, done, total: seen.append((phase, done, total)),
    )
    phases = [phase for phase, _done, _total in seen]
    order = ["checking", "reading", "copying", "saving"]
    assert sorted(set(phases), key=order.index) == order
    assert phases == sorted(phases, key=order.index)  # never goes back
    copying = [(done, total) for phase, done, total in seen if phase == "copying"]
    assert copying[0][0] == 0 and copying[-1][0] == copying[-1][1] > 0
    assert [done for done, _ in copying] == sorted(done for done, _ in copying)


@pytest.mark.parametrize("kind", ["bytes", "disk", "stream"])
def test_the_uploads_digest_is_right_however_it_is_read(tenant_a, tmp_path, kind):
    import hashlib
    import io

    data = packages.zip_bytes(packages.scorm12_multi())
    path = tmp_path / "course.zip"
    path.write_bytes(data)

    class Stream(io.RawIOBase):  # no path and no buffer: read once more, after the copy
        def __init__(self):
            self._inner = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return True

        def readinto(self, buffer):
            return self._inner.readinto(buffer)

        def seek(self, *args):
            return self._inner.seek(*args)

        def tell(self):
            return self._inner.tell()

    opened = {"bytes": lambda: io.BytesIO(data), "disk": lambda: path.open("rb"), "stream": Stream}
    with opened[kind]() as upload:
        result = services.package_import(
            actor=tenant_a.teacher, institution=tenant_a.institution, file=upload
        )
    assert result.version.sha256 == hashlib.sha256(data).hexdigest()
    assert result.version.archive_size == len(data)
