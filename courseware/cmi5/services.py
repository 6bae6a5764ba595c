"""cmi5 in courseware: launch an AU, the one-time fetch, abandon, waive and moveOn.

The registration of a learner in a course structure is their courseware `Attempt` (its id),
so lms progress follows a cmi5 course through `attempt_outcome_changed` like any package.
The AU talks to the LRS with launch credentials issued by the fetch URL; `lrs.cmi5` checks
its statements and tells us (signal on commit) about each cmi5 defined statement it stored.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.api import audit_record, require_staff
from lrs import api as lrs

from ..models import Activity, Attempt, Cmi5AuState, Cmi5Session, PackageVersion
from ..origins import placement_for
from ..runtime.cmi import duration_seconds, seconds_as_duration
from ..runtime.services import outcome_payload
from ..signals import attempt_outcome_changed
from . import iris

LAUNCH_MODES = ("Normal", "Browse", "Review")
CREDENTIAL_SECONDS = 8 * 3600
FETCH_ALREADY_USED = "1"
FETCH_SECURITY = "2"


def _learner_actor(learner) -> dict:
    return lrs.learner_actor(
        home_page=iris.actor_home_page(),
        learner_id=learner.learner_id or f"user-{learner.pk}",
    )


def _now_text() -> str:
    return timezone.now().isoformat()


def _context(
    attempt: Attempt, session_id, grouping: str, extensions: dict | None = None, moveon=False
) -> dict:
    categories = [{"id": lrs.CMI5_CATEGORY}]
    if moveon:
        categories.append({"id": lrs.CMI5_MOVEON_CATEGORY})
    return {
        "registration": str(attempt.pk),
        "contextActivities": {
            "category": categories,
            "grouping": [{"id": grouping}],
        },
        "extensions": {lrs.CMI5_SESSION_EXTENSION: str(session_id), **(extensions or {})},
    }


def _statement(*, attempt, verb: str, display: str, object_id: str, kind: str, context, **extra):
    statement = {
        "id": str(uuid.uuid4()),
        "actor": _learner_actor(attempt.learner),
        "verb": {"id": verb, "display": {"en-US": display}},
        "object": {"objectType": "Activity", "id": object_id, "definition": {"type": kind}},
        "context": context,
        "timestamp": _now_text(),
    }
    statement.update(extra)
    return statement


AU_TYPE = "https://w3id.org/xapi/cmi5/activitytype/au"
BLOCK_TYPE = "https://w3id.org/xapi/cmi5/activitytype/block"
COURSE_TYPE = "https://w3id.org/xapi/cmi5/activitytype/course"


def _require_au(attempt: Attempt, activity: Activity) -> None:
    if (
        attempt.version.kind != PackageVersion.Kind.CMI5
        or activity.version_id != attempt.version_id
        or not activity.is_launchable
    ):
        raise ValidationError(_("This is not an AU of the attempt's course structure."))


def au_of(*, attempt: Attempt, identifier: str = "") -> Activity:
    """The AU to launch: the one with this publisher id, or the course structure's first."""
    aus = Activity.objects.filter(version_id=attempt.version_id, is_launchable=True).order_by(
        "sort_order"
    )
    found = aus.filter(identifier=identifier).first() if identifier else aus.first()
    if found is None:
        raise ValidationError(_("This course structure has no such AU."))
    return found


def _au_url(activity: Activity, placement, attempt: Attempt) -> str:
    """The AU's URL as the course structure gives it, a package file served on the content
    origin (the AU's own query string kept after the served path)."""
    href = activity.href
    if href.startswith(("http://", "https://")):
        return href
    from ..api import launch_token

    path, mark, own_query = href.partition("?")
    token = launch_token(
        learner_id=attempt.learner_id,
        version_id=attempt.version_id,
        platform_origin=placement.platform_origin,
        attempt=attempt,
    )
    served = placement.serving_origin + reverse(
        "courseware:content", kwargs={"token": token, "path": path}
    )
    return served + mark + own_query


def _with_parameters(url: str, query: dict) -> str:
    base, _hash, fragment = url.partition("#")
    joined = base + ("&" if "?" in base else "?") + urlencode(query)
    return joined + ("#" + fragment if fragment else "")


