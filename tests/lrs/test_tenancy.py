"""Tenancy: one institution's credentials never read or touch another's statements."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied

from lrs import services
from lrs.models import Statement

from .conftest import make_credentials, make_statement


@pytest.fixture
def lrs_a(tenant_a):
    return make_credentials(tenant_a.institution)


@pytest.fixture
def lrs_b(tenant_b):
    return make_credentials(tenant_b.institution)


def test_a_cannot_query_b_statements(lrs_a, lrs_b):
    [b_id] = lrs_b.post(make_statement()).json()
    assert lrs_a.get().json()["statements"] == []
    agent = json.dumps({"mbox": "mailto:lan@example.com"})
    assert lrs_a.get({"agent": agent, "related_agents": "true"}).json()["statements"] == []
    assert [s["id"] for s in lrs_b.get().json()["statements"]] == [b_id]


def test_a_cannot_get_b_statement_by_id(lrs_a, lrs_b, new_id):
    lrs_b.put(new_id, make_statement())
    assert lrs_a.get({"statementId": new_id}).status_code == 404


def test_a_cannot_read_b_voided_statements(lrs_a, lrs_b, new_id):
    lrs_b.put(new_id, make_statement())
    lrs_b.post(
        make_statement(
            verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
            object={"objectType": "StatementRef", "id": new_id},
        )
    )
    assert lrs_a.get({"voidedStatementId": new_id}).status_code == 404


def test_a_cannot_void_b_statement(lrs_a, lrs_b, new_id):
    lrs_b.put(new_id, make_statement())
    voider = make_statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
        object={"objectType": "StatementRef", "id": new_id},
    )
    assert lrs_a.post(voider).status_code == 200
    assert lrs_b.get({"statementId": new_id}).status_code == 200
    assert not Statement.objects.get(pk=new_id).voided


def test_a_reusing_b_statement_id_is_a_conflict_even_with_equal_content(lrs_a, lrs_b, new_id):
    lrs_b.put(new_id, make_statement())
    assert lrs_a.put(new_id, make_statement()).status_code == 409
    assert Statement.objects.get(pk=new_id).institution_id == lrs_b.lrs_client.institution_id


def test_a_more_link_of_b_does_not_work_for_a(lrs_a, lrs_b):
    lrs_b.post([make_statement() for _ in range(3)])
    more = lrs_b.get({"limit": "1"}).json()["more"]
    assert lrs_a.client.get(more, **lrs_a.headers()).status_code == 400


def test_only_an_institution_admin_issues_its_credentials(tenant_a, tenant_b):
    services.lrs_client_create(
        actor=tenant_a.admin, institution=tenant_a.institution, name="ok", scopes=["all"]
    )
    with pytest.raises(PermissionDenied):
        services.lrs_client_create(
            actor=tenant_a.admin, institution=tenant_b.institution, name="no", scopes=["all"]
        )
    with pytest.raises(PermissionDenied):
        services.lrs_client_create(
            actor=tenant_a.teacher, institution=tenant_a.institution, name="no", scopes=["all"]
        )
