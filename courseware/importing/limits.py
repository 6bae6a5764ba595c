"""Import limits, from Django settings with defaults here.

Operators set the main ones with COURSEWARE_MAX_* environment variables, read in
`config/env.py` and listed in docs/configuration.md; the defaults below apply where a
settings module does not define them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

DEFAULT_MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024  # 1 GiB upload
DEFAULT_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024  # 2 GiB unpacked
DEFAULT_MAX_FILES = 20_000
DEFAULT_MAX_COMPRESSION_RATIO = 200
# Entries smaller than this are not held to the ratio: tiny text files compress very well
# and cannot make a bomb on their own (the total size limit still counts them).
DEFAULT_RATIO_FLOOR_BYTES = 1024 * 1024
DEFAULT_MAX_XML_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    """The limits one import runs under."""

    max_archive_bytes: int
    max_uncompressed_bytes: int
    max_files: int
    max_compression_ratio: float
    ratio_floor_bytes: int
    max_xml_bytes: int

    @classmethod
    def from_settings(cls) -> ImportLimits:
        return cls(
            max_archive_bytes=getattr(
                settings, "COURSEWARE_MAX_ARCHIVE_BYTES", DEFAULT_MAX_ARCHIVE_BYTES
            ),
            max_uncompressed_bytes=getattr(
                settings, "COURSEWARE_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES
            ),
            max_files=getattr(settings, "COURSEWARE_MAX_FILES", DEFAULT_MAX_FILES),
            max_compression_ratio=getattr(
                settings, "COURSEWARE_MAX_COMPRESSION_RATIO", DEFAULT_MAX_COMPRESSION_RATIO
            ),
            ratio_floor_bytes=getattr(
                settings, "COURSEWARE_RATIO_FLOOR_BYTES", DEFAULT_RATIO_FLOOR_BYTES
            ),
            max_xml_bytes=getattr(settings, "COURSEWARE_MAX_XML_BYTES", DEFAULT_MAX_XML_BYTES),
        )
