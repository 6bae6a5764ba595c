"""The exam client's page and its JSON endpoints: start, state, save, submit.

Session authentication with CSRF on every POST. An attempt another person cannot see
is a 404 (its id says nothing); one they can see but not sit (staff) is a 403.

Saves, the hot path, may instead carry the save token that start and state hand the
attempt's learner (header X-Attempt-Token): a valid token names the attempt and its learner,
so the save reads no session and no user row, and needs no CSRF check (a header that script
on another site cannot set is not ambient authority). A save without a valid token takes the
session path with CSRF, as before.
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from .. import attempts
from ..models import Attempt

STATUS = {
    attempts.AttemptClosed: 410,
    attempts.DeadlinePassed: 410,
    attempts.NotStarted: 409,
    attempts.SeqConflict: 409,
    attempts.UnknownQuestion: 400,
    attempts.AccessRefused: 403,
    attempts.AttemptPaused: 423,
}


def _error(code: str, message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": code, "message": str(message), **extra}, status=status)


def _refusals(call):
    """The engine's refusals as JSON errors with their status codes."""
    try:
        return call()
    except attempts.AttemptRefused as exc:
        return _error(exc.code, exc.message, STATUS.get(type(exc), 400))
    except PermissionDenied as exc:
        return _error("forbidden", str(exc) or _("This is not your attempt."), 403)
    except ValidationError as exc:
        return _error("invalid", " ".join(exc.messages), 400)


def json_endpoint(view):
    """Login as JSON (401, not a redirect), no caching, and the engine's refusals as codes."""

    @wraps(view)
    @never_cache
    def wrapper(request, public_id, *args, **kwargs):
        if not request.user.is_authenticated:
            return _error("login_required", _("Log in to sit this exam."), 401)
        # The learner's own attempt in one query; staff through the scope.
        attempt = (
            Attempt.objects.filter(public_id=public_id, learner=request.user)
            .select_related("exam", "version")
            .first()
        ) or (
            Attempt.objects.visible_to(request.user)
            .select_related("exam", "version")
            .filter(public_id=public_id)
            .first()
        )
        if attempt is None:
            return _error("not_found", _("No such attempt."), 404)
        return _refusals(lambda: view(request, attempt, *args, **kwargs))

    return wrapper


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(_("The request is not valid JSON.")) from exc
    if not isinstance(data, dict):
        raise ValidationError(_("The request must be a JSON object."))
    return data


@require_POST
@never_cache
def start(request, public_id):
    """Start the clock (or return the running attempt) and answer its state.

    The start spike (every examinee within a minute): the learner's own attempt is locked
    and read in one query; anything else takes the general path, which says why.
    """
    if not request.user.is_authenticated:
        return _error("login_required", _("Log in to sit this exam."), 401)

    def own():
        attempt = attempts.attempt_start_own(public_id=public_id, **_start_request(request))
        if attempt is None:
            return None
        return _state_response(request, attempt)

    return _refusals(own) or _start_general(request, public_id)


def _state_response(request, attempt) -> JsonResponse:
    """The attempt's state; its learner also gets the save token (staff never do)."""
    payload = attempts.attempt_state(attempt=attempt, learner=request.user)
    if attempt.learner_id == request.user.pk:
        payload["save_token"] = attempts.attempt_save_token(attempt)
    return JsonResponse(payload)


def _start_request(request) -> dict:
    data = _body(request)
    return {
        "learner": request.user,
        "access_code": str(data.get("access_code") or ""),
        "ip": request.META.get("REMOTE_ADDR"),
    }


@json_endpoint
def _start_general(request, attempt):
    attempt = attempts.attempt_start(attempt=attempt, **_start_request(request))
    return _state_response(request, attempt)


@require_GET
@json_endpoint
def state(request, attempt):
    """Everything the client needs after a reload or a reconnect."""
    return _state_response(request, attempt)


def _save_request(request) -> dict:
    data = _body(request)
    client_time = data.get("client_time")
    if client_time is not None:
        client_time = parse_datetime(client_time) if isinstance(client_time, str) else None
        if client_time is None:
            raise ValidationError(_("client_time must be an ISO 8601 date and time."))
    if not isinstance(data.get("question"), str):
        raise ValidationError(_("Name the question."))
    return {
        "question_key": data["question"],
        "seq": data.get("seq"),
        "response": data.get("response"),
        "client_time": client_time,
    }


