"""A learner's list of exams to sit and sat."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..models import Attempt


@login_required
@never_cache
@require_GET
def my_exams(request):
    """The learner's own attempts: those to sit first, then those submitted."""
    rows = (
        Attempt.objects.filter(learner=request.user, exam__published_at__isnull=False)
        .select_related("exam", "version")
        .order_by("-prepared_at")
    )
    open_rows = [row for row in rows if row.status != Attempt.Status.SUBMITTED]
    done_rows = [row for row in rows if row.status == Attempt.Status.SUBMITTED]
    return render(request, "assessment/my_exams.html", {"open": open_rows, "done": done_rows})
