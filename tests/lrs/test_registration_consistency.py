"""One registration per enrolment: every statement the platform writes about a learner's work
in a course (registered, SCORM outcome, exam result, course completed) has the same actor and
the enrolment's registration, the attempt id in its own extension; a standalone exam (no
course) keeps the attempt's id as registration."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse

from assessment import api as assessment_api
from assessment import attempts as exam_attempts
from assessment.models import Attempt as ExamAttempt
from courseware import services as courseware_services
from courseware.models import Activity
from courseware.models import Attempt as CoursewareAttempt
from lms import services as lms_services
from lms.models import Enrolment, LessonPage
from lrs.models import Statement
from tests.assessment import factories as exam_factories
from tests.courseware.packages import scorm12_single, zip_bytes
from tests.courseware.runtime.conftest import Runtime

ADL = "http://adlnet.gov/expapi/verbs"
ATTEMPT_EXTENSION = f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/xapi/extensions/attempt"


def _exam(tenant, title="Kiểm tra an toàn điện"):
    bank = exam_factories.make_bank(tenant.institution, actor=tenant.teacher)
    item = exam_factories.make_item(bank, "true_false", actor=tenant.teacher)
    return exam_factories.make_exam(
        tenant.institution,
        actor=tenant.teacher,
        items=[item],
        title=title,
        time_limit_minutes=15,
        review_when="immediately",
    )


def _sit(learner, attempt: ExamAttempt) -> ExamAttempt:
    exam_attempts.attempt_start(attempt=attempt, learner=learner)
    question = attempt.questions.get()
    exam_attempts.answer_save(
        attempt=attempt, learner=learner, question_key=question.key, seq=1, response=True
    )
    return exam_attempts.attempt_submit(attempt=attempt, actor=learner)


@pytest.fixture
def course(tenant_a, settings, tmp_path):
    """Tenant A's lesson with a SCORM package and an exam; the learner enrolled."""
    settings.MEDIA_ROOT = str(tmp_path)
    imported = courseware_services.package_import(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        file=io.BytesIO(zip_bytes(scorm12_single())),
        title="Hàn điện",
    )
    exam = _exam(tenant_a)
    lesson = LessonPage.objects.descendant_of(tenant_a.course).get()
    lesson.body = [
        ("courseware", {"package": imported.package, "item": "", "version": 1}),
        ("exam", {"exam": exam, "introduction": ""}),
    ]
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    blocks = {child.block_type: child.id for child in lesson.body}
    return tenant_a, lesson, blocks, exam


def test_every_statement_of_a_course_has_the_learners_actor_and_the_enrolment_registration(
    client, course, django_capture_on_commit_callbacks
):
    tenant, lesson, blocks, exam = course
    learner = tenant.learner
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = lms_services.enrolment_self_enrol(learner=learner, course=tenant.course)
    client.force_login(learner)

    # The SCORM block, launched through lms (the one access decision), then played.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("lms:courseware_launch", args=[lesson.pk, blocks["courseware"]])
        )
    assert response.status_code == 302
    scorm = CoursewareAttempt.objects.get(learner=learner)
    assert scorm.enrolment_registration == enrolment.registration
    sco = Activity.objects.get(version=scorm.version, is_launchable=True)
    runtime = Runtime(scorm, sco, learner)
    runtime.load()
    with django_capture_on_commit_callbacks(execute=True):
        runtime.commit(
            {"core": {"lesson_status": "passed", "score": {"raw": "90"}}}, terminate=True
        )

    # The exam block, launched through lms, sat and released at once.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("lms:exam_launch", args=[lesson.pk, blocks["exam"]]))
    assert response.status_code == 302
    sitting = ExamAttempt.objects.get(exam=exam, learner=learner)
    assert sitting.enrolment_registration == enrolment.registration
    with django_capture_on_commit_callbacks(execute=True):
        _sit(learner, sitting)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    statements = [
        row.payload
        for row in Statement.objects.filter(institution=tenant.institution).order_by("stored")
    ]
    kinds = sorted(
        (s["verb"]["id"].rsplit("/", 1)[-1], s["object"]["id"].split("/")[-2]) for s in statements
    )
    # registered and completed (the course), passed (the SCORM package), the exam submitted
    # (completed) and its result released (scored: the exam has no pass mark).
    assert kinds == [
        ("completed", "courses"),
        ("completed", "exams"),
        ("passed", "packages"),
        ("registered", "courses"),
        ("scored", "exams"),
    ]
    assert {s["context"]["registration"] for s in statements} == {str(enrolment.registration)}
    assert {str(s["actor"]) for s in statements} == {str(statements[0]["actor"])}
    assert statements[0]["actor"]["account"]["name"] == (learner.learner_id or f"user-{learner.pk}")
    # The attempts stay findable: their ids ride in the attempt extension.
    attempts = {s["context"].get("extensions", {}).get(ATTEMPT_EXTENSION) for s in statements}
    assert {str(scorm.pk), str(sitting.public_id)} <= attempts
    # The LRS indexes the registration: one query finds the learner's whole course.
    assert Statement.objects.filter(registration=enrolment.registration).count() == len(statements)


def test_a_standalone_exam_keeps_the_attempt_as_registration(
    tenant_a, django_capture_on_commit_callbacks
):
    exam = _exam(tenant_a, title="Thi sát hạch độc lập")
    assessment_api.exam_attempt_open(exam_id=exam.pk, learner=tenant_a.learner)
    sitting = ExamAttempt.objects.get(exam=exam, learner=tenant_a.learner)
    assert sitting.enrolment_registration is None
    with django_capture_on_commit_callbacks(execute=True):
        _sit(tenant_a.learner, sitting)
    statements = [row.payload for row in Statement.objects.filter(institution=tenant_a.institution)]
    assert statements
    for statement in statements:
        assert statement["context"]["registration"] == str(sitting.public_id)
        assert statement["context"]["extensions"][ATTEMPT_EXTENSION] == str(sitting.public_id)


def test_a_registration_given_later_is_not_applied_to_a_submitted_exam_attempt(
    tenant_a, django_capture_on_commit_callbacks
):
    """A statement already written never changes registration: a submitted attempt stays."""
    exam = _exam(tenant_a)
    enrolment = lms_services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    assessment_api.exam_attempt_open(exam_id=exam.pk, learner=tenant_a.learner)
    sitting = ExamAttempt.objects.get(exam=exam, learner=tenant_a.learner)
    _sit(tenant_a.learner, sitting)
    with pytest.raises(assessment_api.ExamUnavailable):
        assessment_api.exam_attempt_open(
            exam_id=exam.pk, learner=tenant_a.learner, registration=enrolment.registration
        )
    sitting.refresh_from_db()
    assert sitting.enrolment_registration is None
