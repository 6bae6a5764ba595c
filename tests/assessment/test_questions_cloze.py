"""Cloze: numeric, select and text gaps marked each by its own rules and added up."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment import questions

from .helpers import body, score


def test_cloze_is_worth_the_sum_of_its_gaps():
    assert questions.get("cloze").max_score(body("cloze")) == Decimal(4)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ({"g1": "220", "g2": "v", "g3": "Điện áp"}, 4),
        ({"g1": 220, "g2": "v", "g3": "điện áp"}, 4),
        ({"g1": "230", "g2": "v", "g3": "điện áp"}, 3),
        ({"g1": "220", "g2": "a", "g3": "điện áp"}, 3),
        ({"g1": "220", "g2": "v", "g3": "dien ap"}, 2),
        ({"g1": "220", "g2": "v"}, 2),
        ({"g1": "220", "g2": None, "g3": None}, 1),
        ({}, 0),
    ],
)
def test_cloze_marks_each_gap(response, expected):
    assert score("cloze", response) == expected


def test_cloze_text_gap_follows_its_own_diacritic_option():
    definition = body("cloze")
    definition["gaps"][2]["diacritic_sensitive"] = False
    result = questions.get("cloze").mark(definition, {"g1": "220", "g2": "v", "g3": "dien ap"})
    assert result.score == 4


def test_cloze_feedback_names_the_gap():
    result = questions.get("cloze").mark(body("cloze"), {"g1": "abc"})
    assert any(line.startswith("g1:") for line in result.feedback)


@pytest.mark.parametrize(
    "response",
    [
        ["220", "v", "điện áp"],
        {"g9": "x"},
        {"g2": "z"},
        {"g2": ["v"]},
        {"g3": 3},
        {"g1": [220]},
    ],
)
def test_cloze_refuses_malformed_responses(response):
    with pytest.raises(ValidationError):
        questions.get("cloze").mark(body("cloze"), response)


def _gaps(**changes):
    gaps = body("cloze")["gaps"]
    for index, change in changes.items():
        gaps[int(index[1:])].update(change)
    return gaps


@pytest.mark.parametrize(
    "overrides",
    [
        {"text": "Không có chỗ trống"},
        {"text": "{{g1}} {{g2}}"},
        {"text": "{{g1}} {{g2}} {{g3}} {{g3}}"},
        {"text": "{{g1}} {{g2}} {{g3}} {{g4}}"},
        {"gaps": []},
        {"gaps": _gaps(g0={"kind": "dropdown"})},
        {"gaps": _gaps(g1={"correct": "z"})},
        {"gaps": _gaps(g0={"answers": []})},
        {"gaps": _gaps(g2={"accepted": "điện áp"})},
        {"gaps": _gaps(g2={"id": "g1"})},
    ],
)
def test_cloze_refuses_malformed_definitions(overrides):
    with pytest.raises(ValidationError):
        questions.get("cloze").validate_body(body("cloze", **overrides))


def test_a_bad_gap_is_named_in_the_error():
    with pytest.raises(ValidationError, match="g2"):
        questions.get("cloze").validate_body(body("cloze", gaps=_gaps(g1={"correct": "z"})))
