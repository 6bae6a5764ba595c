"""Voiding: voided statements leave queries, stay reachable by voidedStatementId."""

from __future__ import annotations

import uuid

from lrs.validation import VOIDED_VERB

from .conftest import make_statement


def voiding(target_id: str, **overrides) -> dict:
    return make_statement(
        verb={"id": VOIDED_VERB, "display": {"en-US": "voided"}},
        object={"objectType": "StatementRef", "id": target_id},
        **overrides,
    )


def test_a_voided_statement_is_gone_from_queries_and_statement_id(xapi, new_id):
    xapi.post(make_statement(id=new_id))
    [voider] = xapi.post(voiding(new_id)).json()
    ids = [s["id"] for s in xapi.get().json()["statements"]]
    assert ids == [voider]
    assert xapi.get({"statementId": new_id}).status_code == 404


def test_a_voided_statement_is_returned_by_voided_statement_id(xapi, new_id):
    xapi.post(make_statement(id=new_id))
    xapi.post(voiding(new_id))
    response = xapi.get({"voidedStatementId": new_id})
    assert response.status_code == 200
    assert response.json()["id"] == new_id


def test_a_live_statement_is_not_returned_by_voided_statement_id(xapi, new_id):
    xapi.post(make_statement(id=new_id))
    assert xapi.get({"voidedStatementId": new_id}).status_code == 404


def test_voiding_a_voiding_statement_is_400(xapi, new_id):
    xapi.post(make_statement(id=new_id))
    [voider] = xapi.post(voiding(new_id)).json()
    response = xapi.post(voiding(voider))
    assert response.status_code == 400
    assert "cannot be voided" in response.json()["error"]


def test_voiding_a_voiding_statement_in_the_same_batch_is_400(xapi, new_id):
    first = str(uuid.uuid4())
    response = xapi.post([voiding(new_id, id=first), voiding(first)])
    assert response.status_code == 400


def test_a_voiding_statement_may_arrive_before_its_target(xapi, new_id):
    assert xapi.post(voiding(new_id)).status_code == 200
    xapi.post(make_statement(id=new_id))
    assert xapi.get({"statementId": new_id}).status_code == 404
    assert xapi.get({"voidedStatementId": new_id}).status_code == 200


def test_voiding_in_the_same_batch_as_the_target(xapi, new_id):
    xapi.post([make_statement(id=new_id), voiding(new_id)])
    assert xapi.get({"voidedStatementId": new_id}).status_code == 200
