"""Small helpers for question-type tests."""

from __future__ import annotations

import copy
from decimal import Decimal

from assessment import questions

from .factories import BODIES


def body(question_type: str, **overrides) -> dict:
    """A fresh copy of the type's default definition with some keys replaced."""
    definition = copy.deepcopy(BODIES[question_type])
    definition.update(overrides)
    return definition


def score(question_type: str, response, **overrides) -> Decimal:
    """The score a response earns against the (possibly changed) default definition."""
    question = questions.get(question_type)
    definition = body(question_type, **overrides)
    question.validate_body(definition)
    return question.mark(definition, response).score
