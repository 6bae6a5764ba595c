"""Rollup: from each SCO's run-time data to the attempt's outcome.

SCORM 1.2: the LMS decides passed/failed from the mastery score (when the attempt is for
credit and the SCO reported score.raw), and the course is completed when every SCO is
completed or passed. SCORM 2004: the SCO's results go through the sequencing engine
(`courseware.sequencing.apply_runtime`, which rolls up the activity tree) and the attempt's
outcome is the organization's rolled-up state (the root of the tree), falling back on the
every-SCO rule when the engine has no state yet.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from ..models import Activity, Attempt, CmiRecord, GlobalObjective, PackageVersion
from .cmi import SCORM12, SCORM2004

logger = logging.getLogger(__name__)


@dataclass
class ScoResult:
    """One SCO's statuses after a commit, in SCORM 2004 terms."""

    completion_status: str
    success_status: str
    score_scaled: float | None
    score_raw: float | None
    progress_measure: float | None


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def sco_result_12(data: dict, activity: Activity, *, credit: bool) -> tuple[ScoResult, str]:
    """Statuses of a SCORM 1.2 SCO, and the lesson_status the LMS keeps for it."""
    status = data.get("cmi.core.lesson_status") or "not attempted"
    if status == "not attempted":
        status = "incomplete"  # the SCO has been launched and has committed
    raw = _float(data.get("cmi.core.score.raw"))
    if credit and activity.mastery_score is not None and raw is not None:
        # RTE 3.4.4: with a mastery score the LMS sets passed/failed from the raw score.
        status = "passed" if raw >= float(activity.mastery_score) else "failed"
    low = _float(data.get("cmi.core.score.min"))
    high = _float(data.get("cmi.core.score.max"))
    scaled = None
    if raw is not None:
        if low is not None and high is not None and high > low:
            scaled = (raw - low) / (high - low)
        else:
            scaled = raw / 100
        scaled = max(-1.0, min(1.0, scaled))
    completion = "completed" if status in ("completed", "passed") else "incomplete"
    success = status if status in ("passed", "failed") else "unknown"
    return ScoResult(completion, success, scaled, raw, None), status


def sco_result_2004(data: dict, activity: Activity) -> ScoResult:
    """Statuses of a SCORM 2004 SCO, with the LMS's threshold rules (RTE 4.2.4.1, 4.2.22.1)."""
    completion = data.get("cmi.completion_status") or "unknown"
    progress = _float(data.get("cmi.progress_measure"))
    if activity.completion_threshold is not None and progress is not None:
        completion = (
            "completed" if progress >= float(activity.completion_threshold) else "incomplete"
        )
    success = data.get("cmi.success_status") or "unknown"
    scaled = _float(data.get("cmi.score.scaled"))
    if activity.min_normalized_measure is not None and scaled is not None:
        success = "passed" if scaled >= float(activity.min_normalized_measure) else "failed"
    return ScoResult(completion, success, scaled, _float(data.get("cmi.score.raw")), progress)


# A commit reads the version's organization and activity rows several times (rollup, tree,
# navigation); they never change once imported, so they are kept on the instance it holds.
def _organization(version: PackageVersion):
    if not hasattr(version, "_runtime_organization"):
        version._runtime_organization, version._runtime_rows = _version_tree(
            version.pk, version.storage_prefix
        )
    return version._runtime_organization


def _rows(version: PackageVersion) -> list[Activity]:
    if not hasattr(version, "_runtime_rows"):
        _organization(version)
    return version._runtime_rows


@functools.lru_cache(maxsize=256)
def _version_tree(version_id: int, storage_prefix: str) -> tuple:
    """(default organization, its activities in order) of a version, kept per process.

    A ready version's tree never changes, so every commit of every learner can share one copy
    instead of reading it again. The storage prefix is part of the key: it is unique to one
    upload, so a reused primary key (a test database rolled back) never finds another's tree.
    Callers only read these rows.
    """
    version = PackageVersion.objects.filter(pk=version_id, storage_prefix=storage_prefix).first()
    organization = version.default_organization() if version else None
    rows = (
        list(Activity.objects.filter(organization=organization).order_by("sort_order"))
        if organization
        else []
    )
    return organization, rows


