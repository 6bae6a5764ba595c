"""Tell what kind of package an archive holds and read its structure."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .archive import SafeArchive
from .cmi5 import CMI5_FILE, cmi5_read
from .errors import ImportProblem, PackageImportError, refuse
from .manifest import MANIFEST, manifest_read
from .parsed import ParsedActivity, ParsedOrganization, ParsedPackage

WEB = "web"


def _web_read(archive: SafeArchive) -> ParsedPackage:
    index = "index.html" if "index.html" in archive else "index.htm"
    page = ParsedActivity(identifier="index", title="", href=index)
    return ParsedPackage(
        kind=WEB,
        organizations=[ParsedOrganization(identifier="web", is_default=True, activities=[page])],
    )


# Longest values the activity tree stores (see courseware.models); longer ones are refused
# rather than cut, since identifiers and paths would no longer match.
_ACTIVITY_LIMITS = {
    "identifier": 255,
    "href": 2000,
    "launch_parameters": 2000,
    "prerequisites": 2000,
    "max_time_allowed": 64,
    "time_limit_action": 32,
    "scorm_type": 8,
}
_RESOURCE_LIMITS = {"identifier": 255, "type": 64, "scorm_type": 8, "href": 2000}


def _check_lengths(parsed: ParsedPackage, source: str) -> ParsedPackage:
    problems = []
    named = [(a, _ACTIVITY_LIMITS) for a in parsed.activities()]
    named += [(r, _RESOURCE_LIMITS) for r in parsed.resources]
    named += [(o, {"identifier": 255}) for o in parsed.organizations]
    for record, limits in named:
        for attribute, limit in limits.items():
            if len(getattr(record, attribute)) > limit:
                problems.append(
                    ImportProblem(
                        "value_too_long",
                        _(
                            "The value of “%(field)s” for “%(id)s” is longer than %(limit)s characters."
                        )
                        % {"field": attribute, "id": record.identifier[:80], "limit": limit},
                        source,
                    )
                )
    if problems:
        raise PackageImportError(problems)
    return parsed


def package_read(archive: SafeArchive) -> ParsedPackage:
    """The kind and activity tree of a checked archive, or a refusal naming what is wrong."""
    if MANIFEST in archive:
        return _check_lengths(manifest_read(archive), MANIFEST)
    if CMI5_FILE in archive:
        return _check_lengths(cmi5_read(archive), CMI5_FILE)
    if "index.html" in archive or "index.htm" in archive:
        return _web_read(archive)
    raise refuse(
        "unknown_kind",
        _(
            "No imsmanifest.xml, cmi5.xml or index.html at the top of the archive: this is not"
            " a SCORM, cmi5, Common Cartridge or web content package."
        ),
    )
