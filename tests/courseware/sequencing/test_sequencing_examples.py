"""Whole courses in the style of the SCORM 2004 "Golf Examples" sequencing packages."""

from .builders import Learner, build, item, pre

CONTENT_DONE = "com.example.golf.content_completed"


def random_test_course(seed="learner-1"):
    """Four content SCOs, then a post test drawn at random from a bank of four on each attempt;
    the post test is disabled until all the content is completed; two attempts to pass it;
    after a failure the learner goes straight into another test; passing or using the
    attempts up ends the course. Only the post test counts for the course's status."""
    by_content = {
        "deliveryControls": {"completionSetByContent": True, "objectiveSetByContent": True}
    }
    wrapper = {
        "controlMode": {"flow": True},
        "rollupRules": {
            "rollupObjectiveSatisfied": False,
            "rollupProgressCompletion": False,
            "objectiveMeasureWeight": 0,
            "rules": [
                {
                    "childActivitySet": "all",
                    "conditionCombination": "all",
                    "conditions": [{"condition": "completed"}],
                    "action": "satisfied",
                }
            ],
        },
        "objectives": [
            {
                "objectiveID": "content_completed",
                "primary": True,
                "mapInfo": [{"targetObjectiveID": CONTENT_DONE, "writeSatisfiedStatus": True}],
            }
        ],
    }
    posttest = {
        "controlMode": {"flow": True, "choice": True},
        "limitConditions": {"attemptLimit": 2},
        "randomizationControls": {"selectCount": 1, "selectionTiming": "onEachNewAttempt"},
        "sequencingRules": {
            "preConditionRules": [
                pre(
                    "disabled",
                    "not satisfied",
                    "not objectiveStatusKnown",
                    combination="any",
                    referencedObjective="content_completed",
                )
            ],
            "postConditionRules": [
                pre("exitAll", "satisfied"),
                pre("exitAll", "attemptLimitExceeded"),
                pre("retry", "not satisfied"),
            ],
        },
        "objectives": [
            {"objectiveID": "posttest", "primary": True},
            {"objectiveID": "content_completed", "mapInfo": [{"targetObjectiveID": CONTENT_DONE}]},
        ],
    }
    test = {"sequencingRules": {"postConditionRules": [pre("exitParent", "always")]}}
    return build(
        item(
            "content",
            *(
                item(name, seq=by_content)
                for name in ("playing", "etiquette", "handicapping", "fun")
            ),
            seq=wrapper,
            visible=False,
        ),
        item("posttest", *(item(f"test{n}", seq=test) for n in range(1, 5)), seq=posttest),
        root={"controlMode": {"flow": True, "choice": True}},
        seed=seed,
    )


def through_content(learner):
    assert learner.go("start") == "playing"
    for following in ("etiquette", "handicapping", "fun"):
        learner.report(completion="completed")
        assert learner.go("continue") == following


def test_the_post_test_stays_disabled_until_all_content_is_completed():
    learner = Learner(random_test_course())
    through_content(learner)
    learner.report(completion="incomplete")
    before = dict(learner.stored)
    result = learner.nav("continue")
    assert result.error == "SB.2.2-2"
    assert learner.stored == before and learner.state("fun").is_active  # nothing was ended
    assert learner.line("test1").disabled and learner.line("posttest").disabled
    assert learner.line("content").hidden  # isvisible="false"
    learner.report(completion="completed")
    assert learner.g[CONTENT_DONE]["satisfied"] is True
    assert learner.go("continue").startswith("test")


def test_failing_twice_ends_the_course_failed_after_a_retry_into_a_new_draw():
    learner = Learner(random_test_course())
    through_content(learner)
    learner.report(completion="completed")
    first = learner.go("continue")
    learner.report(completion="completed", success="failed", score=0.3)
    second = learner.go("continue")  # exitParent, then the post test's retry
    assert second.startswith("test")
    assert learner.state("posttest").attempt_count == 2
    assert len(learner.states[learner.id("posttest")].available_children) == 1
    learner.report(completion="completed", success="failed", score=0.4)
    result = learner.nav("continue")
    assert result.ended  # attemptLimitExceeded -> exitAll
    view = learner.view()
    assert view.status == "failed"
    assert learner.line("posttest").disabled  # its two attempts are used up
    assert first and second


def test_passing_ends_the_course_passed_and_content_does_not_count():
    learner = Learner(random_test_course())
    through_content(learner)
    learner.report(completion="completed")
    learner.go("continue")
    learner.report(completion="completed", success="passed", score=0.9)
    assert learner.nav("continue").ended
    root = learner.state("")
    assert root.objective_satisfied_status and root.attempt_completion_status
    assert learner.view().status == "passed"


def test_the_draw_differs_between_learners_but_not_for_one():
    def first_test(seed):
        learner = Learner(random_test_course(seed))
        through_content(learner)
        learner.report(completion="completed")
        return learner.go("continue")

    assert first_test("a") == first_test("a")
    assert len({first_test(f"learner-{n}") for n in range(12)}) > 1


def test_forward_only_course_with_a_locked_final_exam():
    """A compliance course: forward only, no choice; the exam is hidden from choice and skipped
    by nothing; the course completes when the exam is passed."""
    root = {
        "controlMode": {"flow": True, "choice": False, "forwardOnly": True},
        "rollupRules": {
            "rules": [
                {
                    "childActivitySet": "any",
                    "conditions": [{"condition": "satisfied"}],
                    "action": "satisfied",
                }
            ]
        },
    }
    exam = {"deliveryControls": {"objectiveSetByContent": True}}
    learner = Learner(build(item("intro"), item("rules"), item("exam", seq=exam), root=root))
    assert learner.go("start") == "intro"
    assert learner.nav("choice", "exam").error == "NB.2.1-10"
    assert learner.go("continue") == "rules"
    assert learner.nav("previous").error == "NB.2.1-5"
    assert learner.go("continue") == "exam"
    learner.report(completion="completed", success="passed")
    assert learner.nav("continue").ended
    assert learner.view().status == "passed"
