"""Interoperability: Rustici's TinCanPython client (PyPI `tincan`) against the live server."""

from __future__ import annotations

import json
import uuid

import pytest
from tincan import (
    Activity,
    ActivityDefinition,
    Agent,
    Context,
    LanguageMap,
    RemoteLRS,
    Result,
    Score,
    Statement,
    Verb,
)
from tincan.documents import ActivityProfileDocument, AgentProfileDocument, StateDocument
from tincan.http_request import HTTPRequest

from .conftest import make_credentials

# Transactional (the live server's thread sees the data), with serialized rollback so that the
# flush after each test leaves the database as the browser tests' serialized state expects.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def remote(transactional_db, live_server, institution):
    credentials = make_credentials(institution)
    return RemoteLRS(
        endpoint=f"{live_server.url}/xapi/",
        username=credentials.lrs_client.key,
        password=credentials.secret,
    )


def _statement(**kwargs) -> Statement:
    return Statement(
        actor=Agent(name="Nguyễn Thị Lan", mbox="mailto:lan@example.com"),
        verb=Verb(
            id="http://adlnet.gov/expapi/verbs/completed",
            display=LanguageMap({"en-US": "completed", "vi": "đã hoàn thành"}),
        ),
        object=Activity(
            id="http://taynghe.example/activities/an-toan-dien",
            definition=ActivityDefinition(name=LanguageMap({"vi": "An toàn điện"})),
        ),
        **kwargs,
    )


def test_tincan_reads_about(remote):
    # TinCanPython 1.0.0 predates xAPI 2.0: its About class raises ValueError on the
    # "2.0.0" this LRS also lists, so the test reads the raw answer through its transport.
    with pytest.raises(ValueError, match=r"2\.0\.0"):
        remote.about()
    response = remote._send_request(HTTPRequest(method="GET", resource="about"))
    assert response.success
    assert "1.0.3" in json.loads(response.data)["version"]


def test_tincan_saves_and_retrieves_a_statement(remote):
    registration = str(uuid.uuid4())
    statement = _statement(
        result=Result(score=Score(scaled=0.9, raw=9, min=0, max=10), success=True),
        context=Context(registration=registration),
    )
    saved = remote.save_statement(statement)
    assert saved.success, saved.data
    fetched = remote.retrieve_statement(saved.content.id)
    assert fetched.success, fetched.data
    assert str(fetched.content.id) == str(saved.content.id)
    assert fetched.content.result.score.raw == 9
    assert str(fetched.content.context.registration) == registration
    assert fetched.content.authority is not None


def test_tincan_puts_with_an_id(remote):
    statement = _statement(id=str(uuid.uuid4()))
    assert remote.save_statement(statement).success
    assert remote.save_statement(statement).success  # same id, same content: no-op


def test_tincan_saves_a_batch_and_pages_through_a_query(remote):
    saved = remote.save_statements([_statement() for _ in range(5)])
    assert saved.success, saved.data
    ids = {str(s.id) for s in saved.content}
    result = remote.query_statements(
        {"agent": Agent(mbox="mailto:lan@example.com"), "limit": 2, "ascending": True}
    )
    assert result.success, result.data
    seen = [str(s.id) for s in result.content.statements]
    while result.content.more:
        result = remote.more_statements(result.content)
        assert result.success, result.data
        seen += [str(s.id) for s in result.content.statements]
    assert set(seen) == ids
    assert len(seen) == 5


def test_tincan_sees_a_validation_failure(remote):
    response = remote.save_statement({"actor": {"name": "no identifier"}, "verb": {"id": "x"}})
    assert not response.success
    assert response.response.status == 400


LAN = Agent(name="Nguyễn Thị Lan", mbox="mailto:lan@example.com")
LESSON = Activity(id="http://taynghe.example/activities/an-toan-dien")


def test_tincan_saves_retrieves_lists_and_deletes_state(remote):
    bookmark = bytearray(json.dumps({"trang": 3, "ghi chú": "Điện áp"}).encode())
    state = StateDocument(
        id="bookmark", activity=LESSON, agent=LAN, content=bookmark, content_type="application/json"
    )
    # TinCanPython 1.0.0 sends this PUT twice; xAPI 1.0.3 lets State be replaced.
    saved = remote.save_state(state)
    assert saved.success, saved.data
    fetched = remote.retrieve_state(LESSON, LAN, "bookmark")
    assert fetched.success, fetched.data
    assert json.loads(bytes(fetched.content.content)) == {"trang": 3, "ghi chú": "Điện áp"}
    ids = remote.retrieve_state_ids(LESSON, LAN)
    assert ids.success and ids.content == ["bookmark"]
    assert remote.delete_state(state).success
    missing = remote.retrieve_state(LESSON, LAN, "bookmark")
    assert missing.response.status == 404  # the client reads 404 as "no document"


def test_tincan_saves_and_retrieves_activity_and_agent_profiles(remote):
    # TinCanPython 1.0.0 sends documents as Latin-1 text: binary and UTF-8 documents are
    # tested without it, in test_documents.py.
    text = b"Thang do: Dat / Chua dat"
    profile = ActivityProfileDocument(
        id="tham-so", activity=LESSON, content=bytearray(text), content_type="text/plain"
    )
    assert remote.save_activity_profile(profile).success
    fetched = remote.retrieve_activity_profile(LESSON, "tham-so")
    assert fetched.success, fetched.data
    assert bytes(fetched.content.content) == text
    assert remote.retrieve_activity_profile_ids(LESSON).content == ["tham-so"]

    preferences = AgentProfileDocument(
        id="tuy-chon",
        agent=LAN,
        content=bytearray(b'{"ngon_ngu": "vi"}'),
        content_type="application/json",
    )
    assert remote.save_agent_profile(preferences).success
    fetched = remote.retrieve_agent_profile(LAN, "tuy-chon")
    assert fetched.success, fetched.data
    assert json.loads(bytes(fetched.content.content)) == {"ngon_ngu": "vi"}
    # A second unconditional save of an existing profile is a conflict (1.0.3, 3.1).
    again = remote.save_agent_profile(preferences)
    assert not again.success and again.response.status == 409
    assert remote.delete_agent_profile(preferences).success
    assert remote.retrieve_agent_profile_ids(LAN).content == []
