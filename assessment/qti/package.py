"""Reading an uploaded QTI package safely: every zip entry checked before anything is read,
XML parsed with DTDs, entities and external references refused.

assessment and courseware are both layer 3 and do not import each other, so this is
assessment's own reader; it defends the same way as courseware's (`courseware/importing/
archive.py`): names (zip slip, absolute paths, control characters), symbolic links,
encryption, entry count, total size, compression ratio (zip bombs), and reads bounded by
the sizes the central directory declares.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.utils.translation import gettext as _

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SUPPORTED_COMPRESSION = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}


class QtiPackageError(Exception):
    """The whole package was refused (nothing of it was kept): a stable code and a message."""

    def __init__(self, code: str, message: str, path: str = ""):
        self.code, self.message, self.path = code, message, path
        super().__init__(f"{path}: {message}" if path else message)


@dataclass(frozen=True)
class Limits:
    """What one QTI import may hold; Django settings `ASSESSMENT_QTI_*` override the defaults."""

    max_archive_bytes: int = 200 * 1024 * 1024
    max_uncompressed_bytes: int = 500 * 1024 * 1024
    max_files: int = 5_000
    max_compression_ratio: int = 200
    ratio_floor_bytes: int = 1024 * 1024
    max_xml_bytes: int = 5 * 1024 * 1024
    max_file_bytes: int = 50 * 1024 * 1024

    @classmethod
    def from_settings(cls) -> Limits:
        defaults = cls()
        return cls(
            **{
                name: getattr(settings, f"ASSESSMENT_QTI_{name.upper()}", getattr(defaults, name))
                for name in cls.__dataclass_fields__
            }
        )


def safe_name(raw: str) -> str:
    """The entry's path inside the package, or a refusal saying why the name is unsafe."""
    if _CONTROL.search(raw):
        raise QtiPackageError("unsafe_path", _("The file name contains control characters."), raw)
    path = raw.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        raise QtiPackageError(
            "absolute_path",
            _("The archive holds a file with an absolute path; paths must be relative."),
            raw,
        )
    segments = path.split("/")
    if ".." in segments:
        raise QtiPackageError(
            "zip_slip", _("The archive holds a path that leaves the package ('..')."), raw
        )
    return "/".join(segment for segment in segments if segment not in ("", "."))


def resolve(base: str, href: str) -> str:
    """A reference from the file `base` (e.g. an item's `<img src>`) as a package path."""
    href = href.split("#", 1)[0].split("?", 1)[0]
    if "://" in href or href.startswith(("/", "data:")):
        raise QtiPackageError("external_reference", _("The file refers outside the package."), href)
    folder = base.rsplit("/", 1)[0] + "/" if "/" in base else ""
    parts: list[str] = []
    for segment in (folder + href).split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                raise QtiPackageError(
                    "zip_slip", _("The file refers to a path that leaves the package."), href
                )
            parts.pop()
        else:
            parts.append(segment)
    return "/".join(parts)


class Package:
    """The checked files of a QTI package, by their path inside it."""

    def __init__(self, archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], limits):
        self._archive = archive
        self.limits = limits
        top = {name.split("/", 1)[0] for name in entries}
        # A folder zipped rather than its contents: that folder is the top.
        if "imsmanifest.xml" not in entries and len(top) == 1 and all("/" in n for n in entries):
            root = f"{top.pop()}/"
            entries = {name[len(root) :]: info for name, info in entries.items()}
        self.entries = entries

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    @property
    def names(self) -> list[str]:
        return sorted(self.entries)

    def read(self, name: str, *, max_bytes: int | None = None) -> bytes:
        """The whole entry, refused past `max_bytes` or past what its header declared."""
        info = self.entries[name]
        limit = max_bytes or self.limits.max_file_bytes
        if info.file_size > limit:
            raise QtiPackageError(
                "file_too_large",
                _("The file is larger than %(limit)s bytes and cannot be read.") % {"limit": limit},
                name,
            )
        try:
            with self._archive.open(info) as reader:
                data = reader.read(info.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise QtiPackageError(
                "corrupt_entry",
                _("The file is damaged in the archive (%(reason)s).") % {"reason": exc},
                name,
            ) from exc
        if len(data) > info.file_size:
            raise QtiPackageError(
                "entry_size_mismatch",
                _("The file is larger than the archive declares; the archive was refused."),
                name,
            )
        return data

    def xml(self, name: str) -> Element:
        """One XML file of the package, parsed safely."""
        return xml_parse(self.read(name, max_bytes=self.limits.max_xml_bytes), name)


def package_open(fileobj, limits: Limits | None = None) -> Package:
    """Check an uploaded archive against every rule before any entry is read."""
    limits = limits or Limits.from_settings()
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    if size > limits.max_archive_bytes:
        raise QtiPackageError(
            "archive_too_large",
            _("The archive is %(size)s bytes; the limit is %(limit)s.")
            % {"size": size, "limit": limits.max_archive_bytes},
        )
    try:
        archive = zipfile.ZipFile(fileobj)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise QtiPackageError("not_a_zip", _("The upload is not a readable zip archive.")) from exc
    if len(infos) > limits.max_files:
        raise QtiPackageError(
            "too_many_files",
            _("The archive holds %(count)s entries; the limit is %(limit)s.")
            % {"count": len(infos), "limit": limits.max_files},
        )
    entries: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = safe_name(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise QtiPackageError(
                "symlink", _("The archive holds a symbolic link; links are not allowed."), name
            )
        if info.flag_bits & 0x1:
            raise QtiPackageError(
                "encrypted",
                _("The file is encrypted; packages must be uploaded without a password."),
                name,
            )
        if info.is_dir() or info.filename.endswith("\\") or not name:
            continue
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise QtiPackageError(
                "unsupported_compression",
                _("The file uses a compression method this platform cannot read."),
                name,
            )
        if name in entries:
            raise QtiPackageError(
                "duplicate_entry", _("The archive holds the same file name twice."), name
            )
        if (
            info.file_size >= limits.ratio_floor_bytes
            and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)
        ):
            raise QtiPackageError(
                "compression_ratio",
                _(
                    "The file expands %(ratio)d times when unpacked; the limit is %(limit)s"
                    " (a possible zip bomb)."
                )
                % {
                    "ratio": info.file_size // max(info.compress_size, 1),
                    "limit": limits.max_compression_ratio,
                },
                name,
            )
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise QtiPackageError(
                "too_large",
                _("The package unpacks to more than %(limit)s bytes.")
                % {"limit": limits.max_uncompressed_bytes},
                name,
            )
        entries[name] = info
    if not entries:
        raise QtiPackageError("empty_archive", _("The archive holds no files."))
    return Package(archive, entries, limits)


def xml_parse(data: bytes, path: str = "") -> Element:
    """The root element of `data`, or a refusal naming `path` (DTDs and entities refused)."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden as exc:
        raise QtiPackageError(
            "xml_forbidden",
            _("The XML file declares a DTD; DTDs and entities are refused for safety."),
            path,
        ) from exc
    except EntitiesForbidden as exc:
        raise QtiPackageError(
            "xml_forbidden",
            _("The XML file declares entities; entities are refused for safety."),
            path,
        ) from exc
    except DefusedXmlException as exc:
        raise QtiPackageError(
            "xml_forbidden",
            _("The XML file refers to an external resource; that is refused for safety."),
            path,
        ) from exc
    except ParseError as exc:
        raise QtiPackageError(
            "xml_malformed",
            _("The XML file is not well-formed: %(reason)s.") % {"reason": exc},
            path,
        ) from exc
