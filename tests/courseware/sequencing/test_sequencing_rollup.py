"""Rollup: measure, objective (measure, rules, defaults), progress, considerations, runtime data."""

import pytest

from courseware.sequencing import ROOT_ID, ActivityState, Tree, rollup

from .builders import FLOW, Learner, build, item


def rollup_rule(action, condition, child_set="all", operator="noOp", **extra):
    return {
        "childActivitySet": child_set,
        "conditionCombination": "any",
        "conditions": [{"condition": condition, "operator": operator}],
        "action": action,
        **extra,
    }


def play(learner, identifier, **report):
    learner.go("choice", identifier)
    learner.report(**report)


def test_default_rollup_completes_and_satisfies_the_course_when_every_child_does():
    learner = Learner(build(item("a"), item("b"), root=FLOW))
    play(learner, "a", completion="completed", success="passed")
    root = learner.state("")
    assert not root.attempt_progress_status  # b is unknown: neither default rule applies yet
    play(learner, "b", completion="completed", success="passed")
    root = learner.state("")
    assert root.attempt_completion_status and root.objective_satisfied_status
    assert learner.view().status == "passed"


def test_default_rollup_not_satisfied_when_all_known_and_one_failed():
    learner = Learner(build(item("a"), item("b"), root=FLOW))
    play(learner, "a", completion="completed", success="failed")
    play(learner, "b", completion="incomplete", success="passed")
    root = learner.state("")
    assert root.objective_progress_status and not root.objective_satisfied_status
    assert root.attempt_progress_status and not root.attempt_completion_status
    assert learner.view().status == "failed"


def test_measure_rollup_is_the_weighted_mean_of_tracked_children():
    weighted = {"rollupRules": {"objectiveMeasureWeight": 3}}  # out of range: default 1 used
    tree = build(
        item("a", seq={"rollupRules": {"objectiveMeasureWeight": 0.75}}),
        item("b", seq={"rollupRules": {"objectiveMeasureWeight": 0.25}}),
        item("c", seq={"deliveryControls": {"tracked": False}}),
        item("d", seq=weighted),
        root=FLOW,
    )
    assert any("objectiveMeasureWeight" in p for p in tree.problems)
    learner = Learner(tree)
    play(learner, "a", score=0.8)
    play(learner, "b", score=0.4)
    play(learner, "c", score=-1.0)  # untracked: ignored
    root = learner.state("")
    # d (weight 1) has no measure yet and still counts: (0.6 + 0.1) / 2
    assert root.objective_measure_status
    assert root.objective_normalized_measure == pytest.approx(0.35)


def test_objective_rollup_using_measure():
    root = {
        "controlMode": {"flow": True},
        "objectives": [
            {
                "objectiveID": "course",
                "primary": True,
                "satisfiedByMeasure": True,
                "minNormalizedMeasure": 0.6,
            }
        ],
    }
    learner = Learner(build(item("a"), item("b"), root=root))
    play(learner, "a", score=0.9, success="failed")
    state = learner.state("")
    # b counts with its weight and no measure: 0.9 / 2 = 0.45 < 0.6
    assert state.objective_progress_status and not state.objective_satisfied_status
    assert state.objective_normalized_measure == pytest.approx(0.45)
    play(learner, "b", score=0.5, success="failed")
    state = learner.state("")
    assert (
        state.objective_satisfied_status
    )  # (0.9 + 0.5) / 2 = 0.7 >= 0.6; children's "failed" ignored


def test_leaf_satisfied_by_measure_overrides_success_status():
    seq = {
        "objectives": [
            {
                "objectiveID": "q",
                "primary": True,
                "satisfiedByMeasure": True,
                "minNormalizedMeasure": 0.7,
            }
        ]
    }
    learner = Learner(build(item("quiz", seq=seq), root=FLOW))
    play(learner, "quiz", success="passed", score=0.5)
    state = learner.state("quiz")
    assert state.objective_progress_status and not state.objective_satisfied_status


def test_rollup_rules_any_and_at_least_count():
    root = {
        "controlMode": {"flow": True},
        "rollupRules": {
            "rules": [
                rollup_rule("satisfied", "satisfied", "atLeastCount", minimumCount=2),
                rollup_rule("completed", "completed", "any"),
            ]
        },
    }
    learner = Learner(build(item("a"), item("b"), item("c"), root=root))
    play(learner, "a", completion="completed", success="passed")
    state = learner.state("")
    assert state.attempt_completion_status  # any child completed
    assert not state.objective_progress_status
    play(learner, "b", completion="incomplete", success="passed")
    assert learner.state("").objective_satisfied_status


