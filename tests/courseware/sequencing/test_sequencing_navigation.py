"""Navigation requests: control modes, precondition/exit/post rules, limits, suspend and resume."""

import pytest

from courseware.sequencing import ROOT_ID

from .builders import FLOW, FLOW_ONLY, Learner, build, item, pre


def linear(root=FLOW, **kw):
    return build(
        item("m1", item("a"), item("b"), seq=FLOW), item("m2", item("c"), seq=FLOW), root=root, **kw
    )


def test_start_flows_into_the_first_leaf_through_clusters():
    learner = Learner(linear())
    assert learner.go("start") == "a"
    assert learner.state("m1").is_active and learner.state("").is_active
    assert learner.state("a").attempt_count == 1


def test_continue_and_previous_cross_cluster_boundaries():
    learner = Learner(linear())
    learner.go("start")
    assert learner.go("continue") == "b"
    assert learner.go("continue") == "c"
    assert not learner.state("m1").is_active  # the cluster's attempt ended on leaving it
    assert learner.go("previous") == "b"
    assert learner.state("b").attempt_count == 2


def test_continue_past_the_last_activity_ends_the_session():
    learner = Learner(linear())
    learner.go("start")
    for _ in range(2):
        learner.go("continue")
    result = learner.nav("continue")
    assert result.ended and result.deliver_id is None and not result.error
    assert learner.current is None
    assert learner.state("").attempt_progress_status  # the course attempt ended and rolled up


def test_previous_at_the_first_activity_is_refused_and_changes_nothing():
    learner = Learner(linear())
    learner.go("start")
    before = dict(learner.stored)
    result = learner.nav("previous")
    assert result.error == "SB.2.1-3"
    assert learner.stored == before and learner.at == "a"
    assert learner.state("a").is_active  # the SCO was not ended by the refused request


def test_requests_before_start_and_after_are_refused():
    learner = Learner(linear())
    assert learner.nav("continue").error == "NB.2.1-2"
    assert learner.nav("exit").error == "NB.2.1-2"
    learner.go("start")
    assert learner.nav("start").error == "NB.2.1-1"
    assert learner.nav("resumeAll").error == "NB.2.1-1"
    assert learner.nav("fly").error == "NB.2.1-13"


def test_flow_disabled_in_a_cluster_refuses_continue_and_previous():
    tree = build(item("m", item("a"), item("b")), root=FLOW)  # m: flow defaults to false
    learner = Learner(tree)
    learner.go("choice", "a")
    assert learner.nav("continue").error == "NB.2.1-4"
    assert learner.nav("previous").error == "NB.2.1-5"
    assert not learner.view().can_continue


def test_start_without_root_flow_delivers_the_first_choosable_activity():
    tree = build(item("a"), item("b"))  # an organization without sequencing: flow false
    learner = Learner(tree)
    assert learner.go("start") == "a"


def test_forward_only_refuses_previous_and_backward_choice():
    root = {"controlMode": {"flow": True, "forwardOnly": True}}
    learner = Learner(build(item("a"), item("b"), item("c"), root=root))
    learner.go("start")
    learner.go("continue")
    assert learner.nav("previous").error == "NB.2.1-5"
    assert learner.nav("choice", "a").error == "SB.2.9-5"
    assert learner.go("choice", "c") == "c"
    view = learner.view()
    assert not view.can_previous
    assert learner.line("a").disabled and not learner.line("c").disabled


def test_choice_disabled_by_the_parent_control_mode():
    learner = Learner(build(item("a"), item("b"), root=FLOW_ONLY))
    learner.go("start")
    assert learner.nav("choice", "b").error == "NB.2.1-10"
    assert learner.line("b").disabled
    assert not learner.view().choice_allowed


def test_choice_of_an_unknown_activity_is_refused():
    learner = Learner(linear())
    result = learner.nav("choice", None)
    assert result.error == "NB.2.1-11"
    from courseware.sequencing import navigation_request

    assert navigation_request(learner.tree, {}, None, "choice", 999, {}).error == "NB.2.1-11"


