"""The Rollup Process (SCORM 2004 4th Edition SN RB.1) and the SCORM 1.2 cluster rollup."""

from __future__ import annotations

from .rules import (
    UNKNOWN,
    combine,
    condition_value,
    pre_action,
    state,
    write_maps,
)
from .tree import SCORM12, Condition, Rule, Tree

# Default rollup rules, used for an action the activity defines no rule for (the SN book's
# defaults: satisfied / completed when all children are, not satisfied / incomplete when the
# status of all children is known).
DEFAULT_RULES = {
    "satisfied": Rule([Condition("satisfied")], "any", "satisfied", child_set="all"),
    "notSatisfied": Rule(
        [Condition("objectiveStatusKnown")], "any", "notSatisfied", child_set="all"
    ),
    "completed": Rule([Condition("completed")], "any", "completed", child_set="all"),
    "incomplete": Rule([Condition("activityProgressKnown")], "any", "incomplete", child_set="all"),
}


def available_children(tree: Tree, states, activity_id: int) -> list[int]:
    """The children delivered in this attempt (after selection/randomization), in order."""
    chosen = state(states, activity_id).available_children
    if chosen is None:
        return tree.children[activity_id]
    known = set(tree.children[activity_id])
    return [child for child in chosen if child in known]


def check_child_for_rollup(tree: Tree, states, child: int, action: str, global_objectives) -> bool:
    """Check Child for Rollup Subprocess (SN RB.1.4.2): does the child take part in the parent's
    `action` rollup? (tracked, rollupObjectiveSatisfied / rollupProgressCompletion and the
    requiredFor* rollup considerations)."""
    settings = tree.settings[child]
    if not settings.tracked:
        return False
    if action in ("satisfied", "notSatisfied"):
        if not settings.rollup_objective_satisfied:
            return False
        required = (
            settings.required_for_satisfied
            if action == "satisfied"
            else settings.required_for_not_satisfied
        )
    else:
        if not settings.rollup_progress_completion:
            return False
        required = (
            settings.required_for_completed
            if action == "completed"
            else settings.required_for_incomplete
        )
    s = state(states, child)
    attempted = s.attempt_count > 0
    if required == "ifNotSuspended":
        return attempted and not s.is_suspended
    if required == "ifAttempted":
        return attempted
    if required == "ifNotSkipped":
        return pre_action(tree, states, child, {"skip"}, global_objectives) is None
    return True


def _child_value(tree: Tree, states, child: int, rule: Rule, global_objectives):
    """Evaluate Rollup Conditions Subprocess (SN RB.1.4.1) on one child."""
    values = []
    for condition in rule.conditions:
        value = condition_value(tree, states, child, condition, global_objectives)
        if condition.negate and value is not UNKNOWN:
            value = not value
        values.append(value)
    return combine(values, rule.combination)


def rollup_rule_check(tree: Tree, states, activity_id: int, action: str, global_objectives) -> bool:
    """Rollup Rule Check Subprocess (SN RB.1.4): does a rule with `action` (or its default when
    the activity defines none) apply to the activity's children?"""
    rules = [r for r in tree.settings[activity_id].rollup_rules if r.action == action]
    if not rules:
        rules = [DEFAULT_RULES[action]]
    children = available_children(tree, states, activity_id)
    for rule in rules:
        contributing = [
            _child_value(tree, states, child, rule, global_objectives)
            for child in children
            if check_child_for_rollup(tree, states, child, action, global_objectives)
        ]
        if not contributing:
            continue
        trues = sum(1 for value in contributing if value is True)
        if rule.child_set == "all":
            change = trues == len(contributing)
        elif rule.child_set == "any":
            change = trues > 0
        elif rule.child_set == "none":
            change = all(value is False for value in contributing)
        elif rule.child_set == "atLeastCount":
            change = trues >= rule.minimum_count
        else:
            change = trues / len(contributing) >= rule.minimum_percent
        if change:
            return True
    return False


def measure_rollup(tree: Tree, states, activity_id: int, global_objectives) -> None:
    """Measure Rollup Process (SN RB.1.1): the weighted mean of the tracked children's measures
    (a child without a measure counts as weight without measure)."""
    total = counted = 0.0
    valid = False
    for child in available_children(tree, states, activity_id):
        settings = tree.settings[child]
        if not settings.tracked:
            continue
        counted += settings.objective_measure_weight
        _, measure = _primary(tree, states, child, global_objectives)
        if measure is not None:
            valid = True
            total += measure * settings.objective_measure_weight
    s = state(states, activity_id)
    if valid and counted > 0:
        s.objective_measure_status = True
        s.objective_normalized_measure = total / counted
    else:
        s.objective_measure_status = False


def _primary(tree: Tree, states, activity_id: int, global_objectives):
    from .rules import objective_status

    return objective_status(tree, states, activity_id, "", global_objectives)


