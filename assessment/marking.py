"""Marking: the queue of hand-marked responses, first and second marks, moderation,
regrading after a key correction, and the release of results.

Every state change is keyword-only and atomic, checks that the actor is staff of the
exam's institution, writes a `MarkingEvent` (the attempt's visible history: who, when,
before → after, why) and an audit event. `attempt_graded` is sent, on commit, only for
released attempts (see `signals.py`).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from institutions.api import audit_record, is_national_admin, require_staff, staff_institution_ids

from . import questions, xapi
from .data import AttemptGraded
from .models import (
    Attempt,
    AttemptQuestion,
    AttemptRelease,
    Exam,
    ExamMarking,
    ItemVersion,
    MarkingEvent,
    ResponseMark,
    ResultNotice,
)
from .questions.base import to_score
from .signals import attempt_graded

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 2000


class MarkingRefused(Exception):
    """A marking action that the state of the response does not allow (a clear message)."""


# ---------------------------------------------------------------------------
# Settings and small reads.


def exam_marking(exam: Exam) -> ExamMarking:
    """The exam's marking settings (unsaved defaults when it has none)."""
    try:
        return exam.marking
    except ExamMarking.DoesNotExist:
        return ExamMarking(exam=exam)


@transaction.atomic
def exam_marking_update(*, actor, exam: Exam, **fields) -> ExamMarking:
    """Change how an exam is marked and released (staff of its institution)."""
    require_staff(actor, exam.institution_id, _("Only this exam's staff set how it is marked."))
    row = exam_marking(exam)
    before = {name: str(getattr(row, name)) for name in fields}
    for name, value in fields.items():
        if name not in {
            "blind",
            "second_marking_percent",
            "release",
            "pass_percent",
            "grade_policy",
        }:
            raise ValidationError(_("Unknown marking setting: %(name)s") % {"name": name})
        setattr(row, name, value)
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action="exam.marking_update",
        obj=exam,
        institution=exam.institution,
        data={"before": before, "after": {name: str(getattr(row, name)) for name in fields}},
    )
    return row


def candidate_number(attempt: Attempt) -> str:
    """An anonymous candidate number for blind marking: stable per attempt, not guessable
    from the learner or the attempt's order (derived with the site's secret)."""
    digest = hashlib.sha256(
        f"{settings.SECRET_KEY}:candidate:{attempt.exam_id}:{attempt.pk}".encode()
    ).hexdigest()
    return f"C-{int(digest[:10], 16) % 1_000_000:06d}"


def needs_second_mark(question: AttemptQuestion, settings_row: ExamMarking) -> bool:
    """Whether this response is in the second-marked share: a fixed, even draw per response."""
    percent = settings_row.second_marking_percent
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"second:{question.attempt_id}:{question.pk}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < percent


# Status of one hand-marked response.
UNMARKED = "unmarked"
AWAITING_SECOND = "awaiting_second"
AWAITING_MODERATION = "awaiting_moderation"
FINAL = "final"


def response_state(
    question: AttemptQuestion, marks: dict[str, ResponseMark], settings_row: ExamMarking
) -> tuple[str, Decimal | None]:
    """(status, final score or None) of a hand-marked response from its marks.

    A moderation decides; without one, a single first mark is final unless the response is
    in the second-marked share; two equal marks are final, two different ones wait for a
    moderator.
    """
    if "moderation" in marks:
        return FINAL, marks["moderation"].score
    first, second = marks.get("first"), marks.get("second")
    if first is None:
        return UNMARKED, None
    if not needs_second_mark(question, settings_row):
        return FINAL, first.score
    if second is None:
        return AWAITING_SECOND, None
    if second.score == first.score:
        return FINAL, first.score
    return AWAITING_MODERATION, None


def _marks_of(question: AttemptQuestion) -> dict[str, ResponseMark]:
    return {mark.role: mark for mark in question.marks.all()}


def _staff_exam(actor, exam: Exam, message: str) -> None:
    if actor is None:
        raise PermissionDenied(message)
    require_staff(actor, exam.institution_id, message)


# ---------------------------------------------------------------------------
# The queue.


