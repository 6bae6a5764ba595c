"""The SCORM runtime endpoints the launcher talks to (JSON, authenticated by the launch token).

- `GET  /courseware/rt/<token>/sco/<activity>`: the SCO's stored state (`api.runtime_load`).
- `POST /courseware/rt/<token>/sco/<activity>` `{"seq", "commit_id", "cmi", "terminate"}`: a
  commit (`api.runtime_commit`): 200 with the result, 409 when stale (the body carries the
  current seq), 400 `{"error": <SCORM code>, "element", "message"}` for a value the data
  model refuses (nothing of that commit is stored).
- `GET|POST /courseware/rt/<token>/nav`: the table of contents / a navigation request.

CSRF protection is off on purpose: these endpoints never read the session cookie. The token
in the path is the credential (content runs on another origin without platform cookies), so
a forged cross-site request has nothing to ride on. CORS answers only the content origin
the token was issued for (or, in the opaque fallback, the `null` origin of sandboxed frames).
"""

from __future__ import annotations

import dataclasses
import json
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from courseware.models import Activity, Attempt
from courseware.origins import placement_for

from .tokens import BadToken, read_token

MAX_BODY_BYTES = 2 * 1024 * 1024
NAV_REQUESTS = {
    "start",
    "resumeAll",
    "continue",
    "previous",
    "choice",
    "jump",
    "exit",
    "exitAll",
    "abandon",
    "abandonAll",
    "suspendAll",
}
_COMMIT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class _Refused(Exception):
    def __init__(self, status: int, error: str, message: str = ""):
        self.status, self.error, self.message = status, error, message


def _json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        _plain(data), status=status, encoder=DjangoJSONEncoder, json_dumps_params={}
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _plain(data):
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return dataclasses.asdict(data)
    return data


def _cors(request, response, placement):
    """Allow the token's content origin (and nothing else) to read the answer."""
    origin = request.META.get("HTTP_ORIGIN")
    if placement is not None and origin and origin == placement.runtime_cors_origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
        response["Vary"] = "Origin"
    return response


def _endpoint(handler):
    """Token, origin and error handling shared by the runtime endpoints."""

    @csrf_exempt  # the token authenticates, never the session cookie (see the module docstring)
    def view(request, token: str, **kwargs):
        try:
            grant = read_token(token)
        except BadToken:
            return _json({"error": "forbidden", "message": "invalid or expired launch"}, 403)
        placement = placement_for(grant.platform_origin)
        origin = request.META.get("HTTP_ORIGIN")
        if origin and origin not in {placement.runtime_cors_origin, placement.platform_origin}:
            return _json({"error": "forbidden", "message": "origin not allowed"}, 403)
        if request.method == "OPTIONS":
            return _cors(request, HttpResponse(status=204), placement)
        if request.method not in {"GET", "POST"}:
            response = _json({"error": "method_not_allowed"}, 405)
            response["Allow"] = "GET, POST, OPTIONS"
            return response
        try:
            if grant.is_preview:
                raise _Refused(403, "forbidden", "a preview stores nothing")
            attempt = (
                Attempt.objects.select_related("learner", "version")
                .filter(pk=grant.attempt_id, learner_id=grant.user_id)
                .first()
            )
            if attempt is None or not attempt.learner.is_active:
                raise _Refused(403, "forbidden", "not this learner's attempt")
            response = handler(request, attempt, **kwargs)
        except _Refused as refused:
            response = _json({"error": refused.error, "message": refused.message}, refused.status)
        except PermissionDenied as exc:
            response = _json({"error": "forbidden", "message": str(exc)}, 403)
        except ValidationError as exc:
            # e.g. a version that has no SCORM runtime (web content, a cartridge)
            response = _json({"error": "unsupported", "message": " ".join(exc.messages)}, 400)
        return _cors(request, response, placement)

    return view


def _body(request) -> dict:
    if len(request.body) > MAX_BODY_BYTES:
        raise _Refused(413, "too_large", "the commit is too large")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Refused(400, "malformed", "the body is not JSON") from exc
    if not isinstance(data, dict):
        raise _Refused(400, "malformed", "the body must be a JSON object")
    return data


def _activity(attempt, activity_id: int) -> Activity:
    activity = Activity.objects.filter(
        pk=activity_id, version_id=attempt.version_id, is_launchable=True
    ).first()
    if activity is None:
        raise _Refused(404, "not_found", "no such activity in this attempt's version")
    return activity


@_endpoint
def sco(request, attempt, activity_id: int):
    """Load (GET) or commit (POST) one SCO's run-time data."""
    from courseware import api
    from courseware.runtime.cmi import CmiError

    activity = _activity(attempt, activity_id)
    if request.method == "GET":
        return _json(api.runtime_load(attempt=attempt, activity=activity, learner=attempt.learner))
    data = _body(request)
    seq, commit_id, cmi = data.get("seq"), data.get("commit_id"), data.get("cmi")
    terminate = data.get("terminate", False)
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise _Refused(400, "malformed", "seq must be a positive whole number")
    if not isinstance(commit_id, str) or not _COMMIT_ID.match(commit_id):
        raise _Refused(400, "malformed", "commit_id must be 1-64 letters, digits, - _ . :")
    if not isinstance(cmi, dict):
        raise _Refused(400, "malformed", "cmi must be a JSON object")
    if not isinstance(terminate, bool):
        raise _Refused(400, "malformed", "terminate must be true or false")
    try:
        result = api.runtime_commit(
            attempt=attempt,
            activity=activity,
            learner=attempt.learner,
            seq=seq,
            commit_id=commit_id,
            cmi=cmi,
            terminate=terminate,
        )
    except CmiError as error:
        return _json({"error": error.code, "element": error.element, "message": error.message}, 400)
    return _json(result, 409 if result.stale else 200)


@_endpoint
def nav(request, attempt):
    """The table of contents (GET) or one navigation request (POST `{"request", "target"}`)."""
    from courseware import api

    if request.method == "GET":
        return _json(api.navigation(attempt=attempt, learner=attempt.learner))
    data = _body(request)
    nav_request, target = data.get("request"), data.get("target")
    if nav_request not in NAV_REQUESTS:
        raise _Refused(400, "malformed", "unknown navigation request")
    if target is not None and (isinstance(target, bool) or not isinstance(target, int)):
        raise _Refused(400, "malformed", "target must be an activity id")
    if nav_request in {"choice", "jump"}:
        if target is None:
            raise _Refused(400, "malformed", "choice and jump need a target")
        _activity_of_version(attempt, target)
    result = api.navigate(
        attempt=attempt, learner=attempt.learner, request=nav_request, target_id=target
    )
    body = _plain(result)
    if result.deliver_id is not None:
        body["navigation"] = _plain(api.navigation(attempt=attempt, learner=attempt.learner))
    return _json(body)


def _activity_of_version(attempt, activity_id: int) -> None:
    if not Activity.objects.filter(pk=activity_id, version_id=attempt.version_id).exists():
        raise _Refused(404, "not_found", "no such activity in this attempt's version")
