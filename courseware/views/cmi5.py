"""The cmi5 fetch URL: POST once for the session's auth token (cmi5 §8.2.3).

The AU calls it from its own origin, so it answers CORS for any origin: the unguessable key
in the path is the only credential, and it works once.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ..cmi5.services import cmi5_fetch


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def fetch(request, key: str):
    """POST: {"auth-token": …} the first time, {"error-code": "1", …} every time after."""
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method != "POST":
        response = JsonResponse(
            {"error-code": "3", "error-text": "the fetch URL takes POST"}, status=405
        )
        response["Allow"] = "POST, OPTIONS"
        return _cors(response)
    answer = cmi5_fetch(key=key)
    return _cors(JsonResponse(answer, status=200))
