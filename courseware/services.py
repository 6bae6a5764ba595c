"""Every state change of courseware packages: import a package, add a version.

Each service is keyword-only, checks the actor's permission, writes atomically and records
an audit event. A refused import leaves nothing behind: no rows (the transaction rolls
back) and no files (the ones written are deleted before the error propagates).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
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
from .importing.errors import refuse
from .models import Activity, Licence, Organization, Package, PackageVersion, Resource


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


def _store_files(archive, prefix: str, written: list[str]) -> None:
    """Copy every file of the checked archive under `prefix`, recording each name written."""
    for name, _info in archive.iter_files():
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


def _version_create(
    *, actor, package: Package, file, limits: ImportLimits | None, written: list[str]
) -> ImportResult:
    """Check, read and store one archive as the package's next version.

    Runs inside the caller's transaction; every stored file's name is appended to `written`
    so that the caller can delete them if anything fails before the commit.
    """
    limits = limits or ImportLimits.from_settings()
    archive = archive_open(file, limits)
    sha256, size = _digest(file)
    parsed = package_read(archive)
    number = (package.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    prefix = f"courseware/{package.institution.code}/{package.pk}/v{number}-{secrets.token_hex(8)}/"
    version = PackageVersion.objects.create(
        package=package,
        number=number,
        kind=parsed.kind,
        edition=parsed.edition,
        schema_version=parsed.schema_version[:64],
        storage_prefix=prefix,
        manifest_identifier=parsed.identifier[:255],
        manifest_version=parsed.version[:64],
        sha256=sha256,
        archive_size=size,
        content_size=archive.total_size,
        file_count=len(archive.entries),
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _store_tree(version, parsed)
    # Files last: everything that can be refused has been by now.
    _store_files(archive, prefix, written)
    version.status = PackageVersion.Status.READY
    version.save(update_fields=["status"])
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
) -> ImportResult:
    """Create a package in `institution` from an uploaded archive (a binary file); it becomes version 1.

    Raises `PackageImportError` (with every problem found) when the archive is refused, and
    `ValidationError` for bad metadata; either way no row and no stored file remains.
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
        with transaction.atomic():
            package.save()
            result = _version_create(
                actor=actor, package=package, file=file, limits=limits, written=written
            )
            if not title:
                fallback = result.parsed.title or getattr(file, "name", "") or _("Untitled")
                package.title = fallback.rsplit("/", 1)[-1][:255]
                package.save(update_fields=["title"])
            audit_record(
                actor=actor,
                action="courseware.package_import",
                obj=package,
                institution=institution,
                data={"version": result.version.number, "kind": result.version.kind},
            )
    except BaseException:
        # The transaction has rolled back (or never committed); remove what reached storage.
        _delete_files(written)
        raise
    return result


def package_version_add(
    *, actor, package: Package, file, limits: ImportLimits | None = None
) -> ImportResult:
    """Upload a new archive of an existing package as its next version; older versions stay."""
    _require_staff(actor, package.institution_id)
    written: list[str] = []
    try:
        with transaction.atomic():
            package = Package.objects.select_for_update().get(pk=package.pk)
            result = _version_create(
                actor=actor, package=package, file=file, limits=limits, written=written
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


__all__ = ["ImportResult", "PackageImportError", "package_import", "package_version_add"]