def test_choice_into_a_cluster_flows_to_its_first_leaf():
    learner = Learner(linear())
    assert learner.go("choice", "m2") == "c"


def test_choice_of_a_hidden_activity_is_refused_and_it_is_hidden_in_the_toc():
    hidden = {"sequencingRules": {"preConditionRules": [pre("hiddenFromChoice", "always")]}}
    learner = Learner(build(item("a"), item("b", seq=hidden), root=FLOW))
    learner.go("start")
    assert learner.nav("choice", "b").error == "SB.2.9-3"
    line = learner.line("b")
    assert line.hidden and line.disabled
    assert learner.go("continue") == "b"  # hidden from choice only, not from flow


def test_disabled_rule_blocks_choice_and_flow_until_its_condition_changes():
    disabled = {
        "sequencingRules": {
            "preConditionRules": [pre("disabled", "satisfied", referencedObjective="")]
        }
    }
    # b is disabled once a is satisfied, through a's write map to a global objective.
    a_seq = {
        "objectives": [
            {
                "objectiveID": "pa",
                "primary": True,
                "mapInfo": [{"targetObjectiveID": "g.a", "writeSatisfiedStatus": True}],
            }
        ],
        # Otherwise leaving a would satisfy it by default (SN UP.4), and the view knows that.
        "deliveryControls": {"objectiveSetByContent": True},
    }
    b_seq = {
        "objectives": [
            {"objectiveID": "pb", "primary": True, "mapInfo": [{"targetObjectiveID": "g.a"}]}
        ],
        **disabled,
    }
    learner = Learner(build(item("a", seq=a_seq), item("b", seq=b_seq), item("c"), root=FLOW))
    learner.go("start")
    assert not learner.line("b").disabled
    learner.report("completed", "passed")
    assert learner.g["g.a"]["satisfied"] is True
    assert learner.line("b").disabled
    assert learner.nav("choice", "b").error in ("DB.1.1-3",)
    assert learner.nav("continue").error == "SB.2.2-2"


def test_skip_rule_pretest_satisfied_skips_the_module():
    """Golf-examples style: passing the pretest writes a global objective; the module's
    items read it and are skipped by flow."""
    target = "g.module"
    pretest = {
        "objectives": [
            {
                "objectiveID": "pre",
                "primary": True,
                "mapInfo": [{"targetObjectiveID": target, "writeSatisfiedStatus": True}],
            }
        ]
    }
    lesson = {
        "objectives": [
            {"objectiveID": "l", "primary": True, "mapInfo": [{"targetObjectiveID": target}]}
        ],
        "sequencingRules": {"preConditionRules": [pre("skip", "satisfied")]},
    }
    tree = build(
        item("pretest", seq=pretest),
        item("module", item("l1", seq=lesson), item("l2", seq=lesson), seq=FLOW),
        item("posttest"),
        root=FLOW,
    )
    passed = Learner(tree)
    passed.go("start")
    passed.report("completed", "passed", score=0.9)
    assert passed.go("continue") == "posttest"
    failed = Learner(tree)
    failed.go("start")
    failed.report("completed", "failed", score=0.2)
    assert failed.go("continue") == "l1"


def test_skip_with_not_and_any_combination():
    rule = pre("skip", "not attempted", "completed", combination="any")
    tree = build(
        item("a"),
        item("b", seq={"sequencingRules": {"preConditionRules": [rule]}}),
        item("c"),
        root=FLOW,
    )
    learner = Learner(tree)
    learner.go("start")
    assert learner.go("continue") == "c"  # b never attempted: skipped


