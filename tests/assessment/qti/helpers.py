"""Comparing item bodies with the defaults each type assumes made explicit."""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

CP_21 = "http://www.imsglobal.org/xsd/imscp_v1p1"

# Keys whose absence means this value (see assessment/questions/).
DEFAULTS = {
    "shuffle": False,
    "points": 1,
    "case_sensitive": False,
    "diacritic_sensitive": True,
    "tolerance": 0,
    "tolerance_type": "absolute",
    "fraction": 1,
    "units": [],
    "unit_required": False,
    "min_words": 0,
    "max_files": 1,
    "accepted_types": [],
    "mode": "met",
    "critical": False,
    "evidence_required": False,
    "factor": 1,
}
SCORING_DEFAULTS = {
    "multiple_choice": "partial",
    "matching": "partial",
    "ordering": "position",
}


def _drop_defaults(value):
    if isinstance(value, dict):
        return {
            key: _drop_defaults(item)
            for key, item in value.items()
            if not (key in DEFAULTS and item == DEFAULTS[key])
        }
    if isinstance(value, list):
        return [_drop_defaults(item) for item in value]
    return value


def normalised(question_type: str, body: dict) -> dict:
    """`body` without keys that only restate a default, so equal meaning compares equal."""
    body = copy.deepcopy(body)
    if "scoring" in body and body["scoring"] == SCORING_DEFAULTS.get(question_type):
        del body["scoring"]
    return _drop_defaults(body)


EXAMPLES = Path(__file__).parent / "examples"


def png_bytes(color=(200, 30, 30)) -> bytes:
    """A small real PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color).save(buffer, "PNG")
    return buffer.getvalue()


def manifest(resources: list[tuple[str, str, str]], *, namespace=CP_21) -> str:
    """An imsmanifest.xml listing (identifier, type, href) resources."""
    rows = "".join(
        f'<resource identifier="{identifier}" type="{kind}" href="{href}"><file href="{href}"/>'
        "</resource>"
        for identifier, kind, href in resources
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><manifest xmlns="{namespace}" identifier="M1">'
        f"<organizations/><resources>{rows}</resources></manifest>"
    )


def package(
    files: dict[str, bytes | str], *, items: list[str] | None = None, kind=None
) -> io.BytesIO:
    """A zip of `files`; with `items`, a manifest listing those files as QTI 2.1 items."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if items is not None:
            archive.writestr(
                "imsmanifest.xml",
                manifest(
                    [(f"R{n}", kind or "imsqti_item_xmlv2p1", href) for n, href in enumerate(items)]
                ),
            )
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def example(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")