def test_rollup_rule_at_least_percent_and_none():
    root = {
        "controlMode": {"flow": True},
        "rollupRules": {
            "rules": [
                rollup_rule("satisfied", "satisfied", "atLeastPercent", minimumPercent=0.5),
                rollup_rule("notSatisfied", "attempted", "none"),
            ]
        },
    }
    learner = Learner(build(item("a"), item("b"), item("c"), item("d"), root=root))
    rollup(learner.tree, states := learner.states, ROOT_ID, learner.g)
    root_state = states[ROOT_ID]
    assert root_state.objective_progress_status and not root_state.objective_satisfied_status
    play(learner, "a", success="passed")
    assert not learner.state("").objective_satisfied_status  # 1 of 4
    play(learner, "b", success="passed")
    assert learner.state("").objective_satisfied_status  # 2 of 4 = 50 %


def test_rollup_objective_satisfied_false_leaves_a_child_out():
    root = {"controlMode": {"flow": True}}
    quiet = {"rollupRules": {"rollupObjectiveSatisfied": False, "rollupProgressCompletion": False}}
    learner = Learner(build(item("a"), item("survey", seq=quiet), root=root))
    play(learner, "a", completion="completed", success="passed")
    state = learner.state("")
    assert state.objective_satisfied_status and state.attempt_completion_status


def test_required_for_if_attempted_ignores_unattempted_children():
    optional = {
        "rollupConsiderations": {
            "requiredForSatisfied": "ifAttempted",
            "requiredForCompleted": "ifAttempted",
        }
    }
    learner = Learner(build(item("a"), item("extra", seq=optional), root=FLOW))
    play(learner, "a", completion="completed", success="passed")
    assert learner.state("").objective_satisfied_status
    assert learner.state("").attempt_completion_status
    play(learner, "extra", completion="incomplete", success="failed")
    assert not learner.state("").attempt_completion_status


def test_required_for_if_not_skipped():
    skip = {
        "rollupConsiderations": {"requiredForCompleted": "ifNotSkipped"},
        "sequencingRules": {
            "preConditionRules": [{"conditions": [{"condition": "always"}], "action": "skip"}]
        },
    }
    learner = Learner(build(item("a"), item("skipped", seq=skip), root=FLOW))
    play(learner, "a", completion="completed")
    assert learner.state("").attempt_completion_status


def test_completion_threshold_decides_completion_from_progress_measure():
    tree = build(item("video", completion_threshold=0.8), root=FLOW)
    learner = Learner(tree)
    learner.go("start")
    learner.report(completion="completed", progress=0.5)
    assert not learner.state("video").attempt_completion_status
    learner.report(completion="incomplete", progress=0.85)
    assert learner.state("video").attempt_completion_status
    assert learner.state("video").attempt_completion_amount == 0.85


def test_runtime_objectives_and_global_maps_reach_other_activities():
    writer = {
        "objectives": [
            {"objectiveID": "p", "primary": True},
            {
                "objectiveID": "obj_safety",
                "mapInfo": [
                    {
                        "targetObjectiveID": "g.safety",
                        "writeSatisfiedStatus": True,
                        "writeNormalizedMeasure": True,
                    }
                ],
            },
        ]
    }
    reader = {
        "objectives": [
            {"objectiveID": "p", "primary": True, "mapInfo": [{"targetObjectiveID": "g.safety"}]},
        ]
    }
    learner = Learner(build(item("lesson", seq=writer), item("review", seq=reader), root=FLOW))
    learner.go("start")
    learner.report(
        completion="completed",
        objectives=[
            {"id": "obj_safety", "success_status": "passed", "score": {"scaled": "0.75"}},
            {"id": "undeclared", "success_status": "failed"},
            {"no id": True},
            "garbage",
        ],
    )
    assert learner.g["g.safety"] == {"satisfied": True, "measure": 0.75}
    line = learner.line("review")
    assert line.status == "passed" and line.score_scaled == 0.75  # read through the map
    assert learner.state("lesson").objectives["undeclared"]["satisfied"] is False


def test_read_map_off_keeps_the_local_value():
    reader = {
        "objectives": [
            {
                "objectiveID": "p",
                "primary": True,
                "mapInfo": [
                    {
                        "targetObjectiveID": "g",
                        "readSatisfiedStatus": False,
                        "readNormalizedMeasure": False,
                    }
                ],
            }
        ]
    }
    learner = Learner(build(item("x", seq=reader), root=FLOW))
    learner.g["g"] = {"satisfied": True, "measure": 1.0}
    assert learner.line("x").status == "not attempted"


