"""The QTI versions this platform writes and reads: namespaces, schema locations, resource
types, response-processing templates, and the 2.x ↔ 3.0 element names.

QTI 2.1 and 2.2 share element names (`choiceInteraction`) and differ in namespace; QTI 3.0
renames every QTI element to `qti-` + kebab case (`qti-choice-interaction`) and its
attributes to kebab case (`response-identifier`). The code builds and reads the 2.x names;
`to_v3` renames a tree on the way out and `local` strips both forms on the way in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

XSI = "http://www.w3.org/2001/XMLSchema-instance"
# The platform's own extension (question type, tags, rubrics, checklists…) in the manifest.
EXTENSION_NS = "https://taynghe.vn/xsd/qti-extension/v1"


@dataclass(frozen=True)
class QtiVersion:
    """One QTI version's identifiers."""

    name: str
    namespace: str
    schema: str
    cp_namespace: str
    cp_schema: str
    item_type: str
    test_type: str
    template_base: str
    template_suffix: str = ""

    def template(self, name: str) -> str:
        return f"{self.template_base}{name}{self.template_suffix}"

    @property
    def v3(self) -> bool:
        return self.name == "3.0"


VERSIONS = {
    "2.1": QtiVersion(
        "2.1",
        "http://www.imsglobal.org/xsd/imsqti_v2p1",
        "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd",
        "http://www.imsglobal.org/xsd/imscp_v1p1",
        "http://www.imsglobal.org/xsd/imscp_v1p1.xsd",
        "imsqti_item_xmlv2p1",
        "imsqti_test_xmlv2p1",
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/",
    ),
    "2.2": QtiVersion(
        "2.2",
        "http://www.imsglobal.org/xsd/imsqti_v2p2",
        "http://www.imsglobal.org/xsd/qti/qtiv2p2/imsqti_v2p2.xsd",
        "http://www.imsglobal.org/xsd/imscp_v1p1",
        "http://www.imsglobal.org/xsd/imscp_v1p1.xsd",
        "imsqti_item_xmlv2p2",
        "imsqti_test_xmlv2p2",
        "http://www.imsglobal.org/question/qti_v2p2/rptemplates/",
    ),
    "3.0": QtiVersion(
        "3.0",
        "http://www.imsglobal.org/xsd/imsqtiasi_v3p0",
        "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd",
        "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1",
        "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd",
        "imsqti_item_xmlv3p0",
        "imsqti_test_xmlv3p0",
        "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/",
        ".xml",
    ),
}

# Namespaces read on import (2.0 items are read as 2.1: the interactions are the same).
READ_NAMESPACES = {
    "http://www.imsglobal.org/xsd/imsqti_v2p0": "2.0",
    **{version.namespace: name for name, version in VERSIONS.items()},
}
ITEM_RESOURCE_TYPES = {"imsqti_item_xmlv2p0", *(v.item_type for v in VERSIONS.values())}
TEST_RESOURCE_TYPES = {"imsqti_test_xmlv2p0", *(v.test_type for v in VERSIONS.values())}

# XHTML elements keep their names in every version; everything else built here is QTI.
HTML = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li",
    "object", "ol", "p", "param", "pre", "q", "samp", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "ul", "var", "u", "s",
    "figure", "figcaption", "audio", "video", "source", "track", "label", "bdo", "bdi", "ruby",
    "rt", "rp", "address", "article", "aside", "footer", "header", "nav", "section", "dfn",
    "big", "del", "ins", "mark", "wbr",
}  # fmt: skip

_UPPER = re.compile(r"(?<!^)([A-Z])")


def kebab(name: str) -> str:
    """'choiceInteraction' → 'choice-interaction'."""
    return _UPPER.sub(r"-\1", name).lower()


def camel(name: str) -> str:
    """'choice-interaction' → 'choiceInteraction'."""
    head, *rest = name.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def local(tag: str) -> str:
    """An element name without namespace, in the 2.x form (`qti-simple-choice` → `simpleChoice`)."""
    name = tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
    if name.startswith("qti-"):
        return camel(name[4:])
    return name


def attr(element: Element, name: str, default: str | None = None) -> str | None:
    """An attribute by its 2.x name, also found under its 3.0 kebab name."""
    if name in element.attrib:
        return element.attrib[name]
    return element.attrib.get(kebab(name), default)


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def to_v3(element: Element) -> None:
    """Rename a tree built with 2.x names to QTI 3.0 names, in place.

    QTI 3.0 also wants a rubric block's content inside `qti-content-body`.
    """
    for node in list(element.iter()):
        if node.tag == "rubricBlock":
            content = Element("contentBody")
            content.extend(list(node))
            for child in list(node):
                node.remove(child)
            node.append(content)
            node.set("use", "scoring")
    for node in element.iter():
        if not isinstance(node.tag, str) or node.tag in HTML or ":" in node.tag:
            continue
        node.tag = f"qti-{kebab(node.tag)}"
        node.attrib = {
            (key if ":" in key or key.startswith("xmlns") else kebab(key)): value
            for key, value in node.attrib.items()
        }
