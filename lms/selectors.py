"""Reads that several views share: the catalogue, course outlines, dashboards."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils.translation import get_language
from wagtail.models import Page

from institutions.api import is_national_admin, staff_institution_ids

from .models import CoursePage, Enrolment, ProgrammePage


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
class OutlineLesson:
    """A lesson line of a course outline."""

    title: str
    url: str
    minutes: int | None


@dataclass(frozen=True)
class OutlineModule:
    """A module of a course outline and its live lessons."""

    title: str
    url: str
    lessons: list[OutlineLesson]


def course_outline(course: CoursePage, course_url: str) -> list[OutlineModule]:
    """The course's live modules and lessons in tree order, in one query of plain values.

    A descendant's address is the course's address plus the rest of its url_path, so
    no per-page URL lookup is needed.
    """
    rows = (
        Page.objects.descendant_of(course)
        .live()
        .filter(depth__lte=course.depth + 2)
        .order_by("path")
        .values_list("depth", "title", "url_path", "lessonpage__duration_minutes")
    )
    prefix = len(course.url_path)
    modules: list[OutlineModule] = []
    for depth, title, url_path, minutes in rows:
        url = course_url + url_path[prefix:]
        if depth == course.depth + 1:
            modules.append(OutlineModule(title=title, url=url, lessons=[]))
        elif modules:
            modules[-1].lessons.append(OutlineLesson(title=title, url=url, minutes=minutes))
    return modules


@dataclass(frozen=True)
class CourseHeader:
    """What a course page shows of its programme and institution."""

    programme_title: str
    institution_name: str


def course_header(course: CoursePage) -> CourseHeader:
    """The course's programme title and institution name, in one query."""
    row = (
        CoursePage.objects.filter(pk=course.pk)
        .values_list("programme__title", "institution__name")
        .first()
    ) or ("", "")
    return CourseHeader(programme_title=row[0] or "", institution_name=row[1] or "")


def course_summary(course: CoursePage, request) -> dict:
    """What every visitor sees of a course besides the page itself: header and outline.

    It depends on no user, so it is kept in the cache for
    TAYNGHE_FRAGMENT_CACHE_SECONDS under the page cache's generation, which every
    publish, unpublish, move or delete renews.
    """
    from .middleware import page_cache_generation

    seconds = settings.TAYNGHE_FRAGMENT_CACHE_SECONDS
    key = f"taynghe:course-summary:{course.pk}:{get_language()}"
    generation = page_cache_generation() if seconds > 0 else None
    if generation is not None:
        stored = cache.get(key)
        if stored is not None and stored[0] == generation:
            return stored[1]
    course_url = course.get_url(request) or ""
    summary = {
        "header": course_header(course),
        "outline": course_outline(course, course_url),
        # The programme is the course's parent, so its address is one step up.
        "programme_url": course_url.rstrip("/").rsplit("/", 1)[0] + "/",
    }
    if generation is not None:
        cache.set(key, (generation, summary), seconds)
    return summary


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
