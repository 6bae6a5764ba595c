"""The activity tree and each activity's sequencing definition with SCORM's defaults filled in.

The importer keeps `Activity.sequencing` as the manifest says it (SCORM element and attribute
names, defaults not filled in). Here it is read once per tree into `Settings`, with the defaults
of the SCORM 2004 4th Edition Sequencing and Navigation book (SN 3.x tables) for whatever is
absent, and anything malformed is replaced by its default and reported in `Tree.problems`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from courseware.importing.manifest import duration_seconds

from .prerequisites import PrerequisiteError, compile_prerequisites
from .state import ROOT_ID, SeqActivity

SCORM12 = "scorm12"
SCORM2004 = "scorm2004"

SEQUENCING_CONDITIONS = {
    "satisfied",
    "objectiveStatusKnown",
    "objectiveMeasureKnown",
    "objectiveMeasureGreaterThan",
    "objectiveMeasureLessThan",
    "completed",
    "activityProgressKnown",
    "attempted",
    "attemptLimitExceeded",
    "timeLimitExceeded",
    "outsideAvailableTimeRange",
    "always",
}
ROLLUP_CONDITIONS = {
    "satisfied",
    "objectiveStatusKnown",
    "objectiveMeasureKnown",
    "completed",
    "activityProgressKnown",
    "attempted",
    "attemptLimitExceeded",
    "timeLimitExceeded",
    "outsideAvailableTimeRange",
}
PRE_ACTIONS = {"skip", "disabled", "hiddenFromChoice", "stopForwardTraversal"}
EXIT_ACTIONS = {"exit"}
POST_ACTIONS = {"exitParent", "exitAll", "retry", "retryAll", "continue", "previous"}
ROLLUP_ACTIONS = {"satisfied", "notSatisfied", "completed", "incomplete"}
CHILD_SETS = {"all", "any", "none", "atLeastCount", "atLeastPercent"}
REQUIRED_FOR = {"always", "ifAttempted", "ifNotSkipped", "ifNotSuspended"}
TIMINGS = {"never", "once", "onEachNewAttempt"}


@dataclass
class Condition:
    condition: str
    negate: bool = False
    objective: str = ""  # referencedObjective; "" = the primary objective
    threshold: float = 0.0


@dataclass
class Rule:
    conditions: list[Condition]
    combination: str  # "all" / "any"
    action: str
    child_set: str = "all"  # rollup rules only
    minimum_count: int = 0
    minimum_percent: float = 0.0


@dataclass
class MapInfo:
    target: str
    read_satisfied: bool = True
    read_measure: bool = True
    write_satisfied: bool = False
    write_measure: bool = False
    read_completion: bool = False
    write_completion: bool = False
    read_progress_measure: bool = False
    write_progress_measure: bool = False


@dataclass
class Objective:
    id: str
    primary: bool = False
    satisfied_by_measure: bool = False
    min_measure: float = 1.0
    maps: list[MapInfo] = field(default_factory=list)


@dataclass
class Settings:
    """An activity's sequencing definition model (SN table 3.1) with defaults applied."""

    choice: bool = True
    choice_exit: bool = True
    flow: bool = False
    forward_only: bool = False
    use_current_attempt_objective_info: bool = True
    use_current_attempt_progress_info: bool = True
    pre_rules: list[Rule] = field(default_factory=list)
    exit_rules: list[Rule] = field(default_factory=list)
    post_rules: list[Rule] = field(default_factory=list)
    attempt_limit: int = 0  # 0: no limit
    duration_limit: float = 0.0  # attemptAbsoluteDurationLimit in seconds; 0: no limit
    rollup_rules: list[Rule] = field(default_factory=list)
    rollup_objective_satisfied: bool = True
    rollup_progress_completion: bool = True
    objective_measure_weight: float = 1.0
    primary: Objective = field(default_factory=lambda: Objective(id="", primary=True))
    objectives: dict[str, Objective] = field(default_factory=dict)  # all, primary included
    select_count: int = 0
    selection_timing: str = "never"
    reorder_children: bool = False
    randomization_timing: str = "never"
    tracked: bool = True
    completion_set_by_content: bool = False
    objective_set_by_content: bool = False
    constrain_choice: bool = False
    prevent_activation: bool = False
    required_for_satisfied: str = "always"
    required_for_not_satisfied: str = "always"
    required_for_completed: str = "always"
    required_for_incomplete: str = "always"
    measure_satisfaction_if_active: bool = True


