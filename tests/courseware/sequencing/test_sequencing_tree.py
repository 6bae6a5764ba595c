"""The tree and its sequencing definitions: defaults, malformed JSON, odd shapes, randomization."""

import pytest

from courseware.sequencing import (
    ROOT_ID,
    SeqActivity,
    Tree,
    navigation_view,
    states_from_json,
    states_to_json,
)

from .builders import FLOW, Learner, build, item, pre


def test_defaults_fill_what_the_manifest_leaves_out():
    tree = build(item("a"))
    settings = tree.settings[ROOT_ID]
    assert (settings.choice, settings.choice_exit, settings.flow, settings.forward_only) == (
        True,
        True,
        False,
        False,
    )
    assert settings.tracked and settings.rollup_objective_satisfied and settings.attempt_limit == 0
    assert tree.problems == []


@pytest.mark.parametrize(
    "sequencing",
    [
        "not a dict",
        {"controlMode": "flow"},
        {"controlMode": {"flow": "sometimes"}},
        {"sequencingRules": {"preConditionRules": "skip"}},
        {
            "sequencingRules": {
                "preConditionRules": [
                    {"action": "explode", "conditions": [{"condition": "always"}]}
                ]
            }
        },
        {
            "sequencingRules": {
                "preConditionRules": [{"action": "skip", "conditions": [{"condition": "raining"}]}]
            }
        },
        {"sequencingRules": {"preConditionRules": [{"action": "skip", "conditions": []}]}},
        {
            "sequencingRules": {
                "preConditionRules": [
                    {
                        "action": "skip",
                        "conditionCombination": "most",
                        "conditions": [{"condition": "always"}],
                    }
                ]
            }
        },
        {
            "sequencingRules": {
                "preConditionRules": [
                    {"action": "skip", "conditions": [{"condition": "always", "operator": "maybe"}]}
                ]
            }
        },
        {"sequencingRules": {"preConditionRules": ["skip"]}},
        {"limitConditions": {"attemptLimit": "many"}},
        {"limitConditions": {"attemptLimit": -2}},
        {"limitConditions": {"attemptAbsoluteDurationLimit": "soon"}},
        {"limitConditions": {"attemptAbsoluteDurationLimit": 30}},
        {
            "rollupRules": {
                "rules": [
                    {
                        "action": "satisfied",
                        "childActivitySet": "some",
                        "conditions": [{"condition": "satisfied"}],
                    }
                ]
            }
        },
        {"objectives": [{"primary": False}]},
        {"objectives": [{"objectiveID": "o", "primary": True, "minNormalizedMeasure": 7}]},
        {"objectives": [{"objectiveID": "o", "mapInfo": [{"readSatisfiedStatus": True}]}]},
        {"randomizationControls": {"selectionTiming": "sometimes", "selectCount": "x"}},
        {"rollupConsiderations": {"requiredForSatisfied": "whenever"}},
        {
            "sequencingRules": {
                "preConditionRules": [
                    {
                        "action": "skip",
                        "conditions": [
                            {"condition": "objectiveMeasureGreaterThan", "measureThreshold": "high"}
                        ],
                    }
                ]
            }
        },
    ],
)
def test_malformed_sequencing_is_reported_and_falls_back_to_the_defaults(sequencing):
    tree = build(item("a", seq=sequencing), item("b"), root=FLOW)
    assert tree.problems, sequencing
    assert all(p.startswith("a: ") for p in tree.problems)
    learner = Learner(tree)
    assert learner.go("start") == "a"  # nothing malformed skips, hides or disables
    assert learner.go("continue") == "b"
    assert not learner.line("a").hidden


def test_a_malformed_rule_is_dropped_but_valid_ones_stay():
    rules = [
        {"action": "skip", "conditions": [{"condition": "raining"}]},
        pre("skip", "always"),
    ]
    tree = build(
        item("a"),
        item("b", seq={"sequencingRules": {"preConditionRules": rules}}),
        item("c"),
        root=FLOW,
    )
    assert len(tree.settings[2].pre_rules) == 1
    learner = Learner(tree)
    learner.go("start")
    assert learner.go("continue") == "c"


