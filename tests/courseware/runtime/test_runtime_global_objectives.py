"""SCORM 2004 global objectives: shared across a learner's attempts when global to the system,
kept inside one attempt otherwise, and never shared between learners."""

from __future__ import annotations

import pytest

from courseware import api
from courseware.models import GlobalObjective
from tests.courseware import packages

from .conftest import Runtime, scos


def mapped(global_to_system: bool) -> dict:
    flag = "true" if global_to_system else "false"
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.global" version="1" {packages.SCORM2004_NS}>
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG" adlseq:objectivesGlobalToSystem="{flag}">
      <title>Mục tiêu chung</title>
      <item identifier="A" identifierref="RA">
        <title>Bài A</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="a-obj">
              <imsss:mapInfo targetObjectiveID="urn:taynghe:shared-a"
                             readSatisfiedStatus="true" writeSatisfiedStatus="true"/>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RA" type="webcontent" adlcp:scormType="sco" href="a.html">
      <file href="a.html"/></resource>
  </resources>
</manifest>"""
    return {"imsmanifest.xml": manifest, "a.html": packages.HTML}


def _status_of_a(attempt, learner) -> str:
    view = api.navigation(attempt=attempt, learner=learner)
    return next(node.status for node in view.toc if node.title == "Bài A")


@pytest.mark.parametrize(
    ("global_to_system", "carried"), [(True, "passed"), (False, "not attempted")]
)
def test_a_new_attempt_reads_what_the_last_one_wrote_only_when_global_to_system(
    school, imported, open_attempt, global_to_system, carried
):
    _i, _t, learner, other = school
    result = imported(mapped(global_to_system))
    first = open_attempt(result)
    sco = scos(result.version)[0]
    runtime = Runtime(first, sco, learner)
    runtime.load()
    runtime.commit({"success_status": "passed", "completion_status": "completed"}, terminate=True)
    assert _status_of_a(first, learner) == "passed"
    second = open_attempt(result, new=True)
    assert _status_of_a(second, learner) == carried
    assert GlobalObjective.objects.filter(learner=learner).exists() is global_to_system
    # Another learner never sees it.
    theirs = open_attempt(result, user=other)
    assert _status_of_a(theirs, other) == "not attempted"
    if global_to_system:
        row = GlobalObjective.objects.get(learner=learner)
        assert row.objective_id == "urn:taynghe:shared-a" and row.values["satisfied"] is True
        assert row in GlobalObjective.objects.visible_to(learner)
        assert row not in GlobalObjective.objects.visible_to(other)
