"""Random trees, rules and request sequences (seeded): the engine never raises and keeps its
invariants — only launchable leaves are delivered, the active activities are the current one's
ancestors, a refused request changes nothing, states survive JSON."""

import json
import random

import pytest

from courseware.sequencing import (
    SeqActivity,
    Tree,
    apply_runtime,
    navigation_request,
    navigation_view,
    states_from_json,
    states_to_json,
)

CONDITIONS = [
    "satisfied",
    "objectiveStatusKnown",
    "objectiveMeasureKnown",
    "objectiveMeasureGreaterThan",
    "objectiveMeasureLessThan",
    "completed",
    "activityProgressKnown",
    "attempted",
    "attemptLimitExceeded",
    "always",
    "bogus",
]
PRE = ["skip", "disabled", "hiddenFromChoice", "stopForwardTraversal"]
POST = ["exitParent", "exitAll", "retry", "retryAll", "continue", "previous"]
REQUESTS = [
    "start",
    "resumeAll",
    "continue",
    "continue",
    "continue",
    "previous",
    "choice",
    "choice",
    "jump",
    "exit",
    "exitAll",
    "abandon",
    "abandonAll",
    "suspendAll",
]


def rule(rng, actions):
    return {
        "conditionCombination": rng.choice(["all", "any"]),
        "conditions": [
            {
                "condition": rng.choice(CONDITIONS),
                "operator": rng.choice(["not", "noOp"]),
                "measureThreshold": rng.uniform(-1, 1),
            }
            for _ in range(rng.randint(1, 2))
        ],
        "action": rng.choice(actions),
    }


def sequencing(rng):
    seq = {
        "controlMode": {
            "choice": rng.random() < 0.8,
            "flow": rng.random() < 0.8,
            "forwardOnly": rng.random() < 0.2,
            "choiceExit": rng.random() < 0.9,
        }
    }
    if rng.random() < 0.3:
        seq["sequencingRules"] = {
            "preConditionRules": [rule(rng, PRE)],
            "postConditionRules": [rule(rng, POST)] if rng.random() < 0.3 else [],
            "exitConditionRules": [rule(rng, ["exit"])] if rng.random() < 0.2 else [],
        }
    if rng.random() < 0.2:
        seq["limitConditions"] = {"attemptLimit": rng.randint(1, 3)}
    if rng.random() < 0.2:
        seq["randomizationControls"] = {
            "selectCount": rng.randint(1, 3),
            "selectionTiming": rng.choice(["once", "onEachNewAttempt"]),
            "reorderChildren": True,
            "randomizationTiming": "once",
        }
    if rng.random() < 0.2:
        seq["objectives"] = [
            {
                "objectiveID": "p",
                "primary": True,
                "satisfiedByMeasure": rng.random() < 0.5,
                "mapInfo": [
                    {
                        "targetObjectiveID": rng.choice(["g1", "g2"]),
                        "writeSatisfiedStatus": rng.random() < 0.5,
                        "writeNormalizedMeasure": rng.random() < 0.5,
                    }
                ],
            }
        ]
    return seq


def random_tree(rng, standard):
    activities = []
    for n in range(1, rng.randint(2, 25)):
        parent = rng.choice([None, *[a.id for a in activities if not a.is_launchable]])
        cluster = rng.random() < 0.3
        activities.append(
            SeqActivity(
                id=n,
                identifier=f"i{n}",
                title=f"I{n}",
                parent_id=parent,
                sort_order=n,
                is_launchable=not cluster,
                is_visible=rng.random() < 0.9,
                sequencing=sequencing(rng),
                prerequisites=rng.choice(["", f"i{rng.randint(1, n)}", "i1 & ~i2", "(("]),
            )
        )
    # A cluster without children is launchable in no manifest: make such leaves launchable.
    parents = {a.parent_id for a in activities}
    for a in activities:
        if a.id not in parents:
            a.is_launchable = True
    return Tree(activities, standard, root_sequencing=sequencing(rng), seed=str(rng.random()))


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("standard", ["scorm2004", "scorm12"])
def test_random_sessions_keep_the_invariants(seed, standard):
    rng = random.Random(seed)
    tree = random_tree(rng, standard)
    stored, g, current = {}, {}, None
    for _ in range(40):
        states = states_from_json(json.loads(json.dumps(stored)))
        request = rng.choice(REQUESTS)
        if current is None and rng.random() < 0.7:
            request = rng.choice(["start", "resumeAll", "choice"])
        target = rng.choice([*tree.nodes, 999])
        result = navigation_request(tree, states, current, request, target, g)
        if result.error:
            assert states_to_json(states) == stored  # a refusal changes nothing
            assert result.message
        else:
            current = result.current_id
            stored = states_to_json(states)
        if result.deliver_id is not None:
            activity = tree.nodes[result.deliver_id]
            assert activity.is_launchable and tree.is_leaf(result.deliver_id)
            assert current == result.deliver_id
            active = {k for k, s in states.items() if s.is_active}
            assert active == set(tree.path_to_root(current))
            apply_runtime(
                tree,
                states,
                current,
                completion_status=rng.choice(["completed", "incomplete", "unknown", "passed"]),
                success_status=rng.choice(["passed", "failed", "unknown", None]),
                score_scaled=rng.choice([None, rng.uniform(-1, 1)]),
                progress_measure=rng.choice([None, rng.random()]),
                objectives=[{"id": "p", "success_status": "passed"}],
                global_objectives=g,
            )
            stored = states_to_json(states)
        if result.ended:
            assert current is None
        view = navigation_view(tree, states_from_json(stored), current, g)
        assert len(view.toc) == len(tree.nodes) - 1
        assert view.current_id == current