def test_stop_forward_traversal_blocks_choosing_past_it():
    stop = {
        "sequencingRules": {"preConditionRules": [pre("stopForwardTraversal", "not completed")]},
        # Without this, ending a's attempt would mark it completed by default (SN UP.4).
        "deliveryControls": {"completionSetByContent": True},
    }
    learner = Learner(build(item("a", seq=stop), item("b"), item("c"), root=FLOW))
    learner.go("start")
    assert learner.nav("choice", "c").error == "SB.2.4-1"
    assert learner.line("c").disabled
    learner.report("completed")
    assert learner.go("choice", "c") == "c"


def test_attempt_limit_disables_after_the_limit():
    limited = {"limitConditions": {"attemptLimit": 1}}
    learner = Learner(build(item("a", seq=limited), item("b"), root=FLOW))
    learner.go("start")
    learner.go("continue")
    assert learner.nav("choice", "a").error == "DB.1.1-3"
    assert learner.nav("previous").error == "SB.2.2-2"
    assert learner.line("a").disabled


def test_attempt_limit_exceeded_condition():
    rule = pre("hiddenFromChoice", "attemptLimitExceeded")
    seq = {"limitConditions": {"attemptLimit": 1}, "sequencingRules": {"preConditionRules": [rule]}}
    learner = Learner(build(item("a", seq=seq), item("b"), root=FLOW))
    assert not learner.line("a").hidden  # never attempted
    learner.go("start")
    learner.go("continue")
    assert learner.line("a").hidden
    assert learner.nav("choice", "a").error == "SB.2.9-3"


def test_choice_exit_false_keeps_the_learner_inside_the_cluster():
    locked = {"controlMode": {"flow": True, "choiceExit": False}}
    learner = Learner(build(item("m", item("a"), item("b"), seq=locked), item("c"), root=FLOW))
    learner.go("start")
    assert learner.nav("choice", "c").error == "NB.2.1-8"
    assert learner.line("c").disabled
    assert learner.go("choice", "b") == "b"


def test_exit_condition_rule_on_the_cluster_ends_it():
    exit_rule = {
        "controlMode": {"flow": True},
        "sequencingRules": {"exitConditionRules": [pre("exit", "completed")]},
        "rollupRules": {
            "rules": [
                {
                    "childActivitySet": "any",
                    "conditions": [{"condition": "completed"}],
                    "action": "completed",
                }
            ]
        },
    }
    learner = Learner(build(item("m", item("a"), item("b"), seq=exit_rule), item("c"), root=FLOW))
    learner.go("start")
    learner.report("completed")
    # m completes as soon as any child completes, so its exit rule ends it and flow goes on
    # from m: b is never delivered.
    assert learner.go("continue") == "c"


@pytest.mark.parametrize(
    ("action", "expected"),
    [("retry", "a"), ("continue", "b"), ("previous", "a"), ("exitParent", "c")],
)
def test_post_condition_rules(action, expected):
    post = {"sequencingRules": {"postConditionRules": [pre(action, "always")]}}
    if action == "previous":
        tree = build(item("a"), item("b", seq=post), item("c"), root=FLOW)
        learner = Learner(tree)
        learner.go("start")
        learner.go("continue")
        assert learner.go("exit") == expected
        return
    if action == "exitParent":
        tree = build(item("m", item("a", seq=post), item("b"), seq=FLOW), item("c"), root=FLOW)
        learner = Learner(tree)
        learner.go("start")
        assert learner.go("continue") == expected  # exitParent: m ends, flow continues after m
        return
    learner = Learner(build(item("a", seq=post), item("b"), root=FLOW))
    learner.go("start")
    assert learner.go("exit") == expected
    if action == "retry":
        assert learner.state("a").attempt_count == 2


def test_post_condition_retry_resets_the_attempt_data():
    post = {"sequencingRules": {"postConditionRules": [pre("retry", "not satisfied")]}}
    learner = Learner(build(item("quiz", seq=post), item("next"), root=FLOW))
    learner.go("start")
    learner.report("completed", "failed", score=0.1)
    assert learner.go("continue") == "quiz"
    state = learner.state("quiz")
    assert state.attempt_count == 2 and not state.objective_progress_status
    learner.report("completed", "passed", score=0.9)
    assert learner.go("continue") == "next"


