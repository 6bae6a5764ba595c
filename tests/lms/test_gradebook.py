"""The lms gradebook: the one idempotent receiver of `attempt_graded`, the teacher's course
gradebook (HTML, CSV) and the learner's "My results"."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.data import AttemptGraded
from assessment.signals import attempt_graded
from lms import gradebook
from lms.models import Enrolment, GradeRecord, LessonPage
from lms.services import enrolment_enrol_cohort

pytestmark = pytest.mark.django_db


def graded(tenant, *, exam_id=900, attempt_id=1, number=1, score="6", max_score="10", **kw):
    now = timezone.now()
    return AttemptGraded(
        attempt_id=attempt_id,
        exam_id=exam_id,
        exam_version=1,
        learner_id=tenant.learner.pk,
        institution_id=tenant.institution.pk,
        score=Decimal(score),
        max_score=Decimal(max_score),
        graded_at=now,
        attempt_number=number,
        exam_title=kw.pop("title", "Kiểm tra an toàn điện"),
        passed=kw.pop("passed", None),
        grade_policy=kw.pop("policy", "best"),
        released_at=now,
    )


def test_the_same_announcement_twice_makes_one_row(tenant_a):
    result = graded(tenant_a)
    attempt_graded.send(sender=None, result=result)
    attempt_graded.send(sender=None, result=result)
    [row] = GradeRecord.objects.all()
    assert (row.learner, row.exam_id, row.score, row.percent) == (
        tenant_a.learner,
        900,
        Decimal(6),
        Decimal("60.00"),
    )


def test_a_regrade_of_the_same_attempt_updates_the_row(tenant_a):
    gradebook.grade_record(result=graded(tenant_a, score="6"))
    gradebook.grade_record(result=graded(tenant_a, score="4", passed=False))
    [row] = GradeRecord.objects.all()
    assert (row.score, row.percent, row.passed) == (Decimal(4), Decimal("40.00"), False)


def test_best_policy_keeps_the_best_attempt(tenant_a):
    gradebook.grade_record(result=graded(tenant_a, attempt_id=1, number=1, score="8"))
    gradebook.grade_record(result=graded(tenant_a, attempt_id=2, number=2, score="5"))
    assert GradeRecord.objects.get().attempt_id == 1
    gradebook.grade_record(result=graded(tenant_a, attempt_id=3, number=3, score="9"))
    assert GradeRecord.objects.get().attempt_id == 3


def test_latest_policy_keeps_the_latest_attempt_even_if_lower(tenant_a):
    first = graded(tenant_a, attempt_id=1, number=1, score="8", policy="latest")
    second = replace(first, attempt_id=2, attempt_number=2, score=Decimal(5))
    gradebook.grade_record(result=first)
    gradebook.grade_record(result=second)
    gradebook.grade_record(result=first)  # a late replay of the older attempt changes nothing
    row = GradeRecord.objects.get()
    assert (row.attempt_id, row.score) == (2, Decimal(5))


def _place_exam(course, exam_id: int) -> LessonPage:
    lesson = LessonPage.objects.descendant_of(course).first()
    raw = list(lesson.body.raw_data)
    raw.append({"type": "exam", "value": {"exam": exam_id, "introduction": ""}, "id": "e1"})
    LessonPage.objects.filter(pk=lesson.pk).update(body=raw)
    return lesson


def test_a_result_of_an_exam_placed_in_a_course_links_the_enrolment(tenant_a):
    enrolment_enrol_cohort(actor=tenant_a.admin, cohort=tenant_a.cohort, course=tenant_a.course)
    _place_exam(tenant_a.course, 900)
    gradebook.grade_record(result=graded(tenant_a))
    row = GradeRecord.objects.get()
    assert row.enrolment == Enrolment.objects.get(learner=tenant_a.learner, course=tenant_a.course)
    # An exam placed nowhere keeps no enrolment.
    gradebook.grade_record(result=graded(tenant_a, exam_id=901))
    assert GradeRecord.objects.get(exam_id=901).enrolment is None


@pytest.fixture
def course_with_grades(tenant_a):
    enrolment_enrol_cohort(actor=tenant_a.admin, cohort=tenant_a.cohort, course=tenant_a.course)
    _place_exam(tenant_a.course, 900)
    gradebook.grade_record(
        result=graded(tenant_a, title='=HYPERLINK("http://x")', passed=True, score="7")
    )
    return tenant_a.course


def test_teacher_sees_learners_by_exams_and_exports_formula_safe_csv(
    client, tenant_a, course_with_grades
):
    client.force_login(tenant_a.teacher)
    page = client.get(reverse("lms:teach_course_gradebook", args=[course_with_grades.pk]))
    assert page.status_code == 200
    [column] = page.context["columns"]
    [row] = page.context["rows"]
    assert column.exam_id == 900 and row.grades[0].percent == Decimal("70.00")
    assert re.search(r"70[.,]00%", page.content.decode())  # either language's decimal sign
    csv = client.get(reverse("lms:teach_course_gradebook_csv", args=[course_with_grades.pk]))
    text = csv.content.decode("utf-8-sig")
    header, line = text.splitlines()[:2]
    assert "'=HYPERLINK" in header and not header.split(",")[2].startswith("=")
    assert line.endswith("70.00")


def test_another_institution_and_learners_cannot_see_the_gradebook(
    client, tenant_a, tenant_b, course_with_grades
):
    for user in (tenant_b.teacher, tenant_a.learner):
        client.force_login(user)
        for name in ("lms:teach_course_gradebook", "lms:teach_course_gradebook_csv"):
            assert client.get(reverse(name, args=[course_with_grades.pk])).status_code in (
                403,
                404,
            )


def test_my_results_shows_only_the_learners_own_released_results(client, tenant_a, tenant_b):
    gradebook.grade_record(result=graded(tenant_a, title="Bài thi của A"))
    gradebook.grade_record(result=graded(tenant_b, title="Bài thi của B"))
    client.force_login(tenant_a.learner)
    page = client.get(reverse("lms:my_results")).content.decode()
    assert "Bài thi của A" in page and "Bài thi của B" not in page
    client.force_login(tenant_a.teacher)
    assert "Bài thi của A" not in client.get(reverse("lms:my_results")).content.decode()


def test_release_reaches_the_gradebook_end_to_end(
    client, tenant_a, django_capture_on_commit_callbacks
):
    from assessment import marking
    from tests.assessment.marking_setup import RUBRIC_TOP, essay_exam, question, sit

    exam = essay_exam(tenant_a, pass_percent=Decimal(50))
    attempt = sit(tenant_a, exam)
    with django_capture_on_commit_callbacks(execute=True):
        marking.response_mark(
            actor=tenant_a.teacher, question=question(attempt, "essay"), marking=RUBRIC_TOP
        )
    assert not GradeRecord.objects.exists()  # marked, not released: nothing in the gradebook
    with django_capture_on_commit_callbacks(execute=True):
        marking.results_release(actor=tenant_a.teacher, exam=exam)
    row = GradeRecord.objects.get()
    assert (row.attempt_id, row.score, row.passed) == (attempt.pk, Decimal(6), True)
    assert row.released_at <= timezone.now() + timedelta(seconds=1)
