"""The learner dashboard, the teacher's views and enrolment actions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from institutions.api import is_national_admin, staff_institution_ids
from institutions.models import Cohort

from . import course_progress, selectors, services
from .models import CoursePage, Enrolment


@login_required
def dashboard(request):
    """My courses, with progress; staff also see a link to their teaching."""
    enrolments = list(selectors.learner_enrolments(request.user))
    progress = course_progress.learner_courses_progress(
        request.user, [enrolment.course for enrolment in enrolments]
    )
    for enrolment in enrolments:
        enrolment.courseware = progress[enrolment.course_id]
    return render(
        request,
        "lms/dashboard.html",
        {
            "enrolments": enrolments,
            "is_staff_member": bool(staff_institution_ids(request.user))
            or is_national_admin(request.user),
        },
    )


@login_required
def teach_index(request):
    """The courses of the institutions where the user teaches."""
    if not (staff_institution_ids(request.user) or is_national_admin(request.user)):
        raise PermissionDenied
    return render(
        request, "lms/teach_index.html", {"courses": selectors.teacher_courses(request.user)}
    )


class CohortEnrolForm(forms.Form):
    """Choose one of this institution's cohorts to enrol in a course."""

    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(),
        label=gettext_lazy("Cohort"),
        empty_label=gettext_lazy("Choose a cohort"),
    )

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts


def _course_for_staff(user, course_id: int) -> CoursePage:
    # Another institution's course is answered as not found, not forbidden, so
    # its existence does not leak.
    course = get_object_or_404(
        selectors.teacher_courses(user).filter(alias_of__isnull=True), pk=course_id
    )
    return course


@login_required
def teach_course(request, course_id: int):
    """One course's learners and their progress; enrol a cohort."""
    course = _course_for_staff(request.user, course_id)
    cohorts = Cohort.objects.visible_to(request.user).filter(institution_id=course.institution_id)
    form = CohortEnrolForm(request.POST or None, cohorts=cohorts)
    if request.method == "POST" and form.is_valid():
        created = services.enrolment_enrol_cohort(
            actor=request.user, cohort=form.cleaned_data["cohort"], course=course
        )
        messages.success(request, _("%(count)d learners enrolled.") % {"count": created})
        return HttpResponseRedirect(request.path)
    enrolments = (
        Enrolment.objects.editable_by(request.user)
        .filter(course=course)
        .select_related("learner", "cohort")
        .order_by("learner__last_name", "learner__first_name")
    )
    activities = course_progress.course_activities(course)
    rows = course_progress.course_progress(enrolments, activities)
    return render(
        request,
        "lms/teach_course.html",
        {"course": course, "rows": rows, "activities": activities, "form": form},
    )


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def teach_course_export(request, course_id: int, fmt: str):
    """The course's progress table as a CSV or XLSX download."""
    if fmt not in EXPORT_TYPES:
        raise Http404
    course = _course_for_staff(request.user, course_id)
    enrolments = (
        Enrolment.objects.editable_by(request.user)
        .filter(course=course)
        .select_related("learner", "cohort")
        .order_by("learner__last_name", "learner__first_name")
    )
    activities = course_progress.course_activities(course)
    table = course_progress.export_table(
        course, course_progress.course_progress(enrolments, activities), activities
    )
    if fmt == "csv":
        content = course_progress.export_csv(table)
    else:
        content = course_progress.export_xlsx(table, course.code or course.title)
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    name = slugify(course.code or course.title) or "course"
    response["Content-Disposition"] = f'attachment; filename="progress-{name}.{fmt}"'
    return response


@require_POST
@login_required
def enrol(request, course_id: int):
    """Self-enrol in a course, then return to it."""
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None:
        raise Http404
    try:
        services.enrolment_self_enrol(learner=request.user, course=course)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You cannot enrol in this course."))
    else:
        messages.success(request, _("You are enrolled in %(course)s.") % {"course": course.title})
    return HttpResponseRedirect(course.get_url(request) or "/")
