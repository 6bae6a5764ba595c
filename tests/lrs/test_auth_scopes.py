"""Credentials: Basic auth against LRS clients, and what each scope may do."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.management import CommandError, call_command

from institutions.models import AuditEvent
from lrs import services
from lrs.models import LRSClient

from .conftest import make_credentials, make_statement


def test_no_credentials_is_401_with_a_challenge(xapi):
    response = xapi.client.get("/xapi/statements", HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    # Browser content must be able to read the refusal.
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer abc", "Basic !!!", "Basic " + base64.b64encode(b"nobody:nothing").decode()],
)
def test_bad_credentials_are_401(xapi, authorization):
    response = xapi.client.get(
        "/xapi/statements",
        HTTP_AUTHORIZATION=authorization,
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )
    assert response.status_code == 401


def test_wrong_secret_is_401(xapi):
    xapi.secret = "guess"
    assert xapi.post(make_statement()).status_code == 401


def test_deactivated_credentials_are_401(xapi):
    services.lrs_client_deactivate(actor=None, client=xapi.lrs_client)
    assert xapi.post(make_statement()).status_code == 401


def test_the_secret_is_stored_only_as_a_digest(xapi):
    assert xapi.secret not in xapi.lrs_client.secret_hash
    assert xapi.lrs_client.check_secret(xapi.secret)


def test_write_only_credentials_cannot_read(institution):
    writer = make_credentials(institution, scopes=["statements/write"])
    assert writer.post(make_statement()).status_code == 200
    assert writer.get().status_code == 403


def test_read_only_credentials_cannot_write(institution):
    reader = make_credentials(institution, scopes=["statements/read"])
    assert reader.post(make_statement()).status_code == 403


def test_read_mine_sees_only_its_own_statements(institution):
    mine = make_credentials(institution, scopes=["statements/write", "statements/read/mine"])
    other = make_credentials(institution, scopes=["statements/write"])
    [own_id] = mine.post(make_statement()).json()
    [other_id] = other.post(make_statement()).json()
    assert [s["id"] for s in mine.get().json()["statements"]] == [own_id]
    assert mine.get({"statementId": other_id}).status_code == 404


def test_read_all_sees_every_client_of_the_institution(institution):
    writer = make_credentials(institution, scopes=["statements/write"])
    reader = make_credentials(institution, scopes=["statements/read"])
    writer.post(make_statement())
    assert len(reader.get().json()["statements"]) == 1


def test_creating_credentials_is_audited(institution):
    client, _secret = services.lrs_client_create(
        actor=None, institution=institution, name="SCORM player", scopes=["all"]
    )
    assert AuditEvent.objects.filter(action="lrs_client.create", object_id=str(client.pk)).exists()
    assert client.authority["account"]["name"] == client.key


def test_unknown_scope_is_refused(institution):
    with pytest.raises(ValueError, match="unknown"):
        services.lrs_client_create(
            actor=None, institution=institution, name="x", scopes=["statements/delete"]
        )


def test_command_issues_working_credentials(institution):
    out = io.StringIO()
    call_command("lrs_client_create", institution.code, "--scope", "statements/read", stdout=out)
    values = dict(line.split("=", 1) for line in out.getvalue().split())
    client = LRSClient.objects.get(key=values["key"])
    assert client.scopes == ["statements/read"]
    assert client.check_secret(values["secret"])


def test_command_refuses_an_unknown_institution(db):
    with pytest.raises(CommandError):
        call_command("lrs_client_create", "NOPE")
