"""SCORM 2004 sequencing and navigation, and SCORM 1.2 prerequisites, in plain Python.

No models, queries or HTTP: the caller builds a `Tree` from its activity rows, keeps the
`ActivityState`s (JSON through `states_to_json` / `states_from_json`) and the global objectives
dict, and calls the four functions below. See README.md for what is implemented.
"""

from __future__ import annotations

from .navigation import SequencingError, Session, _an_id, run
from .rollup import overall_rollup
from .rules import completion_status, objective_status, pre_action, state
from .state import (
    ROOT_ID,
    ActivityState,
    NavigationView,
    NavResult,
    SeqActivity,
    TocNode,
    states_from_json,
    states_to_json,
)
from .tree import SCORM12, SCORM2004, Tree

__all__ = [
    "ROOT_ID",
    "SCORM12",
    "SCORM2004",
    "ActivityState",
    "NavResult",
    "NavigationView",
    "SeqActivity",
    "SequencingError",
    "TocNode",
    "Tree",
    "apply_runtime",
    "completion_status",
    "navigation_request",
    "navigation_view",
    "objective_status",
    "rollup",
    "states_from_json",
    "states_to_json",
]

LESSON_STATUSES = {"passed", "completed", "failed", "incomplete", "browsed", "not attempted"}


def navigation_request(
    tree: Tree,
    states: dict[int, ActivityState],
    current_id: int | None,
    request: str,
    target_id: int | None,
    global_objectives: dict,
) -> NavResult:
    """Process one navigation request (Overall Sequencing Process, SN OP.1).

    On success `states` and `global_objectives` are updated in place and the result says what to
    deliver and which activity is current; on a refusal (result.error set) nothing changes.
    """
    return run(tree, states, current_id, request, target_id, global_objectives)


def rollup(
    tree: Tree, states: dict[int, ActivityState], changed_id: int, global_objectives: dict
) -> None:
    """Overall Rollup Process (SN RB.1.5) from `changed_id` to the root; mutates in place."""
    if changed_id not in tree.nodes:
        return
    overall_rollup(tree, states, changed_id, global_objectives)


