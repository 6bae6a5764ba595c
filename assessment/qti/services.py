"""QTI import and export: item banks, chosen items and exams as IMS content packages.

`qti_import` reads a package into a bank item by item (each item stored whole or not at
all), makes an exam of each test in it (whole or not at all) and answers a report; `qti_export_items`, `qti_export_bank` and `qti_export_exam`
answer the zip's bytes. Permission-checked (import: staff of the bank's institution;
export: whoever may read the items or the exam), audited.
"""

from __future__ import annotations

import io
import json
import posixpath
import uuid
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement, tostring

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.translation import gettext as _

from institutions.api import audit_record, is_national_admin, require_staff, staff_institution_ids

from .. import questions
from .. import services as item_services
from ..models import Exam, ItemBank, ItemVersion
from ..selectors import latest_versions
from .exams import TestReport, exam_from_test
from .html import image_name
from .items import ItemDraft, ItemError, fmt, item_from_xml, item_to_xml
from .names import (
    EXTENSION_NS,
    ITEM_RESOURCE_TYPES,
    READ_NAMESPACES,
    TEST_RESOURCE_TYPES,
    VERSIONS,
    XSI,
    QtiVersion,
    attr,
    local,
    namespace_of,
    to_v3,
)
from .package import QtiPackageError, package_open, resolve
from .schema import SchemaUnavailable, validate

IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
MAX_EXTENSION_BYTES = 1024 * 1024


# ---------------------------------------------------------------- export


class _PackageWriter:
    """Collects files and manifest resources, then writes the zip."""

    def __init__(self, qti: QtiVersion):
        self.qti = qti
        self.files: dict[str, bytes] = {}
        self.resources: list[Element] = []

    def image_file(self, image_id: int) -> str | None:
        from wagtail.images import get_image_model

        image = get_image_model().objects.filter(pk=image_id).first()
        if image is None:
            return None
        path = image_name(image.pk, image.file.name)
        if path not in self.files:
            with image.file.open("rb") as handle:
                self.files[path] = handle.read()
        return path

    def item_image(self, image_id: int) -> str | None:
        """An image's reference from an item file (items live in `items/`)."""
        path = self.image_file(image_id)
        return f"../{path}" if path else None

    def xml(self, element: Element) -> bytes:
        if self.qti.v3:
            to_v3(element)
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(element, encoding="utf-8")

    def resource(self, *, identifier, kind, href, extension, dependencies=()) -> None:
        resource = Element("resource", {"identifier": identifier, "type": kind, "href": href})
        metadata = SubElement(resource, "metadata")
        ext = SubElement(metadata, "tn:taynghe", {"xmlns:tn": EXTENSION_NS, "version": "1"})
        ext.text = json.dumps(extension, ensure_ascii=False, sort_keys=True)
        SubElement(resource, "file", {"href": href})
        for path in dependencies:
            SubElement(resource, "file", {"href": path})
        self.resources.append(resource)

    def add_item(self, version: ItemVersion) -> str:
        """Write one item version; answers its identifier."""
        identifier = f"ITEM-{version.item.uid}-v{version.number}"
        href = f"items/{identifier}.xml"
        if href in self.files:
            return identifier
        before = set(self.files)
        exported = item_to_xml(
            version,
            qti=self.qti,
            identifier=identifier,
            image_file=self.item_image,
            title=_title(version.stem) or identifier,
        )
        images = sorted(set(self.files) - before)
        self.files[href] = self.xml(exported.element)
        extension = {
            **exported.extension,
            "tags": version.tags,
            "outcome_codes": version.outcome_codes,
            "difficulty": version.difficulty,
            "language": version.language,
        }
        self.resource(
            identifier=identifier,
            kind=self.qti.item_type,
            href=href,
            extension=extension,
            dependencies=images,
        )
        return identifier

    def zip(self) -> bytes:
        manifest = Element(
            "manifest",
            {
                "xmlns": self.qti.cp_namespace,
                "xmlns:xsi": XSI,
                "xsi:schemaLocation": f"{self.qti.cp_namespace} {self.qti.cp_schema}",
                "identifier": f"MANIFEST-{uuid.uuid4()}",
            },
        )
        metadata = SubElement(manifest, "metadata")
        SubElement(metadata, "schema").text = "QTI Package" if self.qti.v3 else "IMS QTI"
        SubElement(metadata, "schemaversion").text = "3.0.0" if self.qti.v3 else self.qti.name
        SubElement(manifest, "organizations")
        resources = SubElement(manifest, "resources")
        resources.extend(self.resources)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "imsmanifest.xml",
                b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(manifest, encoding="utf-8"),
            )
            for path, data in sorted(self.files.items()):
                archive.writestr(path, data)
        return buffer.getvalue()