def objective_rollup(tree: Tree, states, activity_id: int, global_objectives) -> None:
    """Objective Rollup Process (SN RB.1.2): using measure when the primary objective is
    satisfied by measure (RB.1.2.a), else using rules (RB.1.2.b, defaults for missing ones)."""
    settings = tree.settings[activity_id]
    s = state(states, activity_id)
    if settings.primary.satisfied_by_measure:
        _, measure = _primary(tree, states, activity_id, global_objectives)
        if measure is None or (s.is_active and not settings.measure_satisfaction_if_active):
            s.objective_progress_status = False
        else:
            s.objective_progress_status = True
            s.objective_satisfied_status = measure >= settings.primary.min_measure
        return
    if tree.is_leaf(activity_id):
        return
    if rollup_rule_check(tree, states, activity_id, "notSatisfied", global_objectives):
        s.objective_progress_status = True
        s.objective_satisfied_status = False
    if rollup_rule_check(tree, states, activity_id, "satisfied", global_objectives):
        s.objective_progress_status = True
        s.objective_satisfied_status = True


def completion_measure_rollup(tree: Tree, states, activity_id: int) -> None:
    """Completion Measure Rollup Process (4th edition): the progressWeight-weighted mean of the
    tracked children's progress measures."""
    total = counted = 0.0
    valid = False
    for child in available_children(tree, states, activity_id):
        if not tree.settings[child].tracked:
            continue
        weight = _weight(tree.nodes[child].progress_weight)
        counted += weight
        amount = state(states, child).attempt_completion_amount
        if amount is not None:
            valid = True
            total += amount * weight
    s = state(states, activity_id)
    s.attempt_completion_amount = total / counted if valid and counted > 0 else None


def _weight(value) -> float:
    try:
        weight = float(value)
    except (TypeError, ValueError):
        return 1.0
    return weight if 0.0 <= weight <= 1.0 else 1.0


def activity_progress_rollup(tree: Tree, states, activity_id: int, global_objectives) -> None:
    """Activity Progress Rollup Process (SN RB.1.3): using measure when the activity is
    completed by measure (4th edition), else rules with defaults for missing ones."""
    s = state(states, activity_id)
    activity = tree.nodes[activity_id]
    if activity.completed_by_measure:
        threshold = activity.completion_threshold
        if s.attempt_completion_amount is None:
            s.attempt_progress_status = False
        else:
            s.attempt_progress_status = True
            s.attempt_completion_status = s.attempt_completion_amount >= (
                threshold if threshold is not None else 1.0
            )
        return
    if rollup_rule_check(tree, states, activity_id, "incomplete", global_objectives):
        s.attempt_progress_status = True
        s.attempt_completion_status = False
    if rollup_rule_check(tree, states, activity_id, "completed", global_objectives):
        s.attempt_progress_status = True
        s.attempt_completion_status = True


def rollup12(tree: Tree, states, activity_id: int) -> None:
    """SCORM 1.2 has no rollup rules: a cluster is completed when every child is completed or
    passed, incomplete once any child has been attempted."""
    children = tree.children[activity_id]
    if not children:
        return
    s = state(states, activity_id)
    child_states = [state(states, child) for child in children]
    if all(c.attempt_progress_status and c.attempt_completion_status for c in child_states):
        s.attempt_progress_status = s.attempt_completion_status = True
        s.lesson_status = "completed"
    elif any(c.attempt_count > 0 or c.attempt_progress_status for c in child_states):
        s.attempt_progress_status = True
        s.attempt_completion_status = False
        s.lesson_status = "incomplete"
    scores = [c.objective_normalized_measure for c in child_states if c.objective_measure_status]
    if scores:
        s.objective_measure_status = True
        s.objective_normalized_measure = sum(scores) / len(scores)


def overall_rollup(tree: Tree, states, activity_id: int, global_objectives: dict) -> None:
    """Overall Rollup Process (SN RB.1.5): from the activity up to the root, measure rollup,
    objective rollup and activity progress rollup, then the objectives' write maps.

    When that changes a global objective, the activities that read it are rolled up too (once),
    so clusters elsewhere in the tree see the new shared status.
    """
    before = {
        key: dict(value) for key, value in global_objectives.items() if isinstance(value, dict)
    }
    _rollup_path(tree, states, activity_id, global_objectives)
    changed = {
        key
        for key, value in global_objectives.items()
        if isinstance(value, dict) and before.get(key) != value
    }
    for reader in sorted({r for key in changed for r in tree.readers.get(key, ())}):
        if reader != activity_id:
            _rollup_path(tree, states, reader, global_objectives)


def _rollup_path(tree: Tree, states, activity_id: int, global_objectives: dict) -> None:
    for node in tree.path_to_root(activity_id):
        before = _tracking(state(states, node))
        if tree.standard == SCORM12:
            rollup12(tree, states, node)
        else:
            leaf = tree.is_leaf(node)
            if not leaf:
                measure_rollup(tree, states, node, global_objectives)
                completion_measure_rollup(tree, states, node)
            objective_rollup(tree, states, node, global_objectives)
            if not leaf:
                activity_progress_rollup(tree, states, node, global_objectives)
            write_maps(tree, states, node, global_objectives)
        if node != activity_id and _tracking(state(states, node)) == before:
            # An ancestor's rollup reads only its children: nothing above can change either.
            break


def _tracking(s) -> tuple:
    return (
        s.attempt_progress_status,
        s.attempt_completion_status,
        s.objective_progress_status,
        s.objective_satisfied_status,
        s.objective_measure_status,
        s.objective_normalized_measure,
        s.attempt_completion_amount,
        s.lesson_status,
    )
