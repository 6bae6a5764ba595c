"""REST API: with session or token auth, institution A's staff reach only A's records."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from institutions.models import Cohort
from lms.models import Enrolment

from .. import factories
from .conftest import STAFF_ROLES, staff_of

AUTHS = ["session", "token"]


def _client(user, auth: str) -> APIClient:
    client = APIClient()
    if auth == "session":
        client.force_login(user)
    else:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _enrolment(tenant) -> Enrolment:
    return Enrolment.objects.get(learner=tenant.learner, course=tenant.course)


@pytest.mark.parametrize("auth", AUTHS)
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_enrolments_list_only_own_institutions(enrolled, role, auth):
    tenant_a, tenant_b = enrolled
    client = _client(staff_of(tenant_a, role), auth)
    assert _ids(client.get("/api/v1/enrolments/")) == {_enrolment(tenant_a).pk}
    other = client.get(f"/api/v1/enrolments/{_enrolment(tenant_b).pk}/")
    assert other.status_code == 404
    own = client.get(f"/api/v1/enrolments/{_enrolment(tenant_a).pk}/")
    assert own.status_code == 200


@pytest.mark.parametrize("auth", AUTHS)
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_cohorts_list_only_own_institutions(tenant_a, tenant_b, role, auth):
    client = _client(staff_of(tenant_a, role), auth)
    assert _ids(client.get("/api/v1/cohorts/")) == {tenant_a.cohort.pk}
    assert client.get(f"/api/v1/cohorts/{tenant_b.cohort.pk}/").status_code == 404
    assert client.get(f"/api/v1/cohorts/{tenant_a.cohort.pk}/").status_code == 200


@pytest.mark.parametrize("auth", AUTHS)
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_creating_a_cohort_in_another_institution_is_refused(tenant_a, tenant_b, role, auth):
    client = _client(staff_of(tenant_a, role), auth)
    response = client.post(
        "/api/v1/cohorts/",
        {"institution": tenant_b.institution.code, "code": "K9", "name": "Trộm"},
        format="json",
    )
    assert response.status_code in (400, 403)
    assert not Cohort.objects.filter(code="K9").exists()


@pytest.mark.parametrize("auth", AUTHS)
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_create_a_cohort_in_their_own_institution(tenant_a, role, auth):
    client = _client(staff_of(tenant_a, role), auth)
    response = client.post(
        "/api/v1/cohorts/",
        {"institution": tenant_a.institution.code, "code": "K2", "name": "Khóa 2"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Cohort.objects.filter(institution=tenant_a.institution, code="K2").exists()


@pytest.mark.parametrize("auth", AUTHS)
def test_learner_sees_only_their_own_enrolments(enrolled, auth):
    tenant_a, tenant_b = enrolled
    # A second learner of A, enrolled in the same course, stays invisible to the first.
    classmate = factories.make_learner(tenant_a.institution, "aaa-classmate")
    Enrolment.objects.create(
        learner=classmate, course=tenant_a.course, institution=tenant_a.institution, source="self"
    )
    client = _client(tenant_a.learner, auth)
    assert _ids(client.get("/api/v1/enrolments/")) == {_enrolment(tenant_a).pk}
    assert client.get(f"/api/v1/enrolments/{_enrolment(tenant_b).pk}/").status_code == 404
    assert _ids(client.get("/api/v1/cohorts/")) == set()


@pytest.mark.parametrize("auth", AUTHS)
def test_ministry_admin_sees_every_institutions_records(enrolled, ministry_admin, auth):
    tenant_a, tenant_b = enrolled
    client = _client(ministry_admin, auth)
    assert _ids(client.get("/api/v1/enrolments/")) == {
        _enrolment(tenant_a).pk,
        _enrolment(tenant_b).pk,
    }
    assert _ids(client.get("/api/v1/cohorts/")) == {tenant_a.cohort.pk, tenant_b.cohort.pk}
    assert client.get(f"/api/v1/cohorts/{tenant_b.cohort.pk}/").status_code == 200


def test_anonymous_callers_see_no_enrolments_or_cohorts(enrolled):
    client = APIClient()
    assert client.get("/api/v1/enrolments/").status_code in (401, 403)
    assert client.get("/api/v1/cohorts/").status_code in (401, 403)
