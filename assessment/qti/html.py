"""Stems between Wagtail's rich-text format and QTI's XHTML.

Out: `<embed embedtype="image" id="7" format="left" alt="…">` becomes `<img src="images/7-x.png"
class="tn-format-left" alt="…">` with the image file added to the package. In: XHTML elements
come back as HTML, `<img>` files of the package become Wagtail images and `<embed>`s again;
QTI elements (interactions, rubric blocks, feedback) are not part of a stem.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from html import escape
from xml.etree.ElementTree import Element, SubElement

from bs4 import BeautifulSoup, NavigableString, Tag

from .names import HTML, local

_VOID = {"br", "hr", "img", "col", "param", "source", "track", "wbr"}
_KEEP_ATTRIBUTES = {"href", "alt", "title", "colspan", "rowspan", "class", "lang", "dir"}


def stem_to_elements(stem: str, parent: Element, image_file: Callable[[int], str | None]) -> None:
    """Append the stem's HTML to `parent` as XHTML elements.

    `image_file(id)` answers the package path of a Wagtail image (adding it to the
    package), or None when the image no longer exists (its `<embed>` is then dropped).
    """
    soup = BeautifulSoup(stem or "", "html.parser")
    _append(parent, soup, image_file)


def _append(parent: Element, node, image_file) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is not NavigableString:
                continue  # comments, doctypes, CDATA
            _append_text(parent, str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower()
        if name == "embed":
            if child.get("embedtype") == "image" and str(child.get("id", "")).isdigit():
                path = image_file(int(child["id"]))
                if path:
                    SubElement(
                        parent,
                        "img",
                        {
                            "src": path,
                            "alt": child.get("alt", ""),
                            "class": f"tn-format-{child.get('format') or 'fullwidth'}",
                        },
                    )
            elif child.get("url"):
                link = SubElement(parent, "a", {"href": child["url"]})
                link.text = child["url"]
            continue
        if name not in HTML:
            _append(parent, child, image_file)  # unknown wrapper: keep its content
            continue
        attributes = {
            key: " ".join(value) if isinstance(value, list) else str(value)
            for key, value in child.attrs.items()
            if key in _KEEP_ATTRIBUTES
        }
        if name == "a" and "href" not in attributes:
            name = "span"  # Wagtail page and document links have no URL outside the site
        element = SubElement(parent, name, attributes)
        _append(element, child, image_file)


def _append_text(parent: Element, text: str) -> None:
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def elements_to_html(
    nodes: list[Element], *, leading_text: str = "", image_embed: Callable[[str, str, str], str]
) -> str:
    """The HTML of XHTML elements read from an item.

    `image_embed(src, alt, format)` answers the `<embed>` of an `<img>` (it stores the
    image) or raises. QTI elements among them are skipped with their content.
    """
    out = [escape(leading_text, quote=False)] if leading_text else []
    for node in nodes:
        _html(node, out, image_embed)
        if node.tail:
            out.append(escape(node.tail, quote=False))
    return "".join(out).strip()


def _html(node: Element, out: list[str], image_embed) -> None:
    name = local(node.tag)
    if name not in HTML:
        return
    if name == "img":
        src = node.attrib.get("src", "")
        classes = node.attrib.get("class", "").split()
        image_format = next(
            (c[len("tn-format-") :] for c in classes if c.startswith("tn-format-")), "fullwidth"
        )
        out.append(image_embed(src, node.attrib.get("alt", ""), image_format))
        return
    attributes = "".join(
        f' {key}="{escape(value)}"'
        for key, value in node.attrib.items()
        if key in _KEEP_ATTRIBUTES and not (key == "class" and value.startswith("tn-"))
    )
    if name in _VOID:
        out.append(f"<{name}{attributes}/>")
        return
    out.append(f"<{name}{attributes}>")
    if node.text:
        out.append(escape(node.text, quote=False))
    for child in node:
        _html(child, out, image_embed)
        if child.tail:
            out.append(escape(child.tail, quote=False))
    out.append(f"</{name}>")


def plain_text(node: Element) -> str:
    """The text of an element, its QTI descendants included."""
    return "".join(node.itertext())


def image_name(image_id: int, filename: str) -> str:
    return f"images/{image_id}-{posixpath.basename(filename)}"
