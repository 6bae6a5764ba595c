"""Reads that several views share: the catalogue, course outlines, dashboards."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from institutions.api import is_national_admin, staff_institution_ids

from .models import CoursePage, Enrolment, LessonPage, ModulePage, ProgrammePage


def catalogue_courses(*, locale, query: str = "", level: str = "", province: str = ""):
    """Live courses in `locale` for the catalogue, with what each card shows in one query."""
    courses = (
        CoursePage.objects.live()
        .public()
        .filter(locale=locale)
        .select_related("institution", "programme")
        .only(
            "id",
            "title",
            "url_path",
            "path",
            "depth",
            "locale_id",
            "code",
            "summary",
            "hours",
            "allow_self_enrolment",
            "institution__name",
            "institution__province",
            "programme__title",
            "programme__level",
            "programme__occupation_code",
        )
        .order_by("title", "id")
    )
    if level in ProgrammePage.Level.values:
        courses = courses.filter(programme__level=level)
    if province:
        courses = courses.filter(institution__province=province)
    if query:
        courses = courses.filter(
            Q(title__icontains=query)
            | Q(code__icontains=query)
            | Q(summary__icontains=query)
            | Q(programme__title__icontains=query)
        )
    return courses


@dataclass(frozen=True)
class OutlineModule:
    """A module of a course outline and its live lessons."""

    module: ModulePage
    lessons: list[LessonPage]


def course_outline(course: CoursePage) -> list[OutlineModule]:
    """The course's modules and lessons in order, in two queries."""
    modules = list(ModulePage.objects.child_of(course).live().order_by("path"))
    lessons = (
        LessonPage.objects.descendant_of(course)
        .live()
        .filter(depth=course.depth + 2)
        .order_by("path")
    )
    by_module: dict[str, list[LessonPage]] = {m.path: [] for m in modules}
    for lesson in lessons:
        parent_path = lesson.path[: -LessonPage.steplen]
        if parent_path in by_module:
            by_module[parent_path].append(lesson)
    return [OutlineModule(module=m, lessons=by_module[m.path]) for m in modules]


def enrolment_for(user, course: CoursePage) -> Enrolment | None:
    """The user's enrolment in `course`, if any."""
    if not user.is_authenticated:
        return None
    return Enrolment.objects.filter(learner=user, course_id=course.pk).first()


def learner_enrolments(user):
    """The courses a learner is enrolled in, newest first, for the dashboard."""
    return (
        Enrolment.objects.filter(learner=user)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("course", "institution", "course__programme")
        .order_by("-enrolled_at")
    )


def teacher_courses(user):
    """Courses of the institutions where `user` teaches, with learner counts; own courses first."""
    courses = CoursePage.objects.all()
    if not is_national_admin(user):
        courses = courses.filter(institution__in=staff_institution_ids(user))
    return (
        courses.filter(alias_of__isnull=True)
        .select_related("institution", "programme")
        .annotate(
            learner_count=Count(
                "enrolments", filter=~Q(enrolments__status=Enrolment.Status.WITHDRAWN)
            )
        )
        .order_by("institution__name", "title")
    )
