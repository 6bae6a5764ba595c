"""The teacher's course gradebook (HTML and CSV) and the learner's "My results"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from . import gradebook
from .views import _course_for_staff


@login_required
def teach_course_gradebook(request, course_id: int):
    """Learners × exams of one course, with each released result."""
    course = _course_for_staff(request.user, course_id)
    columns, rows = gradebook.course_gradebook(user=request.user, course=course)
    return render(
        request,
        "lms/gradebook/course.html",
        {"course": course, "columns": columns, "rows": rows},
    )


@login_required
def teach_course_gradebook_csv(request, course_id: int):
    """The course gradebook as a CSV download."""
    course = _course_for_staff(request.user, course_id)
    content = gradebook.course_gradebook_csv(user=request.user, course=course)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    name = slugify(course.code or course.title) or "course"
    response["Content-Disposition"] = f'attachment; filename="grades-{name}.csv"'
    return response


@login_required
def my_results(request):
    """The learner's released exam results and their result notices."""
    from assessment.api import learner_result_notices

    return render(
        request,
        "lms/gradebook/my_results.html",
        {
            "results": gradebook.learner_results(user=request.user),
            "notices": learner_result_notices(learner=request.user),
        },
    )