@dataclass(frozen=True)
class QueueRow:
    """One response in the marking queue, as the person looking may see it."""

    question_id: int
    attempt_id: int
    position: int
    item_id: int
    item_label: str
    question_type: str
    candidate: str
    status: str
    first_marker: str
    second_marker: str
    score: Decimal | None
    max_score: Decimal
    released: bool


def exams_to_mark(*, user):
    """Exams of the user's institutions that have submitted attempts with hand-marked questions."""
    if is_national_admin(user):
        exams = Exam.objects.all()
    else:
        exams = Exam.objects.filter(institution__in=staff_institution_ids(user))
    return exams.filter(attempts__status=Attempt.Status.SUBMITTED).distinct().order_by("title")


def learner_label(attempt: Attempt, blind: bool) -> str:
    """The candidate number under blind marking, else the learner's name."""
    if blind:
        return candidate_number(attempt)
    learner = attempt.learner
    return learner.display_name or learner.get_username()


def marking_queue(
    *,
    user,
    exam: Exam,
    item_id: int | None = None,
    status: str | None = None,
    marker_id: int | None = None,
) -> list[QueueRow]:
    """The hand-marked responses of an exam's submitted attempts, filterable by question
    (the item: positions differ between attempts when items are shuffled), status and
    marker, grouped by question so one question is marked across candidates in a row.
    Staff of the exam's institution only."""
    _staff_exam(user, exam, _("Only this exam's staff mark it."))
    settings_row = exam_marking(exam)
    rows = (
        AttemptQuestion.objects.filter(attempt__exam=exam, attempt__status=Attempt.Status.SUBMITTED)
        .select_related("item_version", "attempt__learner", "attempt__release")
        .prefetch_related("marks__marker")
        .order_by("item_version__item_id", "attempt__pk")
    )
    if item_id is not None:
        rows = rows.filter(item_version__item_id=item_id)
    result = []
    for question in rows:
        hand = question.item_version.question.manual
        marks = _marks_of(question)
        if not (hand or marks or question.needs_manual):
            continue
        state, score = response_state(question, marks, settings_row)
        if status and state != status:
            continue
        markers = {role: mark.marker_id for role, mark in marks.items()}
        if marker_id is not None and marker_id not in markers.values():
            continue
        first, second = marks.get("first"), marks.get("second")
        attempt = question.attempt
        result.append(
            QueueRow(
                question_id=question.pk,
                attempt_id=attempt.pk,
                position=question.position,
                item_id=question.item_version.item_id,
                item_label=Truncator(strip_tags(question.view.get("stem", ""))).chars(60),
                question_type=question.item_version.question_type,
                candidate=learner_label(attempt, settings_row.blind),
                status=state,
                first_marker=first.marker.get_username() if first else "",
                second_marker=second.marker.get_username() if second else "",
                score=score,
                max_score=question.max_score,
                released=hasattr(attempt, "release"),
            )
        )
    return result


@dataclass(frozen=True)
class MarkingView:
    """What a person marking one response may see, and as what they would mark it."""

    question: AttemptQuestion
    candidate: str
    response: Any
    role: str | None  # first / second / None (cannot mark: already marked by others)
    own_mark: ResponseMark | None
    visible_marks: list[ResponseMark]  # marks this person may see (never the other marker's)
    status: str
    can_moderate: bool
    blind: bool


def _role_for(actor, marks: dict[str, ResponseMark], second_needed: bool) -> str | None:
    first, second = marks.get("first"), marks.get("second")
    if "moderation" in marks:
        return None
    if first is None:
        return "first"
    if first.marker_id == actor.pk:
        return "first" if second is None else None
    if second_needed and (second is None or second.marker_id == actor.pk):
        return "second"
    return None


