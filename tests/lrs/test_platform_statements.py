"""The platform's own statements: enrolment, withdrawal, course completion, courseware outcomes
and exam results — one actor for the learner everywhere, the enrolment's registration on
lms's statements, idempotent ids, and every verb, activity type and extension in the
published profile (`/xapi/profile`)."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from assessment import xapi as assessment_xapi
from assessment.models import Attempt, Exam, ExamVersion
from courseware import services as courseware_services
from courseware.data import AttemptOutcome
from courseware.runtime import xapi as courseware_xapi
from courseware.signals import attempt_outcome_changed
from lms import services as lms_services
from lms import xapi as lms_xapi
from lms.models import Enrolment, LessonPage
from lrs import api
from lrs.models import Statement
from tests.courseware.packages import scorm12_single, zip_bytes

REGISTERED = "http://adlnet.gov/expapi/verbs/registered"
UNREGISTERED = "http://id.tincanapi.com/verb/unregistered"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


@pytest.fixture
def placed(tenant_a, settings, tmp_path):
    """Tenant A's course with one SCORM package placed in its lesson."""
    settings.MEDIA_ROOT = str(tmp_path)
    result = courseware_services.package_import(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        file=io.BytesIO(zip_bytes(scorm12_single())),
        title="Hàn điện",
    )
    lesson = LessonPage.objects.descendant_of(tenant_a.course).get()
    lesson.body = [
        ("courseware", {"package": result.package, "item": "", "version": 1, "display": "window"})
    ]
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    block_id = next(child.id for child in lesson.body)
    return tenant_a, result.package, f"lesson:{lesson.pk}:{block_id}"


def _lms_statements(tenant, verb=None):
    rows = Statement.objects.filter(institution=tenant.institution, client__isnull=True)
    if verb:
        rows = rows.filter(verb_id=verb)
    return [row.payload for row in rows.order_by("stored", "id")]


def _outcome(tenant, package, placement, **fields) -> AttemptOutcome:
    values = {
        "attempt_id": uuid.UUID(int=7),
        "attempt_number": 1,
        "learner_id": tenant.learner.pk,
        "package_id": package.pk,
        "version_id": package.latest_version().pk,
        "institution_id": tenant.institution.pk,
        "placement": placement,
        "completion_status": "completed",
        "success_status": "passed",
        "score_scaled": 0.9,
        "total_time_seconds": 600.0,
        "changed_at": timezone.now(),
        "sequence": 1,
    }
    values.update(fields)
    return AttemptOutcome(**values)


def _exam_attempt(tenant, *, score="8", max_score="10") -> Attempt:
    """An exam attempt as submitted (not stored: the statement needs only its fields)."""
    exam = Exam(pk=41, institution=tenant.institution, title="Kiểm tra an toàn điện")
    return Attempt(
        pk=501,
        exam=exam,
        version=ExamVersion(exam=exam, number=2),
        learner=tenant.learner,
        public_id=uuid.uuid4(),
        score=Decimal(score),
        max_score=Decimal(max_score),
        submitted_at=timezone.now(),
    )


def test_enrolment_withdrawal_and_reenrolment_are_statements_with_the_registration(
    tenant_a, django_capture_on_commit_callbacks
):
    learner, course = tenant_a.learner, tenant_a.course
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = lms_services.enrolment_self_enrol(learner=learner, course=course)
    [registered] = _lms_statements(tenant_a, REGISTERED)
    assert registered["context"]["registration"] == str(enrolment.registration)
    assert registered["actor"] == api.platform_learner_actor(learner)
    assert registered["actor"]["account"] == {
        "homePage": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
        "name": learner.learner_id or f"user-{learner.pk}",
    }
    assert registered["object"]["id"] == lms_xapi.course_iri(course.pk)
    assert registered["object"]["definition"]["type"] == lms_xapi.COURSE_TYPE

    with django_capture_on_commit_callbacks(execute=True):
        lms_services.enrolment_withdraw(actor=learner, enrolment=enrolment)
    [unregistered] = _lms_statements(tenant_a, UNREGISTERED)
    assert unregistered["context"]["registration"] == str(enrolment.registration)

    # Enrolling again is a new registered statement (a new event), under the same registration.
    with django_capture_on_commit_callbacks(execute=True):
        again = lms_services.enrolment_self_enrol(learner=learner, course=course)
    assert again.registration == enrolment.registration
    assert len(_lms_statements(tenant_a, REGISTERED)) == 2
    # Enrolling while enrolled changes nothing and writes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        lms_services.enrolment_self_enrol(learner=learner, course=course)
    assert len(_lms_statements(tenant_a)) == 3


