"""Courseware progress people can read: per course, per learner, per activity; and its export.

A course's *activities* are the courseware blocks placed in its lessons, in page order; each
is named by its placement (`lesson:<lesson id>:<block id>`, the name courseware's outcomes
carry). The cells come from `CoursewareProgress`, the read model that `lms.progress` keeps
from courseware's outcome signal, so these views never reach into courseware's tables.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from courseware.api import package_titles

from .launch import placement_of
from .models import CoursePage, CoursewareProgress, Enrolment, LessonPage
from .services import enrolment_complete


@dataclass(frozen=True)
class CourseActivity:
    """One courseware block of a course: where it is and what it plays."""

    placement: str
    lesson: LessonPage
    title: str


@dataclass(frozen=True)
class ProgressCell:
    """A learner's state in one activity, ready to show."""

    status: str  # a key of STATUS_LABELS
    score_percent: int | None
    time_seconds: float
    attempts: int

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def time_display(self) -> str:
        return duration_display(self.time_seconds)


NOT_STARTED = ProgressCell(status="not_started", score_percent=None, time_seconds=0, attempts=0)


def status_label(status: str) -> str:
    labels = {
        "not_started": pgettext("courseware status", "Not started"),
        "incomplete": pgettext("courseware status", "In progress"),
        "completed": pgettext("courseware status", "Completed"),
        "passed": pgettext("courseware status", "Passed"),
        "failed": pgettext("courseware status", "Failed"),
    }
    return labels.get(status, status)


def duration_display(seconds: float) -> str:
    """Whole seconds as H:MM:SS."""
    total = round(seconds or 0)
    return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"


def _cell(row: CoursewareProgress | None) -> ProgressCell:
    if row is None:
        return NOT_STARTED
    if row.success_status in ("passed", "failed"):
        status = row.success_status
    elif row.completion_status == "completed":
        status = "completed"
    elif row.completion_status in ("unknown", "not attempted", "") and not row.total_time_seconds:
        status = "not_started"
    else:
        status = "incomplete"
    score = None if row.score_scaled is None else round(row.score_scaled * 100)
    return ProgressCell(
        status=status,
        score_percent=score,
        time_seconds=row.total_time_seconds,
        attempts=row.attempts,
    )


def course_activities(course: CoursePage) -> list[CourseActivity]:
    """The courseware blocks of the course's lessons, in the order of the course's pages."""
    return courses_activities([course])[course.pk]


def courses_activities(courses) -> dict[int, list[CourseActivity]]:
    """The courseware blocks of several courses' lessons: two queries whatever their number.

    Block values are read raw (package id, item) so that no package is fetched lesson by
    lesson; the titles come from one query over every package named.
    """
    courses = list(courses)
    found: dict[int, list[CourseActivity]] = {course.pk: [] for course in courses}
    if not courses:
        return found
    within = models.Q()
    for course in courses:
        within |= models.Q(path__startswith=course.path, depth__gt=course.depth)
    blocks = []
    for lesson in LessonPage.objects.filter(within).order_by("path"):
        course = next(c for c in courses if lesson.path.startswith(c.path))
        for block in lesson.body.raw_data:
            if block.get("type") == "courseware":
                blocks.append((course, lesson, block.get("id"), block.get("value") or {}))
    titles = package_titles({value.get("package") for _c, _l, _id, value in blocks})
    for course, lesson, block_id, value in blocks:
        title = titles.get(value.get("package")) or _("Courseware")
        item = (value.get("item") or "").strip()
        if item:
            title = f"{title} · {item}"
        found[course.pk].append(
            CourseActivity(placement=placement_of(lesson, block_id), lesson=lesson, title=title)
        )
    return found


@dataclass
class LearnerRow:
    """One enrolled learner and a cell per activity of the course."""

    enrolment: Enrolment
    cells: list[ProgressCell]

    @property
    def done_count(self) -> int:
        return sum(cell.status in ("completed", "passed") for cell in self.cells)


