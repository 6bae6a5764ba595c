"""Numeric: tolerance edges (absolute and relative), decimal commas, units with factors."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment import questions
from assessment.questions.numeric import parse_number

from .helpers import body, score


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("220", (Decimal("220"), "")),
        ("  220  ", (Decimal("220"), "")),
        ("220,5", (Decimal("220.5"), "")),
        ("0,22 kV", (Decimal("0.22"), "kV")),
        ("2.2e2V", (Decimal("220"), "V")),
        ("-1.5 A", (Decimal("-1.5"), "A")),
        (".5", (Decimal("0.5"), "")),
        ("abc", None),
        ("", None),
        ("V 220", None),
        ("NaN", None),
        ("inf", None),
        ("1e999999999", None),
        ("0e999999999", (Decimal("0e999999999"), "")),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


# 220 ± 5 (absolute): the edges are inclusive.
@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (220, 1),
        ("220", 1),
        (215, 1),
        (225, 1),
        ("225.0", 1),
        ("224,9999", 1),
        ("225.0001", 0),
        ("214.9999", 0),
        (230, 0),
        (220.0, 1),
        ("abc", 0),
    ],
)
def test_absolute_tolerance_edges(response, expected):
    assert score("numeric", response) == expected


# 0.1 ± 0.0001: binary floating point would put 0.1 + 0.0001 just outside.
@pytest.mark.parametrize(
    ("response", "expected"), [(0.1001, 1), (0.0999, 1), ("0.10011", 0), (0.1, 1)]
)
def test_tolerance_is_exact_decimal_arithmetic(response, expected):
    answers = [{"value": 0.1, "tolerance": 0.0001}]
    assert score("numeric", response, answers=answers, units=[]) == expected


# 400 with 5 % relative tolerance: 380 … 420.
@pytest.mark.parametrize(
    ("response", "expected"), [(400, 1), (380, 1), (420, 1), ("379.99", 0), ("420.01", 0)]
)
def test_relative_tolerance_edges(response, expected):
    answers = [{"value": 400, "tolerance": 0.05, "tolerance_type": "relative"}]
    assert score("numeric", response, answers=answers) == expected


def test_relative_tolerance_of_a_negative_value():
    answers = [{"value": -10, "tolerance": 0.1, "tolerance_type": "relative"}]
    assert score("numeric", -11, answers=answers) == 1
    assert score("numeric", "-11.01", answers=answers) == 0


@pytest.mark.parametrize(
    ("response", "unit_required", "expected"),
    [
        ("220 V", False, 1),
        ("220V", False, 1),
        ("0,22 kV", False, 1),
        ("0.225 kV", False, 1),
        ("0.226 kV", False, 0),
        ("220 kV", False, 0),
        ("220", False, 1),
        ("220", True, 0),
        ("220 V", True, 1),
        ("220 mV", False, 0),
        ("220 v", False, 0),  # units are case-sensitive: mV and MV differ
    ],
)
def test_units_convert_with_their_factor(response, unit_required, expected):
    assert score("numeric", response, unit_required=unit_required) == expected


def test_feedback_says_why_a_unit_failed():
    question = questions.get("numeric")
    missing = question.mark(body("numeric", unit_required=True), "220")
    unknown = question.mark(body("numeric"), "220 mV")
    assert missing.feedback and unknown.feedback
    assert "mV" in unknown.feedback[0]


def test_several_answers_with_partial_credit():
    answers = [
        {"value": 220, "tolerance": 1},
        {"value": 230, "tolerance": 1, "fraction": 0.5},
    ]
    assert score("numeric", 230, answers=answers, points=2) == 1
    assert score("numeric", 220.5, answers=answers, points=2) == 2


@pytest.mark.parametrize("response", [[220], {"value": 220}, True, {}, "9" * 101])
def test_malformed_responses_are_refused(response):
    with pytest.raises(ValidationError):
        questions.get("numeric").mark(body("numeric"), response)


@pytest.mark.parametrize(
    "overrides",
    [
        {"answers": []},
        {"answers": [{"value": "220"}]},
        {"answers": [{"value": 220, "tolerance": -1}]},
        {"answers": [{"value": 220, "tolerance_type": "percent"}]},
        {"answers": [{"tolerance": 1}]},
        {"units": [{"unit": "V", "factor": 0}]},
        {"units": [{"unit": "V"}, {"unit": "V", "factor": 1}]},
        {"units": [{"unit": "", "factor": 1}]},
        {"units": "V"},
        {"units": [], "unit_required": True},
        {"unit_required": "yes"},
    ],
)
def test_malformed_definitions_are_refused(overrides):
    with pytest.raises(ValidationError):
        questions.get("numeric").validate_body(body("numeric", **overrides))