def test_post_condition_exit_all_ends_the_session():
    post = {"sequencingRules": {"postConditionRules": [pre("exitAll", "always")]}}
    learner = Learner(build(item("a", seq=post), item("b"), root=FLOW))
    learner.go("start")
    result = learner.nav("continue")
    assert result.ended and result.deliver_id is None


def test_exit_leaves_the_learner_on_an_ended_activity():
    learner = Learner(linear())
    learner.go("start")
    result = learner.nav("exit")
    assert result.deliver_id is None and not result.ended
    assert learner.at == "a" and not learner.state("a").is_active
    assert learner.nav("exit").error == "NB.2.1-12"
    assert learner.go("continue") == "b"


def test_exit_all_ends_the_session_and_start_begins_a_new_attempt():
    learner = Learner(linear())
    learner.go("start")
    assert learner.nav("exitAll").ended
    assert learner.current is None
    assert learner.go("start") == "a"
    assert learner.state("").attempt_count == 2


def test_suspend_all_and_resume_all_restore_the_same_attempt():
    learner = Learner(linear())
    learner.go("start")
    learner.go("continue")
    result = learner.nav("suspendAll")
    assert result.ended and learner.current is None
    assert learner.view().suspended_id == learner.id("b")
    assert learner.go("resumeAll") == "b"
    assert learner.state("b").attempt_count == 1  # resumed, not a new attempt
    assert not any(s.is_suspended for s in learner.states.values())
    assert learner.nav("suspendAll").ended
    assert learner.go("choice", "c") == "c"  # a choice after a suspension drops it
    assert learner.view().suspended_id is None


def test_resume_without_suspension_is_refused():
    learner = Learner(linear())
    assert learner.nav("resumeAll").error == "NB.2.1-3"


def test_abandon_does_not_roll_up_and_abandon_all_ends():
    learner = Learner(linear())
    learner.go("start")
    assert learner.go("abandon") is None
    assert not learner.state("a").attempt_progress_status  # abandoned: no default completion
    learner.go("choice", "b")
    assert learner.nav("abandonAll").ended


def test_jump_ignores_choice_controls():
    learner = Learner(build(item("a"), item("b"), root=FLOW_ONLY))
    learner.go("start")
    assert learner.nav("choice", "b").error
    assert learner.go("jump", "b") == "b"


def test_constrain_choice_allows_only_the_neighbours():
    root = {
        "controlMode": {"flow": True},
        "constrainedChoiceConsiderations": {"constrainChoice": True},
    }
    learner = Learner(build(item("a"), item("b"), item("c"), item("d"), root=root))
    learner.go("start")
    learner.go("continue")  # at b
    assert learner.nav("choice", "d").error == "SB.2.4-3"
    assert learner.line("d").disabled and not learner.line("c").disabled
    assert learner.go("choice", "a") == "a"


def test_prevent_activation_refuses_starting_a_cluster_by_choice():
    seq = {
        "controlMode": {"flow": True},
        "constrainedChoiceConsiderations": {"preventActivation": True},
    }
    learner = Learner(build(item("a"), item("m", item("x"), seq=seq), root=FLOW))
    learner.go("start")
    assert learner.nav("choice", "x").error == "SB.2.9-6"
    assert learner.go("continue") == "x"  # flow may enter it


def test_view_marks_current_status_and_buttons():
    learner = Learner(linear())
    view = learner.view()
    assert view.current_id is None and not view.can_continue and not view.can_previous
    assert [n.depth for n in view.toc] == [0, 1, 1, 0, 1]
    learner.go("start")
    learner.report("incomplete")
    view = learner.view()
    assert view.can_continue and not view.can_previous
    line = learner.line("a")
    assert line.is_current and line.status == "incomplete"
    assert learner.line("c").status == "not attempted"
    assert learner.view().toc[0].parent_id is None and learner.line("a").parent_id == learner.id(
        "m1"
    )


