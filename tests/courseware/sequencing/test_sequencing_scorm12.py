"""SCORM 1.2: table of contents order, choice always, prerequisites, cluster completion."""

import pytest

from courseware.sequencing.prerequisites import PrerequisiteError, compile_prerequisites

from .builders import Learner, build, item


def statuses(**found):
    return lambda identifier: found.get(identifier, "not attempted")


@pytest.mark.parametrize(
    ("expression", "known", "expected"),
    [
        ("a", {"a": "completed"}, True),
        ("a", {"a": "passed"}, True),
        ("a", {"a": "failed"}, False),
        ("a & b", {"a": "passed", "b": "incomplete"}, False),
        ("a | b", {"a": "passed", "b": "incomplete"}, True),
        ("~a", {"a": "incomplete"}, True),
        ("a = failed", {"a": "failed"}, True),
        ("a <> passed", {"a": "failed"}, True),
        ('a = "not attempted"', {}, True),
        ("a = not attempted", {}, True),
        ("a=b", {"a": "browsed"}, True),
        ("a = p & (b | ~c)", {"a": "passed", "c": "completed"}, False),
        ("a = p & (b | ~c)", {"a": "passed", "b": "completed", "c": "completed"}, True),
        ("2*{a,b,c}", {"a": "passed", "c": "completed"}, True),
        ("2*{a,b,c}", {"a": "passed"}, False),
        ("3*{a,b,c=failed}", {"a": "passed", "b": "completed", "c": "failed"}, True),
        ("a & b | c", {"c": "passed"}, True),  # & binds tighter than |
        ("~a & b", {"a": "passed", "b": "passed"}, False),
        ("", {}, True),
    ],
)
def test_prerequisite_expressions(expression, known, expected):
    check, _ = compile_prerequisites(expression)
    assert check(statuses(**known)) is expected


@pytest.mark.parametrize(
    "expression", ["a &", "(a", "a)", "a = maybe", "x*{a}", "2*{a", "a & & b", "a = ", "a<b", "{a}"]
)
def test_malformed_prerequisites_are_refused_by_the_parser(expression):
    with pytest.raises(PrerequisiteError):
        compile_prerequisites(expression)


def course(**prereq):
    return build(
        item("intro", prerequisites=prereq.get("intro", "")),
        item(
            "unit",
            item("u1", prerequisites=prereq.get("u1", "")),
            item("u2", prerequisites=prereq.get("u2", "")),
        ),
        item("test", prerequisites=prereq.get("test", "")),
        standard="scorm12",
    )


def test_flow_and_choice_in_table_of_contents_order():
    learner = Learner(course())
    assert learner.go("start") == "intro"
    assert learner.go("continue") == "u1"
    assert learner.go("continue") == "u2"
    assert learner.go("previous") == "u1"
    assert learner.go("choice", "test") == "test"
    result = learner.nav("continue")
    assert result.ended and learner.current is None
    assert learner.nav("choice", "unit").error == "DB.1.1-1"  # a folder is not launchable


def test_unmet_prerequisites_disable_an_item_until_met():
    learner = Learner(course(test="unit", u2="u1 = passed"))
    learner.go("start")
    view = learner.view()
    assert learner.line("test").disabled and learner.line("u2").disabled
    assert not learner.line("u1").disabled
    assert learner.nav("choice", "test").error == "DB.1.1-4"
    learner.go("choice", "u1")
    learner.report(completion="passed", score=0.9)
    assert not learner.line("u2").disabled
    assert learner.line("test").disabled  # the unit needs u2 too
    learner.go("continue")  # u2
    learner.report(completion="completed")
    assert learner.line("unit").status == "completed"
    assert not learner.line("test").disabled
    assert view.choice_allowed


def test_flow_skips_items_with_unmet_prerequisites():
    learner = Learner(course(u1="intro", u2="intro"))
    learner.go("start")
    learner.report(completion="incomplete")
    assert learner.go("continue") == "test"
    assert learner.go("previous") == "intro"


def test_cluster_is_incomplete_until_every_child_is_done():
    learner = Learner(course())
    learner.go("choice", "u1")
    learner.report(completion="failed")
    assert learner.line("unit").status == "incomplete"
    learner.go("choice", "u2")
    learner.report(completion="browsed")
    assert learner.line("u2").status == "incomplete"
    learner.report(completion="completed")
    assert learner.line("unit").status == "completed"


def test_malformed_or_dangling_prerequisites_never_block_and_are_reported():
    tree = course(u1="intro &", u2="nosuchitem")
    assert any("u1" in p and "ignored" in p for p in tree.problems)
    assert any("nosuchitem" in p for p in tree.problems)
    learner = Learner(tree)
    assert not learner.line("u1").disabled and not learner.line("u2").disabled


def test_suspend_and_resume_in_scorm12():
    learner = Learner(course())
    learner.go("start")
    learner.go("continue")
    assert learner.nav("suspendAll").ended
    assert learner.go("resumeAll") == "u1"
    assert learner.state("u1").attempt_count == 1
    assert learner.nav("exit").deliver_id is None
    assert learner.nav("exit").error == "NB.2.1-12"


def test_lesson_status_keeps_the_unknown_word_out():
    learner = Learner(course())
    learner.go("start")
    learner.report(completion="weird")
    assert learner.line("intro").status == "incomplete"
    learner.report(completion="passed", score=0.8)
    line = learner.line("intro")
    assert line.status == "passed" and line.score_scaled == 0.8
