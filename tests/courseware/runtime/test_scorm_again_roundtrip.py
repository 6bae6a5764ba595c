"""The store speaks scorm-again's language: what the real runtime commits is accepted, and what
the server loads is what the SCO reads back after a resume on another device."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from courseware import api
from tests.courseware import packages

from .conftest import scos
from .test_runtime_scorm2004 import two_scos

ROOT = Path(settings.BASE_DIR)
HARNESS = Path(__file__).with_name("scorm_again_harness.js")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules/scorm-again/dist").is_dir(),
    reason="needs node and scorm-again from package-lock.json (make test installs them)",
)


def run_sco(state, calls):
    """Load the state into scorm-again, make the SCO's calls, return commit/read/errors."""
    body = {
        "standard": state.standard,
        "cmi": {"cmi": state.cmi},
        "calls": calls,
        "root": str(ROOT),
    }
    done = subprocess.run(
        ["node", str(HARNESS)], input=json.dumps(body), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def commit(attempt, activity, learner, state, payload):
    return api.runtime_commit(
        attempt=attempt,
        activity=activity,
        learner=learner,
        seq=state.seq + 1,
        commit_id=uuid.uuid4().hex,
        cmi=payload,
        terminate=True,
    )


def test_scorm12_session_round_trips_through_scorm_again(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(packages.scorm12_multi())
    attempt = open_attempt(result)
    sco = scos(result.version)[0]
    state = api.runtime_load(attempt=attempt, activity=sco, learner=learner)
    suspend = "s" * 6000  # beyond 1.2's 4096
    first = run_sco(
        state,
        [
            ["GetValue", "cmi.core.student_id"],
            ["GetValue", "cmi.core.entry"],
            ["GetValue", "cmi.launch_data"],
            ["SetValue", "cmi.core.lesson_location", "page-5"],
            ["SetValue", "cmi.core.score.raw", "85"],
            ["SetValue", "cmi.interactions.0.id", "q1"],
            ["SetValue", "cmi.interactions.0.type", "choice"],
            ["SetValue", "cmi.interactions.0.student_response", "b"],
            ["SetValue", "cmi.interactions.0.result", "correct"],
            ["SetValue", "cmi.objectives.0.id", "obj1"],
            ["SetValue", "cmi.objectives.0.status", "passed"],
            ["SetValue", "cmi.core.exit", "suspend"],
            ["SetValue", "cmi.core.session_time", "00:03:20"],
        ],
    )
    assert first["read"] == {
        "cmi.core.student_id": learner.learner_id,
        "cmi.core.entry": "ab-initio",
        "cmi.launch_data": "level=1",
    }
    payload = first["commit"]
    payload["cmi"]["suspend_data"] = suspend  # scorm-again caps SetValue at 4096 for 1.2
    outcome = commit(attempt, sco, learner, state, payload)
    assert outcome.success_status == "passed"  # 85 >= mastery score 80
    assert outcome.total_time_seconds == 200
    again = api.runtime_load(attempt=attempt, activity=sco, learner=learner)
    second = run_sco(
        again,
        [
            ["GetValue", "cmi.core.entry"],
            ["GetValue", "cmi.core.lesson_location"],
            ["GetValue", "cmi.core.lesson_status"],
            ["GetValue", "cmi.core.total_time"],
            ["GetValue", "cmi.suspend_data"],
            ["GetValue", "cmi.interactions._count"],
            ["GetValue", "cmi.objectives.0.status"],
            ["GetValue", "cmi.objectives._count"],
        ],
    )
    assert second["errors"] == []
    assert second["read"] == {
        "cmi.core.entry": "resume",
        "cmi.core.lesson_location": "page-5",
        "cmi.core.lesson_status": "passed",
        "cmi.core.total_time": "00:03:20",  # scorm-again's rendering of 0000:03:20.00
        "cmi.suspend_data": suspend,
        "cmi.interactions._count": "1",
        "cmi.objectives.0.status": "passed",
        "cmi.objectives._count": "1",
    }


def test_scorm2004_session_round_trips_through_scorm_again(school, imported, open_attempt):
    _i, _t, learner, _o = school
    result = imported(two_scos())
    attempt = open_attempt(result)
    sco = scos(result.version)[0]
    state = api.runtime_load(attempt=attempt, activity=sco, learner=learner)
    suspend = "é" * 64000
    first = run_sco(
        state,
        [
            ["GetValue", "cmi.learner_id"],
            ["GetValue", "cmi.entry"],
            ["GetValue", "cmi.scaled_passing_score"],
            ["SetValue", "cmi.location", "slide-9"],
            ["SetValue", "cmi.suspend_data", suspend],
            ["SetValue", "cmi.score.scaled", "0.8"],
            ["SetValue", "cmi.completion_status", "completed"],
            ["SetValue", "cmi.interactions.0.id", "urn:q1"],
            ["SetValue", "cmi.interactions.0.type", "numeric"],
            ["SetValue", "cmi.interactions.0.learner_response", "42"],
            ["SetValue", "cmi.interactions.0.result", "correct"],
            ["SetValue", "cmi.interactions.0.latency", "PT5S"],
            ["SetValue", "cmi.objectives.0.id", "extra"],
            ["SetValue", "cmi.objectives.0.success_status", "passed"],
            ["SetValue", "cmi.exit", "suspend"],
            ["SetValue", "cmi.session_time", "PT2M5S"],
        ],
    )
    assert first["errors"] == []
    assert first["read"] == {
        "cmi.learner_id": learner.learner_id,
        "cmi.entry": "ab-initio",
        "cmi.scaled_passing_score": "0.6",
    }
    outcome = commit(attempt, sco, learner, state, first["commit"])
    assert (outcome.completion_status, outcome.success_status) == ("completed", "passed")
    again = api.runtime_load(attempt=attempt, activity=sco, learner=learner)
    second = run_sco(
        again,
        [
            ["GetValue", "cmi.entry"],
            ["GetValue", "cmi.location"],
            ["GetValue", "cmi.suspend_data"],
            ["GetValue", "cmi.completion_status"],
            ["GetValue", "cmi.score.scaled"],
            ["GetValue", "cmi.total_time"],
            ["GetValue", "cmi.interactions.0.learner_response"],
            ["GetValue", "cmi.interactions.0.latency"],
            ["GetValue", "cmi.objectives.0.success_status"],
        ],
    )
    assert second["errors"] == []
    assert second["read"] == {
        "cmi.entry": "resume",
        "cmi.location": "slide-9",
        "cmi.suspend_data": suspend,
        "cmi.completion_status": "completed",
        "cmi.score.scaled": "0.8",
        "cmi.total_time": "PT2M5S",
        "cmi.interactions.0.learner_response": "42",
        "cmi.interactions.0.latency": "PT5S",
        "cmi.objectives.0.success_status": "passed",
    }


# Values a SCO might set, valid and not; scorm-again decides which it accepts, and the server
# must then accept every one of those (else the learner's whole commit would be lost).
CANDIDATES_2004 = [
    ("cmi.location", "trang 5 — bài tập"),
    ("cmi.score.scaled", "1"),
    ("cmi.score.scaled", "-0.25"),
    ("cmi.score.raw", "73.5"),
    ("cmi.score.min", "0"),
    ("cmi.score.max", "100"),
    ("cmi.progress_measure", "1"),
    ("cmi.success_status", "failed"),
    ("cmi.completion_status", "incomplete"),
    ("cmi.learner_preference.language", "vi-VN"),
    ("cmi.learner_preference.audio_level", "0.5"),
    ("cmi.learner_preference.delivery_speed", "2"),
    ("cmi.learner_preference.audio_captioning", "-1"),
    ("cmi.comments_from_learner.0.comment", "{lang=vi}Rất hay"),
    ("cmi.comments_from_learner.0.location", "slide 2"),
    ("cmi.comments_from_learner.0.timestamp", "2026-12-04T10:00:00.5+07:00"),
    ("cmi.interactions.0.id", "urn:taynghe:q-1"),
    ("cmi.interactions.0.type", "choice"),
    ("cmi.interactions.0.learner_response", "a[,]b"),
    ("cmi.interactions.0.correct_responses.0.pattern", "a[,]b"),
    ("cmi.interactions.0.weighting", "2.5"),
    ("cmi.interactions.0.result", "0.75"),
    ("cmi.interactions.0.latency", "P1DT2H3M4.5S"),
    ("cmi.interactions.0.timestamp", "2026-12-04T10:00"),
    ("cmi.interactions.0.description", "{lang=en}Which wires?"),
    ("cmi.interactions.0.objectives.0.id", "obj-1"),
    ("cmi.interactions.1.id", "q2"),
    ("cmi.interactions.1.type", "true-false"),
    ("cmi.interactions.1.learner_response", "true"),
    ("cmi.interactions.1.result", "incorrect"),
    ("cmi.interactions.2.id", "q3"),
    ("cmi.interactions.2.type", "fill-in"),
    ("cmi.interactions.2.learner_response", "Ohm[,]volt"),
    ("cmi.interactions.2.correct_responses.0.pattern", "{case_matters=true}Ohm[,]volt"),
    ("cmi.interactions.3.id", "q4"),
    ("cmi.interactions.3.type", "numeric"),
    ("cmi.interactions.3.learner_response", "-12.5"),
    ("cmi.interactions.3.correct_responses.0.pattern", "10[:]20"),
    ("cmi.interactions.4.id", "q5"),
    ("cmi.interactions.4.type", "matching"),
    ("cmi.interactions.4.learner_response", "a[.]1[,]b[.]2"),
    ("cmi.interactions.5.id", "q6"),
    ("cmi.interactions.5.type", "long-fill-in"),
    ("cmi.interactions.5.learner_response", "{lang=vi}" + "dài " * 200),
    ("cmi.interactions.6.id", "q7"),
    ("cmi.interactions.6.type", "other"),
    ("cmi.interactions.6.learner_response", "anything at all"),
    ("cmi.objectives.0.id", "obj-1"),
    ("cmi.objectives.0.score.scaled", "0.9"),
    ("cmi.objectives.0.success_status", "passed"),
    ("cmi.objectives.0.completion_status", "completed"),
    ("cmi.objectives.0.progress_measure", "0.5"),
    ("cmi.objectives.0.description", "Đấu dây"),
    ("cmi.exit", "suspend"),
    ("cmi.session_time", "PT1H0M0S"),
    # Refused by scorm-again (and so never committed): out of range, wrong vocabulary.
    ("cmi.score.scaled", "2"),
    ("cmi.completion_status", "finished"),
]

CANDIDATES_12 = [
    ("cmi.core.lesson_location", "trang 5"),
    ("cmi.core.lesson_status", "browsed"),
    ("cmi.core.score.raw", "0"),
    ("cmi.core.score.max", "100"),
    ("cmi.core.exit", "logout"),
    ("cmi.core.session_time", "0010:00:00.5"),
    ("cmi.comments", "Bình luận"),
    ("cmi.student_preference.audio", "-1"),
    ("cmi.student_preference.language", "vi"),
    ("cmi.student_preference.speed", "-100"),
    ("cmi.student_preference.text", "1"),
    ("cmi.objectives.0.id", "obj_1"),
    ("cmi.objectives.0.status", "not attempted"),
    ("cmi.objectives.0.score.raw", "12.5"),
    ("cmi.interactions.0.id", "q1"),
    ("cmi.interactions.0.time", "10:11:12"),
    ("cmi.interactions.0.type", "matching"),
    ("cmi.interactions.0.student_response", "a.1,b.2"),
    ("cmi.interactions.0.correct_responses.0.pattern", "a.1,b.2"),
    ("cmi.interactions.0.weighting", "1"),
    ("cmi.interactions.0.result", "unanticipated"),
    ("cmi.interactions.0.latency", "00:00:05"),
    ("cmi.interactions.0.objectives.0.id", "obj_1"),
    ("cmi.interactions.1.id", "q2"),
    ("cmi.interactions.1.type", "likert"),
    ("cmi.interactions.1.student_response", "3"),
    ("cmi.interactions.1.result", "42"),
    ("cmi.core.score.raw", "150"),  # refused by scorm-again
]


@pytest.mark.parametrize(
    ("standard", "candidates"), [("scorm2004", CANDIDATES_2004), ("scorm12", CANDIDATES_12)]
)
def test_every_value_scorm_again_accepts_the_server_stores(
    school, imported, open_attempt, standard, candidates
):
    _i, _t, learner, _o = school
    result = imported(two_scos() if standard == "scorm2004" else packages.scorm12_single())
    attempt = open_attempt(result)
    sco = scos(result.version)[0]
    state = api.runtime_load(attempt=attempt, activity=sco, learner=learner)
    ran = run_sco(state, [["SetValue", element, value] for element, value in candidates])
    refused = {element for element, _code in ran["errors"]}
    assert refused == {candidates[-1][0]} | (
        {candidates[-2][0]} if standard == "scorm2004" else set()
    )
    commit(attempt, sco, learner, state, ran["commit"])  # raises CmiError on any disagreement
    stored = api.runtime_load(attempt=attempt, activity=sco, learner=learner)
    # Read back what the SCO may read (exit, session time and 1.2 interactions are write-only).
    readable = [
        element
        for element, _value in candidates
        if element not in refused
        and not element.endswith(("exit", "session_time"))
        and not (standard == "scorm12" and element.startswith("cmi.interactions"))
    ]
    back = run_sco(stored, [["GetValue", element] for element in readable])
    assert back["errors"] == []
    last = {element: value for element, value in candidates if element not in refused}
    for element in readable:
        assert str(back["read"][element]) == last[element], element
