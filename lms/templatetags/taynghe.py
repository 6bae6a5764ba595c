"""Template helpers shared by the site's templates."""

import unicodedata

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info

register = template.Library()


@register.simple_tag
def translated_url(request, language_code: str) -> str:
    """The current page's address in another language (/… for Vietnamese, /en/… for English)."""
    return translate_url(request.get_full_path(), language_code)


@register.simple_tag
def languages_in_own_names() -> list[tuple[str, str]]:
    """The site's languages, each named in itself ("Tiếng Việt", "English") for the switcher."""
    # Django spells some local names decomposed (e + combining accents); NFC is what
    # people type and what screen readers and find-in-page expect.
    return [
        (code, unicodedata.normalize("NFC", get_language_info(code)["name_local"]))
        for code, _name in settings.LANGUAGES
    ]


@register.filter
def percent_width(value) -> str:
    """A 0–100 number as a CSS width, clamped."""
    try:
        number = max(0, min(100, int(value)))
    except (TypeError, ValueError):
        number = 0
    return f"{number}%"
