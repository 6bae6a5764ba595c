"""What other parts of the platform may call in `assessment`.

The lms places an exam in a lesson (`ExamChooserBlock`), reads what the lesson shows
(`exam_info`, `learner_exam_state`) and, once its own access decision has admitted the
learner, opens the learner's attempt (`exam_attempt_open`). Nothing here decides access
to a course: that is lms's one decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import attempts
from .marking import learner_result
from .models import Attempt, Exam
from .staff.exam_chooser import ExamChooserBlock

__all__ = [
    "ExamChooserBlock",
    "ExamInfo",
    "ExamUnavailable",
    "LearnerExamState",
    "ResultNoticeInfo",
    "exam_attempt_open",
    "exam_find",
    "exam_info",
    "learner_exam_state",
    "learner_result_notices",
    "result_url",
]


class ExamUnavailable(Exception):
    """The learner cannot open an attempt now; `code` says why (`not_published`,
    `no_attempts_left`)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ExamInfo:
    """An exam as a lesson shows it: its current version's window, limit and attempts."""

    id: int
    institution_id: int
    title: str
    published: bool
    opens_at: datetime | None
    closes_at: datetime | None
    time_limit_minutes: int | None
    attempts_allowed: int

    def is_open(self, now: datetime | None = None) -> bool:
        """Published, and now within the open/close window."""
        now = now or timezone.now()
        return (
            self.published
            and (self.opens_at is None or now >= self.opens_at)
            and (self.closes_at is None or now < self.closes_at)
        )


@dataclass(frozen=True)
class LearnerExamState:
    """Where one learner stands on one exam.

    `state` is `not_started` (no attempt begun), `ready` (an attempt prepared, clock not
    running), `in_progress`, `submitted` or `released` (the latest attempt is submitted and
    its result may be shown to the learner: its score is set). `attempts_used` counts
    attempts begun; `attempt_url` is the latest attempt's exam client page.
    """

    state: str
    attempts_used: int
    attempts_allowed: int
    attempt_url: str = ""
    score: str = ""
    max_score: str = ""

    @property
    def has_open_attempt(self) -> bool:
        return self.state in ("ready", "in_progress")

    @property
    def attempts_left(self) -> int:
        return max(0, self.attempts_allowed - self.attempts_used)


def exam_info(*, exam_id: int) -> ExamInfo | None:
    """The exam and its current version's settings, or None if there is no such exam."""
    exam = Exam.objects.filter(pk=exam_id).first()
    if exam is None:
        return None
    version = exam.current_version
    return ExamInfo(
        id=exam.pk,
        institution_id=exam.institution_id,
        title=exam.title,
        published=exam.published_at is not None,
        opens_at=version.opens_at,
        closes_at=version.closes_at,
        time_limit_minutes=version.time_limit_minutes,
        attempts_allowed=version.attempts_allowed,
    )


def exam_find(*, institution_id: int, title: str) -> Exam | None:
    """An institution's exam by its title (the demo loader places its exam in a lesson)."""
    return Exam.objects.filter(institution_id=institution_id, title=title).order_by("pk").first()


def learner_exam_state(*, exam_id: int, learner, now=None) -> LearnerExamState:
    """The learner's attempts on the exam, summed up for the lesson."""
    info = exam_info(exam_id=exam_id)
    allowed = info.attempts_allowed if info else 0
    rows = list(
        Attempt.objects.filter(exam_id=exam_id, learner=learner)
        .select_related("version", "exam")
        .order_by("number")
    )
    used = sum(1 for row in rows if row.status != Attempt.Status.PREPARED)
    if not rows:
        return LearnerExamState(state="not_started", attempts_used=0, attempts_allowed=allowed)
    latest = rows[-1]
    url = reverse("assessment:attempt", args=[latest.public_id])
    if latest.status == Attempt.Status.PREPARED:
        return LearnerExamState("ready", used, allowed, url)
    if latest.status == Attempt.Status.IN_PROGRESS:
        return LearnerExamState("in_progress", used, allowed, url)
    # Released is marking's word (an AttemptRelease row); the learner's result page says more.
    url = reverse("assessment:result", args=[latest.public_id])
    result = learner_result(attempt=latest, learner=learner, now=now)
    if result["state"] == "released":
        return LearnerExamState(
            "released",
            used,
            allowed,
            url,
            attempts.marks_text(result["score"]) if result["score"] is not None else "",
            attempts.marks_text(result["max_score"]) if result["max_score"] is not None else "",
        )
    return LearnerExamState("submitted", used, allowed, url)


@transaction.atomic
def exam_attempt_open(*, exam_id: int, learner, registration=None) -> str:
    """The learner's attempt to sit now (an open one, else a newly prepared one); answers
    the exam client's URL. `registration` is the course enrolment's xAPI registration: the
    attempt's statements carry it (a standalone exam's keep the attempt's id).

    Call it only after the caller's access decision admitted the learner (lms: enrolled in
    the course that places the exam, the exam within its window). Raises `ExamUnavailable`
    when the exam is not published or the learner has no attempt left.
    """
    exam = Exam.objects.filter(pk=exam_id).first()
    if exam is None or exam.published_at is None:
        raise ExamUnavailable("not_published", _("This exam is not open yet."))
    try:
        ready = attempts.exam_attempts_prepare(
            actor=None, exam=exam, learners=[learner], admitted=True
        )
    except ValidationError as exc:
        raise ExamUnavailable("not_published", " ".join(exc.messages)) from exc
    if not ready:
        raise ExamUnavailable("no_attempts_left", _("You have no attempts left."))
    attempt = ready[0]
    if registration is not None and attempt.enrolment_registration is None:
        # Set once, before submission: a statement already written never changes registration.
        Attempt.objects.filter(pk=attempt.pk, enrolment_registration__isnull=True).exclude(
            status=Attempt.Status.SUBMITTED
        ).update(enrolment_registration=registration)
    return reverse("assessment:attempt", args=[attempt.public_id])


@dataclass(frozen=True)
class ResultNoticeInfo:
    """A notice to the learner that a result is released or changed (marking)."""

    message: str
    created_at: datetime
    unread: bool
    result_url: str


def learner_result_notices(*, learner, limit: int = 20) -> list[ResultNoticeInfo]:
    """The learner's newest result notices, each linking to the result page."""
    from .marking import learner_notices

    return [
        ResultNoticeInfo(
            message=notice.message,
            created_at=notice.created_at,
            unread=notice.read_at is None,
            result_url=reverse("assessment:result", args=[notice.attempt.public_id]),
        )
        for notice in learner_notices(learner=learner, limit=limit)
    ]


def result_url(*, attempt_id: int) -> str:
    """The learner's result page of an attempt (gradebook links)."""
    public_id = Attempt.objects.filter(pk=attempt_id).values_list("public_id", flat=True).first()
    return reverse("assessment:result", args=[public_id]) if public_id else ""
