"""Plain data the sequencer reads and writes: activities, tracking state, navigation results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

# The organization is the root of a SCORM 2004 activity tree but is not an Activity row: the
# tree adds it under this id (database ids start at 1), and its state is kept under it too.
ROOT_ID = 0


@dataclass
class SeqActivity:
    """One item of the activity tree, built from a `courseware.models.Activity` row."""

    id: int
    identifier: str
    title: str
    parent_id: int | None
    sort_order: int
    is_launchable: bool
    is_visible: bool
    sequencing: dict
    prerequisites: str = ""
    # adlcp:completionThreshold (minProgressMeasure), 0..1, when the item declares one.
    completion_threshold: float | None = None
    # adlcp:completionThreshold completedByMeasure / progressWeight (4th edition; the importer
    # keeps them in Activity.launch_settings["completionThreshold"]).
    completed_by_measure: bool = False
    progress_weight: float = 1.0


@dataclass
class ActivityState:
    """Tracking data of one activity in one attempt (SCORM 2004 SN 4.2: activity/attempt/objective
    progress information). Round-trips through `dataclasses.asdict` and `from_dict`."""

    attempt_count: int = 0
    attempt_progress_status: bool = False
    attempt_completion_status: bool = False
    attempt_completion_amount: float | None = None
    objective_progress_status: bool = False
    objective_satisfied_status: bool = False
    objective_measure_status: bool = False
    objective_normalized_measure: float = 0.0
    is_active: bool = False
    is_suspended: bool = False
    # objective id -> {"satisfied": bool|None, "measure": float|None, "completion": bool|None,
    # "progress_measure": float|None}; None means unknown.
    objectives: dict = field(default_factory=dict)
    # Children ids in delivery order after selection/randomization (None: all, in manifest order).
    available_children: list[int] | None = None
    # SCORM 1.2 cmi.core.lesson_status as the content last reported it ("" when never).
    lesson_status: str = ""
    # Time spent in the current attempt, as the runtime reports it (attemptAbsoluteDuration).
    attempt_duration_seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> ActivityState:
        """A state from stored JSON; unknown keys are dropped, missing ones take their defaults."""
        state = cls()
        if not isinstance(data, dict):
            return state
        for name, default in _DEFAULTS.items():
            if name not in data:
                continue
            value = data[name]
            if name == "objectives":
                if isinstance(value, dict):
                    state.objectives = {
                        str(k): dict(v) for k, v in value.items() if isinstance(v, dict)
                    }
            elif name == "available_children":
                if isinstance(value, list) and all(
                    isinstance(v, int) and not isinstance(v, bool) for v in value
                ):
                    state.available_children = list(value)
            elif name == "attempt_completion_amount":
                if value is None or (
                    isinstance(value, int | float) and not isinstance(value, bool)
                ):
                    state.attempt_completion_amount = value
            elif isinstance(default, bool):
                if isinstance(value, bool):
                    setattr(state, name, value)
            elif isinstance(default, int):
                if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                    setattr(state, name, value)
            elif isinstance(default, float):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    setattr(state, name, float(value))
            elif isinstance(default, str) and isinstance(value, str):
                setattr(state, name, value)
        return state

    def copy(self) -> ActivityState:
        clone = ActivityState.__new__(ActivityState)
        clone.__dict__.update(self.__dict__)
        clone.objectives = {k: dict(v) for k, v in self.objectives.items()}
        if self.available_children is not None:
            clone.available_children = list(self.available_children)
        return clone


_DEFAULTS = {f.name: getattr(ActivityState(), f.name) for f in fields(ActivityState)}


def states_to_json(states: dict[int, ActivityState]) -> dict[str, dict]:
    """States as JSON-ready data (keys become strings, as JSON requires)."""
    return {str(key): state.to_dict() for key, state in states.items()}


def states_from_json(data: dict | None) -> dict[int, ActivityState]:
    """The inverse of `states_to_json`; entries whose key is not an integer are dropped."""
    states: dict[int, ActivityState] = {}
    for key, value in (data or {}).items():
        try:
            states[int(key)] = ActivityState.from_dict(value if isinstance(value, dict) else {})
        except (TypeError, ValueError):
            continue
    return states


@dataclass
class TocNode:
    """One line of the player's table of contents."""

    activity_id: int
    title: str
    depth: int
    launchable: bool
    hidden: bool
    disabled: bool
    status: str  # "not attempted" / "incomplete" / "completed" / "passed" / "failed"
    identifier: str = ""
    parent_id: int | None = None
    is_current: bool = False
    score_scaled: float | None = None


@dataclass
class NavigationView:
    """What the player shows: the table of contents and which buttons work."""

    toc: list[TocNode]
    current_id: int | None
    can_previous: bool
    can_continue: bool
    choice_allowed: bool
    suspended_id: int | None = None
    # Course-level rollup (the organization's tracking), for a summary line.
    status: str = "not attempted"
    score_scaled: float | None = None


@dataclass
class NavResult:
    """The outcome of a navigation request (SCORM 2004 SN Overall Sequencing Process, OP.1).

    `deliver_id` is the activity to launch; `error` a sequencing exception code ("NB.2.1-2",
    "SB.2.2-1", ...) when the request was refused (then the states are left untouched);
    `deliver_id` None with no error means nothing is delivered: `ended` tells whether the
    sequencing session ended. `current_id` is the current activity after the request (store it).
    """

    deliver_id: int | None
    error: str = ""
    message: str = ""
    current_id: int | None = None
    ended: bool = False