def launchable_activities(version: PackageVersion) -> list[Activity]:
    """The SCOs of the version's default organization, in table-of-contents order."""
    return [row for row in _rows(version) if row.is_launchable]


@dataclass
class Outcome:
    """An attempt's rolled-up outcome."""

    completion_status: str
    success_status: str
    score_scaled: float | None
    total_time_seconds: float


def every_sco(attempt: Attempt) -> Outcome:
    """Completed when every SCO is; failed if any failed; passed if one passed and none failed."""
    # Assets have no run-time API: they never report, so the rule counts SCOs only.
    activities = [a for a in launchable_activities(attempt.version) if a.scorm_type != "asset"]
    records = {record.activity_id: record for record in CmiRecord.objects.filter(attempt=attempt)}
    total = sum(record.total_seconds for record in records.values())
    statuses = [records.get(activity.pk) for activity in activities]
    if not any(statuses):
        completion = "not attempted"
    elif all(r is not None and r.completion_status == "completed" for r in statuses):
        completion = "completed"
    else:
        completion = "incomplete"
    successes = {r.success_status for r in statuses if r is not None}
    if "failed" in successes:
        success = "failed"
    elif "passed" in successes:
        success = "passed"
    else:
        success = "unknown"
    scores = [r.score_scaled for r in statuses if r is not None and r.score_scaled is not None]
    score = round(sum(scores) / len(scores), 6) if scores else None
    return Outcome(completion, success, score, total)


# --- SCORM 2004 through the sequencing engine --------------------------------------------


def engine():
    """`courseware.sequencing` when it is installed (it is written alongside this module)."""
    try:
        from courseware import sequencing
    except ImportError:
        return None
    if not hasattr(sequencing, "apply_runtime"):
        return None
    return sequencing


def tree_for(attempt: Attempt):
    """The sequencing tree of the attempt's version (default organization as the root)."""
    if getattr(attempt, "_runtime_tree", None) is not None:
        return attempt._runtime_tree
    sequencing = engine()
    version = attempt.version
    organization = _organization(version)
    rows = _rows(version)
    activities = [
        sequencing.SeqActivity(
            id=row.pk,
            identifier=row.identifier,
            title=row.title,
            parent_id=row.parent_id,
            sort_order=row.sort_order,
            is_launchable=row.is_launchable,
            is_visible=row.is_visible,
            sequencing=row.sequencing or {},
            prerequisites=row.prerequisites,
            completion_threshold=_float(row.completion_threshold),
            **_completion_settings(row),
        )
        for row in rows
    ]
    standard = SCORM12 if version.kind == PackageVersion.Kind.SCORM12 else SCORM2004
    attempt._runtime_tree = sequencing.Tree(
        activities,
        standard,
        root_sequencing=(organization.sequencing or {}) if organization else {},
        root_title=organization.title if organization else "",
        # Selection and randomization stay the same for the whole attempt.
        seed=str(attempt.pk),
    )
    if attempt._runtime_tree.problems:
        logger.warning(
            "Sequencing of %s read with defaults: %s", version, attempt._runtime_tree.problems
        )
    return attempt._runtime_tree


def _completion_settings(row: Activity) -> dict:
    """SCORM 2004 4th edition adlcp:completionThreshold attributes, as the engine takes them."""
    threshold = (row.launch_settings or {}).get("completionThreshold") or {}
    weight = _float(threshold.get("progressWeight"))
    return {
        "completed_by_measure": threshold.get("completedByMeasure") is True,
        "progress_weight": 1.0 if weight is None else weight,
    }


def _system_scope(attempt: Attempt) -> bool:
    organization = _organization(attempt.version)
    return bool(organization and organization.objectives_global_to_system)


def _targets(tree) -> set[str]:
    """Every global objective the tree's objective maps name."""
    found = set()
    for settings in tree.settings.values():
        for objective in [settings.primary, *settings.objectives.values()]:
            found.update(info.target for info in objective.maps)
    return found


