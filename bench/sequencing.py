"""Benchmark: the sequencer on a 2,000-activity tree against storing its states as JSON.

`python -m bench.sequencing` (pure Python, no database). The tree is a chain of 50 clusters,
each with 39 launchable leaves (2,000 activities, depth 50), half of them already attempted.
The reference is what the runtime does on every request anyway: `json.dumps` of the states
(`states_to_json`) and `json.loads` + `states_from_json` back. Timed in alternating rounds:

- `navigation_view` (the table of contents with hidden/disabled/status and the two buttons);
- building the `Tree` (reading every activity's sequencing JSON), which the runtime does
  per request;
- one `continue` navigation request (termination, rollup, flow, delivery), states loaded
  from their JSON-ready form first as the runtime does.

The figures are ratios of medians to the reference (goal: the view under 10× one JSON round
trip of the states, a request and a tree build each under 2×). Results go to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from courseware.sequencing import (
    SeqActivity,
    Tree,
    navigation_request,
    navigation_view,
    states_from_json,
    states_to_json,
)

ROOT = Path(__file__).resolve().parent.parent
FLOW = {"controlMode": {"flow": True}}
DISABLED_UNTIL_SATISFIED = {
    "sequencingRules": {
        "preConditionRules": [
            {
                "conditionCombination": "all",
                "conditions": [{"condition": "satisfied", "operator": "not"}],
                "action": "hiddenFromChoice",
            }
        ]
    }
}
GOALS = {"view": 10.0, "continue": 2.0, "tree": 2.0}


def build(depth: int, leaves: int) -> Tree:
    activities, parent, next_id = [], None, 1
    for level in range(depth):
        activities.append(
            SeqActivity(next_id, f"c{level}", "c", parent, next_id, False, True, FLOW)
        )
        parent, next_id = next_id, next_id + 1
        for k in range(leaves):
            sequencing = DISABLED_UNTIL_SATISFIED if k % 5 == 4 else {}
            activities.append(
                SeqActivity(next_id, f"l{level}-{k}", "l", parent, next_id, True, True, sequencing)
            )
            next_id += 1
    return Tree(activities, "scorm2004", root_sequencing=FLOW, seed="bench")


def timed(function, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=50)
    parser.add_argument("--leaves", type=int, default=39)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    tree = build(args.depth, args.leaves)
    states, g = {}, {}
    current = navigation_request(tree, states, None, "start", None, g).current_id
    for _ in range(len(tree.nodes) // 2):
        current = navigation_request(tree, states, current, "continue", None, g).current_id
    stored = states_to_json(states)

    def reference():
        states_from_json(json.loads(json.dumps(states_to_json(states))))

    def view():
        navigation_view(tree, states, current, g)

    def one_continue():
        copy = states_from_json(stored)
        navigation_request(tree, copy, current, "continue", None, dict(g))

    samples: dict[str, list[float]] = {"reference": [], "view": [], "continue": [], "tree": []}
    for _ in range(args.rounds):
        samples["reference"].append(timed(reference, 20))
        samples["view"].append(timed(view, 3))
        samples["continue"].append(timed(one_continue, 20))
        samples["tree"].append(timed(lambda: build(args.depth, args.leaves), 5))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratios = {name: medians[name] / medians["reference"] for name in GOALS}
    result = {
        "benchmark": "sequencing",
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "activities": len(tree.nodes) - 1,
        "depth": max(tree.depth.values()) - 1,
        "median_seconds": medians,
        "ratio_to_reference": ratios,
        "goals": GOALS,
        "met": {name: ratios[name] < GOALS[name] for name in GOALS},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"sequencing-{result['when'].replace('-', '').replace(':', '')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
