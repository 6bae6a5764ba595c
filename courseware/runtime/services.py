"""The server-side SCORM store: open attempts, start sessions, accept commits, navigate.

The server is the record of a learner's progress. Every commit is checked again here
(`cmi.validate_commit`), applied atomically under a row lock on the attempt and the
activity's record, made idempotent by its commit id (a replay returns the first result)
and ordered by its sequence number (an older commit never overwrites newer data).
"""

from __future__ import annotations

from dataclasses import asdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.api import audit_record, is_national_admin, staff_institution_ids

from ..data import (
    ActivityProgress,
    AttemptOutcome,
    AttemptProgress,
    CommitResult,
    RuntimeState,
)
from ..models import Activity, Attempt, CmiCommit, CmiRecord, Package, PackageVersion
from ..signals import attempt_outcome_changed
from . import rollup, xapi
from .cmi import (
    SCORM12,
    SCORM2004,
    CmiError,
    duration_seconds,
    flatten,
    nest,
    seconds_as_duration,
    seconds_as_timespan,
    timespan_seconds,
    validate_commit,
)

COMMIT_ID_MAX = 64
# The commit log keeps the last commits of each record (enough for any retry), pruned in steps.
COMMIT_LOG_KEEP = 100
COMMIT_LOG_PRUNE_EVERY = 50
# Elements a runtime must not be handed back at the start of a session (write-only).
_NOT_RESTORED = {"cmi.core.exit", "cmi.core.session_time", "cmi.exit", "cmi.session_time"}


def standard_of(version: PackageVersion) -> str:
    """The SCORM run-time a version speaks; other kinds have no CMI data model."""
    if version.kind == PackageVersion.Kind.SCORM12:
        return SCORM12
    if version.kind == PackageVersion.Kind.SCORM2004:
        return SCORM2004
    raise ValidationError(_("This package has no SCORM run-time."), code="not_scorm")


def _require_learner(attempt: Attempt, learner) -> None:
    if learner is None or not learner.is_authenticated or attempt.learner_id != learner.pk:
        raise PermissionDenied(_("This attempt belongs to another learner."))


def _require_activity(attempt: Attempt, activity: Activity) -> None:
    if activity.version_id != attempt.version_id or not activity.is_launchable:
        raise PermissionDenied(_("This activity is not part of the attempt."))


def _decimal(value) -> float | None:
    return float(value) if value is not None else None


# --- attempts ----------------------------------------------------------------------------


def attempt_open(
    *,
    learner,
    package: Package,
    version: PackageVersion,
    institution,
    placement: str,
    new=False,
    registration=None,
) -> Attempt:
    """The learner's active attempt of the package at this placement, or a new one on `version`.

    An attempt stays on the version it began on. `new=True` closes the active attempt and
    starts the next one. `registration` is the lms enrolment's xAPI registration: outcome
    statements carry it (an attempt opened without one keeps it once given). lms has decided
    access before calling this.
    """
    if learner is None or not learner.is_authenticated:
        raise PermissionDenied(_("Only a signed-in learner has attempts."))
    if version.package_id != package.pk or version.status != PackageVersion.Status.READY:
        raise ValidationError(_("This version of the package cannot be launched."), code="version")
    if not placement or len(placement) > 255:
        raise ValidationError(_("A placement is required."), code="placement")
    for _try in range(2):
        try:
            with transaction.atomic():
                return _attempt_open(
                    learner, package, version, institution, placement, new, registration
                )
        except IntegrityError:
            # A concurrent open created the active attempt first: the second pass finds it.
            if new:
                raise
    raise IntegrityError("attempt_open")  # pragma: no cover - two conflicts in a row