def test_measure_conditions_compare_with_the_threshold():
    rule = pre("skip", "objectiveMeasureGreaterThan", measureThreshold=0.5)
    lower = pre("skip", "objectiveMeasureLessThan", measureThreshold=-0.5)
    shared = {
        "objectives": [
            {"objectiveID": "p", "primary": True, "mapInfo": [{"targetObjectiveID": "g"}]}
        ]
    }
    tree = build(
        item(
            "a",
            seq={
                "objectives": [
                    {
                        "objectiveID": "p",
                        "primary": True,
                        "mapInfo": [{"targetObjectiveID": "g", "writeNormalizedMeasure": True}],
                    }
                ]
            },
        ),
        item("b", seq={**shared, "sequencingRules": {"preConditionRules": [rule]}}),
        item("c", seq={**shared, "sequencingRules": {"preConditionRules": [lower]}}),
        item("d"),
        root=FLOW,
    )
    learner = Learner(tree)
    learner.go("start")
    learner.report(score=0.6)
    assert learner.go("continue") == "c"  # b skipped: 0.6 > 0.5; c not: 0.6 is not < -0.5


def test_known_conditions_and_combination_all():
    rule = pre("skip", "objectiveStatusKnown", "objectiveMeasureKnown", "activityProgressKnown")
    tree = build(
        item("a"),
        item("b", seq={"sequencingRules": {"preConditionRules": [rule]}}),
        item("c"),
        root=FLOW,
    )
    learner = Learner(tree)
    learner.go("start")
    assert learner.go("continue") == "b"  # b knows nothing yet
    learner.report(completion="completed", success="passed", score=0.5)
    learner.go("previous")
    assert learner.go("continue") == "c"  # now all three are known for b: skipped


def test_orphans_hang_from_the_root_and_cycles_are_left_out():
    activities = [
        SeqActivity(1, "a", "A", None, 0, True, True, {}),
        SeqActivity(2, "orphan", "O", 99, 1, True, True, {}),
        SeqActivity(3, "x", "X", 4, 2, True, True, {}),
        SeqActivity(4, "y", "Y", 3, 3, True, True, {}),
    ]
    tree = Tree(activities, "scorm2004", root_sequencing=FLOW)
    assert tree.children[ROOT_ID] == [1, 2]
    assert 3 not in tree.nodes and 4 not in tree.nodes
    assert len(tree.problems) == 3
    view = navigation_view(tree, {}, None, {})
    assert [n.identifier for n in view.toc] == ["a", "orphan"]


def test_unknown_standard_and_duplicate_ids_are_refused():
    with pytest.raises(ValueError):
        Tree([], "aicc")
    twice = [SeqActivity(1, "a", "A", None, 0, True, True, {})] * 2
    with pytest.raises(ValueError):
        Tree(twice, "scorm2004")


def test_empty_course_start_is_refused():
    learner = Learner(Tree([], "scorm2004", root_sequencing=FLOW))
    assert learner.nav("start").error == "SB.2.2-2"


def test_states_json_drops_bad_keys():
    assert states_from_json({"x": {}, "3": {"attempt_count": 2}, "4": "junk"}).keys() == {3, 4}
    assert states_to_json(states_from_json({"3": {"attempt_count": 2}}))["3"]["attempt_count"] == 2
    assert states_from_json(None) == {}


def random_course(seed, timing="once"):
    seq = {
        "controlMode": {"flow": True},
        "randomizationControls": {
            "selectCount": 3,
            "selectionTiming": timing,
            "reorderChildren": True,
            "randomizationTiming": timing,
        },
    }
    bank = [item(f"q{i}") for i in range(10)]
    return build(item("bank", *bank, seq=seq), root=FLOW, seed=seed)


def delivered(learner):
    seen = [learner.go("start")]
    while True:
        result = learner.nav("continue")
        if result.deliver_id is None:
            return seen
        seen.append(learner.at)


def test_selection_and_randomization_are_reproducible_per_seed():
    first = delivered(Learner(random_course("attempt-1")))
    again = delivered(Learner(random_course("attempt-1")))
    assert first == again and len(first) == 3
    others = {tuple(delivered(Learner(random_course(f"attempt-{n}")))) for n in range(2, 12)}
    assert len(others) > 1  # another seed, another draw (10 seeds cannot all draw the same)


def test_selection_once_keeps_the_draw_for_the_next_attempt_and_choice_outside_is_refused():
    learner = Learner(random_course("s"))
    first = delivered(learner)
    learner.go("start")
    assert delivered_from_start_again(learner) == first
    outside = next(f"q{i}" for i in range(10) if f"q{i}" not in first)
    assert learner.nav("choice", outside).error == "SB.2.9-2"


def delivered_from_start_again(learner):
    seen = [learner.at]
    while learner.nav("continue").deliver_id is not None:
        seen.append(learner.at)
    return seen


def test_selection_on_each_new_attempt_draws_again():
    learner = Learner(random_course("t", timing="onEachNewAttempt"))
    draws = set()
    for _ in range(6):
        draws.add(tuple(delivered(learner)))
    assert len(draws) > 1
