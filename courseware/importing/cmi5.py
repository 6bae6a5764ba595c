"""cmi5.xml: the course structure of a cmi5 package (the cmi5 runtime belongs to the LRS)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from django.utils.translation import gettext as _

from .archive import SafeArchive
from .errors import ImportProblem, PackageImportError, refuse
from .parsed import ParsedActivity, ParsedOrganization, ParsedPackage
from .paths import file_part, is_unsafe_url, is_web_url
from .xmlsafe import attr, child, children, local, text, xml_read

CMI5_FILE = "cmi5.xml"


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
