"""Every state change of courseware packages: import a package, add a version.

Each service is keyword-only, checks the actor's permission, writes atomically and records
an audit event. A refused import leaves nothing behind: no rows (the transaction rolls
back) and no files (the ones written are deleted before the error propagates).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.api import audit_record, require_staff

from .importing import (
    ImportLimits,
    PackageImportError,
    ParsedActivity,
    ParsedPackage,
    archive_open,
    package_read,
)
from .importing.cmi5 import standalone_structure
from .importing.errors import refuse
from .models import (
    Activity,
    ImportJob,
    Licence,
    Organization,
    Package,
    PackageVersion,
    Resource,
)

logger = logging.getLogger(__name__)

# Told of an import's progress: phase ("checking", "reading", "copying", "saving"), files
# done and files in all (both 0 outside the copying phase).
Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    """The progress callback of an import nobody watches."""


@dataclass
class ImportResult:
    """What an import produced, for the caller to show."""

    package: Package
    version: PackageVersion
    parsed: ParsedPackage
    warnings: list[str] = field(default_factory=list)

    @property
    def launchable_count(self) -> int:
        return self.parsed.launchable_count


def _require_staff(actor, institution_id: int) -> None:
    """Staff of the institution (or national administrators) work with its courseware."""
    require_staff(actor, institution_id, _("You cannot manage this institution's courseware."))


def _digest(file) -> tuple[str, int]:
    """SHA-256 and size of the upload, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return digest.hexdigest(), size


def _store_files(archive, prefix: str, written: list[str], progress: Progress) -> None:
    """Copy every file of the checked archive under `prefix`, recording each name written."""
    files = list(archive.iter_files())
    progress("copying", 0, len(files))
    for position, (name, _info) in enumerate(files, start=1):
        target = f"{prefix}{name}"
        # Recorded before saving: a save that fails midway can leave a partial file behind.
        written.append(target)
        with archive.open(name) as reader:
            saved = default_storage.save(target, File(reader, name=name))
        if saved != target:
            written.append(saved)
            # The storage chose another name: the prefix is not ours alone.
            raise refuse(
                "storage_conflict",
                _("The storage already holds a file at this package's path."),
                name,
            )
        progress("copying", position, len(files))


def _activity_row(version, organization, resources, item: ParsedActivity, **placement):
    return Activity(
        version=version,
        organization=organization,
        identifier=item.identifier,
        title=item.title[:500],
        is_visible=item.is_visible,
        is_launchable=item.is_launchable,
        resource=resources.get(item.resource_identifier),
        href=item.href,
        launch_parameters=item.launch_parameters,
        scorm_type=item.scorm_type,
        prerequisites=item.prerequisites,
        mastery_score=item.mastery_score,
        min_normalized_measure=item.min_normalized_measure,
        max_time_allowed=item.max_time_allowed,
        time_limit_seconds=item.time_limit_seconds,
        time_limit_action=item.time_limit_action,
        data_from_lms=item.data_from_lms,
        completion_threshold=item.completion_threshold,
        sequencing=item.sequencing,
        launch_settings=item.launch_settings,
        **placement,
    )