@transaction.atomic
def cmi5_launch(
    *,
    learner,
    attempt: Attempt,
    activity: Activity,
    platform_origin: str,
    return_url: str,
    launch_mode: str = "Normal",
) -> tuple[Cmi5Session, str]:
    """Start a session of an AU for the attempt's learner; returns it and the launch URL.

    lms has made the access decision. Any session of the AU still open is abandoned first;
    LMS.LaunchData is written and `launched` recorded before the URL is handed out.
    """
    if learner is None or attempt.learner_id != learner.pk:
        raise PermissionDenied(_("Only the attempt's learner launches its AUs."))
    if attempt.status != Attempt.Status.ACTIVE:
        raise ValidationError(_("This registration is closed."))
    if launch_mode not in LAUNCH_MODES:
        raise ValidationError(_("Unknown launch mode."))
    attempt = (
        Attempt.objects.select_for_update().select_related("learner", "version").get(pk=attempt.pk)
    )
    _require_au(attempt, activity)
    for stale in Cmi5Session.objects.select_for_update().filter(
        attempt=attempt, activity=activity, status=Cmi5Session.Status.OPEN
    ):
        _abandon(stale)
    session = Cmi5Session.objects.create(
        attempt=attempt,
        activity=activity,
        launch_mode=launch_mode,
        fetch_key=secrets.token_urlsafe(32),
    )
    settings = activity.launch_settings or {}
    move_on = settings.get("moveOn") or "NotApplicable"
    # NotApplicable AUs are satisfied as soon as the registration exists (cmi5 §9.6.1.1).
    _satisfaction_update(attempt, session.pk)
    actor = _learner_actor(attempt.learner)
    placement = placement_for(platform_origin)
    fetch = platform_origin + reverse("courseware:cmi5-fetch", kwargs={"key": session.fetch_key})
    au = iris.au_iri(activity)
    query = {
        # Without a trailing slash: AUs append "/statements" themselves.
        "endpoint": platform_origin + reverse("lrs:about").rsplit("/about", 1)[0],
        "fetch": fetch,
        "actor": lrs.json_text(actor),
        "registration": str(attempt.pk),
        "activityId": au,
    }
    au_url = _au_url(activity, placement, attempt)
    url = _with_parameters(au_url, query)
    data = {
        "contextTemplate": {
            "contextActivities": {"grouping": [{"id": activity.identifier}]},
            "extensions": {lrs.CMI5_SESSION_EXTENSION: str(session.pk)},
        },
        "launchMode": launch_mode,
        "launchMethod": settings.get("launchMethod") or "AnyWindow",
        "moveOn": move_on,
        "returnURL": return_url,
    }
    if activity.launch_parameters:
        data["launchParameters"] = activity.launch_parameters
    if activity.min_normalized_measure is not None:
        data["masteryScore"] = float(activity.min_normalized_measure)
    if settings.get("entitlementKey"):
        data["entitlementKey"] = {"courseStructure": settings["entitlementKey"]}
    lrs.cmi5_launch_data_save(
        institution=attempt.institution,
        activity_id=au,
        actor=actor,
        registration=attempt.pk,
        data=data,
    )
    extensions = {
        lrs.CMI5_LAUNCH_MODE_EXTENSION: launch_mode,
        lrs.CMI5_LAUNCH_URL_EXTENSION: au_url,
        lrs.CMI5_MOVE_ON_EXTENSION: move_on,
    }
    if activity.launch_parameters:
        extensions[lrs.CMI5_LAUNCH_PARAMETERS_EXTENSION] = activity.launch_parameters
    if activity.min_normalized_measure is not None:
        extensions[lrs.CMI5_MASTERY_EXTENSION] = float(activity.min_normalized_measure)
    lrs.record(
        institution=attempt.institution,
        statement=_statement(
            attempt=attempt,
            verb=lrs.CMI5_LAUNCHED,
            display="launched",
            object_id=au,
            kind=AU_TYPE,
            context=_context(attempt, session.pk, activity.identifier, extensions),
        ),
    )
    audit_record(
        actor=learner,
        action="courseware.cmi5_launch",
        obj=attempt,
        institution=attempt.institution,
        data={"session": str(session.pk), "au": activity.identifier, "mode": launch_mode},
    )
    return session, url