def test_a_rolled_back_enrolment_writes_no_statement(tenant_a, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        lms_services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
        raise RuntimeError("the request fails after enrolling")
    assert callbacks == []
    assert _lms_statements(tenant_a) == []


def test_replaying_an_event_does_not_duplicate_it(tenant_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = lms_services.enrolment_self_enrol(
            learner=tenant_a.learner, course=tenant_a.course
        )
    for _ in range(2):
        lms_xapi.enrolment_record(
            enrolment_id=enrolment.pk, event="registered", moment=enrolment.enrolled_at
        )
    assert len(_lms_statements(tenant_a, REGISTERED)) == 1


def test_an_lrs_failure_does_not_undo_the_enrolment(
    tenant_a, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(**kwargs):
        raise api.XAPIValidationError("the LRS is unhappy")

    monkeypatch.setattr(lms_xapi, "record", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = lms_services.enrolment_self_enrol(
            learner=tenant_a.learner, course=tenant_a.course
        )
    assert Enrolment.objects.filter(pk=enrolment.pk, status="active").exists()


def test_a_scenario_writes_only_profiled_statements_with_one_actor(
    client, placed, django_capture_on_commit_callbacks
):
    """Enrol, pass the course's one package (outcome statement, then the course is
    completed), sit an exam, then withdraw: every platform statement's verb, activity type
    and platform extension is in the profile, and the learner is one actor throughout."""
    tenant, package, placement = placed
    learner = tenant.learner
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = lms_services.enrolment_self_enrol(learner=learner, course=tenant.course)

    outcome = _outcome(tenant, package, placement)
    courseware_xapi.outcome_record(
        outcome=outcome,
        learner=learner,
        institution=tenant.institution,
        package_title="Hàn điện",
        previous=("incomplete", "unknown"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        attempt_outcome_changed.send(sender=None, outcome=outcome)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert enrolment.completed_at is not None
    [completed] = [
        s
        for s in _lms_statements(tenant, COMPLETED)
        if s["object"]["id"] == lms_xapi.course_iri(tenant.course.pk)
    ]
    assert completed["context"]["registration"] == str(enrolment.registration)
    assert completed["result"] == {"completion": True}
    # The outcome again: the enrolment is completed once, one statement.
    with django_capture_on_commit_callbacks(execute=True):
        attempt_outcome_changed.send(sender=None, outcome=outcome)
    assert len(_lms_statements(tenant, COMPLETED)) == 1  # (the package's outcome is `passed`)

    attempt = _exam_attempt(tenant)
    assessment_xapi.submitted_record(attempt)
    if hasattr(assessment_xapi, "released_record"):  # exam results, as marking releases them
        assessment_xapi.released_record(attempt, passed=True, now=timezone.now())
        assessment_xapi.released_record(
            _exam_attempt(tenant, score="3"), passed=None, now=timezone.now()
        )
    with django_capture_on_commit_callbacks(execute=True):
        lms_services.enrolment_withdraw(actor=learner, enrolment=enrolment)

    profile = client.get("/xapi/profile").json()
    concepts = {item["id"]: item["type"] for item in profile["concepts"]}
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    written = _lms_statements(tenant)
    verbs = {s["verb"]["id"] for s in written}
    assert {REGISTERED, UNREGISTERED, COMPLETED} <= verbs
    assert "http://adlnet.gov/expapi/verbs/passed" in verbs
    for statement in written:
        assert concepts.get(statement["verb"]["id"]) == "Verb", statement["verb"]
        kind = statement["object"]["definition"]["type"]
        assert concepts.get(kind) == "ActivityType", kind
        for key in statement.get("context", {}).get("extensions", {}):
            if key.startswith(base):
                assert concepts.get(key) == "ContextExtension", key
        assert statement["actor"]["account"] == api.platform_learner_actor(learner)["account"]
        assert statement["context"]["platform"] == "Taynghe"
    # The templates name only profiled verbs and types.
    for template in profile["templates"]:
        assert concepts[template["objectActivityType"]] == "ActivityType"
        for rule in template["rules"]:
            for verb in rule.get("any", []):
                assert concepts[verb] == "Verb"


def test_courseware_and_assessment_actors_are_the_platform_learner_actor(tenant_a):
    """Contract: every part builds the learner's actor the same way (`platform_learner_actor`)."""
    learner = tenant_a.learner
    scorm = courseware_xapi.outcome_statement(
        outcome=AttemptOutcome(
            attempt_id=uuid.uuid4(),
            learner_id=learner.pk,
            package_id=1,
            version_id=1,
            institution_id=tenant_a.institution.pk,
            placement="lesson:1:b",
            completion_status="completed",
            success_status="unknown",
            score_scaled=None,
            total_time_seconds=1.0,
            changed_at=timezone.now(),
            sequence=1,
        ),
        learner=learner,
        package_title="x",
        verb="completed",
    )
    exam = assessment_xapi.submitted_statement(_exam_attempt(tenant_a))
    assert scorm["actor"] == exam["actor"] == api.platform_learner_actor(learner)
