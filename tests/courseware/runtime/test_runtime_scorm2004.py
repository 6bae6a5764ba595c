"""SCORM 2004 sessions: error codes, suspend/resume, new activity attempts, rollup, navigation."""

from __future__ import annotations

import pytest

from courseware import api
from courseware.models import CmiRecord
from tests.courseware import packages

from .conftest import Runtime, scos


def two_scos() -> dict:
    """Two SCOs under the organization: free choice and flow; the first passes at 0.6."""
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.two" version="1" {packages.SCORM2004_NS}>
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Hai bài</title>
      <item identifier="A" identifierref="RA">
        <title>Bài A</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="a-obj" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="B" identifierref="RB"><title>Bài B</title></item>
      <imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RA" type="webcontent" adlcp:scormType="sco" href="a.html">
      <file href="a.html"/></resource>
    <resource identifier="RB" type="webcontent" adlcp:scormType="sco" href="b.html">
      <file href="b.html"/></resource>
  </resources>
</manifest>"""
    return {"imsmanifest.xml": manifest, "a.html": packages.HTML, "b.html": packages.HTML}


@pytest.fixture
def course(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(two_scos())
    attempt = open_attempt(result)
    first, second = scos(result.version)
    return attempt, Runtime(attempt, first, learner), Runtime(attempt, second, learner)


@pytest.mark.parametrize(
    ("cmi", "code", "element"),
    [
        ({"completion_status": "done"}, 406, "cmi.completion_status"),
        ({"score": {"scaled": "1.5"}}, 407, "cmi.score.scaled"),
        ({"score": {"scaled": "NaN"}}, 406, "cmi.score.scaled"),
        ({"progress_measure": "-0.1"}, 407, "cmi.progress_measure"),
        ({"session_time": "00:10:00"}, 406, "cmi.session_time"),
        ({"session_time": "PT"}, 406, "cmi.session_time"),
        ({"exit": "quit"}, 406, "cmi.exit"),
        ({"location": "x" * 1001}, 406, "cmi.location"),
        ({"nonsense": "1"}, 401, "cmi.nonsense"),
        ({"core": {"lesson_status": "passed"}}, 401, "cmi.core.lesson_status"),
        ({"interactions": {"0": {"type": "choice"}}}, 408, "cmi.interactions.0.id"),
        ({"interactions": {"1": {"id": "q2"}}}, 351, "cmi.interactions.0"),
        (
            {"interactions": {"0": {"id": "q1", "learner_response": "a"}}},
            408,
            "cmi.interactions.0.learner_response",
        ),
        (
            {"interactions": {"0": {"id": "q1", "type": "numeric", "learner_response": "ten"}}},
            406,
            "cmi.interactions.0.learner_response",
        ),
        (
            {"interactions": {"0": {"id": "q1", "type": "choice", "learner_response": "a[,]a"}}},
            406,
            "cmi.interactions.0.learner_response",
        ),
        (
            {"interactions": {"0": {"id": "q1", "latency": "PT1X"}}},
            406,
            "cmi.interactions.0.latency",
        ),
        (
            {"objectives": {"0": {"id": "o1", "score": {"scaled": "-2"}}}},
            407,
            "cmi.objectives.0.score.scaled",
        ),
        (
            {"comments_from_learner": {"0": {"timestamp": "yesterday"}}},
            406,
            "cmi.comments_from_learner.0.timestamp",
        ),
        (
            {"learner_preference": {"audio_captioning": "2"}},
            406,
            "cmi.learner_preference.audio_captioning",
        ),
        ({"suspend_data": "x" * 64001}, 406, "cmi.suspend_data"),
    ],
)
def test_scorm2004_bad_value_raises_its_code_and_stores_nothing(course, cmi, code, element):
    _attempt, first, _second = course
    first.load()
    first.commit({"location": "kept"})
    with pytest.raises(api.CmiError) as caught:
        first.commit(cmi)
    assert (caught.value.code, caught.value.element) == (code, element)
    record = CmiRecord.objects.get()
    assert record.data == {"cmi.location": "kept"} and record.seq == 1


def test_suspend_data_of_64000_characters_resumes_whole(course):
    _attempt, first, _second = course
    first.load()
    data = "é" * 64000
    first.commit(
        {
            "suspend_data": data,
            "location": "slide-3",
            "exit": "suspend",
            "session_time": "PT1M30.5S",
            "interactions": [
                {
                    "id": "urn:q1",
                    "type": "choice",
                    "learner_response": "a[,]c",
                    "result": "incorrect",
                    "timestamp": "2026-12-04T10:00:00Z",
                    "correct_responses": [{"pattern": "a[,]b"}],
                    "objectives": [{"id": "a-obj"}],
                }
            ],
            "objectives": {"childArray": [{"id": "a-obj", "score": {"scaled": "0.4"}}]},
        },
        terminate=True,
    )
    state = first.load()
    assert state.entry == "resume"
    assert state.cmi["suspend_data"] == data
    assert state.cmi["location"] == "slide-3"
    assert state.cmi["total_time"] == "PT1M30.5S"
    assert state.cmi["interactions"]["0"]["learner_response"] == "a[,]c"
    assert list(state.cmi["interactions"]["0"])[:2] == ["id", "type"]
    assert state.cmi["objectives"]["0"]["score"] == {"scaled": "0.4"}
    assert state.cmi["scaled_passing_score"] == "0.6"


def test_a_session_ended_without_suspend_starts_a_new_activity_attempt(course):
    _attempt, first, _second = course
    first.load()
    first.commit({"location": "end", "exit": "normal", "session_time": "PT10S"}, terminate=True)
    state = first.load()
    assert state.entry == "ab-initio"
    assert "location" not in state.cmi
    assert state.cmi["total_time"] == "PT10S"  # time of every session still counts
    record = CmiRecord.objects.get()
    assert record.activity_attempts == 2 and record.session_count == 2


def test_an_interrupted_session_resumes_and_keeps_its_time(course):
    _attempt, first, _second = course
    first.load()
    first.commit({"location": "p4", "session_time": "PT20S"})  # then the tab closes
    state = first.load()
    assert state.entry == "resume" and state.cmi["location"] == "p4"
    assert state.cmi["total_time"] == "PT20S"


def test_rollup_through_the_sequencer_completes_and_passes_the_attempt(course):
    attempt, first, second = course
    first.load()
    done = first.commit(
        {"completion_status": "completed", "score": {"scaled": "0.7"}, "session_time": "PT1M"},
        terminate=True,
    )
    assert done.success_status == "passed"  # 0.7 >= the 0.6 passing score
    assert done.navigation is not None
    statuses = {node.title: node.status for node in done.navigation.toc}
    assert statuses["Bài A"] == "passed"
    assert statuses["Bài B"] == "not attempted"
    attempt.refresh_from_db()
    assert attempt.completion_status == "incomplete"
    second.load()
    second.commit({"completion_status": "completed", "success_status": "passed"}, terminate=True)
    attempt.refresh_from_db()
    assert attempt.completion_status == "completed"
    assert attempt.success_status == "passed"
    assert attempt.sequencing_state["states"]["0"]["attempt_completion_status"] is True


def test_score_below_the_passing_score_fails_whatever_the_sco_says(course):
    _attempt, first, _second = course
    first.load()
    result = first.commit({"success_status": "passed", "score": {"scaled": "0.5"}})
    assert result.success_status == "failed"


def test_navigate_and_navigation_use_the_attempts_state(school, course):
    _i, _t, _learner, other = school
    attempt, first, second = course
    result = api.navigate(attempt=attempt, learner=first.learner, request="start")
    assert not result.error and result.deliver_id == first.activity.pk
    view = api.navigation(attempt=attempt, learner=first.learner)
    assert view.current_id == first.activity.pk and view.can_continue
    chosen = api.navigate(
        attempt=attempt, learner=first.learner, request="choice", target_id=second.activity.pk
    )
    assert chosen.deliver_id == second.activity.pk
    attempt.refresh_from_db()
    assert attempt.sequencing_state["current_id"] == second.activity.pk
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        api.navigate(attempt=attempt, learner=other, request="continue")
    with pytest.raises(PermissionDenied):
        api.navigation(attempt=attempt, learner=other)


def test_a_commit_costs_a_fixed_number_of_queries(course, django_assert_max_num_queries):
    _attempt, first, _second = course
    first.load()
    first.commit({"location": "a"})
    # Lock attempt and record, replay lookup, record update, organization, activity rows,
    # records for the rollup, attempt update, commit log (plus savepoints).
    with django_assert_max_num_queries(14):
        first.commit({"location": "b", "interactions": [{"id": f"q{n}"} for n in range(50)]})


def test_the_sequencer_gets_the_time_of_the_current_activity_attempt(course):
    attempt, first, _second = course
    first.load()
    first.commit({"session_time": "PT2M", "exit": "normal"}, terminate=True)
    attempt.refresh_from_db()
    key = str(first.activity.pk)
    assert attempt.sequencing_state["states"][key]["attempt_duration_seconds"] == 120
    first.load()  # a new activity attempt: its duration starts again
    first.commit({"session_time": "PT30S"})
    attempt.refresh_from_db()
    assert attempt.sequencing_state["states"][key]["attempt_duration_seconds"] == 30
    assert CmiRecord.objects.get().total_seconds == 150
