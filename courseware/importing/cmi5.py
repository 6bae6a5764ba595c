"""cmi5.xml: the course structure of a cmi5 package (the cmi5 runtime belongs to the LRS)."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element

from django.utils.translation import gettext as _

from .archive import SafeArchive
from .cmi5_schema import structure_problems
from .errors import ImportProblem, PackageImportError, refuse
from .parsed import ParsedActivity, ParsedOrganization, ParsedPackage
from .paths import file_part, is_unsafe_url, is_web_url
from .xmlsafe import attr, child, children, local, text, xml_read

CMI5_FILE = "cmi5.xml"
# Launch parameters the LMS adds; an AU URL must not carry them already (cmi5 §8.1).
LAUNCH_PARAMETERS = ("endpoint", "fetch", "actor", "registration", "activityId")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
MOVE_ON = ("Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable")
# How far into an upload to look for the start of a standalone course structure.
_SNIFF_BYTES = 512


def standalone_structure(fileobj):
    """A course structure uploaded alone (cmi5.xml, AUs at absolute URLs), as a zip holding
    it; any other upload is returned unchanged for the archive checks.

    The zip is built in memory with a fixed timestamp, so the same XML always gives the same
    archive (and SHA-256). A relative AU URL then fails like a missing file would (cmi5 §14.2).
    """
    position = fileobj.tell()
    head = fileobj.read(_SNIFF_BYTES)
    fileobj.seek(position)
    if not isinstance(head, bytes) or head.startswith(b"PK"):
        return fileobj
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith(b"<"):
        return fileobj
    content = fileobj.read()
    fileobj.seek(position)
    wrapped = io.BytesIO()
    with zipfile.ZipFile(wrapped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(CMI5_FILE, date_time=(1980, 1, 1, 0, 0, 0)), content)
    wrapped.seek(0)
    wrapped.name = getattr(fileobj, "name", CMI5_FILE)
    return wrapped


def _langstring(element: Element | None, name: str) -> str:
    holder = child(element, name)
    if holder is None:
        return ""
    strings = children(holder, "langstring")
    return text(strings[0]) if strings else text(holder)


def cmi5_read(archive: SafeArchive) -> ParsedPackage:
    """Read cmi5.xml into one organization of blocks and assignable units."""
    root = xml_read(archive, CMI5_FILE)
    if local(root.tag) != "courseStructure":
        raise refuse(
            "bad_manifest",
            _("The root element is “%(tag)s”, not “courseStructure”.") % {"tag": local(root.tag)},
            CMI5_FILE,
        )
    schema_problems = structure_problems(root)
    if schema_problems:
        raise PackageImportError(
            [ImportProblem("bad_manifest", message, CMI5_FILE) for message in schema_problems]
        )
    course = child(root, "course")
    if course is None:
        raise refuse("bad_manifest", _("cmi5.xml has no course element."), CMI5_FILE)
    problems: list[ImportProblem] = []

    def node(element: Element) -> ParsedActivity | None:
        kind = local(element.tag)
        identifier = attr(element, "id")
        if kind == "block":
            activity = ParsedActivity(identifier=identifier, title=_langstring(element, "title"))
            activity.children = [n for n in map(node, element) if n is not None]
            return activity
        if kind != "au":
            return None
        url = text(element, "url")
        activity = ParsedActivity(
            identifier=identifier,
            title=_langstring(element, "title"),
            href=url,
            launch_parameters=text(element, "launchParameters"),
            launch_settings={
                "moveOn": attr(element, "moveOn", "NotApplicable"),
                "launchMethod": attr(element, "launchMethod", "AnyWindow"),
                "activityType": attr(element, "activityType"),
                "entitlementKey": text(element, "entitlementKey"),
            },
        )
        mastery = attr(element, "masteryScore")
        if mastery:
            try:
                activity.min_normalized_measure = Decimal(mastery)
            except InvalidOperation:
                problems.append(
                    ImportProblem(
                        "invalid_value",
                        _("AU “%(id)s” has an invalid mastery score “%(value)s”.")
                        % {"id": identifier, "value": mastery},
                        CMI5_FILE,
                    )
                )
        if not url:
            problems.append(
                ImportProblem(
                    "missing_launch_file",
                    _("AU “%(id)s” has no launch URL.") % {"id": identifier},
                    CMI5_FILE,
                )
            )
        elif is_unsafe_url(url):
            problems.append(
                ImportProblem(
                    "unsafe_url",
                    _("AU “%(id)s” has a launch URL that is neither http(s) nor a package file.")
                    % {"id": identifier},
                    CMI5_FILE,
                )
            )
        elif not is_web_url(url):
            path = file_part(url)
            if path not in archive:
                problems.append(
                    ImportProblem(
                        "missing_launch_file",
                        _("The launch file of AU “%(id)s” is not in the package.")
                        % {"id": identifier},
                        path,
                    )
                )
        return activity

    problems.extend(_structure_problems(root, course))
    organization = ParsedOrganization(
        identifier=attr(course, "id"),
        title=_langstring(course, "title"),
        is_default=True,
        activities=[n for n in map(node, root) if n is not None],
    )
    if not problems and not any(a.is_launchable for a in organization.walk()):
        problems.append(ImportProblem("no_launchable_item", _("cmi5.xml holds no AU."), CMI5_FILE))
    if problems:
        raise PackageImportError(problems)
    return ParsedPackage(
        kind="cmi5",
        identifier=organization.identifier,
        title=organization.title,
        organizations=[organization],
    )


def _structure_problems(root: Element, course: Element) -> list[ImportProblem]:
    """Ids that are not IRIs or are used twice, and AU URLs cmi5 forbids (§3, §8.1, §13.1)."""
    problems: list[ImportProblem] = []
    seen: set[str] = set()

    def problem(code: str, message: str) -> None:
        problems.append(ImportProblem(code, message, CMI5_FILE))

    def check_id(kind: str, identifier: str) -> None:
        if not _IRI.match(identifier):
            problem(
                "invalid_value",
                _("The %(kind)s id “%(id)s” is not an IRI.") % {"kind": kind, "id": identifier},
            )
        if (kind, identifier) in seen or (kind != "course" and ("any", identifier) in seen):
            problem(
                "duplicate_identifier",
                _("The %(kind)s id “%(id)s” is used twice.") % {"kind": kind, "id": identifier},
            )
        seen.add((kind, identifier))
        if kind in ("block", "au"):
            seen.add(("any", identifier))

    check_id("course", attr(course, "id"))
    for element in root.iter():
        kind = local(element.tag) if isinstance(element.tag, str) else ""
        if kind == "objective" and attr(element, "id"):
            check_id("objective", attr(element, "id"))
        elif kind in ("block", "au"):
            check_id(kind, attr(element, "id"))
        if kind == "au":
            if attr(element, "moveOn", "NotApplicable") not in MOVE_ON:
                problem(
                    "invalid_value",
                    _("AU “%(id)s” has an unknown moveOn.") % {"id": attr(element, "id")},
                )
            url = text(element, "url")
            if any(character.isspace() for character in url):
                problem(
                    "invalid_value",
                    _("AU “%(id)s” has an invalid launch URL.") % {"id": attr(element, "id")},
                )
                continue
            try:
                query = parse_qs(urlsplit(url).query, keep_blank_values=True)
            except ValueError:
                problem(
                    "invalid_value",
                    _("AU “%(id)s” has an invalid launch URL.") % {"id": attr(element, "id")},
                )
                continue
            clash = sorted(set(query) & set(LAUNCH_PARAMETERS))
            if clash:
                problem(
                    "invalid_value",
                    _("AU “%(id)s” has a launch URL that already sets %(names)s.")
                    % {"id": attr(element, "id"), "names": ", ".join(clash)},
                )
    return problems
