"""Matching (with distractors) and ordering (three scoring schemes)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment import questions

from .helpers import body, score


@pytest.mark.parametrize(
    ("scoring", "response", "expected"),
    [
        ("partial", {"p1": "c1", "p2": "c2"}, "1"),
        ("partial", {"p1": "c1", "p2": "c3"}, "0.5"),
        ("partial", {"p1": "c1"}, "0.5"),
        ("partial", {"p1": "c2", "p2": "c1"}, "0"),
        ("partial", {}, "0"),
        ("all_or_nothing", {"p1": "c1", "p2": "c2"}, "1"),
        ("all_or_nothing", {"p1": "c1", "p2": "c3"}, "0"),
    ],
)
def test_matching(scoring, response, expected):
    assert score("matching", response, scoring=scoring) == Decimal(expected)


@pytest.mark.parametrize(
    "response",
    [[["p1", "c1"]], {"p9": "c1"}, {"p1": "c9"}, {"p1": 1}, {"p1": ["c1"]}, "p1=c1"],
)
def test_matching_refuses_malformed_responses(response):
    with pytest.raises(ValidationError):
        questions.get("matching").mark(body("matching"), response)


@pytest.mark.parametrize(
    "overrides",
    [
        {"pairs": {"p1": "c1"}},
        {"pairs": {"p1": "c1", "p2": "c2", "p3": "c3"}},
        {"pairs": {"p1": "c1", "p2": "c9"}},
        {"pairs": [["p1", "c1"]]},
        {"prompts": [{"id": "p1", "text": "Ampe kế"}]},
        {"scoring": "bonus"},
    ],
)
def test_matching_refuses_malformed_definitions(overrides):
    with pytest.raises(ValidationError):
        questions.get("matching").validate_body(body("matching", **overrides))


# Right order: s1 s2 s3 s4.
@pytest.mark.parametrize(
    ("scoring", "response", "expected"),
    [
        ("position", ["s1", "s2", "s3", "s4"], "1"),
        ("position", ["s2", "s1", "s3", "s4"], "0.5"),
        ("position", ["s4", "s3", "s2", "s1"], "0"),
        ("position", ["s2", "s3", "s4", "s1"], "0"),
        ("adjacent_pairs", ["s1", "s2", "s3", "s4"], "1"),
        ("adjacent_pairs", ["s2", "s3", "s4", "s1"], "0.6667"),
        ("adjacent_pairs", ["s4", "s3", "s2", "s1"], "0"),
        ("adjacent_pairs", ["s2", "s1", "s3", "s4"], "0.3333"),
        ("all_or_nothing", ["s1", "s2", "s3", "s4"], "1"),
        ("all_or_nothing", ["s1", "s2", "s4", "s3"], "0"),
    ],
)
def test_ordering(scoring, response, expected):
    assert score("ordering", response, scoring=scoring) == Decimal(expected)


@pytest.mark.parametrize(
    "response",
    [
        ["s1", "s2", "s3"],
        ["s1", "s2", "s3", "s3"],
        ["s1", "s2", "s3", "s4", "s5"],
        ["s1", "s2", "s3", "s9"],
        "s1,s2,s3,s4",
        [1, 2, 3, 4],
    ],
)
def test_ordering_refuses_anything_but_a_permutation(response):
    with pytest.raises(ValidationError):
        questions.get("ordering").mark(body("ordering"), response)


@pytest.mark.parametrize(
    "overrides",
    [
        {"steps": [{"id": "s1", "text": "Một"}]},
        {"steps": [{"id": "s1", "text": "x"}, {"id": "s1", "text": "y"}]},
        {"steps": ["s1", "s2"]},
        {"scoring": "kendall"},
    ],
)
def test_ordering_refuses_malformed_definitions(overrides):
    with pytest.raises(ValidationError):
        questions.get("ordering").validate_body(body("ordering", **overrides))