def states_load(attempt: Attempt, tree) -> tuple[dict, dict]:
    """ActivityState objects by activity id, and the global objectives the tree maps to.

    Objectives global to the system are the learner's, shared by every attempt and package;
    otherwise they live in the attempt.
    """
    stored = attempt.sequencing_state or {}
    states = engine().states_from_json(stored.get("states"))
    if not _system_scope(attempt):
        return states, dict(stored.get("global_objectives") or {})
    targets = _targets(tree)
    rows = GlobalObjective.objects.filter(learner_id=attempt.learner_id, objective_id__in=targets)
    return states, {row.objective_id: dict(row.values) for row in rows}


def states_store(attempt: Attempt, states: dict, global_objectives: dict, **extra) -> None:
    """Write the engine's states back into the attempt (the caller saves it) and the learner's
    system-wide global objectives into their rows."""
    stored = dict(attempt.sequencing_state or {})
    stored["states"] = engine().states_to_json(states)
    if _system_scope(attempt):
        existing = {
            row.objective_id: row
            for row in GlobalObjective.objects.select_for_update().filter(
                learner_id=attempt.learner_id, objective_id__in=list(global_objectives)
            )
        }
        for target, values in global_objectives.items():
            row = existing.get(target)
            if row is None:
                GlobalObjective.objects.create(
                    learner_id=attempt.learner_id, objective_id=target[:1000], values=values
                )
            elif row.values != values:
                row.values = values
                row.save(update_fields=["values", "updated_at"])
        stored.pop("global_objectives", None)
    else:
        stored["global_objectives"] = global_objectives
    stored.update(extra)
    attempt.sequencing_state = stored


def _objectives(data: dict) -> list[dict]:
    """cmi.objectives of a commit as the engine reads them."""
    found = []
    index = 0
    while f"cmi.objectives.{index}.id" in data:
        prefix = f"cmi.objectives.{index}."
        found.append(
            {
                "id": data[prefix + "id"],
                "success_status": data.get(prefix + "success_status"),
                "completion_status": data.get(prefix + "completion_status"),
                "score": {"scaled": _float(data.get(prefix + "score.scaled"))},
                "progress_measure": _float(data.get(prefix + "progress_measure")),
            }
        )
        index += 1
    return found


def apply_results(
    attempt: Attempt,
    activity: Activity,
    result: ScoResult,
    data: dict,
    lesson_status: str = "",
    attempt_seconds: float | None = None,
) -> None:
    """Copy the SCO's results into its tracking state and roll the tree up (SN 4.2 mapping).

    Done at every accepted commit, so the table of contents and the rolled-up outcome follow
    the learner live; the engine's mapping is idempotent for the same values.
    """
    sequencing = engine()
    if sequencing is None:
        return
    tree = tree_for(attempt)
    states, global_objectives = states_load(attempt, tree)
    scorm12 = attempt.version.kind == PackageVersion.Kind.SCORM12
    sequencing.apply_runtime(
        tree,
        states,
        activity.pk,
        completion_status=lesson_status if scorm12 else result.completion_status,
        success_status=None if scorm12 else result.success_status,
        score_scaled=result.score_scaled,
        progress_measure=result.progress_measure,
        objectives=[] if scorm12 else _objectives(data),
        global_objectives=global_objectives,
        attempt_seconds=attempt_seconds,  # for attemptAbsoluteDurationLimit
    )
    states_store(attempt, states, global_objectives)


def engine_outcome(attempt: Attempt, fallback: Outcome) -> Outcome:
    """SCORM 2004: the attempt's outcome is the organization's rolled-up tracking state."""
    sequencing = engine()
    stored = (attempt.sequencing_state or {}).get("states") or {}
    if sequencing is None or str(sequencing.ROOT_ID) not in stored:
        return fallback
    tree = tree_for(attempt)
    states, global_objectives = states_load(attempt, tree)
    root = sequencing.ROOT_ID
    satisfied, measure = sequencing.objective_status(tree, states, root, "", global_objectives)
    completed = sequencing.completion_status(tree, states, root, global_objectives)
    if completed is None:
        completion = (
            "incomplete" if fallback.completion_status != "not attempted" else "not attempted"
        )
    else:
        completion = "completed" if completed else "incomplete"
    success = "unknown" if satisfied is None else ("passed" if satisfied else "failed")
    score = round(measure, 6) if measure is not None else None
    return Outcome(completion, success, score, fallback.total_time_seconds)
