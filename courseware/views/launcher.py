"""The launcher: the small page on the content origin that holds the SCORM API object.

The player frames it; it creates `window.API` (SCORM 1.2) or `window.API_1484_11` (2004) with
scorm-again, loads the SCO's stored state, commits through the runtime endpoints and opens
the SCO in a nested frame of the same origin (or a new window), so content finds the API in
`window.parent` as it expects.
"""

from __future__ import annotations

import re

from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.shortcuts import render
from django.template.loader import render_to_string
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


def runtime_script_name(standard: str) -> str:
    return "scorm2004.min.js" if standard == "scorm2004" else "scorm12.min.js"


def launch_config(token, grant, placement, activity, runtime_url: str) -> dict:
    """What launcher.js needs to host the API for one activity."""
    return {
        "standard": standard_of(activity.version),
        "activityId": activity.pk,
        "title": activity.title,
        "scoUrl": content_url(placement, token, activity),
        "runtimeUrl": "" if grant.is_preview else runtime_url,
        "preview": grant.is_preview,
        "platformOrigin": placement.platform_origin,
        "newWindow": False,
    }


INJECT_LIMIT_BYTES = 5 * 1024 * 1024
_HEAD = re.compile(rb"<head(\s[^>]*)?>", re.IGNORECASE)
_HTML = re.compile(rb"<html(\s[^>]*)?>", re.IGNORECASE)


def injected_response(request, token, grant, placement, activity_id: int, relative: str, name: str):
    """The SCO's launch document with the runtime put inside it (opaque fallback only).

    None when the request is not for this version's launch file of that activity, or the
    file is too large to rewrite: it is then served as it is.
    """
    activity = (
        Activity.objects.select_related("version")
        .filter(pk=activity_id, version_id=grant.version_id, is_launchable=True, href=relative)
        .first()
    )
    if activity is None or default_storage.size(name) > INJECT_LIMIT_BYTES:
        return None
    runtime_url = placement.platform_origin + reverse(
        "courseware:rt-sco", kwargs={"token": token, "activity_id": activity.pk}
    )
    config = launch_config(token, grant, placement, activity, runtime_url)
    config["injected"] = True
    snippet = render_to_string(
        "courseware/injected_runtime.html",
        {
            "config": config,
            "runtime_script": static(
                f"courseware/vendor/{runtime_script_name(config['standard'])}"
            ),
        },
    ).encode()
    with default_storage.open(name, "rb") as handle:
        document = handle.read()
    anchor = _HEAD.search(document) or _HTML.search(document)
    at = anchor.end() if anchor else 0
    response = HttpResponse(
        document[:at] + snippet + document[at:], content_type="text/html; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    return response


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
    config = launch_config(token, grant, placement, activity, runtime_url)
    config["newWindow"] = new_window
    if not placement.isolated:
        # Opaque fallback: frames cannot reach each other, so the runtime goes into the SCO's
        # own document (see `injected_response`) and this page only frames it.
        config["inject"] = True
        joiner = "&" if "?" in config["scoUrl"] else "?"
        config["scoUrl"] += f"{joiner}tn_launch={activity.pk}"
    script = runtime_script_name(standard)
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