def _store_tree(version: PackageVersion, parsed: ParsedPackage) -> None:
    """Write resources, organizations and activities in a few bulk inserts (one per tree level)."""
    resources = {
        resource.identifier: resource
        for resource in Resource.objects.bulk_create(
            Resource(
                version=version,
                identifier=parsed_resource.identifier,
                type=parsed_resource.type,
                scorm_type=parsed_resource.scorm_type,
                href=parsed_resource.href,
                files=parsed_resource.files,
                dependencies=parsed_resource.dependencies,
            )
            for parsed_resource in parsed.resources
        )
    }
    organizations = Organization.objects.bulk_create(
        Organization(
            version=version,
            identifier=parsed_organization.identifier,
            title=parsed_organization.title[:500],
            is_default=parsed_organization.is_default,
            sort_order=position,
            objectives_global_to_system=parsed_organization.objectives_global_to_system,
            shared_data_global_to_system=parsed_organization.shared_data_global_to_system,
            sequencing=parsed_organization.sequencing,
        )
        for position, parsed_organization in enumerate(parsed.organizations)
    )
    # Depth-first order gives the table of contents; rows are inserted level by level so
    # that every parent has its key before its children are written.
    levels: list[list[Activity]] = []
    for organization, parsed_organization in zip(organizations, parsed.organizations, strict=True):
        order = 0
        stack = [(item, None, 0) for item in reversed(parsed_organization.activities)]
        while stack:
            item, parent, depth = stack.pop()
            row = _activity_row(
                version, organization, resources, item, parent=parent, depth=depth, sort_order=order
            )
            order += 1
            if len(levels) <= depth:
                levels.append([])
            levels[depth].append(row)
            stack.extend((sub, row, depth + 1) for sub in reversed(item.children))
    for rows in levels:
        Activity.objects.bulk_create(rows, batch_size=500)


@dataclass
class _Prepared:
    """An archive that passed every check and was read, its files already in storage."""

    archive: object
    parsed: ParsedPackage
    sha256: str
    size: int
    prefix: str


def _prepare(
    *, institution, file, limits: ImportLimits | None, written: list[str], progress: Progress
) -> _Prepared:
    """Check and read the archive, then copy its files to storage, outside any transaction.

    Copying is the long part of a big import; doing it before the rows are written keeps the
    transaction short and lets the progress of a background import be seen as it happens.
    Every stored file's name is appended to `written` so that the caller can delete them.
    """
    limits = limits or ImportLimits.from_settings()
    progress("checking", 0, 0)
    file = standalone_structure(file)  # a cmi5.xml uploaded alone becomes a one-file zip
    archive = archive_open(file, limits)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The upload's digest is computed beside the copy when the upload can be read a second
        # time independently (a file on disk, bytes in memory): hashing releases the GIL.
        source = _independent_source(file)
        digest = pool.submit(_digest, source) if source is not None else None
        try:
            progress("reading", 0, 0)
            parsed = package_read(archive)
            prefix = f"courseware/{institution.code}/{secrets.token_hex(12)}/"
            # Files before rows: everything that can be refused in the manifest has been by now.
            _store_files(archive, prefix, written, progress)
        finally:
            if digest is not None:
                wait_for([digest])  # the reader is closed only once the hash is done
            if source is not None:
                source.close()
    sha256, size = digest.result() if digest is not None else _digest(file)
    return _Prepared(archive=archive, parsed=parsed, sha256=sha256, size=size, prefix=prefix)


def _independent_source(file):
    """A second reader of the upload's bytes that does not move `file`'s position, or None."""
    if isinstance(file, io.BytesIO):
        return io.BytesIO(file.getbuffer())
    path = None
    if hasattr(file, "temporary_file_path"):
        path = file.temporary_file_path()
    else:
        inner = getattr(file, "file", file)
        inner = getattr(inner, "raw", inner)
        name = getattr(inner, "name", None)
        path = name if isinstance(name, str) and os.path.isabs(name) else None
    if path and os.path.isfile(path):
        return open(path, "rb")
    return None


