"""The sequencing tree the runtime builds carries the 4th edition completion settings."""

from courseware.runtime.rollup import tree_for
from tests.courseware import packages


def test_completed_by_measure_and_progress_weight_reach_the_engine(imported, open_attempt):
    result = imported(packages.scorm2004_sequenced())
    attempt = open_attempt(result)
    tree = tree_for(attempt)
    by_measure = {
        activity.identifier: activity
        for activity in tree.nodes.values()
        if getattr(activity, "completed_by_measure", False)
    }
    declared = [
        row.identifier
        for row in result.version.activities.all()
        if (row.launch_settings.get("completionThreshold") or {}).get("completedByMeasure") is True
    ]
    assert declared, "the test package declares completedByMeasure"
    assert sorted(by_measure) == sorted(declared)
    assert all(activity.progress_weight == 1.0 for activity in by_measure.values())
