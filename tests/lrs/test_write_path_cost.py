"""What one xAPI request costs, counted in what does not depend on the machine: SQL
queries. A single statement and a batch of 100 make the same few queries; the credentials
of a key seen in the last seconds are not read again, and a revocation still holds."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lrs import models, services
from lrs.models import LRSClient

from .conftest import make_statement

LAN = '{"mbox": "mailto:lan@example.com"}'


def _queries(call) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [q["sql"] for q in captured.captured_queries]


def _real(queries: list[str]) -> list[str]:
    """The queries that do work: not the test transaction's savepoints."""
    return [q for q in queries if "SAVEPOINT" not in q]


def _reads_credentials(queries: list[str]) -> bool:
    return any('FROM "lrs_lrsclient"' in q for q in queries)


def test_a_single_statement_a_batch_and_a_page_make_few_queries(xapi):
    xapi.post(make_statement(id=str(uuid.uuid4())))  # the key and the activity are known
    response, single = _queries(lambda: xapi.post(make_statement(id=str(uuid.uuid4()))))
    assert response.status_code == 200
    batch = [make_statement(id=str(uuid.uuid4())) for _ in range(100)]
    response, hundred = _queries(lambda: xapi.post(batch))
    assert response.status_code == 200 and len(response.json()) == 100
    response, page = _queries(lambda: xapi.get({"agent": LAN, "limit": 100}))
    assert response.status_code == 200 and len(response.json()["statements"]) == 100
    # The statement insert (which is the id check too), the agent and activity rows, the
    # activity read, the forwarding destinations.
    assert len(_real(single)) <= 5, single
    if connection.vendor == "postgresql":
        # SQLite splits a bulk insert of 100 rows by its variable limit; PostgreSQL does not.
        assert len(_real(hundred)) == len(_real(single)), hundred
    assert len(_real(page)) == 1, page
    assert not any(_reads_credentials(q) for q in (single, hundred, page))


def test_the_first_request_of_a_key_reads_it(xapi):
    models._client_cache.pop(xapi.lrs_client.key, None)
    response, queries = _queries(lambda: xapi.get({"limit": 1}))
    assert response.status_code == 200
    assert _reads_credentials(queries)


def test_a_revocation_in_this_process_holds_at_once(xapi):
    assert xapi.get({"limit": 1}).status_code == 200  # cached now
    services.lrs_client_deactivate(actor=None, client=xapi.lrs_client)
    response = xapi.post(make_statement())
    assert response.status_code == 401


def test_a_deleted_key_is_refused_at_once(xapi):
    assert xapi.get({"limit": 1}).status_code == 200
    LRSClient.objects.filter(pk=xapi.lrs_client.pk).delete()
    assert xapi.get({"limit": 1}).status_code == 401


def test_a_wrong_secret_is_refused_for_a_cached_key(xapi):
    assert xapi.get({"limit": 1}).status_code == 200
    xapi.secret = "not-the-secret"
    assert xapi.get({"limit": 1}).status_code == 401


def test_another_process_revocation_holds_after_the_window(xapi, monkeypatch):
    """A revocation written by another app server (here: an UPDATE that sends no signal)
    is seen once the cached entry is older than CLIENT_CACHE_SECONDS."""
    assert xapi.get({"limit": 1}).status_code == 200
    LRSClient.objects.filter(pk=xapi.lrs_client.pk).update(active=False)
    assert xapi.get({"limit": 1}).status_code == 200  # inside the documented window
    deadline, client = models._client_cache[xapi.lrs_client.key]
    models._client_cache[xapi.lrs_client.key] = (deadline - models.CLIENT_CACHE_SECONDS, client)
    assert xapi.get({"limit": 1}).status_code == 401


def test_another_institutions_key_stays_its_own(xapi, institution):
    """The cache is by key: a second institution's credentials read their own store."""
    from institutions import services as institution_services

    from .conftest import make_credentials

    other = institution_services.institution_create(
        actor=None, code="LRS2", name="Trường khác", kind="college", province="Huế"
    )
    theirs = make_credentials(other)
    xapi.post(make_statement(id=str(uuid.uuid4())))
    assert theirs.get({"limit": 10}).json()["statements"] == []
    assert len(xapi.get({"limit": 10}).json()["statements"]) == 1


@pytest.fixture(autouse=True)
def _fresh_cache():
    models._client_cache.clear()
    yield
    models._client_cache.clear()


def test_launch_credentials_ended_by_their_session_are_refused_at_once(institution):
    """cmi5 ends a session's credentials with a bulk UPDATE (no signal): they are never
    cached, so the next request after the session's end is refused."""
    from django.test import Client

    from lrs import api, cmi5

    from .conftest import XAPI

    registration = uuid.uuid4()
    activity = "https://taynghe.example/au/1"
    learner = {"objectType": "Agent", "account": {"homePage": "https://t.example", "name": "7"}}
    issued = api.launch_credentials(
        institution=institution,
        actor=learner,
        registration=registration,
        activity_id=activity,
        ttl=600,
    )
    launch = XAPI(Client(), LRSClient.objects.get(key=issued.key), issued.secret)
    params = {"registration": str(registration), "limit": 1}
    assert launch.get(params).status_code == 200
    client = launch.lrs_client
    ended = cmi5.session_credentials_end(
        registration=registration, activity_id=activity, agent_key=client.agent_key
    )
    assert ended == 1
    assert launch.get(params).status_code == 401