def response_for_marking(*, user, question: AttemptQuestion) -> MarkingView:
    """One response prepared for a marker: the answer, the role they would mark as, and only
    the marks they may see (a second marker never sees the first mark, nor the first the
    second, until moderation)."""
    question = (
        AttemptQuestion.objects.select_related(
            "item_version", "attempt__exam", "attempt__learner", "answer"
        )
        .prefetch_related("marks__marker")
        .get(pk=question.pk)
    )
    attempt = question.attempt
    _staff_exam(user, attempt.exam, _("Only this exam's staff mark it."))
    if attempt.status != Attempt.Status.SUBMITTED:
        raise MarkingRefused(_("This attempt has not been submitted."))
    settings_row = exam_marking(attempt.exam)
    marks = _marks_of(question)
    second_needed = needs_second_mark(question, settings_row)
    state, _score = response_state(question, marks, settings_row)
    role = _role_for(user, marks, second_needed)
    own = marks.get(role) if role else None
    markers = {mark.marker_id for key, mark in marks.items() if key != "moderation"}
    can_moderate = state in (AWAITING_MODERATION, FINAL) and user.pk not in markers
    # Moderation compares every mark; before it, each marker sees only their own.
    visible = list(marks.values()) if state == FINAL or can_moderate else [own] if own else []
    answer = getattr(question, "answer", None)
    return MarkingView(
        question=question,
        candidate=learner_label(attempt, settings_row.blind),
        response=answer.response if answer else None,
        role=role,
        own_mark=own,
        visible_marks=visible,
        status=state,
        can_moderate=can_moderate,
        blind=settings_row.blind,
    )


# ---------------------------------------------------------------------------
# Marks and moderation.


def _score_marking(question: AttemptQuestion, marking: Any) -> questions.MarkResult:
    kind = question.item_version.question
    if kind.manual:
        kind.validate_marking(question.item_version.body, marking)
        return kind.mark_manual(question.item_version.body, marking)
    # An objective question flagged "check by hand": the marker gives a score.
    if not isinstance(marking, dict) or not isinstance(marking.get("score"), int | float | str):
        raise ValidationError(_("Give a score."))
    try:
        score = to_score(Decimal(str(marking["score"])))
    except ArithmeticError as error:
        raise ValidationError(_("Give a score.")) from error
    if not 0 <= score <= question.max_score:
        raise ValidationError(_("The score must be between 0 and the question's marks."))
    return questions.MarkResult(score, question.max_score)


def _mark_data(mark: ResponseMark | None) -> dict | None:
    if mark is None:
        return None
    return {
        "score": str(mark.score),
        "marking": mark.marking,
        "marker": mark.marker_id,
        "notes": mark.notes,
    }


def _locked_question(question: AttemptQuestion) -> tuple[Attempt, AttemptQuestion]:
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("exam__institution", "version", "learner")
        .get(pk=question.attempt_id)
    )
    question = AttemptQuestion.objects.select_related("item_version").get(pk=question.pk)
    return attempt, question


def _event(attempt, question, actor, action, before, after, reason="", now=None):
    MarkingEvent.objects.create(
        attempt=attempt,
        question=question,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        before=before,
        after=after,
        reason=reason,
        at=now or timezone.now(),
    )
    audit_record(
        actor=actor,
        action=f"attempt.{action}",
        obj=attempt,
        institution=attempt.exam.institution,
        data={
            "question": question.pk if question else None,
            "before": before,
            "after": after,
            "reason": reason,
        },
    )


@transaction.atomic
def response_mark(
    *, actor, question: AttemptQuestion, marking: Any, notes: str = "", now=None
) -> ResponseMark:
    """Record the actor's mark of a hand-marked response, as first or second marker.

    The first person to mark is the first marker; while no second mark exists they may
    revise it. A response in the second-marked share then takes an independent mark from
    someone else. Once both exist (or a moderation), marks change only by moderation.
    """
    now = now or timezone.now()
    attempt, question = _locked_question(question)
    _staff_exam(actor, attempt.exam, _("Only this exam's staff mark it."))
    if attempt.status != Attempt.Status.SUBMITTED:
        raise MarkingRefused(_("This attempt has not been submitted."))
    settings_row = exam_marking(attempt.exam)
    marks = _marks_of(question)
    role = _role_for(actor, marks, needs_second_mark(question, settings_row))
    if role is None:
        raise MarkingRefused(
            _("This response is already marked; a moderator may agree or adjust the mark.")
        )
    if not isinstance(notes, str) or len(notes) > MAX_REASON_LENGTH:
        raise ValidationError(_("The notes are too long."))
    result = _score_marking(question, marking)
    mark = marks.get(role)
    before = _mark_data(mark)
    if mark is None:
        mark = ResponseMark(question=question, role=role, marker=actor)
    mark.marking, mark.score, mark.notes = marking, result.score, notes
    mark.feedback = [str(note) for note in result.feedback]
    mark.save()
    action = MarkingEvent.Action.FIRST_MARK if role == "first" else MarkingEvent.Action.SECOND_MARK
    _event(attempt, question, actor, action, before, _mark_data(mark), now=now)
    _apply(attempt=attempt, question=question, actor=actor, now=now)
    return mark


