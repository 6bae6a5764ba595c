"""Validation of QTI item and test files against the IMS/1EdTech XML schemas (XSDs).

Each version's entry schema (2.1 `imsqti_v2p1.xsd`, 2.2 `imsqti_v2p2.xsd`, 3.0
`imsqti_asiv3p0_v1p0.xsd`) is looked for under the folder named by the Django setting
`ASSESSMENT_QTI_SCHEMA_DIR` (default: `assessment/qti/schemas/`, laid out as
`schemas/SOURCES.md` describes). A version whose XSD is absent is not schema-validated:
`validate` answers None and the importer notes it ("where one is available").

Safety: a schema and everything it imports are read only from that folder. Imports by
URL (`http://…/xml.xsd`) are answered with the local file of the same name, or refused
(`SchemaUnavailable`); a path leaving the folder is refused; the parsers load no DTD,
expand no entity and use no network. Each schema is compiled once per process (cache).
"""

from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from lxml import etree

# Entry schema of each version, relative to the schema folder.
ENTRY_SCHEMAS = {
    "2.1": "qtiv2p1/imsqti_v2p1.xsd",
    "2.2": "qtiv2p2/imsqti_v2p2.xsd",
    "3.0": "qtiv3p0/imsqti_asiv3p0_v1p0.xsd",
}
# Errors kept per file: enough to fix it, not a wall of text.
MAX_PROBLEMS = 5
DEFAULT_DIR = Path(__file__).resolve().parent / "schemas"


class SchemaUnavailable(Exception):
    """A schema (or one it imports) could not be read from the local folder."""


@dataclass(frozen=True)
class SchemaProblem:
    """One schema error: the line in the validated file and libxml2's message."""

    line: int
    message: str


def schema_dir() -> Path:
    return Path(getattr(settings, "ASSESSMENT_QTI_SCHEMA_DIR", None) or DEFAULT_DIR).resolve()


def _safe_parser(resolver: etree.Resolver | None = None) -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )
    if resolver is not None:
        parser.resolvers.add(resolver)
    return parser


class LocalResolver(etree.Resolver):
    """Answers every schema import from `root`, never from the network.

    A remote URL is answered with the local file of the same name found anywhere under
    `root` (the IMS schemas import `http://www.w3.org/2001/xml.xsd` and the like); a file
    path must lie inside `root`. Anything else raises `SchemaUnavailable`.
    """

    def __init__(self, root: Path):
        super().__init__()
        self.root = root
        self.by_name: dict[str, Path] = {}
        for path in sorted(root.rglob("*.xsd")):
            self.by_name.setdefault(path.name, path)
        self.refused: list[str] = []

    def local_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme in ("", "file"):
            path = Path(unquote(parts.path)).resolve()
            if path.is_relative_to(self.root) and path.is_file():
                return path
            # A relative import that misses: fall back to the file's name, as for URLs.
        name = posixpath.basename(unquote(parts.path))
        if name in self.by_name:
            return self.by_name[name]
        self.refused.append(url)
        raise SchemaUnavailable(f"{url} is not in the local schema folder")

    def resolve(self, url, pubid, context):
        return self.resolve_filename(str(self.local_path(url)), context)


@functools.cache
def _compiled(root: str, version: str) -> etree.XMLSchema | None:
    entry = Path(root) / ENTRY_SCHEMAS[version]
    if not entry.is_file():
        return None
    return compile_schema(entry, Path(root))


def compile_schema(entry: Path, root: Path) -> etree.XMLSchema:
    """The schema at `entry`, its imports read only under `root` (`SchemaUnavailable` else)."""
    resolver = LocalResolver(root)
    try:
        document = etree.parse(str(entry), _safe_parser(resolver))
        return etree.XMLSchema(document)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
        if resolver.refused:
            raise SchemaUnavailable(
                f"{entry.name} imports {', '.join(resolver.refused)}, not in the local folder"
            ) from exc
        raise SchemaUnavailable(f"{entry.name}: {exc}") from exc


def schema_for(version: str) -> etree.XMLSchema | None:
    """The compiled schema of a QTI version, or None where its XSD is not installed."""
    if version not in ENTRY_SCHEMAS:
        return None
    return _compiled(str(schema_dir()), version)


def available_versions() -> list[str]:
    root = schema_dir()
    return [v for v, path in ENTRY_SCHEMAS.items() if (root / path).is_file()]


def validate(data: bytes, version: str) -> list[SchemaProblem] | None:
    """The schema errors of one XML file (at most MAX_PROBLEMS), [] when valid, or None
    when no schema of `version` is installed. `data` must already have passed the safe
    parser (no DTD, no entities): it is parsed again here without either."""
    schema = schema_for(version)
    if schema is None:
        return None
    try:
        document = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        return [SchemaProblem(exc.lineno or 0, str(exc.msg))]
    if schema.validate(document):
        return []
    return [SchemaProblem(error.line, error.message) for error in schema.error_log[:MAX_PROBLEMS]]


def clear_cache() -> None:
    """Forget compiled schemas (tests that point ASSESSMENT_QTI_SCHEMA_DIR elsewhere)."""
    _compiled.cache_clear()


__all__ = [
    "ENTRY_SCHEMAS",
    "SchemaProblem",
    "SchemaUnavailable",
    "available_versions",
    "clear_cache",
    "compile_schema",
    "schema_dir",
    "schema_for",
    "validate",
]
