"""Admin screens: item statistics (see `assessment/staff/__init__.py`).

Per exam: the test summary, a table of items with the dubious ones highlighted, two
charts drawn on the server as SVG (facility against discrimination; the distribution of
scores), the option distribution of choice items, and the downloads (HDF5, XLSX, CSV).
Staff of the exam's institution and national administrators only: another
institution's exam is a 404. Definitions: `assessment/statistics.py`, docs/item-statistics.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse_lazy
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail.admin.menu import MenuItem

from institutions.api import audit_record, is_national_admin, staff_institution_ids

from .. import exports, statistics, tasks
from ..models import Attempt, Exam

# ---------------------------------------------------------------------------
# Charts: plain SVG geometry computed here, drawn by the template.

PLOT = {"width": 640, "height": 400, "left": 56, "right": 16, "top": 16, "bottom": 48}


def _fmt(value, digits: int = 1) -> str:
    """A figure for people: localised, rounded, a dash when there is none."""
    if value is None:
        return "–"
    return number_format(value, digits)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    dubious: bool
    description: str


def scatter(items) -> dict:
    """Facility (0–100 %) across, discrimination index (−100–100 %) up."""
    width = PLOT["width"] - PLOT["left"] - PLOT["right"]
    height = PLOT["height"] - PLOT["top"] - PLOT["bottom"]

    def x_of(facility: float) -> float:
        return PLOT["left"] + width * max(0.0, min(100.0, facility)) / 100

    def y_of(discrimination: float) -> float:
        value = max(-100.0, min(100.0, discrimination))
        return PLOT["top"] + height * (100 - value) / 200

    # Items at the same place share one mark, labelled with all their numbers.
    placed: dict[tuple[float, float], list] = {}
    for item in items:
        if item.facility is not None and item.discrimination_index is not None:
            key = (round(x_of(item.facility), 1), round(y_of(item.discrimination_index), 1))
            placed.setdefault(key, []).append(item)
    points = [
        Point(
            x=x,
            y=y,
            label=", ".join(f"Q{item.number}" for item in group),
            dubious=any(item.dubious for item in group),
            description="; ".join(
                _("Q%(n)s: facility %(f)s %%, discrimination %(d)s %%")
                % {
                    "n": item.number,
                    "f": _fmt(item.facility, 0),
                    "d": _fmt(item.discrimination_index, 0),
                }
                for item in group
            ),
        )
        for (x, y), group in placed.items()
    ]
    return {
        "points": points,
        "x_ticks": [{"x": x_of(v), "label": v} for v in range(0, 101, 20)],
        "y_ticks": [{"y": y_of(v), "label": v} for v in range(-100, 101, 50)],
        "threshold_y": y_of(statistics.DISCRIMINATION_LOW),
        "zero_y": y_of(0),
        "low_x": x_of(statistics.FACILITY_LOW),
        "high_x": x_of(statistics.FACILITY_HIGH),
        "left": PLOT["left"],
        "right": PLOT["width"] - PLOT["right"],
        "top": PLOT["top"],
        "bottom": PLOT["height"] - PLOT["bottom"],
        "mid_x": PLOT["left"] + width / 2,
        "mid_y": PLOT["top"] + height / 2,
        "width": PLOT["width"],
        "height": PLOT["height"],
    }


def histogram(counts: list[int]) -> dict:
    """Attempts per band of 10 % of the paper's marks."""
    width = PLOT["width"] - PLOT["left"] - PLOT["right"]
    height = PLOT["height"] - PLOT["top"] - PLOT["bottom"]
    top = max(counts or [0]) or 1
    step = width / max(1, len(counts))
    bars = []
    for index, count in enumerate(counts):
        bar_height = height * count / top
        low = index * 100 // len(counts)
        high = (index + 1) * 100 // len(counts)
        bars.append(
            {
                "x": round(PLOT["left"] + index * step + 2, 1),
                "y": round(PLOT["top"] + height - bar_height, 1),
                "width": round(step - 4, 1),
                "height": round(bar_height, 1),
                "count": count,
                "band": f"{low}–{high} %",
                "label_x": round(PLOT["left"] + index * step + step / 2, 1),
            }
        )
    return {
        "bars": bars,
        "max": top,
        "left": PLOT["left"],
        "right": PLOT["width"] - PLOT["right"],
        "top": PLOT["top"],
        "bottom": PLOT["height"] - PLOT["bottom"],
        "mid_x": PLOT["left"] + width / 2,
        "mid_y": PLOT["top"] + height / 2,
        "width": PLOT["width"],
        "height": PLOT["height"],
    }