def test_view_leaves_the_states_untouched():
    learner = Learner(linear())
    learner.go("start")
    states = learner.states
    before = {k: v.to_dict() for k, v in states.items()}
    from courseware.sequencing import navigation_view

    navigation_view(learner.tree, states, learner.current, learner.g)
    assert {k: v.to_dict() for k, v in states.items()} == before


def test_root_id_is_reserved():
    from courseware.sequencing import SeqActivity, Tree

    with pytest.raises(ValueError):
        Tree([SeqActivity(ROOT_ID, "x", "X", None, 0, True, True, {})], "scorm2004")


def test_post_condition_retry_all_restarts_the_course():
    post = {"sequencingRules": {"postConditionRules": [pre("retryAll", "always")]}}
    learner = Learner(build(item("a"), item("b", seq=post), root=FLOW))
    learner.go("start")
    learner.go("continue")
    assert learner.go("exit") == "a"
    assert learner.state("a").attempt_count == 2 and learner.state("").attempt_count == 2


def test_suspend_after_exit_suspends_the_cluster_and_resume_flows_into_it():
    learner = Learner(linear())
    learner.go("start")
    learner.go("continue")  # b, in m1
    learner.nav("exit")
    assert learner.nav("suspendAll").ended
    assert learner.view().suspended_id == learner.id("m1")
    assert learner.go("resumeAll") == "a"


def test_course_results_survive_a_new_session():
    learner = Learner(build(item("a"), root=FLOW))
    learner.go("start")
    learner.report(completion="completed", success="passed")
    assert learner.nav("continue").ended
    assert learner.view().status == "passed"
    assert learner.go("choice", "a") == "a"  # reviewing after the session ended
    assert learner.view().status == "passed"
    assert learner.state("").attempt_count == 2


def test_the_view_judges_choices_as_after_leaving_the_current_activity():
    """Leaving a completes it by default, so a line gated on "a completed" is choosable."""
    gate = {
        "sequencingRules": {"preConditionRules": [pre("stopForwardTraversal", "not completed")]}
    }
    learner = Learner(build(item("a", seq=gate), item("b"), item("c"), root=FLOW))
    learner.go("start")
    assert not learner.line("c").disabled
    assert learner.line("a").status == "not attempted" or learner.line("a").status == "incomplete"
    assert learner.go("choice", "c") == "c"


def test_attempt_absolute_duration_limit_and_time_limit_exceeded():
    timed = {
        "limitConditions": {"attemptAbsoluteDurationLimit": "PT10M"},
        "deliveryControls": {"completionSetByContent": True},
    }
    stop_b = {
        "sequencingRules": {"preConditionRules": [pre("hiddenFromChoice", "timeLimitExceeded")]}
    }
    learner = Learner(build(item("a", seq=timed), item("b", seq={**timed, **stop_b}), root=FLOW))
    learner.go("start")
    learner.report(completion="incomplete")
    from courseware.sequencing import apply_runtime

    states = learner.states
    for seconds in (599, 601):
        apply_runtime(
            learner.tree,
            states,
            learner.current,
            completion_status="incomplete",
            success_status=None,
            score_scaled=None,
            progress_measure=None,
            objectives=[],
            global_objectives=learner.g,
            attempt_seconds=seconds,
        )
        assert states[learner.current].attempt_duration_seconds == seconds
    from courseware.sequencing import states_to_json

    learner.stored = states_to_json(states)
    assert learner.go("continue") == "b"
    assert learner.nav("choice", "a").error == "DB.1.1-3"  # a's ten minutes are used up
    assert learner.line("a").disabled
    assert not learner.line("b").hidden