def _attempt_open(learner, package, version, institution, placement, new, registration):
    attempts = Attempt.objects.select_for_update().filter(
        learner=learner, package=package, placement=placement
    )
    active = attempts.filter(status=Attempt.Status.ACTIVE).first()
    if active is not None and not new:
        if registration is not None and active.enrolment_registration is None:
            # An attempt begun before registrations were passed down joins its enrolment's.
            active.enrolment_registration = registration
            active.save(update_fields=["enrolment_registration", "updated_at"])
        return active
    if active is not None:
        active.status = Attempt.Status.CLOSED
        active.closed_at = timezone.now()
        active.save(update_fields=["status", "closed_at", "updated_at"])
    number = (attempts.aggregate(n=Max("number"))["n"] or 0) + 1
    attempt = Attempt.objects.create(
        learner=learner,
        institution=institution,
        package=package,
        version=version,
        placement=placement,
        number=number,
        enrolment_registration=registration,
    )
    audit_record(
        actor=learner,
        action="courseware.attempt_open",
        obj=attempt,
        institution=institution,
        data={"package": package.pk, "version": version.number, "number": number},
    )
    return attempt


def attempt_close(*, attempt: Attempt, actor) -> Attempt:
    """End an attempt: no more commits; its data stays for review and progress views."""
    if actor is None or attempt.learner_id != getattr(actor, "pk", None):
        _require_staff_reader(attempt, actor)
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.status == Attempt.Status.ACTIVE:
            attempt.status = Attempt.Status.CLOSED
            attempt.closed_at = timezone.now()
            attempt.save(update_fields=["status", "closed_at", "updated_at"])
            audit_record(
                actor=actor,
                action="courseware.attempt_close",
                obj=attempt,
                institution=attempt.institution,
            )
    return attempt


# --- sessions ----------------------------------------------------------------------------


def _credit_and_mode(attempt: Attempt) -> tuple[str, str]:
    if attempt.status == Attempt.Status.ACTIVE:
        return "credit", "normal"
    return "no-credit", "review"


def _record_locked(attempt: Attempt, activity: Activity) -> CmiRecord:
    try:
        with transaction.atomic():
            CmiRecord.objects.get_or_create(attempt=attempt, activity=activity)
    except IntegrityError:
        pass  # created concurrently
    return CmiRecord.objects.select_for_update().get(attempt=attempt, activity=activity)


def runtime_load(*, attempt: Attempt, activity: Activity, learner) -> RuntimeState:
    """Start a session of one SCO: the data model to load, with the entry it resumes with.

    A suspended session resumes exactly (location, suspend_data, interactions, objectives),
    on any device. In SCORM 2004 a session that ended without suspending ends the
    activity's attempt, so the next one starts afresh (RTE 4.2.8).
    """
    _require_learner(attempt, learner)
    _require_activity(attempt, activity)
    standard = standard_of(attempt.version)
    with transaction.atomic():
        # The stored status decides credit and mode, not the caller's copy of the attempt.
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        credit, mode = _credit_and_mode(attempt)
        record = _record_locked(attempt, activity)
        if mode == "normal":
            _session_start(record, standard)
        data = {k: v for k, v in record.data.items() if k not in _NOT_RESTORED}
    cmi = nest(data)
    learner_id = learner.learner_id or f"user-{learner.pk}"
    name = learner.display_name
    total = record.total_seconds
    launch_data = activity.data_from_lms
    if standard == SCORM12:
        core = cmi.setdefault("core", {})
        core.update(
            student_id=learner_id,
            student_name=name,
            credit=credit,
            entry=record.entry,
            lesson_mode=mode,
            total_time=seconds_as_timespan(total),
        )
        core.setdefault("lesson_status", "not attempted")
        cmi["launch_data"] = launch_data
        student_data = cmi.setdefault("student_data", {})
        if activity.mastery_score is not None:
            student_data["mastery_score"] = f"{float(activity.mastery_score):g}"
        student_data["max_time_allowed"] = activity.max_time_allowed
        student_data["time_limit_action"] = activity.time_limit_action
    else:
        cmi.update(
            learner_id=learner_id,
            learner_name=name,
            credit=credit,
            entry=record.entry,
            mode=mode,
            total_time=seconds_as_duration(total),
            launch_data=launch_data,
        )
        if activity.completion_threshold is not None:
            cmi["completion_threshold"] = f"{float(activity.completion_threshold):g}"
        if activity.min_normalized_measure is not None:
            cmi["scaled_passing_score"] = f"{float(activity.min_normalized_measure):g}"
        if activity.time_limit_seconds is not None:
            cmi["max_time_allowed"] = seconds_as_duration(activity.time_limit_seconds)
        if activity.time_limit_action:
            cmi["time_limit_action"] = activity.time_limit_action
    return RuntimeState(
        standard=standard,
        cmi=cmi,
        seq=record.seq,
        entry=record.entry,
        attempt_id=str(attempt.pk),
        activity_id=activity.pk,
        learner_id=learner_id,
        learner_name=name,
        credit=credit,
        mode=mode,
        launch_data=launch_data,
        mastery_score=_decimal(activity.mastery_score),
        scaled_passing_score=_decimal(activity.min_normalized_measure),
        completion_threshold=_decimal(activity.completion_threshold),
        max_time_allowed=activity.max_time_allowed,
        time_limit_seconds=activity.time_limit_seconds,
        time_limit_action=activity.time_limit_action,
        session=record.session_count,
    )


