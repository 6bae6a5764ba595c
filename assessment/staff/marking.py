"""Admin screens: marking (see `assessment/staff/__init__.py`).

The examiner's marking queue per exam (filter by question, status and marker), one
response marked at a time with its rubric or checklist (next / previous, keyboard
shortcuts), moderation, each attempt's marking history, releasing results (per exam or
per attempt), the exam's marking settings, and correcting an item's key (regrade).
Every write goes through `assessment.marking`, which checks permission and records the
change; every read starts from the tenancy scope: another institution's exam is a 404.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin.menu import MenuItem

from institutions.api import is_national_admin, staff_institution_ids

from .. import marking
from ..models import Attempt, AttemptQuestion, Exam, ExamMarking, ItemVersion

STATUS_LABELS = {
    marking.UNMARKED: gettext_lazy("Not marked"),
    marking.AWAITING_SECOND: gettext_lazy("Awaiting second mark"),
    marking.AWAITING_MODERATION: gettext_lazy("Awaiting moderation"),
    marking.FINAL: gettext_lazy("Final"),
}


class MarkingSettingsForm(forms.ModelForm):
    """How the exam is marked and released."""

    class Meta:
        model = ExamMarking
        fields = ["blind", "second_marking_percent", "release", "pass_percent", "grade_policy"]


class KeyCorrectionForm(forms.Form):
    """A corrected answer key (the item's definition as JSON) and why."""

    body = forms.CharField(
        label=gettext_lazy("Definition with the corrected key (JSON)"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
    )
    reason = forms.CharField(label=gettext_lazy("Why the key is corrected"), max_length=2000)

    def clean_body(self):
        try:
            value = json.loads(self.cleaned_data["body"])
        except ValueError as error:
            raise ValidationError(_("This is not valid JSON.")) from error
        if not isinstance(value, dict):
            raise ValidationError(_("The definition must be a JSON object."))
        return value


def _require_staff(request) -> None:
    user = request.user
    if not (is_national_admin(user) or staff_institution_ids(user)):
        raise PermissionDenied


def _exam(request, pk: int) -> Exam:
    _require_staff(request)
    return get_object_or_404(
        Exam.objects.editable_by(request.user).select_related("institution"), pk=pk
    )


def _question(request, pk: int) -> AttemptQuestion:
    _require_staff(request)
    return get_object_or_404(
        AttemptQuestion.objects.filter(
            attempt__exam__in=Exam.objects.editable_by(request.user),
            attempt__status=Attempt.Status.SUBMITTED,
        ).select_related("attempt__exam", "item_version"),
        pk=pk,
    )


def _filters(request) -> dict:
    def number(name):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    status = request.GET.get("status", "")
    return {
        "item_id": number("question"),
        "status": status if status in STATUS_LABELS else None,
        "marker_id": number("marker"),
    }


def _query(filters: dict) -> str:
    pairs = {
        "question": filters["item_id"],
        "status": filters["status"],
        "marker": filters["marker_id"],
    }
    return urlencode({key: value for key, value in pairs.items() if value is not None})


# ---------------------------------------------------------------------------
# Screens.


def index(request):
    """Exams with submitted attempts, and how much marking each still needs."""
    _require_staff(request)
    exams = marking.exams_to_mark(user=request.user).annotate(
        submitted=Count("attempts", filter=Q(attempts__status=Attempt.Status.SUBMITTED)),
        waiting=Count(
            "attempts",
            filter=Q(attempts__status=Attempt.Status.SUBMITTED, attempts__needs_manual=True),
        ),
        released=Count("attempts__release"),
    )
    return render(request, "assessment/staff/marking/index.html", {"exams": exams})


@require_http_methods(["GET", "POST"])
def queue(request, exam_id: int):
    """The responses of one exam that need (or had) a hand mark, with the exam's settings."""
    exam = _exam(request, exam_id)
    form = MarkingSettingsForm(request.POST or None, instance=marking.exam_marking(exam))
    if request.method == "POST" and form.is_valid():
        try:
            marking.exam_marking_update(actor=request.user, exam=exam, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Marking settings saved."))
        return redirect("assessment_marking:queue", exam.pk)
    filters = _filters(request)
    rows = marking.marking_queue(user=request.user, exam=exam, **filters)
    everything = marking.marking_queue(user=request.user, exam=exam)
    markers = {}
    for mark in (
        marking.ResponseMark.objects.filter(question__attempt__exam=exam)
        .select_related("marker")
        .order_by("marker__username")
    ):
        markers[mark.marker_id] = mark.marker.get_username()
    return render(
        request,
        "assessment/staff/marking/queue.html",
        {
            "exam": exam,
            "rows": [(row, STATUS_LABELS[row.status]) for row in rows],
            "questions": sorted({(row.item_id, row.item_label) for row in everything}),
            "statuses": list(STATUS_LABELS.items()),
            "markers": sorted(markers.items(), key=lambda item: item[1]),
            "filters": filters,
            "query": _query(filters),
            "form": form,
            "settings_row": marking.exam_marking(exam),
        },
    )


def _marking_from_post(question: AttemptQuestion, post) -> dict:
    """The marking `mark_manual` expects, from the rubric / checklist form fields."""
    body = question.item_version.body
    kind = question.item_version.question_type
    if kind == "practical_checklist":
        criteria = {}
        for criterion in body["criteria"]:
            cid = criterion["id"]
            observation: dict = {}
            if criterion.get("mode", "met") == "met":
                value = post.get(f"met-{cid}")
                observation["met"] = {"1": True, "0": False}.get(value)
            else:
                observation["score"] = _number(post.get(f"score-{cid}"))
            evidence = post.getlist(f"evidence-{cid}")
            if evidence:
                files = {entry["file"]: entry for entry in _files(question)}
                observation["evidence"] = [files[key] for key in evidence if key in files]
            criteria[cid] = observation
        return {"criteria": criteria, "notes": post.get("notes", "")}
    if body.get("rubric"):
        return {
            "levels": {
                criterion["id"]: post.get(f"level-{criterion['id']}", "")
                for criterion in body["rubric"]["criteria"]
            }
        }
    return {"score": _number(post.get("score"))}


def _number(value):
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return float(number) if number.is_finite() else None


def _files(question: AttemptQuestion) -> list[dict]:
    answer = getattr(question, "answer", None)
    response = answer.response if answer else None
    return [entry for entry in response or [] if isinstance(entry, dict) and "file" in entry]


def _neighbours(request, question: AttemptQuestion) -> tuple[int | None, int | None]:
    filters = _filters(request)
    ids = [
        row.question_id
        for row in marking.marking_queue(user=request.user, exam=question.attempt.exam, **filters)
    ]
    if question.pk not in ids:
        return None, None
    at = ids.index(question.pk)
    return (ids[at - 1] if at > 0 else None, ids[at + 1] if at + 1 < len(ids) else None)


@require_http_methods(["GET", "POST"])
def mark(request, question_id: int):
    """Mark one response (first or second mark), or moderate it."""
    question = _question(request, question_id)
    exam = question.attempt.exam
    previous, following = _neighbours(request, question)
    query = _query(_filters(request))
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "mark")
        try:
            if action == "moderate":
                decision = request.POST.get("decision", "")
                agree_with = "first"
                if decision.startswith("agree-"):
                    agree_with, decision = decision.split("-", 1)[1], "agree"
                marking.response_moderate(
                    actor=request.user,
                    question=question,
                    decision=decision,
                    agree_with=agree_with,
                    marking=_marking_from_post(question, request.POST)
                    if decision == "adjust"
                    else None,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Moderation recorded."))
            else:
                marking.response_mark(
                    actor=request.user,
                    question=question,
                    marking=_marking_from_post(question, request.POST),
                    notes=request.POST.get("notes", ""),
                )
                messages.success(request, _("Mark saved."))
        except (ValidationError, marking.MarkingRefused) as error:
            errors = getattr(error, "messages", None) or [str(error)]
        else:
            target = following if request.POST.get("next") and following else question.pk
            url = reverse("assessment_marking:mark", args=[target])
            return redirect(f"{url}?{query}" if query else url)
    view = marking.response_for_marking(user=request.user, question=question)
    body = question.item_version.body
    own = view.own_mark.marking if view.own_mark else {}
    return render(
        request,
        "assessment/staff/marking/mark.html",
        {
            "exam": exam,
            "view": view,
            "question": view.question,
            "kind": question.item_version.question_type,
            "body": body,
            "rubric": _rubric_rows(body, own),
            "checklist": _checklist_rows(body, own, _files(view.question)),
            "files": [
                {**entry, "url": _file_url(entry["file"])} for entry in _files(view.question)
            ],
            "own": view.own_mark,
            "status_label": STATUS_LABELS[view.status],
            "previous": previous,
            "following": following,
            "query": query,
            "errors": errors,
        },
    )


def _file_url(key: str) -> str:
    try:
        return default_storage.url(key)
    except Exception:  # a storage without URLs: the name is still shown
        return ""


def _rubric_rows(body: dict, own: dict) -> list[dict]:
    chosen = own.get("levels", {}) if isinstance(own, dict) else {}
    return [
        {
            "id": criterion["id"],
            "title": criterion["title"],
            "levels": [
                {**level, "checked": chosen.get(criterion["id"]) == level["id"]}
                for level in criterion["levels"]
            ],
        }
        for criterion in (body.get("rubric") or {}).get("criteria", [])
    ]


def _checklist_rows(body: dict, own: dict, files: list[dict]) -> list[dict]:
    observed = own.get("criteria", {}) if isinstance(own, dict) else {}
    rows = []
    for criterion in body.get("criteria", []) if "standard" in body else []:
        seen = observed.get(criterion["id"], {})
        rows.append(
            {
                **criterion,
                "mode": criterion.get("mode", "met"),
                "met": seen.get("met"),
                "score": seen.get("score", ""),
                "evidence_keys": {entry.get("file") for entry in seen.get("evidence", [])},
                "files": files,
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def attempt_detail(request, attempt_id: int):
    """One attempt: its marks by question, its history, and releasing its result."""
    _require_staff(request)
    attempt = get_object_or_404(
        Attempt.objects.editable_by(request.user).select_related("exam", "learner", "version"),
        pk=attempt_id,
        status=Attempt.Status.SUBMITTED,
    )
    if request.method == "POST":
        outcome = marking.results_release(actor=request.user, exam=attempt.exam, attempts=[attempt])
        if outcome.released:
            messages.success(request, _("The result is released; the learner is notified."))
        elif outcome.already:
            messages.info(request, _("This result was already released."))
        else:
            messages.warning(request, _("This attempt still has marks to finish."))
        return redirect("assessment_marking:attempt", attempt.pk)
    settings_row = marking.exam_marking(attempt.exam)
    return render(
        request,
        "assessment/staff/marking/attempt.html",
        {
            "attempt": attempt,
            "candidate": marking.learner_label(attempt, settings_row.blind),
            "questions": attempt.questions.select_related("item_version"),
            "history": marking.attempt_history(user=request.user, attempt=attempt),
            "released": marking.is_released(attempt),
        },
    )


@require_POST
def release(request, exam_id: int):
    """Release every fully marked result of the exam."""
    exam = _exam(request, exam_id)
    outcome = marking.results_release(actor=request.user, exam=exam)
    messages.success(
        request,
        _("%(released)d results released; %(unfinished)d still being marked.")
        % {"released": outcome.released, "unfinished": outcome.unfinished},
    )
    return redirect("assessment_marking:queue", exam.pk)


@require_http_methods(["GET", "POST"])
def key_correct(request, version_id: int):
    """Correct an item version's answer key and regrade every attempt that used it."""
    _require_staff(request)
    version = get_object_or_404(
        ItemVersion.objects.editable_by(request.user).select_related("item__bank"), pk=version_id
    )
    form = KeyCorrectionForm(
        request.POST or None,
        initial={"body": json.dumps(version.body, ensure_ascii=False, indent=2)},
    )
    changes = None
    if request.method == "POST" and form.is_valid():
        try:
            changes = marking.item_key_correct(
                actor=request.user,
                item_version=version,
                body=form.cleaned_data["body"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Key corrected; %(count)d marks changed.") % {"count": len(changes)},
            )
    return render(
        request,
        "assessment/staff/marking/key.html",
        {"version": version, "form": form, "changes": changes},
    )


urlpatterns = [
    path("", index, name="index"),
    path("exams/<int:exam_id>/", queue, name="queue"),
    path("exams/<int:exam_id>/release", release, name="release"),
    path("responses/<int:question_id>/", mark, name="mark"),
    path("attempts/<int:attempt_id>/", attempt_detail, name="attempt"),
    path("items/<int:version_id>/key", key_correct, name="key"),
]


def menu_items():
    """The entries this part adds to the "Assessment" admin menu."""
    return [
        MenuItem(
            gettext_lazy("Marking"),
            reverse_lazy("assessment_marking:index"),
            icon_name="edit",
            order=200,
        )
    ]
