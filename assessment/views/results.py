"""The learner's result page of one attempt: "awaiting results" until release, then the
score, pass or fail, and what the exam's review options allow."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .. import marking
from ..models import Attempt


@never_cache
@login_required
def result(request, public_id):
    """One attempt's result, for the learner who sat it only (anyone else: 404)."""
    attempt = (
        Attempt.objects.filter(public_id=public_id, learner=request.user)
        .select_related("exam", "version")
        .first()
    )
    if attempt is None:
        raise Http404
    outcome = marking.learner_result(attempt=attempt, learner=request.user)
    marking.learner_notices_read(learner=request.user, attempt=attempt)
    return render(
        request, "assessment/results/result.html", {"attempt": attempt, "result": outcome}
    )
