"""A zip archive checked entry by entry before anything in it is read or stored.

Every check here uses the central directory only; reads afterwards are bounded by the
sizes it declares, so an archive whose headers lie is stopped while it is read.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator

from django.utils.translation import gettext as _

from .errors import PackageImportError, refuse
from .limits import ImportLimits

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SUPPORTED_COMPRESSION = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}
# Files that mark the top of a package: when none is at the top but all entries share one
# folder, the author zipped the folder rather than its contents, and that folder is the top.
ROOT_MARKERS = ("imsmanifest.xml", "cmi5.xml", "index.html", "index.htm")
_CHUNK = 1024 * 1024


def safe_name(raw: str) -> str:
    """The entry's path inside the package, or a refusal saying why the name is unsafe."""
    if _CONTROL.search(raw):
        raise refuse("unsafe_path", _("The file name contains control characters."), raw)
    path = raw.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        raise refuse(
            "absolute_path",
            _("The archive holds a file with an absolute path; paths must be relative."),
            raw,
        )
    segments = path.split("/")
    if ".." in segments:
        raise refuse(
            "zip_slip",
            _("The archive holds a path that leaves the package ('..')."),
            raw,
        )
    return "/".join(segment for segment in segments if segment not in ("", "."))


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


class BoundedReader(io.RawIOBase):
    """Reads one entry and refuses it once more bytes come out than its header declared."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str):
        self._raw = archive.open(info)
        self._declared = info.file_size
        self._name = name
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._raw.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise refuse(
                "corrupt_entry",
                _("The file is damaged in the archive (%(reason)s).") % {"reason": exc},
                self._name,
            ) from exc
        self._count += len(data)
        if self._count > self._declared:
            raise refuse(
                "entry_size_mismatch",
                _("The file is larger than the archive declares; the archive was refused."),
                self._name,
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class SafeArchive:
    """The files of a checked archive, named by their path inside the package."""

    def __init__(self, archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], limits):
        self._archive = archive
        self.limits = limits
        self.root = ""
        top = {name.split("/", 1)[0] for name in entries}
        if (
            not any(marker in entries for marker in ROOT_MARKERS)
            and len(top) == 1
            and all("/" in name for name in entries)
        ):
            self.root = f"{top.pop()}/"
            entries = {name[len(self.root) :]: info for name, info in entries.items()}
        self.entries = entries

    @property
    def names(self) -> set[str]:
        return set(self.entries)

    @property
    def total_size(self) -> int:
        return sum(info.file_size for info in self.entries.values())

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def open(self, name: str) -> BoundedReader:
        return BoundedReader(self._archive, self.entries[name], name)

    def read(self, name: str, max_bytes: int | None = None) -> bytes:
        """The whole entry; `max_bytes` caps what may be held in memory (XML files)."""
        info = self.entries[name]
        if max_bytes is not None and info.file_size > max_bytes:
            raise refuse(
                "file_too_large",
                _("The file is larger than %(limit)s bytes and cannot be read.")
                % {"limit": max_bytes},
                name,
            )
        with self.open(name) as reader:
            return reader.read()

    def iter_files(self) -> Iterator[tuple[str, zipfile.ZipInfo]]:
        yield from sorted(self.entries.items())


def archive_open(fileobj, limits: ImportLimits) -> SafeArchive:
    """Check an uploaded archive against every rule before any entry is read."""
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    if size > limits.max_archive_bytes:
        raise refuse(
            "archive_too_large",
            _("The archive is %(size)s bytes; the limit is %(limit)s.")
            % {"size": size, "limit": limits.max_archive_bytes},
        )
    try:
        archive = zipfile.ZipFile(fileobj)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise refuse("not_a_zip", _("The upload is not a readable zip archive.")) from exc
    if len(infos) > limits.max_files:
        raise refuse(
            "too_many_files",
            _("The archive holds %(count)s entries; the limit is %(limit)s.")
            % {"count": len(infos), "limit": limits.max_files},
        )
    entries: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = safe_name(info.filename)
        if _is_symlink(info):
            raise refuse(
                "symlink", _("The archive holds a symbolic link; links are not allowed."), name
            )
        if info.flag_bits & 0x1:
            raise refuse(
                "encrypted",
                _("The file is encrypted; packages must be uploaded without a password."),
                name,
            )
        # Some Windows tools end folder names with a backslash rather than a slash.
        if info.is_dir() or info.filename.endswith("\\") or not name:
            continue
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise refuse(
                "unsupported_compression",
                _("The file uses a compression method this platform cannot read."),
                name,
            )
        if name in entries:
            raise refuse("duplicate_entry", _("The archive holds the same file name twice."), name)
        if (
            info.file_size >= limits.ratio_floor_bytes
            and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)
        ):
            raise refuse(
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
            raise refuse(
                "too_large",
                _("The package unpacks to more than %(limit)s bytes.")
                % {"limit": limits.max_uncompressed_bytes},
                name,
            )
        entries[name] = info
    if not entries:
        raise refuse("empty_archive", _("The archive holds no files."))
    return SafeArchive(archive, entries, limits)


__all__ = ["BoundedReader", "PackageImportError", "SafeArchive", "archive_open", "safe_name"]
