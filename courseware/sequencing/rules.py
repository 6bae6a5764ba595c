"""Objective tracking through global maps, rule conditions and the Sequencing Rules Check."""

from __future__ import annotations

from .state import ActivityState
from .tree import Objective, Rule, Tree

UNKNOWN = None  # the third value of a rule condition (SN UP.2.1)


def state(states: dict[int, ActivityState], activity_id: int) -> ActivityState:
    """The tracking state of an activity, created empty on first use."""
    found = states.get(activity_id)
    if found is None:
        found = states[activity_id] = ActivityState()
    return found


def _global(global_objectives: dict, target: str) -> dict:
    entry = global_objectives.get(target)
    return entry if isinstance(entry, dict) else {}


def objective_status(
    tree: Tree, states, activity_id: int, objective_id: str, global_objectives: dict
) -> tuple[bool | None, float | None]:
    """(satisfied, measure) of an objective, None when unknown.

    The local objective information is read through the objective's map info: a read map
    whose global objective is known takes precedence (SN 4.2.1, Objective Map read semantics).
    `objective_id` "" (or the primary objective's id) means the primary objective.
    """
    settings = tree.settings[activity_id]
    s = state(states, activity_id)
    objective: Objective | None
    if not objective_id or objective_id == settings.primary.id:
        objective = settings.primary
        satisfied = s.objective_satisfied_status if s.objective_progress_status else None
        measure = s.objective_normalized_measure if s.objective_measure_status else None
    else:
        objective = settings.objectives.get(objective_id)
        local = s.objectives.get(objective_id) or {}
        satisfied = local.get("satisfied")
        measure = local.get("measure")
    for info in objective.maps if objective else []:
        found = _global(global_objectives, info.target)
        if info.read_satisfied and found.get("satisfied") is not None:
            satisfied = bool(found["satisfied"])
        if info.read_measure and found.get("measure") is not None:
            measure = float(found["measure"])
    return satisfied, measure


def completion_status(tree: Tree, states, activity_id: int, global_objectives: dict) -> bool | None:
    """The attempt's completion (None when unknown), read through 4th-edition completion maps."""
    s = state(states, activity_id)
    completed = s.attempt_completion_status if s.attempt_progress_status else None
    for info in tree.settings[activity_id].primary.maps:
        found = _global(global_objectives, info.target)
        if info.read_completion and found.get("completion") is not None:
            completed = bool(found["completion"])
    return completed


def write_maps(tree: Tree, states, activity_id: int, global_objectives: dict) -> None:
    """Copy known local objective values to the global objectives their write maps name."""
    settings = tree.settings[activity_id]
    s = state(states, activity_id)
    objectives = list(settings.objectives.values())
    if not settings.primary.id:
        objectives.append(settings.primary)
    for objective in objectives:
        if not objective.maps:
            continue
        if objective.primary:
            satisfied = s.objective_satisfied_status if s.objective_progress_status else None
            measure = s.objective_normalized_measure if s.objective_measure_status else None
            completion = s.attempt_completion_status if s.attempt_progress_status else None
            progress = s.attempt_completion_amount
        else:
            local = s.objectives.get(objective.id) or {}
            satisfied, measure = local.get("satisfied"), local.get("measure")
            completion, progress = local.get("completion"), local.get("progress_measure")
        for info in objective.maps:
            entry = global_objectives.setdefault(info.target, {})
            if info.write_satisfied and satisfied is not None:
                entry["satisfied"] = bool(satisfied)
            if info.write_measure and measure is not None:
                entry["measure"] = float(measure)
            if info.write_completion and completion is not None:
                entry["completion"] = bool(completion)
            if info.write_progress_measure and progress is not None:
                entry["progress_measure"] = float(progress)


