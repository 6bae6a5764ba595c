"""Launch credentials: one learner, one registration, a short life."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from institutions.models import AuditEvent
from lrs import api
from lrs.models import LRSClient

from .conftest import XAPI, make_credentials, make_statement

LEARNER = {"objectType": "Agent", "mbox": "mailto:lan@example.com"}
ACTIVITY = "http://taynghe.example/activities/an-toan-dien"


@pytest.fixture
def registration() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def launch(institution, registration) -> XAPI:
    credentials = api.launch_credentials(
        institution=institution,
        actor=LEARNER,
        registration=registration,
        activity_id=ACTIVITY,
        ttl=600,
    )
    return XAPI(Client(), LRSClient.objects.get(key=credentials.key), credentials.secret)


def in_registration(registration, **overrides):
    return make_statement(context={"registration": str(registration)}, **overrides)


def test_launch_credentials_write_their_learner_in_their_registration(launch, registration):
    response = launch.post(in_registration(registration))
    assert response.status_code == 200, response.content
    [statement] = launch.get().json()["statements"]
    assert statement["context"]["registration"] == str(registration)


def test_issue_is_audited_and_returns_a_usable_authorization(institution, registration):
    credentials = api.launch_credentials(
        institution=institution,
        actor=LEARNER,
        registration=registration,
        activity_id=ACTIVITY,
        ttl=60,
    )
    assert AuditEvent.objects.filter(action="lrs_client.launch").count() == 1
    assert credentials.expires_at > timezone.now()
    response = Client().get(
        "/xapi/statements",
        HTTP_AUTHORIZATION=credentials.authorization,
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "statement",
    [
        make_statement(),  # no registration
        make_statement(context={"registration": str(uuid.uuid4())}),
        "other learner",
    ],
)
def test_launch_credentials_refuse_other_registrations_and_learners(
    launch, registration, statement
):
    if statement == "other learner":
        statement = in_registration(registration, actor={"mbox": "mailto:minh@example.com"})
    response = launch.post(statement)
    assert response.status_code == 403
    # One bad statement refuses the batch.
    assert launch.post([in_registration(registration), statement]).status_code == 403
    assert launch.get().json()["statements"] == []


def test_launch_credentials_read_only_what_they_wrote(institution, launch, registration):
    make_credentials(institution).post(in_registration(registration))
    assert launch.get().json()["statements"] == []


def test_expired_launch_credentials_are_401(launch, registration):
    LRSClient.objects.filter(pk=launch.lrs_client.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = launch.post(in_registration(registration))
    assert response.status_code == 401
    assert "expired" in response.json()["error"]


def state_url(agent, registration=None):
    params = {"activityId": ACTIVITY, "agent": json.dumps(agent), "stateId": "s"}
    if registration is not None:
        params["registration"] = str(registration)
    return f"/xapi/activities/state?{urlencode(params)}"


def test_launch_credentials_keep_only_their_learner_state_in_their_registration(
    launch, registration
):
    def put(url):
        return launch.client.put(
            url, data="{}", content_type="application/json", **launch.headers()
        )

    assert put(state_url(LEARNER, registration)).status_code == 204
    assert put(state_url(LEARNER)).status_code == 403
    assert put(state_url(LEARNER, uuid.uuid4())).status_code == 403
    assert put(state_url({"mbox": "mailto:minh@example.com"}, registration)).status_code == 403
    profile = f"/xapi/activities/profile?{urlencode({'activityId': ACTIVITY, 'profileId': 'p'})}"
    assert put(profile).status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [("ttl", 0), ("ttl", 10**6), ("actor", {"name": "no identifier"}), ("activity_id", "x")],
)
def test_launch_credentials_refuse_bad_arguments(institution, registration, field, value):
    arguments = {
        "institution": institution,
        "actor": LEARNER,
        "registration": registration,
        "activity_id": ACTIVITY,
        "ttl": 600,
        field: value,
    }
    with pytest.raises(api.XAPIValidationError):
        api.launch_credentials(**arguments)
    assert not LRSClient.objects.exists()


def test_purge_deletes_only_long_expired_launch_credentials(institution, launch, registration):
    launch.post(in_registration(registration))
    permanent = make_credentials(institution).lrs_client
    fresh = LRSClient.objects.get(pk=launch.lrs_client.pk)
    out = StringIO()
    call_command("lrs_purge_launch_credentials", stdout=out)
    assert "deleted=0" in out.getvalue()
    LRSClient.objects.filter(pk=fresh.pk).update(expires_at=timezone.now() - timedelta(days=2))
    call_command("lrs_purge_launch_credentials", stdout=out)
    assert "deleted=1" in out.getvalue()
    assert list(LRSClient.objects.all()) == [permanent]
    # What the launch wrote stays.
    assert len(make_credentials(institution).get().json()["statements"]) == 1
    assert AuditEvent.objects.filter(action="lrs_client.launch_purge").count() == 1