def test_global_objectives_survive_a_new_attempt():
    writer = {
        "objectives": [
            {
                "objectiveID": "p",
                "primary": True,
                "mapInfo": [{"targetObjectiveID": "g", "writeSatisfiedStatus": True}],
            }
        ]
    }
    learner = Learner(build(item("x", seq=writer), root=FLOW))
    learner.go("start")
    learner.report(completion="completed", success="passed")
    learner.nav("exitAll")
    learner.go("start")
    assert not learner.state("x").objective_progress_status  # local reset on the new attempt
    assert learner.line("x").status == "passed"  # the global still says so


def test_end_attempt_defaults_complete_and_satisfy_an_untracked_content_result():
    learner = Learner(build(item("page"), item("next"), root=FLOW))
    learner.go("start")
    learner.go("continue")  # page never reported anything
    state = learner.state("page")
    assert state.attempt_completion_status and state.objective_satisfied_status


def test_content_set_delivery_controls_keep_unknown_results_unknown():
    seq = {"deliveryControls": {"completionSetByContent": True, "objectiveSetByContent": True}}
    learner = Learner(build(item("sco", seq=seq), item("next"), root=FLOW))
    learner.go("start")
    learner.go("continue")
    assert learner.line("sco").status == "incomplete"


def test_a_new_cluster_attempt_forgets_the_children_of_the_earlier_attempt():
    learner = Learner(build(item("m", item("a"), item("b"), seq=FLOW), item("c"), root=FLOW))
    learner.go("start")
    learner.report(completion="completed")
    learner.go("continue")
    learner.report(completion="completed")
    learner.go("continue")  # c: m's attempt ended completed
    assert learner.state("m").attempt_completion_status
    learner.go("choice", "a")  # a new attempt of m
    assert learner.state("m").attempt_count == 2
    assert not learner.state("b").attempt_progress_status
    assert learner.line("b").status == "incomplete"  # attempted before, not in this attempt


def test_rollup_ignores_an_unknown_activity():
    tree = Tree([], "scorm2004")
    states = {}
    rollup(tree, states, 12345, {})
    assert states == {}


def test_state_round_trips_through_json():
    state = ActivityState(attempt_count=2, objectives={"o": {"satisfied": True, "measure": 0.5}})
    assert ActivityState.from_dict(state.to_dict()) == state
    assert ActivityState.from_dict({"attempt_count": 3, "unknown_field": 1}).attempt_count == 3
    assert ActivityState.from_dict({"objectives": "junk"}).objectives == {}


def test_a_global_objective_write_rolls_up_the_clusters_that_read_it():
    writer = {
        "objectives": [
            {
                "objectiveID": "p",
                "primary": True,
                "mapInfo": [{"targetObjectiveID": "g", "writeSatisfiedStatus": True}],
            }
        ]
    }
    reader = {
        "objectives": [
            {"objectiveID": "p", "primary": True, "mapInfo": [{"targetObjectiveID": "g"}]}
        ]
    }
    learner = Learner(
        build(item("pretest", seq=writer), item("m", item("x", seq=reader), seq=FLOW), root=FLOW)
    )
    learner.go("start")
    learner.report(completion="completed", success="passed")
    # m is on no path from the pretest to the root, yet its only child now reads "satisfied".
    assert learner.state("m").objective_satisfied_status
    assert learner.state("").objective_satisfied_status


def test_completion_measure_rollup_weights_progress_and_completes_by_measure():
    from courseware.sequencing import SeqActivity

    activities = [
        SeqActivity(
            1,
            "m",
            "M",
            None,
            0,
            False,
            True,
            FLOW,
            completion_threshold=0.6,
            completed_by_measure=True,
        ),
        SeqActivity(2, "video", "V", 1, 1, True, True, {}, progress_weight=0.75),
        SeqActivity(3, "reading", "R", 1, 2, True, True, {}, progress_weight=0.25),
    ]
    learner = Learner(Tree(activities, "scorm2004", root_sequencing=FLOW))
    learner.go("start")
    learner.report(completion="incomplete", progress=0.5)
    state = learner.state("m")
    assert state.attempt_completion_amount == pytest.approx(0.375)  # 0.5 x 0.75 / 1.0
    assert state.attempt_progress_status and not state.attempt_completion_status
    learner.go("continue")
    learner.report(completion="completed", progress=1.0)
    state = learner.state("m")
    assert state.attempt_completion_amount == pytest.approx(0.625)
    assert state.attempt_completion_status  # 0.625 >= 0.6, though the video is incomplete