def _known(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def _runtime_objectives(objectives) -> list[dict]:
    """cmi.objectives as a list of dicts, from a list or an {index or id: entry} mapping."""
    if isinstance(objectives, dict):
        objectives = list(objectives.values())
    if not isinstance(objectives, list):
        return []
    return [entry for entry in objectives if isinstance(entry, dict) and entry.get("id")]


def apply_runtime(
    tree: Tree,
    states: dict[int, ActivityState],
    activity_id: int,
    *,
    completion_status: str | None,
    success_status: str | None,
    score_scaled: float | None,
    progress_measure: float | None,
    objectives,
    global_objectives: dict,
    attempt_seconds: float | None = None,
) -> None:
    """Copy a SCO's run-time results into its tracking state, then roll up (SN 4.2 mapping of
    the RTE data model; RTE 4.2.4 completion threshold).

    SCORM 2004: cmi.completion_status / success_status / score.scaled / progress_measure and
    cmi.objectives (a list of {"id", "success_status", "completion_status", "score": {"scaled"}
    or "score_scaled", "progress_measure"}). When the item has a completion threshold and a
    progress measure is known, the threshold decides completion. `attempt_seconds` (optional):
    the time spent in this attempt of the SCO, for attemptAbsoluteDurationLimit. SCORM 1.2: pass
    cmi.core.lesson_status as `completion_status` and the raw score / 100 as `score_scaled`.
    """
    if activity_id not in tree.nodes or not tree.is_leaf(activity_id) or activity_id == ROOT_ID:
        return  # only a SCO has run-time data; a cluster's tracking comes from rollup
    s = state(states, activity_id)
    score = _known(score_scaled)
    progress = _known(progress_measure)
    seconds = _known(attempt_seconds)
    if seconds is not None and seconds >= 0:
        s.attempt_duration_seconds = seconds
    if tree.standard == SCORM12:
        word = (completion_status or "").strip().lower()
        if word in LESSON_STATUSES:
            s.lesson_status = word
            s.attempt_progress_status = word != "not attempted"
            s.attempt_completion_status = word in ("passed", "completed", "failed")
            s.objective_progress_status = word in ("passed", "failed")
            s.objective_satisfied_status = word == "passed"
        s.objective_measure_status = score is not None
        s.objective_normalized_measure = score if score is not None else 0.0
        overall_rollup(tree, states, activity_id, global_objectives)
        return
    threshold = tree.nodes[activity_id].completion_threshold
    if threshold is not None and progress is not None:
        completion_status = "completed" if progress >= threshold else "incomplete"
    if completion_status in ("completed", "incomplete"):
        s.attempt_progress_status = True
        s.attempt_completion_status = completion_status == "completed"
    else:  # "not attempted", "unknown": nothing known about completion
        s.attempt_progress_status = False
        s.attempt_completion_status = False
    s.attempt_completion_amount = progress
    if success_status in ("passed", "failed"):
        s.objective_progress_status = True
        s.objective_satisfied_status = success_status == "passed"
    else:
        s.objective_progress_status = False
        s.objective_satisfied_status = False
    s.objective_measure_status = score is not None
    s.objective_normalized_measure = score if score is not None else 0.0
    primary = tree.settings[activity_id].primary.id
    for entry in _runtime_objectives(objectives):
        identifier = str(entry["id"])
        if identifier == primary:
            continue  # the primary objective is cmi.success_status / cmi.score (RTE 4.2.17)
        raw_score = entry.get("score")
        measure = _known(
            raw_score.get("scaled") if isinstance(raw_score, dict) else entry.get("score_scaled")
        )
        success = entry.get("success_status")
        completion = entry.get("completion_status")
        s.objectives[identifier] = {
            "satisfied": (success == "passed") if success in ("passed", "failed") else None,
            "measure": measure,
            "completion": (completion == "completed")
            if completion in ("completed", "incomplete")
            else None,
            "progress_measure": _known(entry.get("progress_measure")),
        }
    overall_rollup(tree, states, activity_id, global_objectives)


def _status(tree: Tree, states, node: int, global_objectives) -> tuple[str, float | None]:
    s = state(states, node)
    satisfied, measure = objective_status(tree, states, node, "", global_objectives)
    if tree.standard == SCORM12:
        word = s.lesson_status
        if word == "browsed":
            word = "incomplete"
        return word or ("incomplete" if s.attempt_count else "not attempted"), measure
    if satisfied is not None:
        return ("passed" if satisfied else "failed"), measure
    completed = completion_status(tree, states, node, global_objectives)
    if completed is not None:
        return ("completed" if completed else "incomplete"), measure
    return ("incomplete" if s.attempt_count else "not attempted"), measure


def navigation_view(
    tree: Tree,
    states: dict[int, ActivityState],
    current_id: int | None,
    global_objectives: dict,
) -> NavigationView:
    """The table of contents with each line's hidden / disabled / status, and whether previous
    and continue would succeed (each tried on copies; nothing is changed)."""
    work = {key: value.copy() for key, value in states.items()}
    work_globals = {k: dict(v) for k, v in global_objectives.items() if isinstance(v, dict)}
    session = Session(tree, work, _an_id(current_id), work_globals)
    current = session.current
    # Choosing a line first ends the current attempt (End Attempt, SN UP.4: default completion
    # and satisfaction, rollup), so lines are probed against the tree as it would be then.
    probe = session
    if session.active(current):
        probe = Session(
            tree,
            {key: value.copy() for key, value in work.items()},
            current,
            {k: dict(v) for k, v in work_globals.items()},
        )
        probe.end_attempt(current)
    session.memo = {}
    probe.memo = {}
    toc: list[TocNode] = []
    hidden_from_choice: dict[int, bool] = {}
    for node in tree.preorder:
        if node == ROOT_ID:
            hidden_from_choice[node] = False
            continue
        activity = tree.nodes[node]
        parent = tree.parent[node]
        if tree.standard == SCORM12:
            hidden = not activity.is_visible
            disabled = not activity.is_launchable or not session.enabled12(node)
        else:
            hidden_from_choice[node] = hidden_from_choice[parent] or bool(
                pre_action(tree, work, node, {"hiddenFromChoice"}, work_globals)
            )
            hidden = not activity.is_visible or hidden_from_choice[node]
            disabled = hidden_from_choice[node] or not _choosable(session, probe, node)
        status, measure = _status(tree, work, node, work_globals)
        toc.append(
            TocNode(
                activity_id=node,
                title=activity.title,
                depth=tree.depth[node] - 1,
                launchable=activity.is_launchable,
                hidden=hidden,
                disabled=disabled,
                status=status,
                identifier=activity.identifier,
                parent_id=None if parent == ROOT_ID else parent,
                is_current=node == current,
                score_scaled=measure,
            )
        )
    can_previous = can_continue = False
    if current is not None:
        can_continue = _tries(tree, states, current, "continue", global_objectives)
        can_previous = _tries(tree, states, current, "previous", global_objectives)
    course_status, course_measure = _status(tree, work, ROOT_ID, work_globals)
    return NavigationView(
        toc=toc,
        current_id=current,
        can_previous=can_previous,
        can_continue=can_continue,
        choice_allowed=any(not n.disabled and not n.hidden and n.launchable for n in toc),
        suspended_id=session.suspended_activity(),
        status=course_status,
        score_scaled=course_measure,
    )


def _choosable(session: Session, probe: Session, node: int) -> bool:
    """Would a choice of this line be accepted? The navigation request checks run on the tree
    as it is; the choice and delivery checks on `probe`, where the current attempt has ended."""
    try:
        session.navigation_request("choice", node)
        probe.choice(node, probe=True)
        if probe.tree.is_leaf(node):
            probe.delivery_request(node)
        elif any(probe.check(a) for a in probe.tree.path_to_root(node)):
            return False
    except SequencingError:
        return False
    return True


def _tries(tree: Tree, states, current: int, request: str, global_objectives) -> bool:
    work = {key: value.copy() for key, value in states.items()}
    work_globals = {k: dict(v) for k, v in global_objectives.items() if isinstance(v, dict)}
    result = run(tree, work, current, request, None, work_globals)
    return result.deliver_id is not None
