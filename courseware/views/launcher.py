"""The launcher: the small page on the content origin that holds the SCORM API object.

The player frames it; it creates `window.API` (SCORM 1.2) or `window.API_1484_11` (2004) with
scorm-again, loads the SCO's stored state, commits through the runtime endpoints and opens
the SCO in a nested frame of the same origin (or a new window), so content finds the API in
`window.parent` as it expects.
"""

from __future__ import annotations

from django.http import HttpResponseForbidden, HttpResponseNotFound
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from courseware.models import Activity, PackageVersion

from .content import _finish, _refusal, grant_and_placement


def standard_of(version) -> str:
    """The runtime a version's SCOs talk to."""
    return "scorm2004" if version.kind == PackageVersion.Kind.SCORM2004 else "scorm12"


def content_url(placement, token: str, activity) -> str:
    """Where the launcher opens an activity: its file on the serving origin, with parameters."""
    href = activity.href
    if href.startswith(("http://", "https://")):
        return href
    url = placement.serving_origin + reverse(
        "courseware:content", kwargs={"token": token, "path": href}
    )
    parameters = activity.launch_parameters.strip()
    if parameters:
        if parameters[0] in "?#":
            parameters = parameters[1:] if parameters[0] == "?" else parameters
        joiner = "&" if "?" in url else "?"
        url = url + ("" if parameters.startswith("#") else joiner) + parameters
    return url


@require_safe
@xframe_options_exempt
def launcher(request, token: str, activity_id: int):
    """The API host page of one activity (content origin)."""
    found = grant_and_placement(token)
    if found is None:
        return _refusal(HttpResponseForbidden(b"", content_type="text/plain"))
    grant, placement = found
    if placement.refuses_host(request):
        return _refusal(HttpResponseNotFound(b"", content_type="text/plain"), placement)
    activity = (
        Activity.objects.select_related("version")
        .filter(
            pk=activity_id,
            version_id=grant.version_id,
            version__status=PackageVersion.Status.READY,
            is_launchable=True,
        )
        .first()
    )
    if activity is None:
        return _refusal(HttpResponseNotFound(b"", content_type="text/plain"), placement)
    standard = standard_of(activity.version)
    runtime_url = placement.platform_origin + reverse(
        "courseware:rt-sco", kwargs={"token": token, "activity_id": activity.pk}
    )
    new_window = request.GET.get("window") == "new" or (
        activity.launch_settings.get("launchMethod") == "OwnWindow"
    )
    config = {
        "standard": standard,
        "activityId": activity.pk,
        "title": activity.title,
        "scoUrl": content_url(placement, token, activity),
        "runtimeUrl": "" if grant.is_preview else runtime_url,
        "preview": grant.is_preview,
        "platformOrigin": placement.platform_origin,
        "newWindow": new_window,
    }
    script = "scorm2004.min.js" if standard == "scorm2004" else "scorm12.min.js"
    response = render(
        request,
        "courseware/launcher.html",
        {
            "config": config,
            "runtime_script": static(f"courseware/vendor/{script}"),
            "preview": grant.is_preview,
            "new_window": new_window,
        },
    )
    response["Cache-Control"] = "no-store"
    return _finish(response, placement)