def condition_value(tree: Tree, states, activity_id: int, condition, global_objectives: dict):
    """True, False or UNKNOWN for one rule condition (SN UP.2.1 Sequencing Rule Check)."""
    name = condition.condition
    s = state(states, activity_id)
    settings = tree.settings[activity_id]
    if name == "always":
        return True
    if name == "timeLimitExceeded":
        return duration_exceeded(tree, s, activity_id)
    if name == "outsideAvailableTimeRange":
        # The platform keeps no availability window for activities: never outside it.
        return False
    if name == "attemptLimitExceeded":
        return bool(s.attempt_count > 0 and settings.attempt_limit) and (
            s.attempt_count >= settings.attempt_limit
        )
    if name == "attempted":
        return s.attempt_count > 0
    if name == "activityProgressKnown":
        return s.attempt_count > 0 and s.attempt_progress_status
    if name == "completed":
        completed = completion_status(tree, states, activity_id, global_objectives)
        return UNKNOWN if completed is None else completed
    satisfied, measure = objective_status(
        tree, states, activity_id, condition.objective, global_objectives
    )
    if name == "satisfied":
        return UNKNOWN if satisfied is None else satisfied
    if name == "objectiveStatusKnown":
        return satisfied is not None
    if name == "objectiveMeasureKnown":
        return measure is not None
    if name == "objectiveMeasureGreaterThan":
        return UNKNOWN if measure is None else measure > condition.threshold
    if name == "objectiveMeasureLessThan":
        return UNKNOWN if measure is None else measure < condition.threshold
    return UNKNOWN


def combine(values: list, combination: str):
    """The all/any combination of three-valued results (SN UP.2.1, steps 3-4)."""
    if combination == "all":
        if any(v is False for v in values):
            return False
        return True if all(v is True for v in values) else UNKNOWN
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else UNKNOWN


def rule_fires(tree: Tree, states, activity_id: int, rule: Rule, global_objectives: dict):
    """Sequencing Rule Check Subprocess (SN UP.2.1). Tracking information that is not known
    reads as false here, so `not satisfied` holds before an objective is known (the ADL
    forced-sequential examples rely on it); rollup conditions keep the unknown value."""
    values = []
    for condition in rule.conditions:
        value = condition_value(tree, states, activity_id, condition, global_objectives) is True
        values.append(not value if condition.negate else value)
    return combine(values, rule.combination)


def rules_check(
    tree: Tree, states, activity_id: int, rules: list[Rule], actions: set[str], global_objectives
) -> str | None:
    """Sequencing Rules Check Process (SN UP.2): the action of the first rule that evaluates to
    true among those with one of `actions`, or None."""
    for rule in rules:
        if (
            rule.action in actions
            and rule_fires(tree, states, activity_id, rule, global_objectives) is True
        ):
            return rule.action
    return None


def pre_action(
    tree: Tree, states, activity_id: int, actions: set[str], global_objectives
) -> str | None:
    return rules_check(
        tree, states, activity_id, tree.settings[activity_id].pre_rules, actions, global_objectives
    )


def duration_exceeded(tree: Tree, s: ActivityState, activity_id: int) -> bool:
    """The attempt has lasted its attemptAbsoluteDurationLimit (or longer)."""
    limit = tree.settings[activity_id].duration_limit
    return bool(limit) and s.attempt_progress_status and s.attempt_duration_seconds >= limit


def limit_violated(tree: Tree, states, activity_id: int) -> bool:
    """Limit Conditions Check Process (SN UP.1): the attempt limit and the attempt's absolute
    duration limit (the time the runtime reported for the attempt)."""
    s = state(states, activity_id)
    if s.is_active or s.is_suspended:
        return False
    limit = tree.settings[activity_id].attempt_limit
    if limit and s.attempt_count > 0 and s.attempt_count >= limit:
        return True
    return duration_exceeded(tree, s, activity_id)


def check_activity(tree: Tree, states, activity_id: int, global_objectives) -> bool:
    """Check Activity Process (SN UP.5): True when the activity may not be delivered
    (a `disabled` precondition rule fires or a limit condition is violated)."""
    if pre_action(tree, states, activity_id, {"disabled"}, global_objectives):
        return True
    return limit_violated(tree, states, activity_id)
