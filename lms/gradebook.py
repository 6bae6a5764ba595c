"""The gradebook in lms: the one receiver of `attempt_graded`, its idempotent service, and
the reads behind the teacher's course gradebook and the learner's "My results".

Which attempt counts is the exam's policy, sent with each announcement: `best` keeps the
attempt with the highest percentage (a tie keeps the one stored), `latest` the attempt with
the highest number. An announcement of the attempt already stored (a replay, or a regrade)
updates it in place. Only released results are announced (assessment/signals.py), so every
row here is a result the learner may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assessment.data import AttemptGraded
from assessment.signals import attempt_graded
from institutions.api import require_staff

from .course_progress import export_csv
from .models import CoursePage, Enrolment, GradeRecord, LessonPage

PERCENT = Decimal("0.01")


def exam_ids_in(pages) -> set[int]:
    """Ids of the exams placed (exam blocks) in these lesson pages, read from the raw stream."""
    found = set()
    for page in pages:
        for child in page.body.raw_data:
            if child.get("type") == "exam":
                value = child.get("value") or {}
                if isinstance(value.get("exam"), int):
                    found.add(value["exam"])
    return found


def _enrolment_for(*, learner_id: int, exam_id: int) -> Enrolment | None:
    """The learner's enrolment in a course whose lessons place the exam, if any."""
    enrolments = (
        Enrolment.objects.filter(learner_id=learner_id)
        .active()
        .select_related("course")
        .order_by("-enrolled_at")
    )
    for enrolment in enrolments:
        lessons = LessonPage.objects.descendant_of(enrolment.course).only("body")
        if exam_id in exam_ids_in(lessons):
            return enrolment
    return None


def _replaces(result: AttemptGraded, percent: Decimal, row: GradeRecord) -> bool:
    if result.attempt_id == row.attempt_id:
        return True  # the same attempt again: a replay (no change) or a regrade (new marks)
    if result.grade_policy == GradeRecord.Policy.LATEST:
        return result.attempt_number > row.attempt_number
    return percent > row.percent


def grade_record(*, result: AttemptGraded) -> GradeRecord:
    """Store a released exam result in the gradebook (idempotent; see the module docstring).

    Sent by assessment after its own commit: no user acts here, so no permission check;
    the audit trail is assessment's (`attempt.release`, marks and regrades).
    """
    percent = (
        (result.score * 100 / result.max_score).quantize(PERCENT)
        if result.max_score
        else Decimal(0)
    )
    fields = {
        "institution_id": result.institution_id,
        "exam_title": result.exam_title[:255],
        "attempt_id": result.attempt_id,
        "attempt_number": result.attempt_number,
        "policy": result.grade_policy,
        "score": result.score,
        "max_score": result.max_score,
        "percent": percent,
        "passed": result.passed,
        "graded_at": result.graded_at,
        "released_at": result.released_at or result.graded_at,
        "enrolment": _enrolment_for(learner_id=result.learner_id, exam_id=result.exam_id),
    }
    for _try in range(2):
        try:
            with transaction.atomic():
                row = (
                    GradeRecord.objects.select_for_update()
                    .filter(learner_id=result.learner_id, exam_id=result.exam_id)
                    .first()
                )
                if row is None:
                    return GradeRecord.objects.create(
                        learner_id=result.learner_id, exam_id=result.exam_id, **fields
                    )
                if not _replaces(result, percent, row):
                    return row
                for name, value in fields.items():
                    setattr(row, name, value)
                row.save()
                return row
        except IntegrityError:
            continue  # a concurrent first announcement created the row: update it now
    raise IntegrityError("grade_record")  # pragma: no cover


def _on_graded(sender, *, result: AttemptGraded, **kwargs) -> None:
    grade_record(result=result)


def connect_signals() -> None:
    """Called from LmsConfig.ready()."""
    attempt_graded.connect(_on_graded, dispatch_uid="lms.grade_record")


# ---------------------------------------------------------------------------
# Reads.


@dataclass(frozen=True)
class GradebookColumn:
    """An exam of the course."""

    exam_id: int
    title: str


@dataclass(frozen=True)
class GradebookRow:
    """A learner of the course and their grade in each exam (None: no released result)."""

    learner_name: str
    learner_code: str
    grades: list[GradeRecord | None]


def course_gradebook(*, user, course: CoursePage) -> tuple[list[GradebookColumn], list]:
    """Learners × exams of a course, for its institution's staff. Columns are the exams with
    results in the course (or placed in its lessons); rows the active enrolments."""
    require_staff(user, course.institution_id, _("Only this course's staff see its gradebook."))
    records = list(
        GradeRecord.objects.filter(enrolment__course=course).order_by("exam_title", "exam_id")
    )
    titles = {record.exam_id: record.exam_title for record in records}
    for exam_id in exam_ids_in(LessonPage.objects.descendant_of(course).only("body")):
        titles.setdefault(exam_id, "")
    columns = [
        GradebookColumn(exam_id, title or _("Exam %(id)s") % {"id": exam_id})
        for exam_id, title in sorted(titles.items(), key=lambda item: (item[1], item[0]))
    ]
    by_learner: dict[tuple[int, int], GradeRecord] = {
        (record.learner_id, record.exam_id): record for record in records
    }
    rows = []
    enrolments = (
        Enrolment.objects.filter(course=course)
        .active()
        .select_related("learner")
        .order_by("learner__last_name", "learner__first_name", "learner__username")
    )
    for enrolment in enrolments:
        learner = enrolment.learner
        rows.append(
            GradebookRow(
                learner_name=learner.display_name or learner.get_username(),
                learner_code=learner.learner_id or "",
                grades=[by_learner.get((learner.pk, column.exam_id)) for column in columns],
            )
        )
    return columns, rows


def course_gradebook_csv(*, user, course: CoursePage) -> bytes:
    """The course gradebook as CSV (percentages), formula-safe like the progress export."""
    columns, rows = course_gradebook(user=user, course=course)
    table = [[_("Learner"), _("Learner ID")] + [column.title for column in columns]]
    for row in rows:
        table.append(
            [row.learner_name, row.learner_code]
            + ["" if grade is None else grade.percent for grade in row.grades]
        )
    return export_csv(table)


def learner_results(*, user) -> list[GradeRecord]:
    """The signed-in learner's own released results, newest first."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in to see your results."))
    return list(
        GradeRecord.objects.filter(learner=user).select_related("enrolment__course", "institution")
    )
