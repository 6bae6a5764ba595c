"""Safe import of content packages: check the archive, read its manifest, describe its tree."""

from .archive import SafeArchive, archive_open
from .errors import ImportProblem, PackageImportError
from .limits import ImportLimits
from .parsed import ParsedActivity, ParsedOrganization, ParsedPackage, ParsedResource
from .reader import package_read

__all__ = [
    "ImportLimits",
    "ImportProblem",
    "PackageImportError",
    "ParsedActivity",
    "ParsedOrganization",
    "ParsedPackage",
    "ParsedResource",
    "SafeArchive",
    "archive_open",
    "package_read",
]
