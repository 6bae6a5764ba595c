"""Bad input never crashes marking: any JSON as a definition or a response either is
accepted and scores within bounds, or is refused with a ValidationError."""

import copy

import pytest
from django.core.exceptions import ValidationError

from assessment import questions

from .factories import BODIES

ODD_VALUES = [
    None,
    True,
    0,
    -1,
    2.5,
    1e308,
    "",
    "x",
    "Điện áp",
    "1e999999999",
    "-1e-999999999 kV",
    "NaN",
    "inf",
    "0e999999999 kV",
    "{{g1}}",
    [],
    [None],
    ["a"],
    [[]],
    [{}],
    {},
    {"a": None},
    {"id": "a"},
    {"x": {"y": []}},
]


def _safe_mark(question, body, response):
    try:
        result = question.mark(body, response)
    except ValidationError:
        return
    assert 0 <= result.score <= result.max_score


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("response", ODD_VALUES, ids=repr)
def test_any_response_is_marked_or_refused_cleanly(name, response):
    _safe_mark(questions.get(name), BODIES[name], response)


def _definition_variants(name):
    """The default definition with each top-level key, and each key of its first list
    entry, replaced in turn by each odd value."""
    base = BODIES[name]
    for key, value in base.items():
        for odd in ODD_VALUES:
            yield key, odd, {**copy.deepcopy(base), key: odd}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inner in value[0]:
                for odd in ODD_VALUES:
                    changed = copy.deepcopy(base)
                    changed[key][0][inner] = odd
                    yield f"{key}[0].{inner}", odd, changed


@pytest.mark.parametrize("name", sorted(BODIES))
def test_any_definition_is_accepted_or_refused_cleanly(name):
    question = questions.get(name)
    for _where, _odd, definition in _definition_variants(name):
        try:
            question.validate_body(definition)
        except ValidationError:
            continue
        # An accepted definition must mark every kind of response without crashing.
        assert question.max_score(definition) > 0
        for response in ODD_VALUES:
            _safe_mark(question, definition, response)