def _title(stem: str) -> str:
    from bs4 import BeautifulSoup

    text = " ".join(BeautifulSoup(stem or "", "html.parser").get_text(" ").split())
    return text[:120]


def _qti_version(name: str) -> QtiVersion:
    try:
        return VERSIONS[name]
    except KeyError as exc:
        raise ValidationError(
            _("QTI version %(name)s is not offered; choose 2.1, 2.2 or 3.0.") % {"name": name}
        ) from exc


def qti_export_items(*, actor, versions, qti_version: str = "2.1") -> bytes:
    """A package of the given item versions; every one must be readable by the actor."""
    qti = _qti_version(qti_version)
    versions = list(versions)
    readable = set(
        ItemVersion.objects.visible_to(actor)
        .filter(pk__in=[v.pk for v in versions])
        .values_list("pk", flat=True)
    )
    if any(version.pk not in readable for version in versions):
        raise PermissionDenied(_("You cannot read some of these items."))
    if not versions:
        raise ValidationError(_("There is nothing to export."))
    writer = _PackageWriter(qti)
    for version in versions:
        writer.add_item(version)
    return writer.zip()


def qti_export_bank(*, actor, bank: ItemBank, qti_version: str = "2.1", item_ids=None) -> bytes:
    """The current version of every item of a bank (or of the chosen items) as a package."""
    if not ItemBank.objects.visible_to(actor).filter(pk=bank.pk).exists():
        raise PermissionDenied(_("You cannot read this item bank."))
    versions = latest_versions(user=actor, bank=bank).select_related("item")
    if item_ids is not None:
        versions = versions.filter(item_id__in=list(item_ids))
    data = qti_export_items(actor=actor, versions=list(versions), qti_version=qti_version)
    audit_record(
        actor=actor,
        action="item_bank.qti_export",
        obj=bank,
        institution=bank.institution,
        data={"qti_version": qti_version, "items": None if item_ids is None else list(item_ids)},
    )
    return data


def qti_export_exam(*, actor, exam: Exam, qti_version: str = "2.1") -> bytes:
    """An exam's current version as an `assessmentTest` with its items.

    Fixed items are item references in their sections; a blueprint rule is a sub-section
    of every item of its bank that matches now, with `<selection select="n">`, so another
    tool draws n of them too. The rule itself (bank, tag, outcome, difficulty) and the
    exam's settings travel in the extension.
    """
    require_staff(actor, exam.institution_id, _("Only this exam's institution exports it."))
    qti = _qti_version(qti_version)
    version = exam.current_version
    writer = _PackageWriter(qti)
    identifier = f"TEST-{exam.pk}-v{version.number}"
    test = Element(
        "assessmentTest",
        {
            "xmlns": qti.namespace,
            "xmlns:xsi": XSI,
            "xsi:schemaLocation": f"{qti.namespace} {qti.schema}",
            "identifier": identifier,
            "title": exam.title,
        },
    )
    outcome = SubElement(
        test,
        "outcomeDeclaration",
        {"identifier": "SCORE", "cardinality": "single", "baseType": "float"},
    )
    SubElement(SubElement(outcome, "defaultValue"), "value").text = "0"
    if version.time_limit_minutes:
        SubElement(test, "timeLimits", {"maxTime": str(version.time_limit_minutes * 60)})
    part = SubElement(
        test,
        "testPart",
        {"identifier": "PART-1", "navigationMode": "nonlinear", "submissionMode": "simultaneous"},
    )
    sections_ext = []
    for section in version.sections.order_by("position").prefetch_related("items", "rules"):
        element = SubElement(
            part,
            "assessmentSection",
            {
                "identifier": f"SECTION-{section.position}",
                "title": section.title or f"{section.position}",
                "visible": "true",
            },
        )
        if version.shuffle_items:
            SubElement(element, "ordering", {"shuffle": "true"})
        fixed = []
        for exam_item in section.items.order_by("position").select_related("item_version__item"):
            ref = writer.add_item(exam_item.item_version)
            fixed.append(ref)
            SubElement(
                element,
                "assessmentItemRef",
                {"identifier": ref, "href": f"../items/{ref}.xml"},
            )
        rules = []
        for rule in section.rules.order_by("position").select_related("bank"):
            pool = [
                candidate
                for candidate in latest_versions(user=actor, bank=rule.bank).select_related("item")
                if (not rule.tag or rule.tag in candidate.tags)
                and (not rule.outcome_code or rule.outcome_code in candidate.outcome_codes)
                and (rule.difficulty is None or candidate.difficulty == rule.difficulty)
            ]
            sub = SubElement(
                element,
                "assessmentSection",
                {
                    "identifier": f"SECTION-{section.position}-RULE-{rule.position}",
                    "title": rule.tag or rule.outcome_code or rule.bank.name,
                    "visible": "false",
                },
            )
            SubElement(sub, "selection", {"select": str(rule.count)})
            for candidate in pool:
                ref = writer.add_item(candidate)
                SubElement(
                    sub, "assessmentItemRef", {"identifier": ref, "href": f"../items/{ref}.xml"}
                )
            rules.append(
                {
                    "bank": rule.bank.name,
                    "count": rule.count,
                    "tag": rule.tag,
                    "outcome_code": rule.outcome_code,
                    "difficulty": rule.difficulty,
                }
            )
        sections_ext.append({"title": section.title, "items": fixed, "rules": rules})
    href = f"tests/{identifier}.xml"
    writer.files[href] = writer.xml(test)
    writer.resource(
        identifier=identifier,
        kind=qti.test_type,
        href=href,
        extension={
            "type": "exam",
            "title": exam.title,
            "settings": {
                "instructions": version.instructions,
                "time_limit_minutes": version.time_limit_minutes,
                "attempts_allowed": version.attempts_allowed,
                "shuffle_items": version.shuffle_items,
                "shuffle_options": version.shuffle_options,
                "negative_marking": fmt(version.negative_marking),
                "review_when": version.review_when,
            },
            "sections": sections_ext,
        },
        dependencies=[f"items/{ref}.xml" for s in sections_ext for ref in s["items"]],
    )
    data = writer.zip()
    audit_record(
        actor=actor,
        action="exam.qti_export",
        obj=exam,
        institution=exam.institution,
        data={"qti_version": qti_version, "version": version.number},
    )
    return data


