"""The LRS credentials screens: administrators issue and revoke their institution's only."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse

from institutions.models import AuditEvent
from lrs.models import LRSClient

from .conftest import make_credentials


def basic(key: str, secret: str) -> dict:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}


def test_admin_issues_credentials_sees_the_secret_once_and_they_work(client, tenant_a):
    client.force_login(tenant_a.admin)
    response = client.post(
        reverse("lrs_admin:create"),
        {
            "institution": tenant_a.institution.pk,
            "name": "Bài giảng hàn",
            "scopes": ["statements/write", "statements/read"],
        },
    )
    assert response.status_code == 200
    lrs_client = LRSClient.objects.get(name="Bài giảng hàn")
    assert lrs_client.institution == tenant_a.institution
    html = response.content.decode()
    secret = re.search(r"<dt>[^<]*Secret[^<]*</dt><dd><code>([^<]+)</code>", html)
    secret = secret or re.search(r"<dd><code>([A-Za-z0-9_-]{40,})</code>", html)
    assert secret, html
    assert lrs_client.check_secret(secret.group(1))
    assert lrs_client.secret_hash not in html
    xapi = Client().get("/xapi/statements", **basic(lrs_client.key, secret.group(1)))
    assert xapi.status_code == 200
    assert AuditEvent.objects.filter(action="lrs_client.create", actor=tenant_a.admin).exists()
    # The listing shows the key, never the secret.
    listing = client.get(reverse("lrs_admin:index")).content.decode()
    assert lrs_client.key in listing and secret.group(1) not in listing


def test_admin_cannot_issue_for_another_institution(client, tenant_a, tenant_b):
    client.force_login(tenant_a.admin)
    response = client.post(
        reverse("lrs_admin:create"),
        {"institution": tenant_b.institution.pk, "name": "x", "scopes": ["all"]},
    )
    assert response.status_code == 200  # the form again, with its error
    assert "institution" in response.context["form"].errors
    assert not LRSClient.objects.exists()


def test_admin_sees_and_revokes_only_their_institution_credentials(client, tenant_a, tenant_b):
    own = make_credentials(tenant_a.institution, name="Của A").lrs_client
    other = make_credentials(tenant_b.institution, name="Của B").lrs_client
    client.force_login(tenant_a.admin)
    listing = client.get(reverse("lrs_admin:index")).content.decode()
    assert "Của A" in listing and "Của B" not in listing
    refused = client.post(reverse("lrs_admin:deactivate", kwargs={"pk": other.pk}))
    assert refused.status_code == 404
    other.refresh_from_db()
    assert other.active
    done = client.post(reverse("lrs_admin:deactivate", kwargs={"pk": own.pk}))
    assert done.status_code == 302
    own.refresh_from_db()
    assert not own.active
    assert AuditEvent.objects.filter(action="lrs_client.deactivate").count() == 1


@pytest.mark.parametrize("who", ["teacher", "learner"])
def test_teachers_and_learners_reach_no_screen(client, tenant_a, who):
    own = make_credentials(tenant_a.institution).lrs_client
    client.force_login(getattr(tenant_a, who))
    assert client.get(reverse("lrs_admin:index")).status_code in (302, 403)
    assert client.get(reverse("lrs_admin:create")).status_code in (302, 403)
    client.post(reverse("lrs_admin:deactivate", kwargs={"pk": own.pk}))
    own.refresh_from_db()
    assert own.active


def test_revoking_needs_post(client, tenant_a):
    own = make_credentials(tenant_a.institution).lrs_client
    client.force_login(tenant_a.admin)
    assert client.get(reverse("lrs_admin:deactivate", kwargs={"pk": own.pk})).status_code == 405
