"""What a learner is shown never contains the answer, and shuffles reproducibly from a seed."""

import json
import random

import pytest

from assessment import questions

from .factories import BODIES
from .helpers import body

ANSWER_KEYS = {"correct", "accepted", "answers", "pairs"}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


@pytest.mark.parametrize("name", sorted(BODIES))
def test_learner_view_holds_no_answer_key(name):
    view = questions.get(name).learner_view(body(name), random.Random(1))
    assert not _keys(view) & ANSWER_KEYS


@pytest.mark.parametrize("name", sorted(BODIES))
def test_learner_view_leaves_the_definition_untouched(name):
    definition = body(name, shuffle=True) if name.endswith("_choice") else body(name)
    before = json.dumps(definition, sort_keys=True)
    questions.get(name).learner_view(definition, random.Random(1))
    assert json.dumps(definition, sort_keys=True) == before


def test_ordering_steps_are_always_shuffled_and_reproducible_from_the_seed():
    question = questions.get("ordering")
    definition = body("ordering")
    orders = {
        tuple(
            step["id"] for step in question.learner_view(definition, random.Random(seed))["steps"]
        )
        for seed in range(20)
    }
    assert len(orders) > 1
    first = question.learner_view(definition, random.Random(7))
    assert question.learner_view(definition, random.Random(7)) == first
    assert sorted(step["id"] for step in first["steps"]) == ["s1", "s2", "s3", "s4"]


@pytest.mark.parametrize(("shuffle", "varies"), [(False, False), (True, True)])
def test_choice_options_shuffle_only_when_asked(shuffle, varies):
    question = questions.get("multiple_choice")
    definition = body("multiple_choice", shuffle=shuffle)
    orders = {
        tuple(o["id"] for o in question.learner_view(definition, random.Random(seed))["options"])
        for seed in range(20)
    }
    assert (len(orders) > 1) is varies


def test_cloze_gaps_keep_their_kind_and_options_but_lose_their_answers():
    view = questions.get("cloze").learner_view(body("cloze"), random.Random(1))
    assert [gap["kind"] for gap in view["gaps"]] == ["numeric", "select", "text"]
    assert [o["id"] for o in view["gaps"][1]["options"]] == ["v", "a"]
    assert view["text"] == body("cloze")["text"]
