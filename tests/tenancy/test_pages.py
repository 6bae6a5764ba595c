"""Site views: institution A's staff never see or change institution B's courses and enrolments."""

import pytest
from django.urls import reverse

from lms.models import Enrolment

from .. import factories
from .conftest import STAFF_ROLES, staff_of


def _teach_course(course):
    return reverse("lms:teach_course", args=[course.pk])


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_open_their_own_course_and_see_its_learners(client, enrolled, role):
    tenant_a, _tenant_b = enrolled
    client.force_login(staff_of(tenant_a, role))
    response = client.get(_teach_course(tenant_a.course))
    assert response.status_code == 200
    assert tenant_a.learner.username in response.content.decode()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_another_institutions_course_is_not_found_for_staff(client, enrolled, role):
    tenant_a, tenant_b = enrolled
    client.force_login(staff_of(tenant_a, role))
    assert client.get(_teach_course(tenant_b.course)).status_code == 404


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_enrolling_a_cohort_in_another_institutions_course_is_refused(
    client, tenant_a, tenant_b, role
):
    client.force_login(staff_of(tenant_a, role))
    for cohort in (tenant_a.cohort, tenant_b.cohort):
        response = client.post(_teach_course(tenant_b.course), {"cohort": cohort.pk})
        assert response.status_code == 404
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_another_institutions_cohort_cannot_be_enrolled_in_own_course(
    client, tenant_a, tenant_b, role
):
    client.force_login(staff_of(tenant_a, role))
    response = client.post(_teach_course(tenant_a.course), {"cohort": tenant_b.cohort.pk})
    assert response.status_code == 200  # the form comes back with an error
    assert response.context["form"].errors["cohort"]
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_enrol_their_own_cohort_in_their_own_course(client, tenant_a, role):
    client.force_login(staff_of(tenant_a, role))
    response = client.post(_teach_course(tenant_a.course), {"cohort": tenant_a.cohort.pk})
    assert response.status_code == 302
    assert Enrolment.objects.filter(learner=tenant_a.learner, course=tenant_a.course).exists()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_another_institutions_enrolments_and_courses_are_not_listed(client, enrolled, role):
    tenant_a, tenant_b = enrolled
    client.force_login(staff_of(tenant_a, role))
    course_page = client.get(_teach_course(tenant_a.course)).content.decode()
    assert tenant_b.learner.username not in course_page
    teach_index = client.get(reverse("lms:teach_index")).content.decode()
    assert tenant_a.course.title in teach_index
    assert tenant_b.course.title not in teach_index
    assert _teach_course(tenant_b.course) not in teach_index


def test_learner_dashboard_lists_only_their_own_enrolments(client, enrolled):
    tenant_a, tenant_b = enrolled
    client.force_login(tenant_a.learner)
    dashboard = client.get(reverse("lms:dashboard")).content.decode()
    assert tenant_a.course.title in dashboard
    assert tenant_b.course.title not in dashboard


def test_learner_cannot_open_the_teaching_views(client, enrolled):
    tenant_a, _tenant_b = enrolled
    client.force_login(tenant_a.learner)
    assert client.get(reverse("lms:teach_index")).status_code == 403
    assert client.get(_teach_course(tenant_a.course)).status_code == 404


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_another_institutions_draft_course_is_not_served(client, tenant_a, tenant_b, role):
    draft = factories.make_course(
        tenant_b.course.get_parent().specific, title="Bản nháp của BBB", live=False
    )
    client.force_login(staff_of(tenant_a, role))
    # The live course at the same kind of address is served, so the 404 is the draft's.
    assert client.get(tenant_b.course.url_path.removeprefix("/home")).status_code == 200
    assert client.get(draft.url_path.removeprefix("/home")).status_code == 404
    assert client.get(_teach_course(draft)).status_code == 404


def test_ministry_admin_sees_every_institutions_courses(client, enrolled, ministry_admin):
    tenant_a, tenant_b = enrolled
    client.force_login(ministry_admin)
    teach_index = client.get(reverse("lms:teach_index")).content.decode()
    assert tenant_a.course.title in teach_index
    assert tenant_b.course.title in teach_index
    response = client.get(_teach_course(tenant_b.course))
    assert response.status_code == 200
    assert tenant_b.learner.username in response.content.decode()