def _session_start(record: CmiRecord, standard: str) -> None:
    """Open a new session: fold an unfinished one's time in and decide the entry value."""
    first = record.session_count == 0
    ended = not record.session_open
    if record.session_open:
        # The previous session never terminated (closed tab, lost network): its last reported
        # time counts, its data stays, and it resumes like a suspended one.
        record.closed_seconds += record.session_seconds
        record.session_seconds = 0
    suspended = record.exit == "suspend" or (not ended and not first)
    if first:
        record.entry = "ab-initio"
        record.activity_attempts = 1
    elif suspended:
        record.entry = "resume"
    elif standard == SCORM2004:
        # A terminated, non-suspended session ended the activity attempt: a new one begins.
        record.data = {}
        record.entry = "ab-initio"
        record.activity_attempts += 1
        record.attempt_base_seconds = record.closed_seconds
    else:
        record.entry = ""
    record.exit = ""
    record.session_count += 1
    record.session_open = True
    record.save()


# --- commits -----------------------------------------------------------------------------


def _check_request(seq, commit_id) -> None:
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq < 2**62:
        raise CmiError(351, "seq", "The sequence number must be a positive integer.")
    if not isinstance(commit_id, str) or not 0 < len(commit_id) <= COMMIT_ID_MAX:
        raise CmiError(351, "commit_id", "The commit id must be 1 to 64 characters.")


def _result(record: CmiRecord, attempt: Attempt, *, stale=False, navigation=None) -> CommitResult:
    return CommitResult(
        ok=not stale,
        stale=stale,
        seq=record.seq,
        completion_status=record.completion_status,
        success_status=record.success_status,
        score_scaled=record.score_scaled,
        total_time_seconds=record.total_seconds,
        navigation=navigation,
    )


