"""Launching courseware from a lesson: the one access decision, then the player.

A learner enrolled in the lesson's course gets their attempt of the package at this placement
(`lesson:<lesson id>:<block id>`, on the block's pinned version; a learner mid-attempt stays on
theirs) and is sent to the player with a fresh launch token. Staff of the course's institution
who are not enrolled get the author preview, which stores nothing. Everyone else is refused.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from courseware import api as courseware
from institutions.api import is_national_admin, staff_institution_ids

from .models import CoursePage, Enrolment, LessonPage


def lesson_block(page: LessonPage, block_id: str):
    """The courseware block `block_id` of a lesson's body, or None."""
    for child in page.body:
        if child.block_type == "courseware" and child.id == block_id:
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
    enrolled = Enrolment.objects.active().filter(learner=request.user, course_id=course.pk).exists()
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
        )
        version = attempt.version  # a learner mid-attempt stays on the version it began on
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
