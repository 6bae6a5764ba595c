"""LRS fixtures: an institution with credentials, and an HTTP client that speaks xAPI."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass

import pytest
from django.test import Client

from institutions import services as institution_services
from institutions.models import Institution
from lrs import services
from lrs.models import LRSClient

VERSION = "1.0.3"


def make_statement(**overrides) -> dict:
    """A small valid statement; keyword arguments replace its top-level properties."""
    statement = {
        "actor": {"objectType": "Agent", "name": "Lan", "mbox": "mailto:lan@example.com"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/completed",
            "display": {"en-US": "completed", "vi": "đã hoàn thành"},
        },
        "object": {
            "objectType": "Activity",
            "id": "http://taynghe.example/activities/an-toan-dien",
            "definition": {"name": {"en-US": "Electrical safety", "vi": "An toàn điện"}},
        },
    }
    statement.update(overrides)
    return statement


@dataclass
class XAPI:
    """A Django test client that sends Basic credentials and the version header."""

    client: Client
    lrs_client: LRSClient
    secret: str
    version: str = VERSION

    def headers(self, **extra) -> dict:
        token = base64.b64encode(f"{self.lrs_client.key}:{self.secret}".encode()).decode()
        headers = {"HTTP_AUTHORIZATION": f"Basic {token}"}
        if self.version:
            headers["HTTP_X_EXPERIENCE_API_VERSION"] = self.version
        headers.update(extra)
        return headers

    def post(self, body, **extra):
        return self.client.post(
            "/xapi/statements",
            data=json.dumps(body),
            content_type="application/json",
            **self.headers(**extra),
        )

    def put(self, statement_id, body, **extra):
        return self.client.put(
            f"/xapi/statements?statementId={statement_id}",
            data=json.dumps(body),
            content_type="application/json",
            **self.headers(**extra),
        )

    def get(self, params=None, **extra):
        return self.client.get("/xapi/statements", params or {}, **self.headers(**extra))


def make_credentials(institution, scopes=("all",), name="Content") -> XAPI:
    lrs_client, secret = services.lrs_client_create(
        actor=None, institution=institution, name=name, scopes=list(scopes)
    )
    return XAPI(Client(), lrs_client, secret)


@pytest.fixture
def institution(db) -> Institution:
    """An institution without the Wagtail site: the LRS needs only its row."""
    return institution_services.institution_create(
        actor=None, code="LRS1", name="Trường LRS", kind="college", province="Hà Nội"
    )


@pytest.fixture
def xapi(institution) -> XAPI:
    return make_credentials(institution)


@pytest.fixture
def new_id() -> str:
    return str(uuid.uuid4())
