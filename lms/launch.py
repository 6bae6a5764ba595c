"""Launching courseware and exams from a lesson: the one access decision, then the runtime.

A learner enrolled in the lesson's course gets their attempt of the package at this placement
(`lesson:<lesson id>:<block id>`, on the block's pinned version; a learner mid-attempt stays on
theirs) and is sent to the player with a fresh launch token. Staff of the course's institution
who are not enrolled get the author preview, which stores nothing. Everyone else is refused.

An exam block admits a learner enrolled in the course while the exam is open and attempts
are left (a learner mid-attempt may always resume: the exam's own clock closes it); then
`assessment.api` prepares or finds the attempt and the learner goes to the exam client.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessment import api as assessment
from courseware import api as courseware
from institutions.api import is_national_admin, staff_institution_ids

from .models import CoursePage, Enrolment, LessonPage


def lesson_block(page: LessonPage, block_id: str, block_type: str = "courseware"):
    """The block `block_id` (of `block_type`) of a lesson's body, or None."""
    for child in page.body:
        if child.block_type == block_type and child.id == block_id:
            return child
    return None


def placement_of(page: LessonPage, block_id: str) -> str:
    """How courseware names this use of a package (the same for a lesson and its translations)."""
    return f"lesson:{page.alias_of_id or page.pk}:{block_id}"


def course_of(page: LessonPage) -> CoursePage | None:
    """The course a lesson belongs to (the original of a translation alias)."""
    course = CoursePage.objects.ancestor_of(page).first()
    if course is not None and course.alias_of_id:
        course = CoursePage.objects.filter(pk=course.alias_of_id).first()
    return course


def may_preview(user, course: CoursePage) -> bool:
    """Staff of the course's institution, or national administrators."""
    return is_national_admin(user) or course.institution_id in staff_institution_ids(user)


@login_required
@require_POST
def courseware_launch(request, page_id: int, block_id: str):
    """Start or resume the block's package for the signed-in learner (or preview it, for staff)."""
    page = get_object_or_404(LessonPage.objects.live(), pk=page_id)
    child = lesson_block(page, block_id)
    course = course_of(page)
    if child is None or course is None:
        raise Http404
    value = child.value
    package = value.get("package")
    if package is None:
        raise Http404
    # Until the marketplace grants licences, a course plays its own institution's packages.
    if package.institution_id != course.institution_id:
        raise PermissionDenied
    enrolment = Enrolment.objects.active().filter(learner=request.user, course_id=course.pk).first()
    enrolled = enrolment is not None
    if not enrolled and not may_preview(request.user, course):
        raise PermissionDenied
    version = courseware.package_version(package_id=package.pk, number=value.get("version"))
    if version is None:
        raise Http404
    origin = courseware.request_origin(request)
    if enrolled:
        attempt = courseware.attempt_open(
            learner=request.user,
            package=package,
            version=version,
            institution=course.institution,
            placement=placement_of(page, block_id),
            registration=enrolment.registration,
        )
        version = attempt.version  # a learner mid-attempt stays on the version it began on
        if courseware.is_cmi5(version):
            # cmi5: the AU opens at its own URL with the launch parameters (no player).
            return HttpResponseRedirect(
                courseware.cmi5_launch(
                    learner=request.user,
                    attempt=attempt,
                    item=value.get("item") or "",
                    platform_origin=origin,
                    return_url=request.build_absolute_uri(page.url or "/"),
                )
            )
        token = courseware.launch_token(
            learner_id=request.user.pk,
            version_id=version.pk,
            platform_origin=origin,
            attempt=attempt,
        )
    else:
        token = courseware.launch_token(
            learner_id=request.user.pk, version_id=version.pk, platform_origin=origin
        )
    item = value.get("item") or ""
    item_id = courseware.activity_id_for(version=version, identifier=item) if item else None
    return HttpResponseRedirect(
        courseware.player_url(
            token=token,
            item=item_id,
            window="new" if value.get("display") == "window" else "",
            next_url=page.url or "",
        )
    )


@dataclass(frozen=True)
class ExamDecision:
    """What a person may do with a lesson's exam block now, and why not.

    `reason` is empty when `allowed`, else one of `login`, `not_found`, `not_enrolled`,
    `staff` (staff of the course who do not sit it), `not_open`, `closed`,
    `no_attempts_left`.
    """

    allowed: bool
    reason: str
    info: assessment.ExamInfo | None = None
    state: assessment.LearnerExamState | None = None
    registration: uuid.UUID | None = None  # the enrolment's, for the attempt's statements


def exam_access(user, page: LessonPage, block_id: str, *, now=None) -> ExamDecision:
    """The one access decision for an exam placed in a lesson (see the module docstring)."""
    if user is None or not user.is_authenticated:
        return ExamDecision(False, "login")
    child = lesson_block(page, block_id, "exam")
    course = course_of(page)
    exam = child.value.get("exam") if child is not None else None
    exam_id = exam.pk if exam is not None else None
    info = assessment.exam_info(exam_id=exam_id) if exam_id else None
    # Until exams are shared between institutions, a course places its own institution's exams.
    if course is None or info is None or info.institution_id != course.institution_id:
        return ExamDecision(False, "not_found")
    registration = (
        Enrolment.objects.active()
        .filter(learner=user, course_id=course.pk)
        .values_list("registration", flat=True)
        .first()
    )
    if registration is None:
        reason = "staff" if may_preview(user, course) else "not_enrolled"
        return ExamDecision(False, reason, info)
    state = assessment.learner_exam_state(exam_id=info.id, learner=user, now=now)
    if state.state == "in_progress":
        return ExamDecision(True, "", info, state, registration)
    now = now or timezone.now()
    if not info.published or (info.opens_at is not None and now < info.opens_at):
        return ExamDecision(False, "not_open", info, state)
    if info.closes_at is not None and now >= info.closes_at:
        return ExamDecision(False, "closed", info, state)
    if state.state != "ready" and state.attempts_left <= 0:
        return ExamDecision(False, "no_attempts_left", info, state)
    return ExamDecision(True, "", info, state, registration)


@login_required
@require_POST
def exam_launch(request, page_id: int, block_id: str):
    """Start or resume the block's exam for the signed-in learner: the decision, then the
    exam client."""
    page = get_object_or_404(LessonPage.objects.live(), pk=page_id)
    decision = exam_access(request.user, page, block_id)
    if decision.reason == "not_found":
        raise Http404
    if not decision.allowed:
        raise PermissionDenied
    try:
        url = assessment.exam_attempt_open(
            exam_id=decision.info.id, learner=request.user, registration=decision.registration
        )
    except assessment.ExamUnavailable as exc:
        raise PermissionDenied(exc.message) from exc
    return HttpResponseRedirect(url)