def _authorization(credentials) -> str:
    return base64.b64encode(f"{credentials.key}:{credentials.secret}".encode()).decode()


def cmi5_fetch(*, key: str) -> dict:
    """The fetch URL's answer: the session's auth token the first time, an error after.

    The token is Basic credentials of short-lived launch credentials for the learner, the
    registration and the AU (`lrs.api.launch_credentials`); they are issued here, once.
    """
    with transaction.atomic():
        session = (
            Cmi5Session.objects.select_for_update()
            .select_related("attempt__learner", "attempt__institution", "activity")
            .filter(fetch_key=key)
            .first()
        )
        if session is None:
            return {"error-code": FETCH_SECURITY, "error-text": "unknown fetch URL"}
        if session.fetched_at is not None:
            return {"error-code": FETCH_ALREADY_USED, "error-text": "already in use"}
        if session.status != Cmi5Session.Status.OPEN:
            return {"error-code": FETCH_SECURITY, "error-text": "the session has ended"}
        attempt = session.attempt
        credentials = lrs.launch_credentials(
            institution=attempt.institution,
            actor=_learner_actor(attempt.learner),
            registration=attempt.pk,
            activity_id=iris.au_iri(session.activity),
            ttl=CREDENTIAL_SECONDS,
        )
        session.fetched_at = timezone.now()
        session.save(update_fields=["fetched_at"])
    return {"auth-token": _authorization(credentials)}


def _abandon(session: Cmi5Session) -> None:
    """Record `abandoned` for an open session and stop its credentials (in a transaction)."""
    attempt = session.attempt
    now = timezone.now()
    duration = seconds_as_duration(max(0.0, (now - session.started_at).total_seconds()))
    lrs.record(
        institution=attempt.institution,
        statement=_statement(
            attempt=attempt,
            verb=lrs.CMI5_ABANDONED,
            display="abandoned",
            object_id=iris.au_iri(session.activity),
            kind=AU_TYPE,
            context=_context(attempt, session.pk, session.activity.identifier),
            result={"duration": duration},
        ),
    )
    lrs.cmi5_session_end(
        registration=attempt.pk,
        activity_id=iris.au_iri(session.activity),
        actor=_learner_actor(attempt.learner),
    )
    session.status = Cmi5Session.Status.ABANDONED
    session.ended_at = now
    session.save(update_fields=["status", "ended_at"])


@transaction.atomic
def cmi5_session_abandon(*, actor, session_id) -> Cmi5Session:
    """End an open session without `terminated` (staff of the learner's institution)."""
    session = (
        Cmi5Session.objects.select_for_update()
        .select_related("attempt__learner", "attempt__institution", "activity")
        .get(pk=session_id)
    )
    require_staff(
        actor,
        session.attempt.institution_id,
        _("Only staff of the learner's institution abandon a session."),
    )
    if session.status != Cmi5Session.Status.OPEN:
        raise ValidationError(_("This session has already ended."))
    _abandon(session)
    audit_record(
        actor=actor,
        action="courseware.cmi5_abandon",
        obj=session.attempt,
        institution=session.attempt.institution,
        data={"session": str(session.pk)},
    )
    return session


@transaction.atomic
def cmi5_au_waive(*, actor, attempt: Attempt, activity: Activity, reason: str) -> Cmi5AuState:
    """Waive an AU for a registration (staff): recorded as `waived`, it counts as satisfied."""
    require_staff(
        actor, attempt.institution_id, _("Only staff of the learner's institution waive an AU.")
    )
    if reason not in (
        "Tested Out",
        "Equivalent AU",
        "Equivalent Outside Activity",
        "Administrative",
    ):
        raise ValidationError(_("Unknown waiver reason."))
    attempt = (
        Attempt.objects.select_for_update().select_related("learner", "version").get(pk=attempt.pk)
    )
    _require_au(attempt, activity)
    state, _created = Cmi5AuState.objects.get_or_create(attempt=attempt, activity=activity)
    if state.satisfied:
        raise ValidationError(_("This AU is already satisfied."))
    session_id = uuid.uuid4()  # a waiver happens outside any session of the AU
    lrs.record(
        institution=attempt.institution,
        statement=_statement(
            attempt=attempt,
            verb=lrs.CMI5_WAIVED,
            display="waived",
            object_id=iris.au_iri(activity),
            kind=AU_TYPE,
            context=_context(attempt, session_id, activity.identifier, moveon=True),
            result={
                "success": True,
                "completion": True,
                "extensions": {lrs.CMI5_REASON_EXTENSION: reason},
            },
        ),
    )
    state.waived = True
    state.save(update_fields=["waived", "updated_at"])
    _satisfaction_update(attempt, session_id)
    audit_record(
        actor=actor,
        action="courseware.cmi5_waive",
        obj=attempt,
        institution=attempt.institution,
        data={"au": activity.identifier, "reason": reason},
    )
    return state