# ---------------------------------------------------------------- import


@dataclass
class ItemReport:
    """What became of one item of the package."""

    identifier: str
    href: str
    title: str = ""
    imported: bool = False
    question_type: str = ""
    version_id: int | None = None
    code: str = ""
    message: str = ""


@dataclass
class ImportReport:
    """The outcome of one package, item by item."""

    qti_versions: list[str] = field(default_factory=list)
    items: list[ItemReport] = field(default_factory=list)
    # One per test resource: the exam made from it, or why none was.
    tests: list[TestReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # QTI versions in the package with no installed XSD: checked structurally only.
    schema_unchecked: list[str] = field(default_factory=list)

    @property
    def schema_notes(self) -> list[str]:
        """What the report says of the versions it could not validate against an XSD."""
        return [
            _(
                "No XML schema for QTI %(version)s is installed on this server: its"
                " files were checked structurally, not against the IMS schema."
            )
            % {"version": version}
            for version in self.schema_unchecked
        ]

    @property
    def imported(self) -> list[ItemReport]:
        return [item for item in self.items if item.imported]

    @property
    def failed(self) -> list[ItemReport]:
        return [item for item in self.items if not item.imported]


def _extension(resource: Element) -> dict | None:
    metadata = next((c for c in resource if local(c.tag) == "metadata"), None)
    if metadata is None:
        return None
    for node in metadata.iter():
        if node.tag == f"{{{EXTENSION_NS}}}taynghe":
            text = node.text or ""
            if len(text) > MAX_EXTENSION_BYTES:
                raise ItemError("bad_extension", _("The platform extension is too large."))
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise ItemError(
                    "bad_extension", _("The platform extension is not valid JSON.")
                ) from exc
            if not isinstance(value, dict):
                raise ItemError("bad_extension", _("The platform extension must be an object."))
            return value
    return None


class _Images:
    """Images an item's stem refers to: checked while reading, stored with the item."""

    def __init__(self, package, href: str):
        self.package, self.href = package, href
        self.pending: list[tuple[str, str]] = []  # (marker, package path)

    def embed(self, src: str, alt: str, image_format: str) -> str:
        from html import escape

        try:
            path = resolve(self.href, src)
        except QtiPackageError as exc:
            raise ItemError(
                "missing_file", _("The image %(src)s is outside the package.") % {"src": src}
            ) from exc
        if path not in self.package:
            raise ItemError(
                "missing_file", _("The image %(src)s is not in the package.") % {"src": src}
            )
        if posixpath.splitext(path)[1].lower() not in IMAGE_TYPES:
            raise ItemError(
                "bad_image",
                _("%(src)s is not an image this platform keeps (PNG, JPEG, GIF, WebP).")
                % {"src": src},
            )
        marker = f"qti-image-{len(self.pending)}"
        self.pending.append((marker, path))
        fmt_ = image_format if image_format in ("fullwidth", "left", "right") else "fullwidth"
        return f'<embed alt="{escape(alt)}" embedtype="image" format="{fmt_}" id="{marker}"/>'

    def store(self, stem: str, actor) -> str:
        from PIL import Image as PillowImage
        from wagtail.images import get_image_model

        for marker, path in self.pending:
            data = self.package.read(path)
            try:
                with PillowImage.open(io.BytesIO(data)) as picture:
                    picture.verify()
            except Exception as exc:  # Pillow raises many kinds for a broken file
                raise ItemError(
                    "bad_image", _("%(path)s is not a readable image.") % {"path": path}
                ) from exc
            image = get_image_model()(
                title=posixpath.basename(path)[:255],
                file=ImageFile(io.BytesIO(data), name=posixpath.basename(path)),
                uploaded_by_user=actor,
            )
            image.save()
            stem = stem.replace(f'id="{marker}"', f'id="{image.pk}"')
        return stem


class _SchemaCheck:
    """Validates the package's QTI files against the installed XSDs; records the
    versions with none installed (their checks are structural only)."""

    def __init__(self, package, report: ImportReport):
        self.package, self.report = package, report

    def problems(self, href: str, version: str) -> str:
        """The schema errors of one file as a message ("" when valid or unchecked)."""
        if version == "2.0":
            return ""  # read as 2.1, but the 2.1 schema does not accept the 2.0 namespace
        data = self.package.read(href, max_bytes=self.package.limits.max_xml_bytes)
        try:
            problems = validate(data, version)
        except SchemaUnavailable:
            problems = None
        if problems is None:
            if version not in self.report.schema_unchecked:
                self.report.schema_unchecked.append(version)
            return ""
        return " ".join(
            _("Line %(line)s: %(message)s") % {"line": p.line, "message": p.message}
            for p in problems
        )


def _labels(extension: dict, key: str) -> list[str]:
    values = extension.get(key, [])
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _draft_store(*, actor, bank, draft: ItemDraft, extension: dict, images: _Images) -> ItemVersion:
    question = questions.get(draft.question_type)
    question.validate_body(draft.body)
    difficulty = extension.get("difficulty", ItemVersion.Difficulty.MEDIUM)
    if difficulty not in ItemVersion.Difficulty.values:
        difficulty = ItemVersion.Difficulty.MEDIUM
    language = extension.get("language") or draft.language
    if language not in ItemVersion.Language.values:
        language = ItemVersion.Language.VIETNAMESE
    with transaction.atomic():
        stem = images.store(draft.stem, actor)
        return item_services.item_create(
            actor=actor,
            bank=bank,
            question_type=draft.question_type,
            stem=stem,
            body=draft.body,
            tags=_labels(extension, "tags"),
            outcome_codes=_labels(extension, "outcome_codes"),
            difficulty=difficulty,
            language=language,
        )


def _test_schema_problems(package, test: Element, schema_check: _SchemaCheck) -> str:
    """The schema errors of a test resource's file ("" when valid, unchecked or absent)."""
    try:
        href = resolve("imsmanifest.xml", attr(test, "href") or "")
    except QtiPackageError:
        return ""
    if href not in package:
        return ""
    try:
        root = package.xml(href)
    except QtiPackageError as exc:
        if exc.code == "xml_malformed":
            return exc.message
        raise
    version = READ_NAMESPACES.get(namespace_of(root.tag))
    return schema_check.problems(href, version) if version else ""


def _test_import(*, actor, bank, package, resource, items_by_path, schema_check) -> TestReport:
    """One test resource as an exam (or the reason it is not), its schema problems reported."""
    identifier = attr(resource, "identifier") or ""
    try:
        extension = _extension(resource) or {}
    except ItemError as exc:
        extension = {}
        bad_extension = exc.message
    else:
        bad_extension = ""
    report = exam_from_test(
        actor=actor,
        bank=bank,
        package=package,
        resource=resource,
        items_by_path=items_by_path,
        extension=extension,
    )
    if bad_extension:
        report.problems.insert(0, bad_extension)
    # A test file missing or not well-formed is already the test's reason.
    problems = (
        ""
        if report.code in ("missing_file", "xml_malformed")
        else _test_schema_problems(package, resource, schema_check)
    )
    if problems:
        report.problems.insert(
            0,
            _("Test %(id)s does not follow the QTI schema: %(problems)s")
            % {"id": identifier, "problems": problems},
        )
    return report


@transaction.atomic
def qti_import(*, actor, bank: ItemBank, fileobj) -> ImportReport:
    """Import the items of a QTI 2.1/2.2/3.0 package into a bank, and make an exam of each
    test in it (in the bank's institution); answers the report.

    A package-wide problem (not a zip, unsafe paths, a zip bomb, DTDs or entities in any
    XML file, no manifest) refuses everything with `QtiPackageError`. Otherwise each
    item is imported whole or reported with the reason it was not, and then each test
    becomes an exam whole (from the items imported) or is reported with the reason it
    did not (`qti.exams.exam_from_test`).
    """
    require_staff(actor, bank.institution_id, _("Only this bank's institution imports into it."))
    package = package_open(fileobj)
    if "imsmanifest.xml" not in package:
        raise QtiPackageError("no_manifest", _("The package has no imsmanifest.xml at its top."))
    manifest = package.xml("imsmanifest.xml")
    if local(manifest.tag) != "manifest":
        raise QtiPackageError(
            "no_manifest", _("imsmanifest.xml is not an IMS content package manifest.")
        )
    resources = [node for node in manifest.iter() if local(node.tag) == "resource"]
    report = ImportReport()
    items = [r for r in resources if attr(r, "type") in ITEM_RESOURCE_TYPES]
    tests = [r for r in resources if attr(r, "type") in TEST_RESOURCE_TYPES]
    if not items:
        raise QtiPackageError(
            "no_items", _("The manifest lists no QTI items (resources of type imsqti_item_…).")
        )
    schema_check = _SchemaCheck(package, report)
    items_by_path: dict[str, ItemReport] = {}
    for resource in items:
        identifier = attr(resource, "identifier") or ""
        raw_href = attr(resource, "href") or ""
        entry = ItemReport(identifier=identifier, href=raw_href)
        report.items.append(entry)
        try:
            href = resolve("imsmanifest.xml", raw_href)
            if href not in package:
                raise ItemError("missing_file", _("The item file is not in the package."))
            items_by_path.setdefault(href, entry)
            try:
                root = package.xml(href)
            except QtiPackageError as exc:
                if exc.code == "xml_malformed":
                    raise ItemError(exc.code, exc.message) from exc
                raise
            version = READ_NAMESPACES.get(namespace_of(root.tag))
            if version is None:
                raise ItemError(
                    "unsupported_version",
                    _("The item is not in a QTI 2.1, 2.2 or 3.0 namespace (%(ns)s).")
                    % {"ns": namespace_of(root.tag) or "—"},
                )
            if version not in report.qti_versions:
                report.qti_versions.append(version)
            extension = _extension(resource) or {}
            images = _Images(package, href)
            draft = item_from_xml(root, extension=extension, image_embed=images.embed)
            entry.title = draft.title
            entry.question_type = draft.question_type
            # After the structural reading, whose codes say more where both apply.
            problems = schema_check.problems(href, version)
            if problems:
                raise ItemError(
                    "schema",
                    _("The item does not follow the QTI %(version)s schema. %(problems)s")
                    % {"version": version, "problems": problems},
                )
            stored = _draft_store(
                actor=actor, bank=bank, draft=draft, extension=extension, images=images
            )
        except ItemError as exc:
            entry.code, entry.message = exc.code, exc.message
        except ValidationError as exc:
            entry.code, entry.message = "invalid_item", " ".join(exc.messages)
        else:
            entry.imported, entry.version_id = True, stored.pk
    for test in tests:
        report.tests.append(
            _test_import(
                actor=actor,
                bank=bank,
                package=package,
                resource=test,
                items_by_path=items_by_path,
                schema_check=schema_check,
            )
        )
    audit_record(
        actor=actor,
        action="item_bank.qti_import",
        obj=bank,
        institution=bank.institution,
        data={
            "imported": len(report.imported),
            "failed": [[item.identifier, item.code] for item in report.failed],
            "exams": [test.exam_id for test in report.tests if test.made],
            "tests_failed": [
                [test.identifier, test.code] for test in report.tests if not test.made
            ],
        },
    )
    return report


def importable_banks(user):
    """Banks `user` may import into: their own institutions' (all, for national admins)."""
    if is_national_admin(user):
        return ItemBank.objects.all()
    return ItemBank.objects.filter(institution__in=staff_institution_ids(user))
