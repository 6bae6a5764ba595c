"""XML parsing with DTDs, entities and external references refused (XXE, billion laughs)."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from .archive import SafeArchive
from .errors import refuse


def xml_parse(data: bytes, path: str) -> Element:
    """The root element of `data`, or a refusal naming `path`."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden as exc:
        raise refuse(
            "xml_forbidden",
            _("The XML file declares a DTD; DTDs and entities are refused for safety."),
            path,
        ) from exc
    except EntitiesForbidden as exc:
        raise refuse(
            "xml_forbidden",
            _("The XML file declares entities; entities are refused for safety."),
            path,
        ) from exc
    except DefusedXmlException as exc:
        raise refuse(
            "xml_forbidden",
            _("The XML file refers to an external resource; that is refused for safety."),
            path,
        ) from exc
    except ParseError as exc:
        raise refuse(
            "xml_malformed",
            _("The XML file is not well-formed: %(reason)s.") % {"reason": exc},
            path,
        ) from exc


def xml_read(archive: SafeArchive, name: str) -> Element:
    """Parse one XML file of the archive."""
    return xml_parse(archive.read(name, max_bytes=archive.limits.max_xml_bytes), name)


def local(tag: str) -> str:
    """An element or attribute name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def children(element: Element, name: str) -> list[Element]:
    """Direct children called `name`, whatever their namespace (packages vary in this)."""
    return [child for child in element if local(child.tag) == name]


def child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    found = children(element, name)
    return found[0] if found else None


def text(element: Element | None, name: str | None = None) -> str:
    """Stripped text of `element` (or of its first child `name`)."""
    if name is not None:
        element = child(element, name)
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def attr(element: Element | None, name: str, default: str = "") -> str:
    """An attribute by its local name, ignoring namespace and case (1.2 spells scormtype so)."""
    if element is None:
        return default
    wanted = name.lower()
    for key, value in element.attrib.items():
        if local(key).lower() == wanted:
            return value.strip()
    return default
