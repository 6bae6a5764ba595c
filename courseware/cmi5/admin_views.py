"""The cmi5 screen of a package in the Wagtail admin: each learner's registration, the state
of every AU, and the two staff actions cmi5 gives the LMS (waive an AU, abandon a session).

Staff see the registrations of their institutions' learners only; the services check again.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from institutions.api import is_national_admin, staff_institution_ids

from ..models import Activity, Attempt, Cmi5AuState, Cmi5Session, Package, PackageVersion
from . import services

#: cmi5 §9.5.4.1 reasons, as the `waived` statement carries them, with their labels.
WAIVE_REASONS = {
    "Tested Out": gettext_lazy("Tested out"),
    "Equivalent AU": gettext_lazy("Equivalent AU"),
    "Equivalent Outside Activity": gettext_lazy("Equivalent outside activity"),
    "Administrative": gettext_lazy("Administrative"),
}


def _package(request, pk: int) -> Package:
    user = request.user
    if not (is_national_admin(user) or staff_institution_ids(user)):
        raise Http404
    return get_object_or_404(Package.objects.visible_to(user), pk=pk)


def _registrations(request, package: Package):
    """The package's cmi5 attempts of learners of the user's institutions."""
    return Attempt.objects.filter(
        package=package,
        version__kind=PackageVersion.Kind.CMI5,
        institution_id__in=staff_institution_ids(request.user),
    )


@require_GET
def cmi5_learners(request, pk: int):
    """Each learner's registration of a cmi5 package: AU states, open sessions, actions."""
    package = _package(request, pk)
    attempts = list(
        _registrations(request, package)
        .select_related("learner", "version")
        .order_by("learner__last_name", "learner__first_name", "learner__username", "number")
    )
    version_ids = {attempt.version_id for attempt in attempts}
    aus: dict[int, list[Activity]] = {}
    for activity in Activity.objects.filter(
        version_id__in=version_ids, is_launchable=True
    ).order_by("sort_order"):
        aus.setdefault(activity.version_id, []).append(activity)
    states = {
        (state.attempt_id, state.activity_id): state
        for state in Cmi5AuState.objects.filter(attempt__in=attempts)
    }
    open_sessions: dict[tuple, list[Cmi5Session]] = {}
    for session in Cmi5Session.objects.filter(
        attempt__in=attempts, status=Cmi5Session.Status.OPEN
    ).order_by("started_at"):
        open_sessions.setdefault((session.attempt_id, session.activity_id), []).append(session)
    rows = [
        {
            "attempt": attempt,
            "aus": [
                {
                    "activity": activity,
                    "state": states.get((attempt.pk, activity.pk)),
                    "sessions": open_sessions.get((attempt.pk, activity.pk), []),
                }
                for activity in aus.get(attempt.version_id, [])
            ],
        }
        for attempt in attempts
    ]
    return render(
        request,
        "courseware/admin/cmi5_learners.html",
        {"package": package, "rows": rows, "reasons": WAIVE_REASONS.items()},
    )


@require_POST
def cmi5_waive(request, pk: int):
    """Waive one AU of one learner's registration, with a cmi5 reason."""
    package = _package(request, pk)
    attempt = get_object_or_404(
        _registrations(request, package), pk=_uuid(request.POST.get("attempt"))
    )
    activity_id = request.POST.get("activity", "")
    activity = get_object_or_404(
        Activity.objects.filter(version_id=attempt.version_id, is_launchable=True),
        pk=int(activity_id) if activity_id.isdigit() else 0,
    )
    reason = request.POST.get("reason", "")
    if reason not in WAIVE_REASONS:
        messages.error(request, _("Choose a reason for the waiver."))
    else:
        try:
            services.cmi5_au_waive(
                actor=request.user, attempt=attempt, activity=activity, reason=reason
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The AU is waived for this learner."))
    return redirect("courseware_admin:cmi5_learners", pk=package.pk)


@require_POST
def cmi5_abandon(request, pk: int, session_id):
    """End one open session of one learner's registration (`abandoned`)."""
    package = _package(request, pk)
    session = get_object_or_404(
        Cmi5Session.objects.filter(attempt__in=_registrations(request, package)), pk=session_id
    )
    try:
        services.cmi5_session_abandon(actor=request.user, session_id=session.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The session is abandoned."))
    return redirect("courseware_admin:cmi5_learners", pk=package.pk)


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None
