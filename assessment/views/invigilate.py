"""The invigilator's screen: who is in, time left, add time, pause, resume and lock."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import attempts
from ..models import Attempt, Exam


@login_required
@never_cache
@require_GET
def sitting(request, exam_id: int):
    """Every attempt of an exam as of now (a refresh link, not a timed reload: WCAG 2.2.1)."""
    exam = Exam.objects.visible_to(request.user).filter(pk=exam_id).first()
    if exam is None:
        raise Http404
    rows = attempts.exam_sitting(user=request.user, exam=exam)
    return render(
        request, "assessment/invigilate.html", {"exam": exam, "rows": rows, "now": timezone.now()}
    )


@login_required
@require_POST
def act(request, public_id):
    """Add time to, pause, resume or lock one attempt, then show the table again."""
    attempt = (
        Attempt.objects.editable_by(request.user)
        .select_related("exam")
        .filter(public_id=public_id)
        .first()
    )
    if attempt is None:
        raise Http404
    action = request.POST.get("action")
    try:
        if action == "add_time":
            try:
                minutes = int(request.POST.get("minutes", ""))
            except ValueError as exc:
                raise ValidationError(_("Add between 1 and 600 minutes.")) from exc
            attempts.attempt_time_add(
                actor=request.user,
                attempt=attempt,
                minutes=minutes,
                reason=request.POST.get("reason", "")[:255],
            )
        elif action == "pause":
            attempts.attempt_pause(actor=request.user, attempt=attempt)
        elif action == "resume":
            attempts.attempt_resume(actor=request.user, attempt=attempt)
        elif action == "lock":
            # Locking ends the learner's sitting now: the answers the server confirmed are
            # kept and marked, nothing more is accepted (audited as a staff submission).
            attempts.attempt_submit(
                attempt=attempt, actor=request.user, by=Attempt.SubmittedBy.STAFF
            )
        else:
            raise ValidationError(_("Unknown action."))
    except attempts.AttemptRefused as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        raise Http404 from exc
    else:
        messages.success(request, _("Done: %(learner)s.") % {"learner": attempt.learner})
    return redirect("assessment:invigilate", exam_id=attempt.exam_id)
