"""Enrolment: self-enrolment where allowed, cohort enrolment by the course's own staff."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from lms import services
from lms.models import Enrolment

from .. import factories


def test_self_enrolment_is_idempotent(tenant_a):
    first = services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    second = services.enrolment_self_enrol(learner=tenant_a.learner, course=tenant_a.course)
    assert first.pk == second.pk
    assert Enrolment.objects.filter(learner=tenant_a.learner).count() == 1
    assert first.institution_id == tenant_a.institution.pk


def test_self_enrolment_refused_when_course_does_not_allow_it(tenant_a):
    programme = tenant_a.course.get_parent()
    closed = factories.make_course(programme.specific, title="Closed", allow_self_enrolment=False)
    with pytest.raises(PermissionDenied):
        services.enrolment_self_enrol(learner=tenant_a.learner, course=closed)
    assert not Enrolment.objects.filter(course=closed).exists()


def test_self_enrolment_refused_for_a_draft_course(tenant_a):
    draft = factories.make_course(tenant_a.course.get_parent().specific, title="Draft", live=False)
    with pytest.raises(PermissionDenied):
        services.enrolment_self_enrol(learner=tenant_a.learner, course=draft)


def test_cohort_enrolment_by_own_teacher(tenant_a):
    created = services.enrolment_enrol_cohort(
        actor=tenant_a.teacher, cohort=tenant_a.cohort, course=tenant_a.course
    )
    assert created == 1
    enrolment = Enrolment.objects.get(learner=tenant_a.learner, course=tenant_a.course)
    assert enrolment.source == Enrolment.Source.COHORT
    assert enrolment.cohort == tenant_a.cohort
    # Enrolling again creates nothing new.
    assert (
        services.enrolment_enrol_cohort(
            actor=tenant_a.teacher, cohort=tenant_a.cohort, course=tenant_a.course
        )
        == 0
    )


def test_cohort_enrolment_refused_across_institutions(tenant_a, tenant_b):
    with pytest.raises(PermissionDenied):
        services.enrolment_enrol_cohort(
            actor=tenant_a.teacher, cohort=tenant_a.cohort, course=tenant_b.course
        )
    with pytest.raises(PermissionDenied):
        services.enrolment_enrol_cohort(
            actor=tenant_b.teacher, cohort=tenant_a.cohort, course=tenant_b.course
        )
    assert not Enrolment.objects.exists()


def test_enrol_button_enrols_and_dashboard_lists_the_course(client, tenant_a):
    client.force_login(tenant_a.learner)
    response = client.post(reverse("lms:enrol", args=[tenant_a.course.pk]))
    assert response.status_code == 302
    dashboard = client.get(reverse("lms:dashboard"))
    assert dashboard.status_code == 200
    assert tenant_a.course.title in dashboard.content.decode()
    assert tenant_a.learner.learner_id in dashboard.content.decode()
