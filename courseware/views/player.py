"""The player (platform origin): table of contents, previous/next, save status, exit.

It frames the launcher on the content origin inside a sandboxed iframe and drives SCORM
navigation through the runtime's `nav` endpoint. A learner reaches it from a lesson (lms
makes the attempt and the token); staff reach `preview/<version>` for an author preview that
stores nothing.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from courseware.models import Activity, Attempt, PackageVersion
from courseware.origins import placement_for, request_origin
from institutions.api import is_national_admin, staff_institution_ids

from .tokens import BadToken, launch_token, read_token


def player_url(*, token: str, item: int | None = None, window: str = "", next_url: str = "") -> str:
    """The player's address for a token (relative to the platform origin)."""
    from urllib.parse import urlencode

    url = reverse("courseware:player", kwargs={"token": token})
    query = {
        key: value
        for key, value in {"item": item, "window": window, "next": next_url}.items()
        if value
    }
    return f"{url}?{urlencode(query)}" if query else url


def _strings() -> dict:
    return {
        "saving": _("Saving…"),
        "saved": _("All changes saved"),
        "offline": _("Offline: your progress will be saved when the connection returns"),
        "stale": _(
            "This activity was continued in another tab or on another device, and that newer "
            "progress was kept. Reload the page to continue from it."
        ),
        "expired": _("This session has expired. Reload the page to continue."),
        "loadFailed": _("The activity could not be loaded."),
        "error": _("The activity sent a value that was refused"),
        "finished": _("You have reached the end of this activity."),
        "notAllowed": _("That is not available yet."),
        "statuses": {
            "not attempted": _("not started"),
            "incomplete": _("in progress"),
            "completed": _("completed"),
            "passed": _("passed"),
            "failed": _("failed"),
        },
    }


def _preview_navigation(version) -> dict:
    activities = Activity.objects.filter(version=version, organization__is_default=True).order_by(
        "sort_order"
    )
    return {
        "toc": [
            {
                "activity_id": activity.pk,
                "title": activity.title or activity.identifier,
                "depth": activity.depth,
                "launchable": activity.is_launchable,
                "hidden": not activity.is_visible,
                "disabled": False,
                "status": "not attempted",
            }
            for activity in activities
        ],
        "current_id": None,
        "can_previous": True,
        "can_continue": True,
        "choice_allowed": True,
    }


def _render(request, *, token, grant, version, navigation, title):
    placement = placement_for(grant.platform_origin)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    item = request.GET.get("item", "")
    identifiers = {}
    hide_ui = {}
    for pk, identifier, settings in Activity.objects.filter(version=version).values_list(
        "pk", "identifier", "launch_settings"
    ):
        identifiers[identifier] = pk
        # SCORM 2004 adlnav:hideLMSUI: the package draws these controls itself.
        if isinstance(settings, dict) and settings.get("hideLMSUI"):
            hide_ui[pk] = list(settings["hideLMSUI"])
    config = {
        "launchBase": placement.serving_origin
        + reverse("courseware:launch", kwargs={"token": token, "activity_id": 0}).removesuffix("0"),
        "navUrl": reverse("courseware:rt-nav", kwargs={"token": token}),
        "contentOrigin": placement.content_origin or "null",
        "preview": grant.is_preview,
        "item": int(item) if item.isdigit() else None,
        "newWindow": request.GET.get("window") == "new",
        "navigation": navigation,
        "identifiers": identifiers,
        "hideUi": hide_ui,
        "exitUrl": next_url,
        "strings": _strings(),
    }
    return render(
        request,
        "courseware/player.html",
        {
            "title": title,
            "config": config,
            "sandbox": placement.sandbox,
            "isolated": placement.isolated,
            # Only staff can act on the missing content origin; learners just play.
            "show_origin_notice": not placement.isolated
            and (is_national_admin(request.user) or bool(staff_institution_ids(request.user))),
            "preview": grant.is_preview,
            "exit_url": next_url,
        },
    )


@login_required
def player(request, token: str):
    """A learner's player for the attempt the token names."""
    try:
        grant = read_token(token)
    except BadToken as exc:
        raise PermissionDenied from exc
    if grant.user_id != request.user.pk or grant.platform_origin != request_origin(request):
        raise PermissionDenied
    if grant.is_preview:
        version = get_object_or_404(
            PackageVersion.objects.select_related("package"), pk=grant.version_id
        )
        return _render(
            request,
            token=token,
            grant=grant,
            version=version,
            navigation=_preview_navigation(version),
            title=version.package.title,
        )
    attempt = (
        Attempt.objects.select_related("package", "version")
        .filter(pk=grant.attempt_id, learner=request.user)
        .first()
    )
    if attempt is None:
        raise Http404
    from courseware import api

    navigation = api.navigation(attempt=attempt, learner=request.user)
    from .runtime import _plain

    return _render(
        request,
        token=token,
        grant=grant,
        version=attempt.version,
        navigation=_plain(navigation),
        title=attempt.package.title,
    )


@login_required
def preview(request, version_id: int):
    """The author preview of a version: staff of the package's institution only."""
    version = get_object_or_404(
        PackageVersion.objects.visible_to(request.user).select_related("package"),
        pk=version_id,
        status=PackageVersion.Status.READY,
    )
    token = launch_token(
        user_id=request.user.pk, version_id=version.pk, platform_origin=request_origin(request)
    )
    return _render(
        request,
        token=token,
        grant=read_token(token),
        version=version,
        navigation=_preview_navigation(version),
        title=version.package.title,
    )
