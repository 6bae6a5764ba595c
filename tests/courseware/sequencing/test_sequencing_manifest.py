"""The engine reads the sequencing JSON exactly as the importer writes it from a manifest."""

import io

from courseware.importing import archive_open
from courseware.importing.limits import ImportLimits
from courseware.importing.manifest import manifest_read
from courseware.sequencing import SeqActivity, Tree

from ..packages import HTML, SCORM2004_NS, scorm2004_sequenced, zip_bytes
from .builders import Learner


def parsed(files):
    return manifest_read(archive_open(io.BytesIO(zip_bytes(files)), ImportLimits.from_settings()))


def tree_from(files, seed="s") -> Tree:
    organization = parsed(files).organizations[0]
    activities: list[SeqActivity] = []

    def add(activity, parent):
        row = SeqActivity(
            id=len(activities) + 1,
            identifier=activity.identifier,
            title=activity.title,
            parent_id=parent,
            sort_order=len(activities),
            is_launchable=activity.is_launchable,
            is_visible=activity.is_visible,
            sequencing=activity.sequencing,
            prerequisites=activity.prerequisites,
            completion_threshold=float(activity.completion_threshold)
            if activity.completion_threshold is not None
            else None,
        )
        activities.append(row)
        for sub in activity.children:
            add(sub, row.id)

    for top in organization.activities:
        add(top, None)
    return Tree(activities, "scorm2004", root_sequencing=organization.sequencing, seed=seed)


def test_every_key_the_importer_writes_is_understood():
    tree = tree_from(scorm2004_sequenced())
    assert tree.problems == []
    module = tree.settings[tree.by_identifier["MOD1"]]
    assert (module.choice, module.flow, module.forward_only) == (False, True, True)
    assert module.select_count == 1 and module.reorder_children
    assert module.rollup_rules[0].child_set == "atLeastCount"
    sco1 = tree.settings[tree.by_identifier["SCO1"]]
    # the item's own limitConditions override the shared collection's, element by element
    assert sco1.attempt_limit == 3 and sco1.completion_set_by_content
    assert sco1.primary.satisfied_by_measure and sco1.primary.min_measure == 0.75
    assert sco1.primary.maps[0].write_satisfied
    sco2 = tree.settings[tree.by_identifier["SCO2"]]
    assert [r.action for r in sco2.pre_rules + sco2.exit_rules + sco2.post_rules] == [
        "disabled",
        "exit",
        "continue",
    ]
    assert sco2.pre_rules[0].conditions[0].negate
    assert tree.nodes[tree.by_identifier["SCO1"]].completion_threshold == 0.8
    assert tree.settings[0].choice and tree.settings[0].flow


def test_the_sequenced_package_plays_by_its_rules():
    outcomes = set()
    for n in range(8):
        learner = Learner(tree_from(scorm2004_sequenced(), seed=f"attempt-{n}"))
        result = learner.nav("start")
        # MOD1 draws one of its two SCOs; SCO2 is disabled until SCO1's objective is satisfied.
        if result.error:
            assert result.error == "SB.2.2-2"
            outcomes.add("SCO2 drawn, disabled")
            continue
        assert learner.at == "SCO1"
        outcomes.add("SCO1")
        learner.report(completion="incomplete", progress=0.9, score=0.8)
        state = learner.state("SCO1")
        assert state.attempt_completion_status  # 0.9 >= the 0.8 completion threshold
        assert state.objective_satisfied_status  # satisfied by measure: 0.8 >= 0.75
        assert learner.g["urn:taynghe:l1"]["satisfied"] is True
        assert learner.state("MOD1").objective_satisfied_status  # atLeastCount 1 satisfied
        assert learner.nav("choice", "SCO2").error == "NB.2.1-10"  # MOD1: choice="false"
    assert outcomes == {"SCO1", "SCO2 drawn, disabled"}


PRETEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.pretest" version="1" {SCORM2004_NS}>
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Pretest</title>
      <item identifier="PRE" identifierref="R"><title>Pretest</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="pre">
              <imsss:mapInfo targetObjectiveID="g.mastery" writeSatisfiedStatus="true"/>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="LESSON"><title>Lesson</title>
        <item identifier="L1" identifierref="R"><title>Part 1</title></item>
        <item identifier="L2" identifierref="R"><title>Part 2</title></item>
        <imsss:sequencing>
          <imsss:controlMode flow="true"/>
          <imsss:sequencingRules>
            <imsss:preConditionRule>
              <imsss:ruleConditions><imsss:ruleCondition condition="satisfied"/></imsss:ruleConditions>
              <imsss:ruleAction action="skip"/>
            </imsss:preConditionRule>
          </imsss:sequencingRules>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="lesson">
              <imsss:mapInfo targetObjectiveID="g.mastery" readSatisfiedStatus="true"/>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <item identifier="END" identifierref="R"><title>Summary</title></item>
      <imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="R" type="webcontent" adlcp:scormType="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>"""


def test_a_passed_pretest_skips_the_lesson_from_a_real_manifest():
    files = {"imsmanifest.xml": PRETEST, "index.html": HTML}
    tree = tree_from(files)
    assert tree.problems == []
    passed = Learner(tree)
    assert passed.go("start") == "PRE"
    passed.report(completion="completed", success="passed")
    assert passed.go("continue") == "END"
    failed = Learner(tree)
    failed.go("start")
    failed.report(completion="completed", success="failed")
    assert failed.go("continue") == "L1"
