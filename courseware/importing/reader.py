"""Tell what kind of package an archive holds and read its structure."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .archive import SafeArchive
from .cmi5 import CMI5_FILE, cmi5_read
from .errors import refuse
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


def package_read(archive: SafeArchive) -> ParsedPackage:
    """The kind and activity tree of a checked archive, or a refusal naming what is wrong."""
    if MANIFEST in archive:
        return manifest_read(archive)
    if CMI5_FILE in archive:
        return cmi5_read(archive)
    if "index.html" in archive or "index.htm" in archive:
        return _web_read(archive)
    raise refuse(
        "unknown_kind",
        _(
            "No imsmanifest.xml, cmi5.xml or index.html at the top of the archive: this is not"
            " a SCORM, cmi5, Common Cartridge or web content package."
        ),
    )