@transaction.atomic
def response_moderate(
    *,
    actor,
    question: AttemptQuestion,
    decision: str,
    reason: str,
    marking: Any = None,
    agree_with: str = "first",
    now=None,
) -> ResponseMark:
    """A moderator's decision on a marked response: agree with a mark (the first, or the
    second) or adjust it with a marking of their own. A reason is always required."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the moderation decision."))
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(_("The reason is too long."))
    attempt, question = _locked_question(question)
    _staff_exam(actor, attempt.exam, _("Only this exam's staff moderate its marks."))
    marks = _marks_of(question)
    first = marks.get("first")
    if first is None:
        raise MarkingRefused(_("Nothing to moderate: this response has no mark yet."))
    settings_row = exam_marking(attempt.exam)
    if needs_second_mark(question, settings_row) and not {"second", "moderation"} & set(marks):
        raise MarkingRefused(_("Wait for the second mark before moderating."))
    if actor.pk in {first.marker_id, getattr(marks.get("second"), "marker_id", None)}:
        raise MarkingRefused(_("A moderator must not be one of the response's markers."))
    previous = marks.get("moderation")
    if decision == ResponseMark.Decision.AGREE:
        chosen = marks.get(agree_with) if agree_with in ("first", "second") else None
        if chosen is None:
            raise ValidationError(_("Choose the mark you agree with."))
        score, kept, feedback = chosen.score, chosen.marking, chosen.feedback
    elif decision == ResponseMark.Decision.ADJUST:
        result = _score_marking(question, marking)
        score, kept, feedback = result.score, marking, [str(n) for n in result.feedback]
    else:
        raise ValidationError(_("Agree or adjust."))
    before = {
        "status": response_state(question, marks, settings_row)[0],
        "score": str(response_state(question, marks, settings_row)[1] or ""),
        "moderation": _mark_data(previous),
    }
    mark = previous or ResponseMark(question=question, role="moderation")
    mark.marker, mark.decision, mark.reason = actor, decision, reason
    mark.marking, mark.score, mark.feedback = kept, score, feedback
    mark.save()
    _event(
        attempt,
        question,
        actor,
        MarkingEvent.Action.MODERATION,
        before,
        {"decision": decision, "agree_with": agree_with, **(_mark_data(mark) or {})},
        reason=reason,
        now=now,
    )
    _apply(attempt=attempt, question=question, actor=actor, now=now)
    return mark


def _apply(*, attempt: Attempt, question: AttemptQuestion, actor, now) -> None:
    """Carry a response's final score (or its absence) into the question and the attempt."""
    settings_row = exam_marking(attempt.exam)
    marks = _marks_of(question)
    _state, score = response_state(question, marks, settings_row)
    question.score = score
    question.needs_manual = score is None
    decisive = marks.get("moderation") or marks.get("first")
    if score is not None and decisive is not None:
        question.feedback = decisive.feedback
    question.save(update_fields=["score", "needs_manual", "feedback"])
    _attempt_total(attempt=attempt, actor=actor, now=now)