# ---------------------------------------------------------------------------
# Views.


def _require_staff(request) -> None:
    user = request.user
    if not (is_national_admin(user) or staff_institution_ids(user)):
        raise PermissionDenied


def _exam(request, exam_id: int) -> Exam:
    _require_staff(request)
    exam = Exam.objects.visible_to(request.user).select_related("institution").filter(pk=exam_id)
    exam = exam.first()
    if exam is None:
        raise Http404
    return exam


def _choices(request, exam: Exam):
    """The attempts option (first / all) and the version (a number, or every version)."""
    attempts = request.GET.get("attempts")
    attempts = attempts if attempts in (statistics.FIRST, statistics.ALL) else statistics.FIRST
    version, number = None, request.GET.get("version", "")
    if number:
        if not number.isdigit():
            raise Http404
        version = exam.versions.filter(number=int(number)).first()
        if version is None:
            raise Http404
    return attempts, version


@require_GET
def index(request):
    """The exams of the person's institutions, with how many graded attempts each has."""
    _require_staff(request)
    rows = (
        Exam.objects.visible_to(request.user)
        .select_related("institution")
        .annotate(
            graded=Count(
                "attempts",
                filter=Q(attempts__status=Attempt.Status.SUBMITTED, attempts__needs_manual=False),
            )
        )
        .order_by("-created_at", "-pk")[:500]
    )
    return render(request, "assessment/staff/statistics/index.html", {"rows": rows})


PHASES = {
    "": gettext_lazy("Waiting for a worker"),
    "reading": gettext_lazy("Reading the marks"),
    "responses": gettext_lazy("Reading the responses"),
    "computing": gettext_lazy("Computing the item figures"),
    "options": gettext_lazy("Counting the options chosen"),
}


QUEUED = {"status": "queued", "phase": "", "done": 0, "total": 0, "percent": 0}


def _job_status(state: dict | None, ready: bool) -> dict:
    """What the progress bar shows; `finished` tells the page to load the figures."""
    if ready or state is None:
        # Ready, or the work finished on data that changed since: the page computes again.
        return {"finished": True, "failed": False, "percent": 100, "label": "", "count": ""}
    failed = state["status"] == "failed"
    return {
        "finished": failed,
        "failed": failed,
        "percent": int(state["percent"]),
        "label": str(
            _("The computation failed. Try again later.") if failed else PHASES[state["phase"]]
        ),
        "count": (
            _("%(done)s of %(total)s items") % {"done": state["done"], "total": state["total"]}
            if state["total"] and not failed
            else ""
        ),
    }


def _start_in_background(request, exam: Exam, version, attempts: str, key: str) -> None:
    """Queue the computation of a large exam's figures (once, whoever else is waiting)."""
    if not statistics.job_start(key):
        return
    arguments = {
        "user_id": request.user.pk,
        "exam_id": exam.pk,
        "version_id": version.pk if version else None,
        "attempts": attempts,
        "key": key,
        "language": get_language() or "",
    }
    transaction.on_commit(lambda: tasks.exam_statistics_task.enqueue(**arguments))


