"""The REST API: public catalogue reads, token and session auth, self-enrolment."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lms.models import Enrolment


def test_institutions_are_public_with_coordinates(client, tenant_a):
    response = client.get("/api/v1/institutions/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["code"] for row in rows] == ["AAA"]
    assert rows[0]["latitude"] == "21.000000"


def test_courses_list_only_live_originals(client, tenant_a):
    response = client.get("/api/v1/courses/", {"institution": "AAA"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [tenant_a.course.pk]


def test_enrolments_need_authentication(client, tenant_a):
    assert client.get("/api/v1/enrolments/").status_code in (401, 403)
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_token_auth_self_enrols_and_lists_own_enrolment(tenant_a):
    api = APIClient()
    token_response = api.post(
        "/api/v1/auth/token/", {"username": tenant_a.learner.username, "password": "test-pass-123"}
    )
    assert token_response.status_code == 200
    token = token_response.json()["token"]
    assert Token.objects.get(key=token).user == tenant_a.learner
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    created = api.post("/api/v1/enrolments/", {"course": tenant_a.course.pk}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["learner_id"] == tenant_a.learner.learner_id
    listed = api.get("/api/v1/enrolments/").json()["results"]
    assert [row["course"] for row in listed] == [tenant_a.course.pk]
    me = api.get("/api/v1/me/").json()
    assert me["learner_id"] == tenant_a.learner.learner_id
    assert me["memberships"] == [{"institution": "AAA", "role": "learner"}]


def test_enrolling_in_a_closed_course_is_refused(tenant_a):
    tenant_a.course.allow_self_enrolment = False
    tenant_a.course.save_revision().publish()
    api = APIClient()
    api.force_authenticate(tenant_a.learner)
    response = api.post("/api/v1/enrolments/", {"course": tenant_a.course.pk}, format="json")
    assert response.status_code == 403
    assert not Enrolment.objects.exists()


def test_bad_token_is_refused(tenant_a):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/enrolments/").status_code == 401