def _saved(result, question_key: str) -> JsonResponse:
    payload = {
        "status": result.status,
        "question": question_key,
        "seq": result.seq,
        "saved_at": result.saved_at.isoformat(),
    }
    return JsonResponse(payload, status=409 if result.status == "stale" else 200)


@csrf_exempt
@require_POST
@never_cache
def save(request, public_id):
    """Save one answer: {"question", "seq", "response", "client_time"?}; 409 when stale.

    The hot path of an exam (every examinee, every changed answer). With a valid save token
    the attempt and learner come from it: no session, user or CSRF work. Without one, the
    session path (CSRF checked) locks and reads the learner's own attempt and the question in
    one query; anything else (another person's attempt, an unknown question) takes the
    general path, which says why.
    """
    held = attempts.save_token_read(request.META.get("HTTP_X_ATTEMPT_TOKEN", ""), public_id)
    if held is None:
        return _save_session(request, public_id)
    attempt_pk, learner_id = held

    def with_token():
        fields = _save_request(request)
        try:
            result = attempts.answer_save_held(
                attempt_pk=attempt_pk, learner_id=learner_id, **fields
            )
        except Attempt.DoesNotExist:
            return _error("not_found", _("No such attempt."), 404)
        return _saved(result, fields["question_key"])

    return _refusals(with_token)


@csrf_protect
def _save_session(request, public_id):
    if not request.user.is_authenticated:
        return _error("login_required", _("Log in to sit this exam."), 401)

    def own():
        fields = _save_request(request)
        result = attempts.answer_save_own(public_id=public_id, learner=request.user, **fields)
        return _saved(result, fields["question_key"]) if result is not None else None

    return _refusals(own) or _save_general(request, public_id)


@json_endpoint
def _save_general(request, attempt):
    fields = _save_request(request)
    result = attempts.answer_save(attempt=attempt, learner=request.user, **fields)
    return _saved(result, fields["question_key"])


@require_POST
@json_endpoint
def submit(request, attempt):
    """Submit (idempotent) and answer what the review options let the learner see now."""
    attempt = attempts.attempt_submit(attempt=attempt, actor=request.user)
    if attempt.learner_id != request.user.pk:
        return JsonResponse({"status": attempt.status})
    return JsonResponse({"status": attempt.status, **attempts.attempt_review(attempt=attempt)})


@login_required
@never_cache
@require_GET
def page(request, public_id):
    """The exam client: the page loads, the script asks the server for the attempt."""
    attempt = (
        Attempt.objects.filter(learner=request.user, public_id=public_id)
        .select_related("exam")
        .first()
    )
    if attempt is None:
        raise Http404
    return render(
        request, "assessment/attempt.html", {"attempt": attempt, "exam_strings": client_strings()}
    )


def client_strings() -> dict[str, str]:
    """The exam client's words, translated here (the script has no catalogue of its own)."""
    return {
        "saved": _("All answers saved"),
        "saving": _("Saving…"),
        "saving_n": _("Saving… %(n)s answers waiting"),
        "offline": _("Offline — %(n)s answers waiting"),
        "closed": _("This attempt is closed."),
        "paused": _("Paused by the invigilator — %(n)s answers waiting"),
        "not_saved": _("The server refused this request."),
        "login_again": _("Log in again in another tab; your answers are kept on this device."),
        "unconfirmed": _(
            "%(n)s answers are not confirmed by the server yet; reconnect before submitting."
        ),
        "time_up": _("Time is up: submitting your answers."),
        "submitted": _("Your answers were submitted."),
        "score": _("Score: %(score)s of %(max)s"),
        "confirm_submit": _("Submit your answers? You cannot change them afterwards."),
        "choose": _("Choose…"),
        "your_answer": _("Your answer"),
        "true_": _("True"),
        "false_": _("False"),
        "points": _("Points: %(n)s"),
        "gap": _("Gap %(n)s"),
        "move_up": _("Move up: %(text)s"),
        "move_down": _("Move down: %(text)s"),
        "not_online": _("This question is answered with the assessor, not online."),
    }
