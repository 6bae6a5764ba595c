"""POST and PUT of statements: what is stored, what comes back, and conflicts."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lrs.models import Statement, StatementActivity, StatementAgent

from .conftest import make_statement


def test_post_one_statement_returns_its_new_id(xapi):
    response = xapi.post(make_statement())
    assert response.status_code == 200
    [statement_id] = response.json()
    assert Statement.objects.filter(pk=uuid.UUID(statement_id)).exists()


def test_post_fills_in_id_stored_timestamp_authority_and_version(xapi):
    [statement_id] = xapi.post(make_statement()).json()
    stored = xapi.get({"statementId": statement_id}).json()
    assert stored["id"] == statement_id
    assert stored["stored"].endswith("Z")
    assert stored["timestamp"] == stored["stored"]
    assert stored["authority"] == xapi.lrs_client.authority
    assert stored["version"] == "1.0.0"


def test_post_overrides_an_authority_the_client_claims(xapi):
    claimed = {"mbox": "mailto:boss@example.com"}
    [statement_id] = xapi.post(make_statement(authority=claimed)).json()
    assert xapi.get({"statementId": statement_id}).json()["authority"] != claimed


def test_post_batch_returns_ids_in_order(xapi, new_id):
    batch = [make_statement(), make_statement(id=new_id), make_statement()]
    ids = xapi.post(batch).json()
    assert len(ids) == 3
    assert ids[1] == new_id
    assert Statement.objects.count() == 3


def test_invalid_statement_in_a_batch_stores_nothing(xapi):
    response = xapi.post([make_statement(), make_statement(verb={"id": "no"})])
    assert response.status_code == 400
    assert "statements[1].verb.id" in response.json()["error"]
    assert Statement.objects.count() == 0


def test_post_answers_400_for_bad_json_and_wrong_content_type(xapi):
    bad = xapi.client.post(
        "/xapi/statements", data="{", content_type="application/json", **xapi.headers()
    )
    assert bad.status_code == 400
    text = xapi.client.post(
        "/xapi/statements", data="{}", content_type="text/plain", **xapi.headers()
    )
    assert text.status_code == 400


def test_post_same_id_same_content_is_a_no_op(xapi, new_id):
    statement = make_statement(id=new_id)
    assert xapi.post(statement).status_code == 200
    again = xapi.post(statement)
    assert again.status_code == 200
    assert again.json() == [new_id]
    assert Statement.objects.count() == 1


def test_same_content_ignores_timestamp_precision_and_zone(xapi, new_id):
    xapi.post(make_statement(id=new_id, timestamp="2024-05-01T08:30:00+07:00"))
    again = xapi.post(make_statement(id=new_id, timestamp="2024-05-01T01:30:00.000Z"))
    assert again.status_code == 200


def test_post_same_id_different_content_is_a_conflict(xapi, new_id):
    xapi.post(make_statement(id=new_id))
    response = xapi.post(make_statement(id=new_id, result={"success": True}))
    assert response.status_code == 409
    assert new_id in response.json()["error"]


def test_conflict_in_a_batch_stores_nothing(xapi, new_id):
    xapi.post(make_statement(id=new_id))
    response = xapi.post([make_statement(), make_statement(id=new_id, result={"success": True})])
    assert response.status_code == 409
    assert Statement.objects.count() == 1


def test_put_stores_under_the_given_id(xapi, new_id):
    response = xapi.put(new_id, make_statement())
    assert response.status_code == 204
    assert xapi.get({"statementId": new_id}).json()["id"] == new_id


def test_put_again_same_content_is_204_and_different_is_409(xapi, new_id):
    xapi.put(new_id, make_statement())
    assert xapi.put(new_id, make_statement()).status_code == 204
    assert xapi.put(new_id, make_statement(result={"completion": True})).status_code == 409


def test_put_without_statement_id_is_400(xapi):
    response = xapi.client.put(
        "/xapi/statements", data="{}", content_type="application/json", **xapi.headers()
    )
    assert response.status_code == 400
    assert "statementId" in response.json()["error"]


def test_put_with_a_different_id_in_the_body_is_400(xapi, new_id):
    response = xapi.put(new_id, make_statement(id=str(uuid.uuid4())))
    assert response.status_code == 400


def test_put_with_a_malformed_statement_id_is_400(xapi):
    assert xapi.put("not-a-uuid", make_statement()).status_code == 400


def test_related_agents_and_activities_are_indexed(xapi):
    statement = make_statement(
        context={
            "instructor": {"mbox": "mailto:thay@example.com"},
            "contextActivities": {"parent": {"id": "http://example.com/course"}},
        }
    )
    xapi.post(statement)
    keys = set(StatementAgent.objects.values_list("key", flat=True))
    assert "Agent|mbox|mailto:thay@example.com" in keys
    assert "Agent|mbox|mailto:lan@example.com" in keys
    iris = set(StatementActivity.objects.values_list("iri", flat=True))
    assert iris == {"http://example.com/course", "http://taynghe.example/activities/an-toan-dien"}


def _post_queries(xapi, statement) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert xapi.post(statement).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_post_issues_a_fixed_number_of_queries_whatever_the_store_size(xapi):
    # The first statement about an activity also inserts its canonical definition (and
    # reads it back: another writer may have created it at the same moment).
    # (On PostgreSQL the statement, agent and activity rows are one query: two fewer.)
    pairs = 0 if connection.vendor == "postgresql" else 2
    assert len(_post_queries(xapi, make_statement(id=str(uuid.uuid4())))) == 8 + pairs
    first = _post_queries(xapi, make_statement(id=str(uuid.uuid4())))
    xapi.post([make_statement() for _ in range(50)])
    later = _post_queries(xapi, make_statement(id=str(uuid.uuid4())))
    assert len(first) == len(later)
    # savepoint, the statement insert (which is the id check: ON CONFLICT on the primary
    # key), the agent and activity rows, the definition lookup, the institution's
    # forwarding destinations (none: no outbox insert), release; the key's credentials
    # were read by the first request and are cached briefly (test_write_path_cost.py)
    assert len(later) == 5 + pairs


def test_the_id_check_is_the_insert_on_the_primary_key(xapi, new_id):
    queries = _post_queries(xapi, make_statement(id=new_id))
    assert not [q for q in queries if q.startswith("SELECT") and "lrs_statement " in q]
    [insert] = [q for q in queries if "INSERT INTO lrs_statement " in q]
    assert "ON CONFLICT (id) DO NOTHING RETURNING id" in insert
    assert new_id.replace("-", "") in insert.replace("-", "")


def test_a_repeat_in_a_batch_of_new_statements_stores_the_new_ones_once(xapi, new_id):
    first = make_statement(id=new_id)
    assert xapi.post(first).status_code == 200
    agents = StatementAgent.objects.filter(statement_id=new_id).count()
    batch = [make_statement(id=str(uuid.uuid4())), first, make_statement(id=str(uuid.uuid4()))]
    ids = xapi.post(batch).json()
    assert ids[1] == new_id
    assert Statement.objects.count() == 3
    # The repeat wrote no second set of agent and activity rows.
    assert StatementAgent.objects.filter(statement_id=new_id).count() == agents


def test_a_conflict_in_a_batch_leaves_nothing_of_it(xapi, new_id):
    assert xapi.post(make_statement(id=new_id)).status_code == 200
    other = str(uuid.uuid4())
    changed = make_statement(id=new_id, result={"success": True})
    assert xapi.post([make_statement(id=other), changed]).status_code == 409
    assert not Statement.objects.filter(pk=other).exists()
    assert not StatementAgent.objects.filter(statement_id=other).exists()
    assert Statement.objects.count() == 1


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_statement_with_a_number_json_does_not_have_is_400_and_stores_nothing(xapi, constant):
    # Python's JSON reader takes these; the database's JSON column refused them with a 500.
    body = json.dumps(make_statement(result={"extensions": {"http://example.com/x": 0}}))
    body = body.replace('"http://example.com/x": 0', f'"http://example.com/x": {constant}')
    response = xapi.client.post(
        "/xapi/statements", data=body, content_type="application/json", **xapi.headers()
    )
    assert response.status_code == 400
    assert constant in response.json()["error"]
    assert not Statement.objects.exists()