def course_progress(enrolments, activities: list[CourseActivity]) -> list[LearnerRow]:
    """A row per enrolment (in the given order), one query for every cell."""
    enrolments = list(enrolments)
    placements = [activity.placement for activity in activities]
    found = {
        (row.learner_id, row.placement): row
        for row in CoursewareProgress.objects.filter(
            placement__in=placements,
            learner_id__in=[enrolment.learner_id for enrolment in enrolments],
        )
    }
    return [
        LearnerRow(
            enrolment=enrolment,
            cells=[_cell(found.get((enrolment.learner_id, p))) for p in placements],
        )
        for enrolment in enrolments
    ]


def learner_courses_progress(
    learner, courses
) -> dict[int, list[tuple[CourseActivity, ProgressCell]]]:
    """One learner's activities in each of several courses, for their dashboard (3 queries)."""
    activities = courses_activities(courses)
    placements = [
        a.placement for course_activities in activities.values() for a in course_activities
    ]
    found = {
        row.placement: row
        for row in CoursewareProgress.objects.filter(learner=learner, placement__in=placements)
    }
    return {
        course_id: [(activity, _cell(found.get(activity.placement))) for activity in listed]
        for course_id, listed in activities.items()
    }


# --- Export ---------------------------------------------------------------------------------


def export_table(course: CoursePage, rows: list[LearnerRow], activities) -> list[list]:
    """The progress as a table: a header row, then a row per learner."""
    header = [_("Learner"), _("Learner ID"), _("Cohort"), _("Enrolment")]
    for activity in activities:
        name = f"{activity.lesson.title} — {activity.title}"
        header += [
            f"{name}: {_('status')}",
            f"{name}: {_('score (%)')}",
            f"{name}: {_('time')}",
            f"{name}: {_('attempts')}",
        ]
    table = [header]
    for row in rows:
        enrolment = row.enrolment
        line = [
            enrolment.learner.display_name,
            enrolment.learner.learner_id or "",
            enrolment.cohort.code if enrolment.cohort_id else "",
            enrolment.get_status_display(),
        ]
        for cell in row.cells:
            line += [
                cell.status_label,
                "" if cell.score_percent is None else cell.score_percent,
                cell.time_display,
                cell.attempts,
            ]
        table.append(line)
    return table


def _safe(value):
    """Spreadsheet formula injection: a text cell never starts with = + - @ as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_csv(table: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in table:
        writer.writerow([_safe(value) for value in line])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(table: list[list], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (title or "Progress")[:31].translate({ord(c): " " for c in "[]:*?/\\"})
    for line in table:
        sheet.append([_safe(value) for value in line])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- The enrolment's progress figure ------------------------------------------------------


def lesson_id_of(placement: str) -> int | None:
    """The lesson a placement names (`lesson:<id>:<block id>`), or None for another kind."""
    kind, _sep, rest = placement.partition(":")
    lesson_id = rest.partition(":")[0]
    return int(lesson_id) if kind == "lesson" and lesson_id.isdigit() else None


def enrolment_progress_refresh(*, learner_id: int, placement: str) -> Enrolment | None:
    """Set the learner's enrolment progress to the share of the course's activities done.

    Idempotent: it recomputes from the stored rows, so calling it twice changes nothing.
    Every activity done completes an active enrolment (`enrolment_complete`).
    Called by `lms.progress` after a courseware outcome is recorded.
    """
    lesson_id = lesson_id_of(placement)
    lesson = LessonPage.objects.filter(pk=lesson_id).first() if lesson_id else None
    course = CoursePage.objects.ancestor_of(lesson).first() if lesson else None
    enrolment = (
        Enrolment.objects.filter(learner_id=learner_id, course=course).first() if course else None
    )
    if enrolment is None:
        return None
    placements = [activity.placement for activity in course_activities(course)]
    done = CoursewareProgress.objects.filter(
        learner_id=learner_id, placement__in=placements
    ).filter(models.Q(completion_status="completed") | models.Q(success_status="passed"))
    percent = round(100 * done.count() / len(placements)) if placements else 0
    if percent != enrolment.progress_percent:
        Enrolment.objects.filter(pk=enrolment.pk).update(progress_percent=percent)
        enrolment.progress_percent = percent
    if percent == 100 and enrolment.status == Enrolment.Status.ACTIVE:
        enrolment_complete(enrolment=enrolment)
    return enrolment
