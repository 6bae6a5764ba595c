"""Hostile input: malformed requests, ids, stored states and prerequisite expressions."""

import pytest

from courseware.sequencing import (
    ActivityState,
    navigation_request,
    navigation_view,
    states_from_json,
)
from courseware.sequencing.prerequisites import PrerequisiteError, compile_prerequisites

from .builders import FLOW, Learner, build, item


@pytest.mark.parametrize("request_", [None, 5, ["start"], {"start": 1}, "START", ""])
def test_a_request_that_is_not_a_known_word_is_refused(request_):
    learner = Learner(build(item("a"), root=FLOW))
    states = learner.states
    result = navigation_request(learner.tree, states, None, request_, None, learner.g)
    assert result.error == "NB.2.1-13" and states == {}


@pytest.mark.parametrize("target", ["1", 1.0, True, [1], {"id": 1}, -5, 10**30])
def test_a_target_that_is_not_an_activity_id_is_refused(target):
    learner = Learner(build(item("a"), item("b"), root=FLOW))
    learner.go("start")
    states = learner.states
    result = navigation_request(learner.tree, states, learner.current, "choice", target, learner.g)
    assert result.error == "NB.2.1-11"
    assert states == learner.states  # untouched


@pytest.mark.parametrize("current", ["1", [1], 999, -1])
def test_a_stale_or_strange_current_id_counts_as_no_session(current):
    learner = Learner(build(item("a"), root=FLOW))
    view = navigation_view(learner.tree, {}, current, {})
    assert view.current_id is None
    assert navigation_request(learner.tree, {}, current, "start", None, {}).deliver_id == 1


def test_tampered_stored_states_load_as_defaults_field_by_field():
    stored = {
        "1": {
            "attempt_count": "many",
            "is_active": "yes",
            "objective_normalized_measure": "0.5",
            "objectives": ["x"],
            "available_children": [1, "2"],
            "attempt_completion_amount": True,
            "attempt_progress_status": True,
        },
        "2": {"attempt_count": -4, "objectives": {"o": {"satisfied": True}, "p": 3}},
    }
    states = states_from_json(stored)
    one = states[1]
    assert one.attempt_count == 0 and one.is_active is False
    assert one.objective_normalized_measure == 0.0 and one.objectives == {}
    assert one.available_children is None and one.attempt_completion_amount is None
    assert one.attempt_progress_status is True  # the valid field is kept
    assert states[2].attempt_count == 0 and states[2].objectives == {"o": {"satisfied": True}}
    assert ActivityState.from_dict("junk") == ActivityState()


def test_tampered_states_still_navigate():
    learner = Learner(build(item("a"), item("b"), root=FLOW))
    learner.stored = {"1": {"attempt_count": "x", "is_active": 1}, "0": None}
    assert learner.go("start") == "a"


def test_available_children_naming_strangers_are_ignored():
    learner = Learner(build(item("m", item("a"), item("b"), seq=FLOW), root=FLOW))
    learner.stored = {"1": {"available_children": [999, 3]}}
    assert learner.go("start") == "b"  # only b of the stored draw exists under m


@pytest.mark.parametrize("value", ["inf", "nan", 1e400, "-inf"])
def test_non_finite_numbers_fall_back_to_defaults(value):
    tree = build(item("a", seq={"limitConditions": {"attemptLimit": value}}), root=FLOW)
    assert tree.settings[1].attempt_limit == 0 and tree.problems


def test_deeply_nested_prerequisites_are_refused_not_a_recursion_error():
    with pytest.raises(PrerequisiteError):
        compile_prerequisites("(" * 1000 + "a" + ")" * 1000)
    with pytest.raises(PrerequisiteError):
        compile_prerequisites("~" * 1900 + "a")
    tree = build(
        item("a"), item("b", prerequisites="(" * 900 + "a" + ")" * 900), standard="scorm12"
    )
    assert any("nested" in p for p in tree.problems)
    assert not Learner(tree).line("b").disabled


def test_a_long_flat_prerequisite_expression_evaluates():
    names = [f"i{n}" for n in range(300)]
    check, found = compile_prerequisites(" & ".join(names))
    assert found == set(names)
    assert check(lambda name: "passed") is True
    assert check(lambda name: "passed" if name != "i299" else "failed") is False


def test_global_objectives_of_the_wrong_shape_are_ignored():
    reader = {
        "objectives": [
            {"objectiveID": "p", "primary": True, "mapInfo": [{"targetObjectiveID": "g"}]}
        ]
    }
    learner = Learner(build(item("a", seq=reader), root=FLOW))
    learner.g = {"g": "satisfied", "h": None}
    assert learner.go("start") == "a"
    assert learner.line("a").status == "incomplete"


def test_runtime_data_for_a_cluster_or_an_unknown_activity_is_ignored():
    from courseware.sequencing import ROOT_ID, apply_runtime

    learner = Learner(build(item("m", item("a"), seq=FLOW), root=FLOW))
    states = {}
    for target in (ROOT_ID, 1, 999):
        apply_runtime(
            learner.tree,
            states,
            target,
            completion_status="completed",
            success_status="passed",
            score_scaled=1.0,
            progress_measure=None,
            objectives=[],
            global_objectives={},
        )
    assert states == {}