def _attempt_total(*, attempt: Attempt, actor, now) -> None:
    rows = list(attempt.questions.values_list("score", "needs_manual"))
    total = sum((score or Decimal(0) for score, _manual in rows), Decimal(0))
    before = (attempt.score, attempt.needs_manual)
    attempt.score = to_score(max(total, Decimal(0)))
    attempt.needs_manual = any(manual for _score, manual in rows)
    attempt.save(update_fields=["score", "needs_manual"])
    if attempt.needs_manual:
        return
    released = AttemptRelease.objects.filter(attempt=attempt).exists()
    if released:
        if before != (attempt.score, attempt.needs_manual):
            # A released result changed (regrade, late moderation): the gradebook follows
            # and the learner is told.
            _announce(attempt, now)
            _notify(attempt, now, changed=True)
    elif exam_marking(attempt.exam).release == ExamMarking.Release.AUTOMATIC:
        _release_one(attempt=attempt, actor=actor, now=now)


# ---------------------------------------------------------------------------
# Release.


def is_released(attempt: Attempt) -> bool:
    """Whether the attempt's results are released to the learner."""
    return AttemptRelease.objects.filter(attempt_id=attempt.pk).exists()


def passed(attempt: Attempt, settings_row: ExamMarking) -> bool | None:
    """Passed against the exam's pass mark (None without one)."""
    if settings_row.pass_percent is None or not attempt.max_score:
        return None
    return attempt.score * 100 >= settings_row.pass_percent * attempt.max_score


def _payload(attempt: Attempt, released_at, now) -> AttemptGraded:
    settings_row = exam_marking(attempt.exam)
    return AttemptGraded(
        attempt_id=attempt.pk,
        exam_id=attempt.exam_id,
        exam_version=attempt.version.number,
        learner_id=attempt.learner_id,
        institution_id=attempt.exam.institution_id,
        score=attempt.score,
        max_score=attempt.max_score,
        graded_at=now,
        attempt_number=attempt.number,
        exam_title=attempt.exam.title,
        passed=passed(attempt, settings_row),
        grade_policy=settings_row.grade_policy,
        released_at=released_at,
    )


def _announce(attempt: Attempt, now) -> None:
    release = AttemptRelease.objects.get(attempt=attempt)
    payload = _payload(attempt, release.released_at, now)
    xapi.released_record(attempt, passed=payload.passed, now=now)
    transaction.on_commit(lambda: attempt_graded.send(sender=Attempt, result=payload))


def _notify(attempt: Attempt, now, changed: bool = False) -> None:
    if changed:
        message = _("Your result in %(exam)s has changed.") % {"exam": attempt.exam.title}
    else:
        message = _("Your result in %(exam)s is available.") % {"exam": attempt.exam.title}
    ResultNotice.objects.create(
        learner=attempt.learner,
        attempt=attempt,
        kind=ResultNotice.Kind.CHANGED if changed else ResultNotice.Kind.RELEASED,
        created_at=now,
    )
    email = attempt.learner.email
    if not email:
        return
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    url = base + reverse("assessment:result", args=[attempt.public_id])
    body = "\n\n".join([message, _("See it here: %(url)s") % {"url": url}])

    def _send():
        try:
            send_mail(message, body, None, [email])
        except Exception:  # a mail server down must not undo a release
            logger.exception("result notice e-mail to learner %s failed", attempt.learner_id)

    transaction.on_commit(_send)


def _release_one(*, attempt: Attempt, actor, now) -> None:
    AttemptRelease.objects.create(
        attempt=attempt,
        released_at=now,
        released_by=actor if actor is not None and actor.is_authenticated else None,
    )
    MarkingEvent.objects.create(
        attempt=attempt,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=MarkingEvent.Action.RELEASE,
        after={"score": str(attempt.score), "max_score": str(attempt.max_score)},
        at=now,
    )
    _notify(attempt, now)
    _announce(attempt, now)


def attempt_marked(*, attempt: Attempt, now) -> None:
    """Called by `attempt_submit` once an attempt is marked: release it at once when every
    mark is final and the exam releases automatically; otherwise it waits."""
    if not attempt.needs_manual and (
        exam_marking(attempt.exam).release == ExamMarking.Release.AUTOMATIC
    ):
        _release_one(attempt=attempt, actor=None, now=now)


@dataclass(frozen=True)
class ReleaseOutcome:
    """How many attempts were released, and how many wait for marks."""

    released: int
    unfinished: int
    already: int


