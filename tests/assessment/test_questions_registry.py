"""The registry knows every type of the issue, and each accepts its own default definition."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment import questions

from .factories import BODIES

MANUAL = {"essay", "file_upload", "practical_checklist"}


def test_registry_has_every_type_the_issue_asks_for():
    assert set(questions.REGISTRY) == set(BODIES)


@pytest.mark.parametrize("name", sorted(BODIES))
def test_default_definition_is_valid(name):
    questions.get(name).validate_body(BODIES[name])


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("definition", [None, [], "text", 3])
def test_a_definition_that_is_not_an_object_is_refused(name, definition):
    with pytest.raises(ValidationError):
        questions.get(name).validate_body(definition)


@pytest.mark.parametrize("name", sorted(BODIES))
def test_unanswered_scores_zero_without_manual_marking(name):
    result = questions.get(name).mark(BODIES[name], None)
    assert result.score == 0
    assert result.max_score > 0
    assert not result.needs_manual


@pytest.mark.parametrize("name", sorted(BODIES))
def test_manual_types_say_so(name):
    assert questions.get(name).manual == (name in MANUAL)


@pytest.mark.parametrize("name", ["", "hotspot", None, ["single_choice"]])
def test_unknown_type_is_a_validation_error(name):
    with pytest.raises(ValidationError):
        questions.get(name)


@pytest.mark.parametrize("points", [0, -1, "2", True, float("nan"), float("inf")])
def test_points_must_be_a_positive_number(points):
    definition = dict(BODIES["single_choice"], points=points)
    with pytest.raises(ValidationError):
        questions.get("single_choice").validate_body(definition)


def test_points_scale_the_score():
    definition = dict(BODIES["single_choice"], points=2.5)
    result = questions.get("single_choice").mark(definition, "a")
    assert (result.score, result.max_score, result.fraction) == (
        Decimal("2.5"),
        Decimal("2.5"),
        Decimal(1),
    )