# --- moveOn ------------------------------------------------------------------------------


def au_satisfied(move_on: str, state: Cmi5AuState | None) -> bool:
    """Whether an AU's moveOn criterion holds for what it reached."""
    if move_on == "NotApplicable":
        return True
    if state is None:
        return False
    if state.waived:
        return True
    return {
        "Passed": state.passed,
        "Completed": state.completed,
        "CompletedAndPassed": state.completed and state.passed,
        "CompletedOrPassed": state.completed or state.passed,
    }.get(move_on, False)


def _satisfaction_update(attempt: Attempt, session_id) -> None:
    """Mark newly satisfied AUs, blocks and the course; record `satisfied` for blocks and
    course; on a change, update the attempt's outcome and signal lms on commit."""
    activities = list(
        Activity.objects.filter(version_id=attempt.version_id)
        .select_related("organization")
        .order_by("sort_order")
    )
    if not activities:
        return
    states = {s.activity_id: s for s in Cmi5AuState.objects.filter(attempt=attempt)}
    children: dict[int | None, list[Activity]] = {}
    for activity in activities:
        children.setdefault(activity.parent_id, []).append(activity)
    newly: list[Activity] = []

    def satisfied(activity: Activity) -> bool:
        kids = [satisfied(child) for child in children.get(activity.pk, [])]
        if activity.is_launchable:
            done = au_satisfied(
                (activity.launch_settings or {}).get("moveOn") or "NotApplicable",
                states.get(activity.pk),
            )
        else:
            done = all(kids)
        state = states.get(activity.pk)
        if done and (state is None or not state.satisfied):
            newly.append(activity)
        return done

    # A list, not a generator: every node must be visited to collect the newly satisfied.
    course_done = all([satisfied(top) for top in children.get(None, [])])  # noqa: C419
    for activity in newly:
        state = states.get(activity.pk) or Cmi5AuState(attempt=attempt, activity=activity)
        state.satisfied = True
        state.save()
        states[activity.pk] = state
        if not activity.is_launchable:
            _satisfied_record(attempt, session_id, block_iri=iris.block_iri(activity), of=activity)
    organization = activities[0].organization
    course_was_done = attempt.completion_status == "completed"
    if course_done and not course_was_done:
        _satisfied_record(
            attempt,
            session_id,
            block_iri=iris.course_iri(organization),
            of=None,
            publisher_id=organization.identifier,
        )
    _outcome_update(attempt, states, course_done)


def _satisfied_record(attempt, session_id, *, block_iri: str, of, publisher_id: str = "") -> None:
    lrs.record(
        institution=attempt.institution,
        statement=_statement(
            attempt=attempt,
            verb=lrs.CMI5_SATISFIED,
            display="satisfied",
            object_id=block_iri,
            kind=BLOCK_TYPE if of is not None else COURSE_TYPE,
            context=_context(
                attempt, session_id, of.identifier if of is not None else publisher_id
            ),
        ),
    )


def _time_add(attempt: Attempt, duration: str) -> None:
    """Add a terminated session's duration to the attempt's total time, and tell lms (the
    dashboard's time) as an outcome change: cmi5 writes no outcome statement of its own."""
    try:
        seconds = duration_seconds(duration)
    except ValueError:
        return  # the LRS refuses a terminated without a valid duration; nothing to add
    if seconds <= 0:
        return
    attempt.total_time_seconds += seconds
    attempt.outcome_sequence += 1
    attempt.save(update_fields=["total_time_seconds", "outcome_sequence", "updated_at"])
    _outcome_send(attempt)


