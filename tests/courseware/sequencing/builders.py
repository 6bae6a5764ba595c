"""Small builders for sequencing tests: trees from nested tuples and a learner that drives them."""

from __future__ import annotations

from dataclasses import dataclass, field

from courseware.sequencing import (
    ROOT_ID,
    SeqActivity,
    Tree,
    apply_runtime,
    navigation_request,
    navigation_view,
    states_from_json,
    states_to_json,
)


def item(identifier: str, *children, seq: dict | None = None, launchable=None, **extra) -> dict:
    """An activity: a leaf (launchable) unless it has children."""
    return {
        "identifier": identifier,
        "children": list(children),
        "seq": seq or {},
        "launchable": (not children) if launchable is None else launchable,
        "extra": extra,
    }


def build(*items, root: dict | None = None, standard: str = "scorm2004", seed: str = "") -> Tree:
    """A Tree whose ids are given in table-of-contents order from 1."""
    activities: list[SeqActivity] = []

    def add(entry: dict, parent: int | None) -> None:
        extra = dict(entry["extra"])
        activity = SeqActivity(
            id=len(activities) + 1,
            identifier=entry["identifier"],
            title=entry["identifier"].title(),
            parent_id=parent,
            sort_order=len(activities),
            is_launchable=entry["launchable"],
            is_visible=extra.pop("visible", True),
            sequencing=entry["seq"],
            **extra,
        )
        activities.append(activity)
        for child in entry["children"]:
            add(child, activity.id)

    for entry in items:
        add(entry, None)
    return Tree(activities, standard, root_sequencing=root, seed=seed)


FLOW = {"controlMode": {"flow": True}}
FLOW_ONLY = {"controlMode": {"flow": True, "choice": False}}


def pre(action: str, *conditions: str, combination: str = "all", **attrs) -> dict:
    """A sequencing rule dict as the importer stores it; a condition "not x" negates x."""
    return {
        "conditionCombination": combination,
        "conditions": [
            {
                "condition": c.removeprefix("not "),
                "operator": "not" if c.startswith("not ") else "noOp",
                **attrs,
            }
            for c in conditions
        ],
        "action": action,
    }


@dataclass
class Learner:
    """Drives one attempt the way the runtime does: states kept as JSON between requests."""

    tree: Tree
    stored: dict = field(default_factory=dict)
    g: dict = field(default_factory=dict)
    current: int | None = None

    @property
    def states(self):
        return states_from_json(self.stored)

    def id(self, identifier: str | None) -> int | None:
        if identifier is None:
            return None
        if identifier == "":
            return ROOT_ID
        return self.tree.by_identifier[identifier]

    def nav(self, request: str, target: str | None = None):
        states = self.states
        result = navigation_request(
            self.tree, states, self.current, request, self.id(target), self.g
        )
        if not result.error:
            self.current = result.current_id
            self.stored = states_to_json(states)
        return result

    @property
    def at(self) -> str | None:
        if self.current is None:
            return None
        return self.tree.nodes[self.current].identifier

    def go(self, request: str, target: str | None = None) -> str | None:
        """Make a request that must succeed; the identifier delivered (None if nothing)."""
        result = self.nav(request, target)
        assert not result.error, (request, target, result)
        if result.deliver_id is None:
            return None
        return self.tree.nodes[result.deliver_id].identifier

    def report(
        self, completion="completed", success=None, score=None, progress=None, objectives=()
    ):
        states = self.states
        apply_runtime(
            self.tree,
            states,
            self.current,
            completion_status=completion,
            success_status=success,
            score_scaled=score,
            progress_measure=progress,
            objectives=list(objectives),
            global_objectives=self.g,
        )
        self.stored = states_to_json(states)

    def view(self):
        return navigation_view(self.tree, self.states, self.current, self.g)

    def line(self, identifier: str):
        return next(n for n in self.view().toc if n.identifier == identifier)

    def state(self, identifier: str):
        return self.states.get(self.id(identifier))
