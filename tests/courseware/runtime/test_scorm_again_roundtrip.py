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