def runtime_commit(
    *,
    attempt: Attempt,
    activity: Activity,
    learner,
    seq: int,
    commit_id: str,
    cmi: dict,
    terminate: bool,
) -> CommitResult:
    """Accept one commit of a SCO's data model (see the module docstring for the rules).

    Raises `CmiError` with the SCORM error code when a value is refused; then nothing of the
    commit is stored.
    """
    _require_learner(attempt, learner)
    _require_activity(attempt, activity)
    standard = standard_of(attempt.version)
    _check_request(seq, commit_id)
    values = validate_commit(standard, flatten(cmi))
    session_time = values.get(
        "cmi.core.session_time" if standard == SCORM12 else "cmi.session_time"
    )
    seconds = None
    if session_time is not None:
        seconds = (timespan_seconds if standard == SCORM12 else duration_seconds)(session_time)
    with transaction.atomic():
        # Lock order: attempt, then record. Every commit of the attempt is serialised, so the
        # rollup over its records reads a consistent set.
        attempt = Attempt.objects.select_for_update().select_related("version").get(pk=attempt.pk)
        if attempt.status != Attempt.Status.ACTIVE:
            raise PermissionDenied(_("This attempt is closed."))
        record = _record_locked(attempt, activity)
        done = CmiCommit.objects.filter(record=record, commit_id=commit_id).first()
        if done is not None:
            return CommitResult(**done.result, navigation=_navigation_or_none(attempt, learner))
        if seq <= record.seq:
            return _result(record, attempt, stale=True)
        statuses_before = (record.completion_status, record.success_status)
        if not record.session_open:
            _session_start(record, standard)
        record.data = values
        record.seq = seq
        if seconds is not None:
            # The session's time so far replaces the last report: a retried or repeated
            # commit of the same session never adds it twice.
            record.session_seconds = seconds
        record.exit = values.get("cmi.core.exit" if standard == SCORM12 else "cmi.exit", "")
        status = ""
        if standard == SCORM12:
            result, status = rollup.sco_result_12(values, activity, credit=True)
            record.data["cmi.core.lesson_status"] = status
        else:
            result = rollup.sco_result_2004(values, activity)
        record.completion_status = result.completion_status
        record.success_status = result.success_status
        record.score_scaled = result.score_scaled
        record.score_raw = result.score_raw
        record.progress_measure = result.progress_measure
        if terminate:
            record.closed_seconds += record.session_seconds
            record.session_seconds = 0
            record.session_open = False
        record.save()
        rollup.apply_results(
            attempt,
            activity,
            result,
            values,
            status,
            attempt_seconds=record.total_seconds - record.attempt_base_seconds,
        )
        _attempt_rollup(attempt, standard, learner)
        commit_result = _result(record, attempt)
        stored = asdict(commit_result)
        stored.pop("navigation")
        CmiCommit.objects.create(record=record, commit_id=commit_id, seq=seq, result=stored)
        if seq % COMMIT_LOG_PRUNE_EVERY == 0:
            # Replays come within seconds; an id older than the kept window is answered as stale.
            CmiCommit.objects.filter(record=record, seq__lte=seq - COMMIT_LOG_KEEP).delete()
        if terminate:
            audit_record(
                actor=learner,
                action="courseware.session_end",
                obj=attempt,
                institution=attempt.institution,
                data={"activity": activity.pk, "seq": seq, "exit": record.exit},
            )
    # The table of contents changes only when a status does or the session ends; most
    # commits (location, suspend data) leave it as the player already shows it.
    if terminate or (record.completion_status, record.success_status) != statuses_before:
        commit_result.navigation = _navigation_or_none(attempt, learner)
    return commit_result


def _attempt_rollup(attempt: Attempt, standard: str, learner) -> None:
    """Recompute the attempt's outcome; on a change, audit, write xAPI and signal on commit."""
    outcome = rollup.every_sco(attempt)
    if standard == SCORM2004:
        outcome = rollup.engine_outcome(attempt, outcome)
    previous = (attempt.completion_status, attempt.success_status)
    changed = (
        outcome.completion_status != attempt.completion_status
        or outcome.success_status != attempt.success_status
        or outcome.score_scaled != attempt.score_scaled
    )
    attempt.total_time_seconds = outcome.total_time_seconds
    if not changed:
        attempt.save(update_fields=["total_time_seconds", "sequencing_state", "updated_at"])
        return
    attempt.completion_status = outcome.completion_status
    attempt.success_status = outcome.success_status
    attempt.score_scaled = outcome.score_scaled
    attempt.outcome_sequence += 1
    attempt.save()
    payload = outcome_payload(attempt)
    audit_record(
        actor=learner,
        action="courseware.attempt_outcome",
        obj=attempt,
        institution=attempt.institution,
        data={
            "completion": payload.completion_status,
            "success": payload.success_status,
            "score": payload.score_scaled,
            "sequence": payload.sequence,
        },
    )
    xapi.outcome_record(
        outcome=payload,
        learner=learner,
        institution=attempt.institution,
        package_title=attempt.package.title,
        previous=previous,
        registration=attempt.enrolment_registration,
    )
    transaction.on_commit(
        lambda: attempt_outcome_changed.send(sender=Attempt, outcome=payload), robust=False
    )


# --- navigation (SCORM 2004 sequencing) --------------------------------------------------


def _navigation_or_none(attempt: Attempt, learner):
    if rollup.engine() is None:
        return None
    return _navigation_view(attempt)


def _navigation_view(attempt: Attempt):
    tree = rollup.tree_for(attempt)
    states, global_objectives = rollup.states_load(attempt, tree)
    current = (attempt.sequencing_state or {}).get("current_id")
    return rollup.engine().navigation_view(tree, states, current, global_objectives)