@transaction.atomic
def results_release(
    *, actor, exam: Exam, attempts: list[Attempt] | None = None, now=None
) -> ReleaseOutcome:
    """Release the results of an exam's submitted attempts (all, or those given): each
    fully marked one is released, the learner notified, and `attempt_graded` sent on
    commit. Attempts still being marked are left (counted as unfinished)."""
    now = now or timezone.now()
    _staff_exam(actor, exam, _("Only this exam's staff release its results."))
    rows = Attempt.objects.select_for_update(of=("self",)).filter(
        exam=exam, status=Attempt.Status.SUBMITTED
    )
    if attempts is not None:
        ids = {attempt.pk for attempt in attempts}
        if Attempt.objects.filter(pk__in=ids).exclude(exam=exam).exists():
            raise PermissionDenied(_("That attempt is not of this exam."))
        rows = rows.filter(pk__in=ids)
    released = unfinished = already = 0
    done = set(AttemptRelease.objects.filter(attempt__exam=exam).values_list("attempt_id", flat=1))
    for attempt in rows.select_related("exam__institution", "version", "learner"):
        if attempt.pk in done:
            already += 1
        elif attempt.needs_manual:
            unfinished += 1
        else:
            _release_one(attempt=attempt, actor=actor, now=now)
            released += 1
    audit_record(
        actor=actor,
        action="exam.results_release",
        obj=exam,
        institution=exam.institution,
        data={"released": released, "unfinished": unfinished, "already": already},
    )
    return ReleaseOutcome(released, unfinished, already)


# ---------------------------------------------------------------------------
# Regrading after a key correction.


KEY_FIELDS = {
    "single_choice": ("correct",),
    "multiple_choice": ("correct", "scoring"),
    "true_false": ("correct",),
    "short_answer": ("accepted", "case_sensitive", "diacritic_sensitive"),
    "numeric": ("answers", "units", "unit_required"),
    "matching": ("pairs", "scoring"),
    "ordering": ("scoring",),
    "cloze": ("gaps",),
}


@dataclass(frozen=True)
class RegradeChange:
    """One question of one attempt whose marks a key correction changed."""

    attempt_id: int
    question_id: int
    old: Decimal | None
    new: Decimal


def _same_question(kind: str, old: dict, new: dict) -> bool:
    """The learner saw the same question: only the answer key differs."""
    keys = set(KEY_FIELDS[kind])
    if kind == "cloze":
        strip = ("correct", "accepted", "answers", "case_sensitive", "diacritic_sensitive")
        old_gaps = [{k: v for k, v in gap.items() if k not in strip} for gap in old.get("gaps", [])]
        new_gaps = [{k: v for k, v in gap.items() if k not in strip} for gap in new.get("gaps", [])]
        if old_gaps != new_gaps:
            return False
    rest_old = {k: v for k, v in old.items() if k not in keys}
    rest_new = {k: v for k, v in new.items() if k not in keys}
    return rest_old == rest_new