def _version_create(*, actor, package: Package, prepared: _Prepared, progress: Progress):
    """Write the version row and its activity tree; runs inside the caller's transaction."""
    progress("saving", 0, 0)
    parsed, archive = prepared.parsed, prepared.archive
    number = (package.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PackageVersion.objects.create(
        package=package,
        number=number,
        kind=parsed.kind,
        edition=parsed.edition,
        schema_version=parsed.schema_version[:64],
        status=PackageVersion.Status.READY,
        storage_prefix=prepared.prefix,
        manifest_identifier=parsed.identifier[:255],
        manifest_version=parsed.version[:64],
        sha256=prepared.sha256,
        archive_size=prepared.size,
        content_size=archive.total_size,
        file_count=len(archive.entries),
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _store_tree(version, parsed)
    return ImportResult(package=package, version=version, parsed=parsed, warnings=parsed.warnings)


def _delete_files(names: list[str]) -> None:
    """Delete what an aborted import stored, and on a local disk the folders it created."""
    for name in names:
        default_storage.delete(name)
    try:
        folders = {Path(default_storage.path(name)).parent for name in names}
        top = Path(default_storage.path("courseware"))
    except NotImplementedError:  # object storage has no folders
        return
    for folder in sorted(folders, key=lambda path: len(path.parts), reverse=True):
        while folder != top and top in folder.parents:
            try:
                folder.rmdir()  # only empty folders go; another upload's files stay
            except OSError:
                break
            folder = folder.parent


def package_import(
    *,
    actor,
    institution,
    file,
    title: str = "",
    description: str = "",
    occupation_code: str = "",
    level: str = "",
    language: str = "vi",
    keywords: list[str] | None = None,
    licence: str = Licence.ALL_RIGHTS_RESERVED,
    limits: ImportLimits | None = None,
    progress: Progress = _no_progress,
) -> ImportResult:
    """Create a package in `institution` from an uploaded archive (a binary file); it becomes version 1.

    Raises `PackageImportError` (with every problem found) when the archive is refused, and
    `ValidationError` for bad metadata; either way no row and no stored file remains.
    `progress` is called as the import moves on (see `Progress`).
    """
    _require_staff(actor, institution.pk)
    package = Package(
        institution=institution,
        title=title or "…",
        description=description,
        occupation_code=occupation_code,
        level=level,
        language=language,
        keywords=list(keywords or []),
        licence=licence,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    package.full_clean()
    written: list[str] = []
    try:
        prepared = _prepare(
            institution=institution, file=file, limits=limits, written=written, progress=progress
        )
        with transaction.atomic():
            if not title:
                fallback = prepared.parsed.title or getattr(file, "name", "") or _("Untitled")
                package.title = fallback.rsplit("/", 1)[-1][:255]
            package.save()
            result = _version_create(
                actor=actor, package=package, prepared=prepared, progress=progress
            )
            audit_record(
                actor=actor,
                action="courseware.package_import",
                obj=package,
                institution=institution,
                data={"version": result.version.number, "kind": result.version.kind},
            )
    except BaseException:
        # The transaction has rolled back (or never began); remove what reached storage.
        _delete_files(written)
        raise
    return result


def package_version_add(
    *,
    actor,
    package: Package,
    file,
    limits: ImportLimits | None = None,
    progress: Progress = _no_progress,
) -> ImportResult:
    """Upload a new archive of an existing package as its next version; older versions stay."""
    _require_staff(actor, package.institution_id)
    written: list[str] = []
    try:
        prepared = _prepare(
            institution=package.institution,
            file=file,
            limits=limits,
            written=written,
            progress=progress,
        )
        with transaction.atomic():
            package = Package.objects.select_for_update().get(pk=package.pk)
            result = _version_create(
                actor=actor, package=package, prepared=prepared, progress=progress
            )
            audit_record(
                actor=actor,
                action="courseware.package_version_add",
                obj=result.version,
                institution=package.institution,
                data={"version": result.version.number, "kind": result.version.kind},
            )
    except BaseException:
        _delete_files(written)
        raise
    return result


__all__ = [
    "ImportResult",
    "PackageImportError",
    "Progress",
    "import_job_create",
    "import_job_run",
    "package_import",
    "package_version_add",
]


# --- Background imports -------------------------------------------------------------------

# A running import writes its progress at most this often (seconds), and at every phase change.
PROGRESS_INTERVAL = 0.5


def import_job_create(
    *, actor, institution, file, package: Package | None = None, metadata: dict | None = None
) -> ImportJob:
    """Keep an upload and queue its import; the job runs after the transaction commits.

    For a new package `metadata` holds its title, description, licence… (the keyword arguments
    of `package_import`); for a new version of `package` it is ignored.
    """
    if package is not None:
        institution = package.institution
    _require_staff(actor, institution.pk)
    original = (getattr(file, "name", "") or "").rsplit("/", 1)[-1][:255]
    limit = ImportLimits.from_settings().max_archive_bytes
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        # Refused before it is kept: an oversized upload never waits in storage for its job.
        raise refuse(
            "archive_too_large",
            _("The archive is %(size)s bytes; the limit is %(limit)s.")
            % {"size": size, "limit": limit},
            original,
        )
    upload_name = default_storage.save(
        f"courseware/uploads/{institution.code}/{secrets.token_hex(12)}.zip", file
    )
    job = ImportJob.objects.create(
        institution=institution,
        package=package,
        upload_name=upload_name,
        original_name=original,
        upload_size=default_storage.size(upload_name),
        metadata=dict(metadata or {}) if package is None else {},
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action="courseware.import_job_create",
        obj=job,
        institution=institution,
        data={"file": original, "package": package.pk if package else None},
    )
    transaction.on_commit(lambda: _import_job_enqueue(job.pk))
    return job


def _import_job_enqueue(job_id: int) -> None:
    from .tasks import import_job_run_task

    import_job_run_task.enqueue(job_id)


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued import once: a second delivery of the same job changes nothing.

    The import itself checks the uploader's permission again (a role may have been taken away
    since the upload). The kept upload is deleted whatever the outcome.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, phase=ImportJob.Phase.CHECKING, updated_at=timezone.now()
    )
    job = ImportJob.objects.select_related("institution", "package", "created_by").get(pk=job_id)
    if not claimed:
        return job
    last = {"phase": "", "at": 0.0}

    def progress(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == last["phase"] and now - last["at"] < PROGRESS_INTERVAL and done < total:
            return
        last.update(phase=phase, at=now)
        counts = {"done": done, "total": total} if total else {}  # kept through "saving"
        ImportJob.objects.filter(pk=job_id).update(phase=phase, updated_at=timezone.now(), **counts)

    actor = job.created_by
    try:
        with default_storage.open(job.upload_name, "rb") as upload:
            upload.name = job.original_name or upload.name
            if job.package_id:
                result = package_version_add(
                    actor=actor, package=job.package, file=upload, progress=progress
                )
            else:
                result = package_import(
                    actor=actor,
                    institution=job.institution,
                    file=upload,
                    progress=progress,
                    **_package_metadata(job.metadata),
                )
    except PackageImportError as error:
        _import_job_finish(
            job,
            status=ImportJob.Status.FAILED,
            problems=[
                {"code": p.code, "message": str(p.message), "path": p.path} for p in error.problems
            ],
        )
    except (PermissionDenied, ValidationError) as error:
        message = " ".join(getattr(error, "messages", None) or [str(error)])
        _import_job_finish(
            job,
            status=ImportJob.Status.FAILED,
            problems=[{"code": "refused", "message": message, "path": ""}],
        )
    except Exception:
        logger.exception("Import job %s failed", job_id)
        _import_job_finish(
            job,
            status=ImportJob.Status.FAILED,
            problems=[
                {
                    "code": "internal",
                    "message": _("The import stopped on an unexpected error; nothing was kept."),
                    "path": "",
                }
            ],
        )
    else:
        job.package = result.package
        job.version = result.version
        _import_job_finish(
            job,
            status=ImportJob.Status.SUCCEEDED,
            problems=[{"code": "warning", "message": w, "path": ""} for w in result.warnings],
        )
    return job


_METADATA_KEYS = (
    "title",
    "description",
    "occupation_code",
    "level",
    "language",
    "keywords",
    "licence",
)


def _package_metadata(metadata: dict) -> dict:
    return {key: metadata[key] for key in _METADATA_KEYS if key in metadata}


def _import_job_finish(job: ImportJob, *, status: str, problems: list[dict]) -> None:
    job.status = status
    job.phase = ImportJob.Phase.DONE
    job.problems = problems
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "phase",
            "problems",
            "package",
            "version",
            "finished_at",
            "updated_at",
        ]
    )
    if job.upload_name:
        _delete_files([job.upload_name])
