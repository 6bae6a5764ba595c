"""Single choice, multiple choice (three scoring schemes) and true/false."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment import questions

from .helpers import body, score


@pytest.mark.parametrize(("response", "expected"), [("a", 1), ("b", 0), ("c", 0)])
def test_single_choice_marks_the_one_right_option(response, expected):
    assert score("single_choice", response) == expected


@pytest.mark.parametrize("response", [["a"], 1, {"id": "a"}, "z", True])
def test_single_choice_refuses_malformed_responses(response):
    question = questions.get("single_choice")
    with pytest.raises(ValidationError):
        question.mark(body("single_choice"), response)


@pytest.mark.parametrize(
    "overrides",
    [
        {"correct": "z"},
        {"correct": ["a"]},
        {"options": [{"id": "a", "text": "Một"}]},
        {"options": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]},
        {"options": [{"id": "a", "text": "x"}, {"id": "b", "text": ""}]},
        {"options": [{"id": "a", "text": "x"}, {"text": "y"}]},
        {"options": "a,b"},
    ],
)
def test_single_choice_refuses_malformed_definitions(overrides):
    with pytest.raises(ValidationError):
        questions.get("single_choice").validate_body(body("single_choice", **overrides))


# Correct: a, b, d of a, b, c, d.
@pytest.mark.parametrize(
    ("scoring", "response", "expected"),
    [
        ("partial", ["a", "b", "d"], "1"),
        ("partial", ["d", "b", "a"], "1"),
        ("partial", ["a", "b"], "0.6667"),
        ("partial", ["a"], "0.3333"),
        ("partial", ["a", "b", "c"], "0.3333"),
        ("partial", ["a", "c"], "0"),
        ("partial", ["a", "b", "c", "d"], "0.6667"),
        ("partial", ["c"], "0"),
        ("partial", [], "0"),
        ("all_or_nothing", ["a", "b", "d"], "1"),
        ("all_or_nothing", ["a", "b"], "0"),
        ("all_or_nothing", ["a", "b", "c", "d"], "0"),
        ("per_option", ["a", "b", "d"], "1"),
        ("per_option", ["a", "b"], "0.75"),
        ("per_option", ["a", "b", "c", "d"], "0.75"),
        ("per_option", [], "0.25"),
        ("per_option", ["c"], "0"),
    ],
)
def test_multiple_choice_scoring_schemes(scoring, response, expected):
    assert score("multiple_choice", response, scoring=scoring) == Decimal(expected)


def test_multiple_choice_partial_credit_scales_with_points():
    assert score("multiple_choice", ["a", "b"], points=3) == Decimal(2)


@pytest.mark.parametrize("response", ["a", ["a", "a"], ["z"], [1], [["a"]], {"a": True}])
def test_multiple_choice_refuses_malformed_responses(response):
    with pytest.raises(ValidationError):
        questions.get("multiple_choice").mark(body("multiple_choice"), response)


@pytest.mark.parametrize(
    "overrides",
    [
        {"correct": []},
        {"correct": "a"},
        {"correct": ["a", "a"]},
        {"correct": ["z"]},
        {"scoring": "negative"},
    ],
)
def test_multiple_choice_refuses_malformed_definitions(overrides):
    with pytest.raises(ValidationError):
        questions.get("multiple_choice").validate_body(body("multiple_choice", **overrides))


@pytest.mark.parametrize(
    ("correct", "response", "expected"),
    [(True, True, 1), (True, False, 0), (False, False, 1), (False, True, 0)],
)
def test_true_false(correct, response, expected):
    assert score("true_false", response, correct=correct) == expected


@pytest.mark.parametrize("response", ["true", 1, 0, "đúng", []])
def test_true_false_takes_only_booleans(response):
    with pytest.raises(ValidationError):
        questions.get("true_false").mark(body("true_false"), response)


@pytest.mark.parametrize("correct", ["true", 1, None])
def test_true_false_definition_needs_a_boolean(correct):
    with pytest.raises(ValidationError):
        questions.get("true_false").validate_body(body("true_false", correct=correct))
