"""Template helpers shared by the site's templates."""

from django import template
from django.urls import translate_url

register = template.Library()


@register.simple_tag
def translated_url(request, language_code: str) -> str:
    """The current page's address in another language (/… for Vietnamese, /en/… for English)."""
    return translate_url(request.get_full_path(), language_code)


@register.filter
def percent_width(value) -> str:
    """A 0–100 number as a CSS width, clamped."""
    try:
        number = max(0, min(100, int(value)))
    except (TypeError, ValueError):
        number = 0
    return f"{number}%"
