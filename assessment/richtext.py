"""Question stems arrive from authors, imports and the API: keep only safe rich text."""

from __future__ import annotations

from wagtail.whitelist import (
    DEFAULT_ELEMENT_RULES,
    Whitelister,
    allow_without_attributes,
    attribute_rule,
    check_url,
)


def _one_of(*allowed: str):
    return lambda value: value if value in allowed else None


class StemWhitelister(Whitelister):
    """Wagtail's rich-text database format (images and media as `<embed>`, links to pages
    and documents by id) plus tables and code; no scripts, styles or event handlers."""

    element_rules = {
        **DEFAULT_ELEMENT_RULES,
        "a": attribute_rule(
            {"href": check_url, "linktype": _one_of("page", "document"), "id": True}
        ),
        "embed": attribute_rule(
            {
                "embedtype": _one_of("image", "media"),
                "id": True,
                "format": True,
                "alt": True,
                "url": check_url,
            }
        ),
        **dict.fromkeys(
            ("table", "thead", "tbody", "tr", "th", "td", "code", "pre", "blockquote"),
            allow_without_attributes,
        ),
    }


def stem_clean(html: str) -> str:
    """`html` with everything but the allowed elements and attributes removed.

    Anything but text is passed through for the model's validation to refuse.
    """
    return StemWhitelister().clean(html) if isinstance(html, str) else html