def navigation(*, attempt: Attempt, learner):
    """The table of contents and the buttons the learner may use now."""
    _require_learner(attempt, learner)
    sequencing = rollup.engine()
    if sequencing is None:
        raise ValidationError(_("Sequencing is not available."), code="no_sequencing")
    # The stored state, not the caller's copy of the attempt (a commit may have moved it on).
    return _navigation_view(Attempt.objects.select_related("version").get(pk=attempt.pk))


def navigate(*, attempt: Attempt, learner, request: str, target_id: int | None = None):
    """Run one navigation request through the sequencer and store where it leads."""
    _require_learner(attempt, learner)
    sequencing = rollup.engine()
    if sequencing is None:
        raise ValidationError(_("Sequencing is not available."), code="no_sequencing")
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("version").get(pk=attempt.pk)
        if attempt.status != Attempt.Status.ACTIVE:
            raise PermissionDenied(_("This attempt is closed."))
        tree = rollup.tree_for(attempt)
        states, global_objectives = rollup.states_load(attempt, tree)
        current = (attempt.sequencing_state or {}).get("current_id")
        result = sequencing.navigation_request(
            tree, states, current, request, target_id, global_objectives
        )
        if not result.error:
            rollup.states_store(attempt, states, global_objectives, current_id=result.current_id)
            attempt.save(update_fields=["sequencing_state", "updated_at"])
            audit_record(
                actor=learner,
                action="courseware.navigate",
                obj=attempt,
                institution=attempt.institution,
                data={"request": request, "target": target_id, "deliver": result.deliver_id},
            )
    return result


# --- reading progress --------------------------------------------------------------------


def _require_staff_reader(attempt: Attempt, actor) -> None:
    if not (is_national_admin(actor) or attempt.institution_id in staff_institution_ids(actor)):
        raise PermissionDenied(_("You cannot see this learner's progress."))


def attempt_progress(*, attempt: Attempt, actor=None) -> AttemptProgress:
    """The attempt and each of its SCOs: status, score, time, sessions, activity attempts.

    With `actor`, only the learner or staff of the attempt's institution may read it.
    """
    if actor is not None and attempt.learner_id != getattr(actor, "pk", None):
        _require_staff_reader(attempt, actor)
    records = {r.activity_id: r for r in CmiRecord.objects.filter(attempt=attempt)}
    activities = []
    for activity in rollup.launchable_activities(attempt.version):
        record = records.get(activity.pk)
        activities.append(
            ActivityProgress(
                activity_id=activity.pk,
                identifier=activity.identifier,
                title=activity.title,
                completion_status=record.completion_status if record else "not attempted",
                success_status=record.success_status if record else "unknown",
                score_scaled=record.score_scaled if record else None,
                score_raw=record.score_raw if record else None,
                total_time_seconds=record.total_seconds if record else 0.0,
                sessions=record.session_count if record else 0,
                attempts=record.activity_attempts if record else 0,
                updated_at=record.updated_at if record else None,
            )
        )
    return AttemptProgress(
        attempt_id=str(attempt.pk),
        number=attempt.number,
        status=attempt.status,
        completion_status=attempt.completion_status,
        success_status=attempt.success_status,
        score_scaled=attempt.score_scaled,
        total_time_seconds=attempt.total_time_seconds,
        activities=activities,
    )


def outcome_payload(attempt: Attempt) -> AttemptOutcome:
    """What lms hears of an attempt's outcome (`attempt_outcome_changed`), as it is saved."""
    return AttemptOutcome(
        attempt_id=attempt.pk,
        learner_id=attempt.learner_id,
        package_id=attempt.package_id,
        version_id=attempt.version_id,
        institution_id=attempt.institution_id,
        placement=attempt.placement,
        completion_status=attempt.completion_status,
        success_status=attempt.success_status,
        score_scaled=attempt.score_scaled,
        total_time_seconds=attempt.total_time_seconds,
        changed_at=attempt.updated_at,
        sequence=attempt.outcome_sequence,
        attempt_number=attempt.number,
    )
