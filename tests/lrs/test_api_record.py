"""`lrs.api.record`: the platform's own statements, idempotent by id."""

from __future__ import annotations

import uuid

import pytest

from lrs import api
from lrs.models import Statement

from .conftest import make_statement


def test_record_stores_with_the_platform_as_authority(institution):
    actor = api.learner_actor(home_page="https://taynghe.vn", learner_id="TN00000000018")
    statement_id = api.record(institution=institution, statement=make_statement(actor=actor))
    stored = Statement.objects.get(pk=statement_id)
    assert stored.institution == institution
    assert stored.client is None
    assert stored.payload["authority"]["account"]["name"] == "taynghe"
    assert stored.actor_key == "Agent|account|https://taynghe.vn|TN00000000018"


def test_record_is_idempotent_with_an_id(institution):
    statement = make_statement(id=str(uuid.uuid4()))
    first = api.record(institution=institution, statement=statement)
    assert api.record(institution=institution, statement=statement) == first
    assert Statement.objects.count() == 1


def test_record_refuses_an_invalid_statement(institution):
    with pytest.raises(api.XAPIValidationError):
        api.record(institution=institution, statement=make_statement(verb={"id": "x"}))


def test_record_refuses_a_changed_statement_under_the_same_id(institution):
    statement_id = str(uuid.uuid4())
    api.record(institution=institution, statement=make_statement(id=statement_id))
    with pytest.raises(api.StatementConflict):
        api.record(
            institution=institution,
            statement=make_statement(id=statement_id, result={"success": False}),
        )


def test_record_is_readable_through_the_endpoint(institution, xapi):
    statement_id = api.record(institution=institution, statement=make_statement())
    assert xapi.get({"statementId": str(statement_id)}).status_code == 200