def _outcome_send(attempt: Attempt) -> None:
    payload = outcome_payload(attempt)
    transaction.on_commit(
        lambda: attempt_outcome_changed.send(sender=Attempt, outcome=payload), robust=False
    )


def _outcome_update(attempt: Attempt, states: dict, course_done: bool) -> None:
    aus = [s for s in states.values() if s.activity.is_launchable]
    completion = "completed" if course_done else ("incomplete" if aus else "not attempted")
    if any(s.failed and not s.passed for s in aus):
        success = "failed"
    elif course_done and any(s.passed for s in aus):
        success = "passed"
    else:
        success = "unknown"
    scores = [s.score_scaled for s in aus if s.score_scaled is not None]
    score = sum(scores) / len(scores) if scores else None
    if (completion, success, score) == (
        attempt.completion_status,
        attempt.success_status,
        attempt.score_scaled,
    ):
        return
    attempt.completion_status = completion
    attempt.success_status = success
    attempt.score_scaled = score
    attempt.outcome_sequence += 1
    attempt.save()
    audit_record(
        actor=None,
        action="courseware.attempt_outcome",
        obj=attempt,
        institution=attempt.institution,
        data={"completion": completion, "success": success, "score": score, "cmi5": True},
    )
    _outcome_send(attempt)


def cmi5_statement_follow(*, payload) -> None:
    """Follow one cmi5 defined statement an AU stored (idempotent: flags only go up)."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .select_related("learner", "version", "institution")
            .filter(pk=payload.registration, institution_id=payload.institution_id)
            .first()
        )
        if attempt is None:
            return
        activity_pk = payload.activity_id.rsplit("/", 1)[-1]
        activity = (
            Activity.objects.filter(version_id=attempt.version_id, pk=activity_pk).first()
            if activity_pk.isdigit()
            else None
        )
        if activity is None or iris.au_iri(activity) != payload.activity_id:
            return
        session = Cmi5Session.objects.filter(
            pk=_uuid_or_none(payload.session_id), attempt=attempt
        ).first()
        if payload.verb == lrs.CMI5_TERMINATED:
            if session is not None and session.status == Cmi5Session.Status.OPEN:
                session.status = Cmi5Session.Status.TERMINATED
                session.ended_at = timezone.now()
                session.save(update_fields=["status", "ended_at"])
                # Once per session (it terminates once): the AU's own measure of its time.
                _time_add(attempt, payload.duration)
            return
        if payload.verb == lrs.CMI5_INITIALIZED:
            if session is not None and session.initialized_at is None:
                session.initialized_at = timezone.now()
                session.save(update_fields=["initialized_at"])
            return
        state, _created = Cmi5AuState.objects.get_or_create(attempt=attempt, activity=activity)
        if payload.verb == lrs.CMI5_COMPLETED:
            state.completed = True
        elif payload.verb == lrs.CMI5_PASSED:
            state.passed = True
        elif payload.verb == lrs.CMI5_FAILED:
            state.failed = True
        if payload.score_scaled is not None and payload.verb in (
            lrs.CMI5_PASSED,
            lrs.CMI5_FAILED,
        ):
            state.score_scaled = payload.score_scaled
        state.save()
        _satisfaction_update(attempt, payload.session_id)


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def sessions_expire(*, older_than: timedelta = timedelta(hours=12)) -> int:
    """Abandon sessions left open longer than `older_than` (a learner who closed the tab)."""
    cutoff = timezone.now() - older_than
    count = 0
    for session_id in Cmi5Session.objects.filter(
        status=Cmi5Session.Status.OPEN, started_at__lt=cutoff
    ).values_list("pk", flat=True):
        with transaction.atomic():
            session = (
                Cmi5Session.objects.select_for_update()
                .select_related("attempt__learner", "attempt__institution", "activity")
                .get(pk=session_id)
            )
            if session.status == Cmi5Session.Status.OPEN:
                _abandon(session)
                count += 1
    return count