@transaction.atomic
def item_key_correct(
    *, actor, item_version: ItemVersion, body: dict, reason: str, now=None
) -> list[RegradeChange]:
    """Correct the answer key of an item version that attempts used, and regrade them.

    The correction is made on the version the attempts saw (not a new version): the
    question as shown stays exactly the same — only key fields may change — so every
    attempt that used it is re-marked, each changed mark logged (attempt, question,
    old → new, who, why), and released attempts announced again.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the key is corrected."))
    version = (
        ItemVersion.objects.select_for_update().select_related("item__bank").get(pk=item_version.pk)
    )
    require_staff(
        actor, version.item.bank.institution_id, _("Only the bank's staff correct its keys.")
    )
    kind = version.question_type
    if kind not in KEY_FIELDS:
        raise ValidationError(_("Only objective questions have a key to correct."))
    if not isinstance(body, dict) or not _same_question(kind, version.body, body):
        raise ValidationError(
            _("Only the answer key may change; other changes need a new version of the item.")
        )
    version.question.validate_body(body)
    old_body = version.body
    # A locked version refuses save(); this correction is the one sanctioned exception.
    ItemVersion.objects.filter(pk=version.pk).update(body=body)
    version.body = body
    audit_record(
        actor=actor,
        action="item.key_correct",
        obj=version,
        institution=version.item.bank.institution,
        data={"before": old_body, "after": body, "reason": reason},
    )
    from .attempts import to_authored  # the attempt engine imports this module

    changes: list[RegradeChange] = []
    touched: dict[int, Attempt] = {}
    affected = (
        AttemptQuestion.objects.filter(
            item_version=version, attempt__status=Attempt.Status.SUBMITTED
        )
        .select_related("attempt__version", "attempt__exam__institution", "answer")
        .order_by("attempt_id")
    )
    for row in affected:
        attempt = row.attempt
        answer = getattr(row, "answer", None)
        response = answer.response if answer else None
        result = version.question.mark(body, to_authored(row, response))
        score = result.score
        factor = attempt.version.negative_marking or Decimal(0)
        if factor and response is not None and score == 0:
            score = to_score(-factor * result.max_score)
        if score == row.score:
            continue
        changes.append(RegradeChange(attempt.pk, row.pk, row.score, score))
        old = row.score
        row.score, row.needs_manual = score, False
        row.feedback = [str(note) for note in result.feedback]
        row.save(update_fields=["score", "needs_manual", "feedback"])
        _event(
            attempt,
            row,
            actor,
            MarkingEvent.Action.REGRADE,
            {"score": str(old) if old is not None else None},
            {"score": str(score)},
            reason=reason,
            now=now,
        )
        touched[attempt.pk] = attempt
    for attempt in touched.values():
        locked = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam__institution", "version", "learner")
            .get(pk=attempt.pk)
        )
        _attempt_total(attempt=locked, actor=actor, now=now)
    return changes


# ---------------------------------------------------------------------------
# Reads: history, the learner's result and notices.


def attempt_history(*, user, attempt: Attempt) -> list[MarkingEvent]:
    """Every mark, second mark, moderation, regrade and release of an attempt (staff only)."""
    _staff_exam(user, attempt.exam, _("Only this exam's staff see its marking history."))
    return list(MarkingEvent.objects.filter(attempt=attempt).select_related("actor", "question"))


def learner_result(*, attempt: Attempt, learner, now=None) -> dict:
    """What the learner may see of their submitted attempt: "awaiting results" until release,
    then the score, pass or fail, and what the exam's review options allow."""
    from .attempts import attempt_review

    if attempt.learner_id != getattr(learner, "pk", None):
        raise PermissionDenied(_("This is not your attempt."))
    attempt = Attempt.objects.select_related("exam", "version").get(pk=attempt.pk)
    if attempt.status != Attempt.Status.SUBMITTED:
        return {"state": "not_submitted"}
    release = AttemptRelease.objects.filter(attempt=attempt).first()
    if release is None:
        return {"state": "awaiting", "submitted_at": attempt.submitted_at}
    settings_row = exam_marking(attempt.exam)
    review = attempt_review(attempt=attempt, now=now).get("review")
    return {
        "state": "released",
        "submitted_at": attempt.submitted_at,
        "released_at": release.released_at,
        "score": attempt.score,
        "max_score": attempt.max_score,
        "percent": (attempt.score * 100 / attempt.max_score).quantize(Decimal("0.1"))
        if attempt.max_score
        else None,
        "passed": passed(attempt, settings_row),
        "review": review,
    }


def learner_notices(*, learner, limit: int = 20) -> list[ResultNotice]:
    """The learner's newest result notices."""
    if not learner.is_authenticated:
        return []
    return list(
        ResultNotice.objects.filter(learner=learner).select_related("attempt__exam")[:limit]
    )


@transaction.atomic
def learner_notices_read(*, learner, attempt: Attempt | None = None, now=None) -> int:
    """Mark the learner's notices (of one attempt, or all) read; answers how many were unread."""
    rows = ResultNotice.objects.filter(learner=learner, read_at__isnull=True)
    if attempt is not None:
        rows = rows.filter(attempt=attempt)
    return rows.update(read_at=now or timezone.now())
