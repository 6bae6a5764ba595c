"""Short answer: accepted variants, letter case, and Vietnamese diacritics on or off."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment import questions
from assessment.questions.text import normalise_answer, strip_diacritics

from .helpers import body, score


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Điện áp", "Dien ap"),
        ("đồng hồ vạn năng", "dong ho van nang"),
        ("ĐƯỜNG DÂY", "DUONG DAY"),
        ("Nguyễn Thị Hằng", "Nguyen Thi Hang"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_strip_diacritics(text, expected):
    assert strip_diacritics(text) == expected


def test_composed_and_decomposed_forms_compare_equal():
    decomposed = "Đie\u0323\u0302n áp"  # 'ệ' typed as e + dot below + circumflex
    assert normalise_answer(decomposed, case_sensitive=True, diacritic_sensitive=True) == "Điện áp"


@pytest.mark.parametrize(
    ("response", "case_sensitive", "diacritic_sensitive", "expected"),
    [
        ("Điện áp", False, True, 1),
        ("điện áp", False, True, 1),
        ("  Điện   áp ", False, True, 1),
        ("dien ap", False, True, 0),
        ("dien ap", False, False, 1),
        ("Dien Ap", False, False, 1),
        ("Diện áp", False, True, 0),  # D without the stroke is another letter
        ("Diện áp", False, False, 1),
        ("điện áp", True, True, 0),
        ("Điện áp", True, True, 1),
        ("Dien ap", True, False, 1),
        ("dien ap", True, False, 0),
        ("Điện áp xoay chiều", False, False, 0),
        ("", False, False, 0),
        ("   ", False, True, 0),
    ],
)
def test_case_and_diacritic_options(response, case_sensitive, diacritic_sensitive, expected):
    assert (
        score(
            "short_answer",
            response,
            case_sensitive=case_sensitive,
            diacritic_sensitive=diacritic_sensitive,
        )
        == expected
    )


def test_diacritics_count_by_default():
    assert score("short_answer", "dien ap", accepted=[{"text": "Điện áp"}]) == 0
    definition = {"accepted": [{"text": "Điện áp"}]}
    assert questions.get("short_answer").mark(definition, "dien ap").score == 0


@pytest.mark.parametrize(
    ("response", "expected"),
    [("Điện áp", "1"), ("hiệu điện thế", "1"), ("U", "0.5"), ("I", "0")],
)
def test_best_accepted_variant_counts(response, expected):
    accepted = [
        {"text": "Điện áp"},
        {"text": "Hiệu điện thế"},
        {"text": "U", "fraction": 0.5},
        {"text": "u", "fraction": 0.25},
    ]
    assert score("short_answer", response, accepted=accepted) == Decimal(expected)


@pytest.mark.parametrize("response", [["Điện áp"], 3, {"text": "x"}, "x" * 1001])
def test_malformed_responses_are_refused(response):
    with pytest.raises(ValidationError):
        questions.get("short_answer").mark(body("short_answer"), response)


@pytest.mark.parametrize(
    "overrides",
    [
        {"accepted": []},
        {"accepted": ["Điện áp"]},
        {"accepted": [{"text": ""}]},
        {"accepted": [{"text": "x", "fraction": 1.5}]},
        {"accepted": [{"text": "x", "fraction": -0.5}]},
        {"case_sensitive": "yes"},
        {"diacritic_sensitive": 0},
    ],
)
def test_malformed_definitions_are_refused(overrides):
    with pytest.raises(ValidationError):
        questions.get("short_answer").validate_body(body("short_answer", **overrides))
