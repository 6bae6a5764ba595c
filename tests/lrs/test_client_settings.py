"""Per-credential xAPI settings: the version a version-less request is refused in, and
whether a profile PUT creating a document without If-Match/If-None-Match is refused."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from institutions.models import AuditEvent
from lrs import services, validation
from lrs.models import Document, LRSClient

from .conftest import XAPI, make_statement
from .test_documents import AGENT, send

ACTIVITY = "http://taynghe.example/activities/han-dien"
PROFILES = [
    ("activities/profile", {"activityId": ACTIVITY, "profileId": "p1"}),
    ("agents/profile", {"agent": json.dumps(AGENT), "profileId": "p1"}),
]


def credentials(institution, **settings) -> XAPI:
    lrs_client, secret = services.lrs_client_create(
        actor=None, institution=institution, name="Content", scopes=["all"], **settings
    )
    return XAPI(Client(), lrs_client, secret)


# The version a refusal speaks ---------------------------------------------------------------


@pytest.mark.parametrize("assumed", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
def test_a_request_naming_no_version_is_refused_in_the_assumed_version(
    institution, assumed, method
):
    xapi = credentials(institution, assumed_version=assumed)
    xapi.version = ""
    if method == "GET":
        response = xapi.get()
    elif method == "POST":
        response = xapi.post(make_statement())
    else:
        response = xapi.put("c2f8e7a0-4a44-4ab4-9c3f-8d3b2b35e0a1", make_statement())
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == assumed
    assert "X-Experience-API-Version" in response.json()["error"]


def test_the_assumed_version_does_not_let_a_version_less_request_through(institution):
    xapi = credentials(institution, assumed_version="2.0.0")
    xapi.version = ""
    assert xapi.post(make_statement()).status_code == 400
    # Nothing was stored.
    xapi.version = "2.0.0"
    assert xapi.get().json()["statements"] == []


def test_wrong_or_missing_credentials_fall_back_to_1_0_3(institution):
    xapi = credentials(institution, assumed_version="2.0.0")
    xapi.version = ""
    xapi.secret = "not-the-secret"
    response = xapi.get()
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"
    response = Client().get("/xapi/statements")
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_another_institutions_setting_is_not_used(institution, tenant_b):
    # Only the credentials sent decide: a 2.0.0 client elsewhere changes nothing here.
    credentials(tenant_b.institution, assumed_version="2.0.0")
    mine = credentials(institution)
    mine.version = ""
    assert mine.get()["X-Experience-API-Version"] == "1.0.3"


def test_documents_are_refused_in_the_assumed_version_too(institution):
    xapi = credentials(institution, assumed_version="2.0.0")
    xapi.version = ""
    response = send(xapi, "PUT", *PROFILES[0], {"a": 1}, **{"If-None-Match": "*"})
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "2.0.0"


# Strict concurrency on profiles -------------------------------------------------------------


@pytest.mark.parametrize(("path", "params"), PROFILES)
@pytest.mark.parametrize(
    ("concurrency", "version", "refused"),
    [
        ("strict", "1.0.3", True),
        ("strict", "2.0.0", True),
        ("xapi2", "1.0.3", False),
        ("xapi2", "1.0.1", False),
        ("xapi2", "2.0.0", True),
        ("lenient", "1.0.3", False),
        ("lenient", "2.0.0", False),
    ],
)
def test_a_headerless_profile_creation(institution, path, params, concurrency, version, refused):
    xapi = credentials(institution, profile_concurrency=concurrency)
    xapi.version = version
    response = send(xapi, "PUT", path, params, {"a": 1})
    if refused:
        assert response.status_code == 400
        assert "If-None-Match" in response.json()["error"]
        assert not Document.objects.filter(document_id="p1").exists()
    else:
        assert response.status_code == 204
        assert Document.objects.filter(document_id="p1").exists()
    # The same creation with If-None-Match: * is accepted whatever the setting.
    ok = send(xapi, "PUT", path, {**params, "profileId": "p2"}, {"a": 1}, **{"If-None-Match": "*"})
    assert ok.status_code == 204


@pytest.mark.parametrize(("path", "params"), PROFILES)
@pytest.mark.parametrize("concurrency", ["strict", "xapi2", "lenient"])
def test_a_headerless_replacement_is_409_whatever_the_setting(
    institution, path, params, concurrency
):
    xapi = credentials(institution, profile_concurrency=concurrency)
    xapi.version = "2.0.0"
    assert send(xapi, "PUT", path, params, {"a": 1}, **{"If-None-Match": "*"}).status_code == 204
    response = send(xapi, "PUT", path, params, {"a": 2})
    assert response.status_code == 409
    document = Document.objects.get(document_id="p1")
    assert json.loads(bytes(document.content)) == {"a": 1}


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_strict_concurrency_leaves_state_and_posts_alone(institution, version):
    xapi = credentials(institution, profile_concurrency="strict")
    xapi.version = version
    state = {"activityId": ACTIVITY, "agent": json.dumps(AGENT), "stateId": "bookmark"}
    assert send(xapi, "PUT", "activities/state", state, {"a": 1}).status_code == 204
    path, params = PROFILES[0]
    # POST merges: the specification asks If-Match of it only as SHOULD.
    assert send(xapi, "POST", path, params, {"a": 1}).status_code == 204


# Where the settings are chosen --------------------------------------------------------------


def test_defaults_are_1_0_3_and_strict_for_xapi_2(institution):
    xapi = credentials(institution)
    assert xapi.lrs_client.assumed_version == "1.0.3"
    assert xapi.lrs_client.profile_concurrency == "xapi2"


def test_service_refuses_unknown_settings(institution):
    with pytest.raises(validation.XAPIValidationError):
        credentials(institution, assumed_version="0.95")
    with pytest.raises(validation.XAPIValidationError):
        credentials(institution, profile_concurrency="sometimes")
    assert not LRSClient.objects.exists()


def test_management_command_options(institution):
    out = StringIO()
    call_command(
        "lrs_client_create",
        institution.code,
        "--name",
        "conformance",
        "--assumed-version",
        "2.0.0",
        "--profile-concurrency",
        "strict",
        stdout=out,
    )
    key = re.search(r"key=(\S+)", out.getvalue()).group(1)
    lrs_client = LRSClient.objects.get(key=key)
    assert (lrs_client.assumed_version, lrs_client.profile_concurrency) == ("2.0.0", "strict")


def test_management_command_refuses_unknown_version(institution):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("lrs_client_create", institution.code, "--assumed-version", "1.1.0")


def test_admin_form_sets_and_lists_the_settings(client, tenant_a):
    client.force_login(tenant_a.admin)
    form = client.get(reverse("lrs_admin:create")).content.decode()
    assert 'name="assumed_version"' in form and 'name="profile_concurrency"' in form
    response = client.post(
        reverse("lrs_admin:create"),
        {
            "institution": tenant_a.institution.pk,
            "name": "Gói 2.0",
            "scopes": ["all"],
            "assumed_version": "2.0.0",
            "profile_concurrency": "lenient",
        },
    )
    assert response.status_code == 200
    lrs_client = LRSClient.objects.get(name="Gói 2.0")
    assert (lrs_client.assumed_version, lrs_client.profile_concurrency) == ("2.0.0", "lenient")
    event = AuditEvent.objects.get(action="lrs_client.create", actor=tenant_a.admin)
    assert event.data["assumed_version"] == "2.0.0"
    listing = client.get(reverse("lrs_admin:index")).content.decode()
    assert "xAPI 2.0.0" in listing


def test_admin_form_refuses_a_made_up_setting(client, tenant_a):
    client.force_login(tenant_a.admin)
    response = client.post(
        reverse("lrs_admin:create"),
        {
            "institution": tenant_a.institution.pk,
            "name": "Gói lạ",
            "scopes": ["all"],
            "assumed_version": "9.9.9",
        },
    )
    assert response.status_code == 200
    assert not LRSClient.objects.filter(name="Gói lạ").exists()
