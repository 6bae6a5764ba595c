"""Comparing typed answers: whitespace, letter case and Vietnamese diacritics."""

from __future__ import annotations

import unicodedata

# "đ" is a letter of its own, not "d" with a combining mark, so NFD leaves it whole.
_STROKED = str.maketrans({"đ": "d", "Đ": "D"})


def strip_diacritics(text: str) -> str:
    """'Điện áp' → 'Dien ap': drop combining marks after NFD and map đ/Đ to d/D."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKED))
    kept = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", kept)


def normalise_answer(text: str, *, case_sensitive: bool, diacritic_sensitive: bool) -> str:
    """The form two answers are compared in.

    Always NFC (an 'ệ' typed as one code point or as 'e' + two marks is the same answer)
    with surrounding space trimmed and inner runs of space collapsed.
    """
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if not diacritic_sensitive:
        text = strip_diacritics(text)
    if not case_sensitive:
        text = text.casefold()
    return text