@require_GET
def exam_statistics(request, exam_id: int):
    """One exam's statistics: summary, charts, items, option distribution, downloads.

    From the cache when the data have not changed; a large exam not yet computed is
    computed in the background while the page shows its progress (`exam_statistics_status`).
    """
    exam = _exam(request, exam_id)
    attempts, version = _choices(request, exam)
    stats, key, fingerprint = statistics.cached_statistics(
        user=request.user, exam=exam, version=version, attempts=attempts
    )
    query = urlencode({"attempts": attempts, "version": version.number if version else ""})
    if stats is None and fingerprint.cells > statistics.background_threshold():
        _start_in_background(request, exam, version, attempts, key)
        stats = statistics.cache.get(key)  # a task run at once (tests, a laptop) is done
        if stats is None:
            return render(
                request,
                "assessment/staff/statistics/progress.html",
                {
                    "exam": exam,
                    "cells": fingerprint.cells,
                    "state": _job_status(statistics.job_state(key) or QUEUED, False),
                    "query": query,
                },
            )
    if stats is None:
        stats = statistics.exam_statistics_cached(
            user=request.user, exam=exam, version=version, attempts=attempts
        )
    test = stats.test
    summary = [
        (_("Graded attempts"), str(test.n_attempts)),
        (_("Awaiting hand marking (left out)"), str(test.awaiting_marking)),
        (_("Items"), str(test.n_items)),
        (_("Mean"), _fmt(test.mean, 2)),
        # A label, never %-formatted: xgettext would read "% o" as a directive.
        # xgettext:no-python-format
        (_("Mean (% of the paper)"), _fmt(test.mean_percent, 1)),
        (_("Median"), _fmt(test.median, 2)),
        (_("Standard deviation"), _fmt(test.sd, 2)),
        (_("Skewness"), _fmt(test.skewness, 3)),
        (_("Kurtosis"), _fmt(test.kurtosis, 3)),
        (_("Cronbach's α"), _fmt(test.alpha, 3)),
        (_("KR-20"), _fmt(test.kr20, 3)),
        (_("Error ratio (%)"), _fmt(test.error_ratio, 1)),
        (_("Standard error of measurement"), _fmt(test.sem, 2)),
    ]
    rows = [
        {
            "stats": item,
            "cells": [
                str(item.n),
                _fmt(item.facility),
                _fmt(item.sd),
                _fmt(item.random_guess),
                _fmt(item.intended_weight),
                _fmt(item.effective_weight),
                _fmt(item.discrimination_index),
                _fmt(item.discrimination_27, 2),
                _fmt(item.discriminative_efficiency),
                _fmt(item.point_biserial, 2),
            ],
        }
        for item in stats.items
    ]
    return render(
        request,
        "assessment/staff/statistics/exam.html",
        {
            "exam": exam,
            "stats": stats,
            "summary": summary,
            "rows": rows,
            "dubious_count": sum(item.dubious for item in stats.items),
            "choice_items": [item for item in stats.items if item.options],
            "scatter": scatter(stats.items),
            "histogram": histogram(test.histogram),
            "attempts": attempts,
            "version": version,
            "versions": list(exam.versions.values_list("number", flat=True)),
            "query": query,
            "downloads": [
                ("hdf5", _("HDF5 (matrix and parameters)")),
                ("xlsx", _("Excel workbook")),
                ("scores.csv", _("Scores (CSV)")),
                ("responses.csv", _("Responses (CSV)")),
                ("items.csv", _("Item parameters (CSV)")),
            ],
        },
    )


@require_GET
def exam_statistics_status(request, exam_id: int):
    """The progress of a background computation as JSON (same tenancy as the page)."""
    exam = _exam(request, exam_id)
    attempts, version = _choices(request, exam)
    stats, key, _fingerprint = statistics.cached_statistics(
        user=request.user, exam=exam, version=version, attempts=attempts
    )
    return JsonResponse(_job_status(statistics.job_state(key), stats is not None))


DOWNLOADS = {
    "hdf5": ("application/x-hdf5", "h5"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "scores.csv": ("text/csv; charset=utf-8", "scores.csv"),
    "responses.csv": ("text/csv; charset=utf-8", "responses.csv"),
    "items.csv": ("text/csv; charset=utf-8", "items.csv"),
}


@require_GET
def download(request, exam_id: int, kind: str):
    """The matrix and the item parameters in one format; every download is audited."""
    if kind not in DOWNLOADS:
        raise Http404
    exam = _exam(request, exam_id)
    attempts, version = _choices(request, exam)
    stats = statistics.exam_statistics_for(
        user=request.user,
        exam=exam,
        version=version,
        attempts=attempts,
        with_responses=kind in ("hdf5", "xlsx", "responses.csv"),
    )
    if kind == "hdf5":
        body = exports.export_hdf5(stats)
    elif kind == "xlsx":
        body = exports.export_xlsx(stats)
    else:
        table = {
            "scores.csv": exports.scores_table,
            "responses.csv": exports.responses_table,
            "items.csv": exports.items_table,
        }[kind](stats)
        body = exports.export_csv(table)
    audit_record(
        actor=request.user,
        action="exam.statistics_export",
        obj=exam,
        institution=exam.institution,
        data={
            "format": kind,
            "attempts": attempts,
            "version": version.number if version else None,
            "rows": stats.test.n_attempts,
        },
    )
    content_type, extension = DOWNLOADS[kind]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="exam-{exam.pk}-statistics-{attempts}.{extension}"'
    )
    return response


urlpatterns = [
    path("", index, name="index"),
    path("<int:exam_id>/", exam_statistics, name="exam"),
    path("<int:exam_id>/status", exam_statistics_status, name="status"),
    path("<int:exam_id>/download/<str:kind>", download, name="download"),
]


def menu_items():
    """The entries this part adds to the "Assessment" admin menu."""
    return [
        MenuItem(
            gettext_lazy("Item statistics"),
            reverse_lazy("assessment_statistics:index"),
            icon_name="table",
            order=400,
        )
    ]