class _Reader:
    """Reads one activity's sequencing JSON, reporting what it cannot use."""

    def __init__(self, activity: SeqActivity, problems: list[str]):
        self.activity = activity
        self.problems = problems

    def report(self, message: str) -> None:
        self.problems.append(message)

    def section(self, data: dict, key: str) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.report(f"{key} is not an object; defaults used")
            return {}
        return value

    def flag(self, section: dict, key: str, default: bool) -> bool:
        value = section.get(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        self.report(f"{key}={value!r} is not a boolean; default {default} used")
        return default

    def number(self, section: dict, key: str, default: float, low=None, high=None) -> float:
        value = section.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.report(f"{key}={value!r} is not a number; default {default} used")
            return default
        try:
            number = float(value)
        except ValueError:
            self.report(f"{key}={value!r} is not a number; default {default} used")
            return default
        if (
            not math.isfinite(number)
            or (low is not None and number < low)
            or (high is not None and number > high)
        ):
            self.report(f"{key}={value!r} is out of range; default {default} used")
            return default
        return number

    def choice(self, section: dict, key: str, allowed: set[str], default: str) -> str:
        value = section.get(key, default)
        if value not in allowed:
            self.report(
                f"{key}={value!r} is not one of {sorted(allowed)}; default {default!r} used"
            )
            return default
        return value

    def rules(
        self, raw, actions: set[str], conditions: set[str], rollup: bool = False
    ) -> list[Rule]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.report("a rule list is not a list; ignored")
            return []
        found = []
        for entry in raw:
            rule = self.rule(entry, actions, conditions, rollup)
            if rule is not None:
                found.append(rule)
        return found

    def rule(self, entry, actions: set[str], allowed: set[str], rollup: bool) -> Rule | None:
        if not isinstance(entry, dict):
            self.report("a rule is not an object; ignored")
            return None
        action = entry.get("action")
        if action not in actions:
            self.report(f"rule action {action!r} is not one of {sorted(actions)}; rule ignored")
            return None
        combination = entry.get("conditionCombination", "any" if rollup else "all")
        if combination not in ("all", "any"):
            self.report(f"conditionCombination {combination!r} is invalid; rule ignored")
            return None
        raw_conditions = entry.get("conditions", [])
        if not isinstance(raw_conditions, list) or not raw_conditions:
            # A rule with no condition is not valid in the schema (ruleConditions needs one).
            self.report(f"{action} rule has no conditions; rule ignored")
            return None
        conditions = []
        for raw in raw_conditions:
            if not isinstance(raw, dict) or raw.get("condition") not in allowed:
                name = raw.get("condition") if isinstance(raw, dict) else raw
                self.report(f"unknown rule condition {name!r}; {action} rule ignored")
                return None
            operator = raw.get("operator", "noOp")
            if operator not in ("not", "noOp"):
                self.report(f"unknown operator {operator!r}; {action} rule ignored")
                return None
            threshold = self.number(raw, "measureThreshold", 0.0, -1.0, 1.0)
            objective = raw.get("referencedObjective", "")
            conditions.append(
                Condition(
                    condition=raw["condition"],
                    negate=operator == "not",
                    objective=objective if isinstance(objective, str) else "",
                    threshold=threshold,
                )
            )
        rule = Rule(conditions=conditions, combination=combination, action=action)
        if rollup:
            rule.child_set = self.choice(entry, "childActivitySet", CHILD_SETS, "all")
            rule.minimum_count = int(self.number(entry, "minimumCount", 0, 0))
            rule.minimum_percent = self.number(entry, "minimumPercent", 0.0, 0.0, 1.0)
        return rule

    def objectives(self, raw, settings: Settings) -> None:
        if raw is None:
            return
        if not isinstance(raw, list):
            self.report("objectives is not a list; ignored")
            return
        for entry in raw:
            if not isinstance(entry, dict):
                self.report("an objective is not an object; ignored")
                continue
            primary = entry.get("primary") is True
            identifier = entry.get("objectiveID", "")
            if not isinstance(identifier, str) or (not identifier and not primary):
                self.report("an objective has no objectiveID; ignored")
                continue
            objective = Objective(
                id=identifier,
                primary=primary,
                satisfied_by_measure=self.flag(entry, "satisfiedByMeasure", False),
                min_measure=self.number(entry, "minNormalizedMeasure", 1.0, -1.0, 1.0),
            )
            for info in entry.get("mapInfo", []) if isinstance(entry.get("mapInfo"), list) else []:
                target = info.get("targetObjectiveID") if isinstance(info, dict) else None
                if not isinstance(target, str) or not target:
                    self.report(f"objective {identifier!r} has a mapInfo without target; ignored")
                    continue
                objective.maps.append(
                    MapInfo(
                        target=target,
                        read_satisfied=self.flag(info, "readSatisfiedStatus", True),
                        read_measure=self.flag(info, "readNormalizedMeasure", True),
                        write_satisfied=self.flag(info, "writeSatisfiedStatus", False),
                        write_measure=self.flag(info, "writeNormalizedMeasure", False),
                    )
                )
            if primary:
                settings.primary = objective
            if identifier:
                settings.objectives[identifier] = objective

    def adl_objectives(self, raw, settings: Settings) -> None:
        """adlseq:objectives (4th edition): completion and progress-measure maps of an objective."""
        if not isinstance(raw, list):
            return
        for entry in raw:
            if not isinstance(entry, dict):
                continue
            objective = settings.objectives.get(entry.get("objectiveID", ""))
            if objective is None:
                self.report(
                    f"adlseq objective {entry.get('objectiveID')!r} is not declared; ignored"
                )
                continue
            for info in entry.get("mapInfo", []) if isinstance(entry.get("mapInfo"), list) else []:
                target = info.get("targetObjectiveID") if isinstance(info, dict) else None
                if not isinstance(target, str) or not target:
                    continue
                objective.maps.append(
                    MapInfo(
                        target=target,
                        read_satisfied=False,
                        read_measure=False,
                        read_completion=self.flag(info, "readCompletionStatus", True),
                        write_completion=self.flag(info, "writeCompletionStatus", False),
                        read_progress_measure=self.flag(info, "readProgressMeasure", True),
                        write_progress_measure=self.flag(info, "writeProgressMeasure", False),
                    )
                )

    def settings(self) -> Settings:
        data = self.activity.sequencing
        if not isinstance(data, dict):
            self.report("sequencing is not an object; defaults used")
            data = {}
        s = Settings()
        control = self.section(data, "controlMode")
        s.choice = self.flag(control, "choice", True)
        s.choice_exit = self.flag(control, "choiceExit", True)
        s.flow = self.flag(control, "flow", False)
        s.forward_only = self.flag(control, "forwardOnly", False)
        s.use_current_attempt_objective_info = self.flag(
            control, "useCurrentAttemptObjectiveInfo", True
        )
        s.use_current_attempt_progress_info = self.flag(
            control, "useCurrentAttemptProgressInfo", True
        )
        rules = self.section(data, "sequencingRules")
        s.pre_rules = self.rules(rules.get("preConditionRules"), PRE_ACTIONS, SEQUENCING_CONDITIONS)
        s.exit_rules = self.rules(
            rules.get("exitConditionRules"), EXIT_ACTIONS, SEQUENCING_CONDITIONS
        )
        s.post_rules = self.rules(
            rules.get("postConditionRules"), POST_ACTIONS, SEQUENCING_CONDITIONS
        )
        limits = self.section(data, "limitConditions")
        s.attempt_limit = int(self.number(limits, "attemptLimit", 0, 0))
        duration = limits.get("attemptAbsoluteDurationLimit")
        if duration is not None:
            seconds = duration_seconds(duration) if isinstance(duration, str) else None
            if seconds is None or seconds < 0:
                self.report(f"attemptAbsoluteDurationLimit={duration!r} is not a duration; ignored")
            else:
                s.duration_limit = seconds
        rollup = self.section(data, "rollupRules")
        s.rollup_objective_satisfied = self.flag(rollup, "rollupObjectiveSatisfied", True)
        s.rollup_progress_completion = self.flag(rollup, "rollupProgressCompletion", True)
        s.objective_measure_weight = self.number(rollup, "objectiveMeasureWeight", 1.0, 0.0, 1.0)
        s.rollup_rules = self.rules(
            rollup.get("rules"), ROLLUP_ACTIONS, ROLLUP_CONDITIONS, rollup=True
        )
        self.objectives(data.get("objectives"), s)
        self.adl_objectives(data.get("adlObjectives"), s)
        random = self.section(data, "randomizationControls")
        s.select_count = int(self.number(random, "selectCount", 0, 0))
        s.selection_timing = self.choice(random, "selectionTiming", TIMINGS, "never")
        s.reorder_children = self.flag(random, "reorderChildren", False)
        s.randomization_timing = self.choice(random, "randomizationTiming", TIMINGS, "never")
        delivery = self.section(data, "deliveryControls")
        s.tracked = self.flag(delivery, "tracked", True)
        s.completion_set_by_content = self.flag(delivery, "completionSetByContent", False)
        s.objective_set_by_content = self.flag(delivery, "objectiveSetByContent", False)
        constrained = self.section(data, "constrainedChoiceConsiderations")
        s.constrain_choice = self.flag(constrained, "constrainChoice", False)
        s.prevent_activation = self.flag(constrained, "preventActivation", False)
        considerations = self.section(data, "rollupConsiderations")
        s.required_for_satisfied = self.choice(
            considerations, "requiredForSatisfied", REQUIRED_FOR, "always"
        )
        s.required_for_not_satisfied = self.choice(
            considerations, "requiredForNotSatisfied", REQUIRED_FOR, "always"
        )
        s.required_for_completed = self.choice(
            considerations, "requiredForCompleted", REQUIRED_FOR, "always"
        )
        s.required_for_incomplete = self.choice(
            considerations, "requiredForIncomplete", REQUIRED_FOR, "always"
        )
        s.measure_satisfaction_if_active = self.flag(
            considerations, "measureSatisfactionIfActive", True
        )
        return s


class Tree:
    """An activity tree (SN 1.x): the organization as root, items below it in manifest order.

    `Tree(activities, standard)` with `standard` "scorm12" or "scorm2004". The organization is
    not an Activity row, so the tree adds it as the root under `ROOT_ID`; pass its sequencing
    (`Organization.sequencing`) as `root_sequencing` so the root's control modes (flow, choice)
    and rollup rules apply. `seed` makes selection and randomization reproducible per attempt
    (pass the attempt id). Items whose parent is unknown hang from the root; items caught in a
    parent cycle are left out; both are reported in `problems`.
    """

    def __init__(
        self,
        activities: list[SeqActivity],
        standard: str = SCORM2004,
        *,
        root_sequencing: dict | None = None,
        root_title: str = "",
        seed: str = "",
    ):
        if standard not in (SCORM12, SCORM2004):
            raise ValueError(f"unknown standard {standard!r}")
        self.standard = standard
        self.seed = str(seed)
        self.problems: list[str] = []
        self.root = SeqActivity(
            id=ROOT_ID,
            identifier="",
            title=root_title,
            parent_id=None,
            sort_order=-1,
            is_launchable=False,
            is_visible=True,
            sequencing=root_sequencing or {},
        )
        self.nodes: dict[int, SeqActivity] = {ROOT_ID: self.root}
        for activity in activities:
            if activity.id == ROOT_ID or activity.id in self.nodes:
                raise ValueError(f"activity id {activity.id} is reserved or repeated")
            self.nodes[activity.id] = activity
        children: dict[int, list[SeqActivity]] = {key: [] for key in self.nodes}
        for activity in activities:
            parent = activity.parent_id if activity.parent_id is not None else ROOT_ID
            if parent not in self.nodes:
                self.problems.append(f"{activity.identifier}: unknown parent; placed at the top")
                parent = ROOT_ID
            children[parent].append(activity)
        self.children: dict[int, list[int]] = {
            key: [a.id for a in sorted(found, key=lambda a: (a.sort_order, a.id))]
            for key, found in children.items()
        }
        self._paths: dict[int, tuple[int, ...]] = {}
        self.parent: dict[int, int | None] = {ROOT_ID: None}
        self.depth: dict[int, int] = {ROOT_ID: 0}
        self.preorder: list[int] = []
        stack = [ROOT_ID]
        while stack:
            node = stack.pop()
            self.preorder.append(node)
            for child in reversed(self.children[node]):
                self.parent[child] = node
                self.depth[child] = self.depth[node] + 1
                stack.append(child)
        for key in list(self.nodes):
            if key not in self.parent:
                self.problems.append(f"{self.nodes[key].identifier}: in a parent cycle; left out")
                del self.nodes[key]
        self.position = {key: index for index, key in enumerate(self.preorder)}
        self.settings: dict[int, Settings] = {}
        self.by_identifier: dict[str, int] = {}
        # Activities often share one definition (a sequencingCollection): read each once.
        # Settings are never changed after reading, so sharing them is safe.
        read: dict[str, tuple[Settings, list[str]]] = {}
        scorm12 = Settings(choice=True, flow=True)  # 1.2: every item may be chosen and flowed to
        for key in self.preorder:
            activity = self.nodes[key]
            if standard == SCORM12:
                self.settings[key] = scorm12
            else:
                try:
                    fingerprint = json.dumps(activity.sequencing, sort_keys=True, default=repr)
                except (TypeError, ValueError):
                    fingerprint = repr(activity.sequencing)
                if fingerprint not in read:
                    found: list[str] = []
                    read[fingerprint] = (_Reader(activity, found).settings(), found)
                settings, found = read[fingerprint]
                self.problems.extend(f"{activity.identifier}: {message}" for message in found)
                self.settings[key] = settings
            if activity.identifier:
                self.by_identifier.setdefault(activity.identifier, key)
        # Global objective id -> the activities that read it (to roll them up when it changes).
        self.readers: dict[str, set[int]] = {}
        for key, settings in self.settings.items():
            for objective in [*settings.objectives.values(), settings.primary]:
                for info in objective.maps:
                    if info.read_satisfied or info.read_measure or info.read_completion:
                        self.readers.setdefault(info.target, set()).add(key)
        # SCORM 1.2 prerequisites, compiled once; a malformed one never blocks (it is reported).
        self.prerequisites: dict[int, object] = {}
        if standard == SCORM12:
            for key in self.preorder:
                text = self.nodes[key].prerequisites
                if not text or not text.strip():
                    continue
                try:
                    check, names = compile_prerequisites(text)
                except PrerequisiteError as exc:
                    self.problems.append(
                        f"{self.nodes[key].identifier}: prerequisites {text!r} ignored ({exc})"
                    )
                    continue
                for name in sorted(names - set(self.by_identifier)):
                    self.problems.append(
                        f"{self.nodes[key].identifier}: prerequisites name unknown item {name!r}"
                    )
                self.prerequisites[key] = check

    def __contains__(self, activity_id) -> bool:
        return activity_id in self.nodes

    def is_leaf(self, activity_id: int) -> bool:
        return not self.children[activity_id]

    def path_to_root(self, activity_id: int) -> tuple[int, ...]:
        """The activity, its parent, ... the root (computed once per activity)."""
        path = self._paths.get(activity_id)
        if path is None:
            parent = self.parent[activity_id]
            path = (activity_id,) if parent is None else (activity_id, *self._walk_up(parent))
            self._paths[activity_id] = path
        return path

    def _walk_up(self, activity_id: int) -> tuple[int, ...]:
        found = []
        node: int | None = activity_id
        while node is not None:
            if node in self._paths:
                return (*found, *self._paths[node])
            found.append(node)
            node = self.parent[node]
        return tuple(found)

    def is_ancestor(self, ancestor: int, activity_id: int) -> bool:
        """True when `ancestor` is `activity_id` or above it."""
        node: int | None = activity_id
        while node is not None:
            if node == ancestor:
                return True
            node = self.parent[node]
        return False

    def common_ancestor(self, a: int, b: int) -> int:
        above = set(self.path_to_root(a))
        for node in self.path_to_root(b):
            if node in above:
                return node
        return ROOT_ID
