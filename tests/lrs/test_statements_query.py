"""GET /statements: single statements, each query filter, formats and `more` paging."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import make_statement

LAN = {"objectType": "Agent", "mbox": "mailto:lan@example.com"}
HOA = {"objectType": "Agent", "account": {"homePage": "https://taynghe.vn", "name": "TN1"}}
COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed"}
ATTEMPTED = {"id": "http://adlnet.gov/expapi/verbs/attempted"}
COURSE = "http://taynghe.example/courses/dien"
LESSON = "http://taynghe.example/lessons/1"


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [statement["id"] for statement in response.json()["statements"]]


@pytest.fixture
def stored(xapi) -> dict[str, str]:
    """Named statements stored one after the other (so `stored` orders them)."""
    registration = "5b1e3b2e-7c6f-4a0e-9d6e-2a7c1f0e9b11"
    statements = {
        "lan_completed_lesson": make_statement(
            actor=LAN,
            verb=COMPLETED,
            object={"id": LESSON},
            context={
                "registration": registration,
                "contextActivities": {"parent": [{"id": COURSE}]},
            },
        ),
        "hoa_attempted_lesson": make_statement(
            actor=HOA,
            verb=ATTEMPTED,
            object={"id": LESSON},
            context={"instructor": LAN},
        ),
        "lan_attempted_course": make_statement(actor=LAN, verb=ATTEMPTED, object={"id": COURSE}),
        "hoa_about_lan": make_statement(actor=HOA, verb=ATTEMPTED, object=LAN),
    }
    ids = {}
    for name, statement in statements.items():
        [ids[name]] = xapi.post(statement).json()
        time.sleep(0.002)
    return ids


def test_get_by_statement_id(xapi, stored):
    response = xapi.get({"statementId": stored["lan_completed_lesson"]})
    assert response.status_code == 200
    assert response.json()["object"]["id"] == LESSON
    assert response["Last-Modified"].endswith(" GMT")


def test_get_unknown_statement_is_404(xapi, db):
    assert xapi.get({"statementId": str(uuid.uuid4())}).status_code == 404


def test_statement_id_with_another_filter_is_400(xapi, stored):
    params = {"statementId": stored["lan_completed_lesson"], "verb": COMPLETED["id"]}
    assert xapi.get(params).status_code == 400


def test_statement_id_and_voided_statement_id_together_is_400(xapi, new_id):
    assert xapi.get({"statementId": new_id, "voidedStatementId": new_id}).status_code == 400


def test_unknown_parameter_is_400(xapi, db):
    response = xapi.get({"actor": "x"})
    assert response.status_code == 400
    assert "actor" in response.json()["error"]


def test_all_newest_first_by_default(xapi, stored):
    assert _ids(xapi.get()) == list(reversed(stored.values()))


def test_ascending(xapi, stored):
    assert _ids(xapi.get({"ascending": "true"})) == list(stored.values())


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"agent": json.dumps(LAN)},
            ["lan_completed_lesson", "lan_attempted_course", "hoa_about_lan"],
        ),
        ({"agent": json.dumps(HOA)}, ["hoa_attempted_lesson", "hoa_about_lan"]),
        (
            {"agent": json.dumps(LAN), "related_agents": "true"},
            [
                "lan_completed_lesson",
                "hoa_attempted_lesson",
                "lan_attempted_course",
                "hoa_about_lan",
            ],
        ),
        ({"verb": COMPLETED["id"]}, ["lan_completed_lesson"]),
        ({"activity": LESSON}, ["lan_completed_lesson", "hoa_attempted_lesson"]),
        ({"activity": COURSE}, ["lan_attempted_course"]),
        (
            {"activity": COURSE, "related_activities": "true"},
            ["lan_completed_lesson", "lan_attempted_course"],
        ),
        ({"registration": "5b1e3b2e-7c6f-4a0e-9d6e-2a7c1f0e9b11"}, ["lan_completed_lesson"]),
        (
            {"agent": json.dumps(LAN), "verb": ATTEMPTED["id"]},
            ["lan_attempted_course", "hoa_about_lan"],
        ),
        (
            {"agent": json.dumps(LAN), "verb": ATTEMPTED["id"], "activity": COURSE},
            ["lan_attempted_course"],
        ),
    ],
    ids=[
        "agent as actor or object",
        "agent by account",
        "related agents include instructor",
        "verb",
        "activity as object",
        "activity not as parent",
        "related activities include parent",
        "registration",
        "agent and verb",
        "agent verb activity",
    ],
)
def test_filters(xapi, stored, params, expected):
    wanted = [stored[name] for name in expected]
    assert sorted(_ids(xapi.get(params))) == sorted(wanted)


def test_agent_filter_matches_mbox_case_insensitively(xapi, stored):
    agent = {"mbox": "mailto:LAN@example.com"}
    assert stored["lan_completed_lesson"] in _ids(xapi.get({"agent": json.dumps(agent)}))


def test_since_is_exclusive_and_until_inclusive(xapi, stored):
    middle = xapi.get({"statementId": stored["hoa_attempted_lesson"]}).json()["stored"]
    assert _ids(xapi.get({"since": middle, "ascending": "true"})) == [
        stored["lan_attempted_course"],
        stored["hoa_about_lan"],
    ]
    assert _ids(xapi.get({"until": middle, "ascending": "true"})) == [
        stored["lan_completed_lesson"],
        stored["hoa_attempted_lesson"],
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"agent": "{not json"},
        {"agent": json.dumps({"name": "no identifier"})},
        {"agent": json.dumps({"objectType": "Group", "member": [LAN]})},
        {"verb": "completed"},
        {"activity": "lesson 1"},
        {"registration": "abc"},
        {"since": "yesterday"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"ascending": "yes"},
        {"related_agents": "1"},
        {"format": "full"},
        {"cursor": "tampered"},
    ],
)
def test_malformed_query_parameters_are_400(xapi, db, params):
    response = xapi.get(params)
    assert response.status_code == 400
    assert response.json()["error"]


def test_format_ids_keeps_only_identifiers(xapi, stored):
    statement = xapi.get({"statementId": stored["lan_completed_lesson"], "format": "ids"}).json()
    assert statement["actor"] == LAN
    assert statement["verb"] == COMPLETED
    assert statement["object"] == {"id": LESSON}


def test_format_canonical_keeps_one_language(xapi, db):
    [statement_id] = xapi.post(make_statement()).json()
    statement = xapi.get(
        {"statementId": statement_id, "format": "canonical"}, HTTP_ACCEPT_LANGUAGE="vi, en;q=0.5"
    ).json()
    assert statement["verb"]["display"] == {"vi": "đã hoàn thành"}
    assert statement["object"]["definition"]["name"] == {"vi": "An toàn điện"}


def test_format_exact_returns_what_was_stored(xapi, db):
    [statement_id] = xapi.post(make_statement()).json()
    statement = xapi.get({"statementId": statement_id, "format": "exact"}).json()
    assert statement["verb"]["display"] == make_statement()["verb"]["display"]


def test_consistent_through_header_on_every_query(xapi, stored):
    response = xapi.get()
    assert response["X-Experience-API-Consistent-Through"].endswith("Z")


def _follow(xapi, response):
    more = response.json()["more"]
    assert more.startswith("/xapi/statements?")
    return xapi.client.get(more, **xapi.headers())


def test_more_pages_through_everything_once(xapi, db):
    posted = xapi.post([make_statement() for _ in range(7)]).json()
    seen, response = [], xapi.get({"limit": "3"})
    while True:
        seen += _ids(response)
        if not response.json()["more"]:
            break
        response = _follow(xapi, response)
    assert sorted(seen) == sorted(posted)
    assert len(seen) == 7


def test_more_is_stable_while_new_statements_arrive(xapi, db):
    for _ in range(4):
        xapi.post(make_statement())
        time.sleep(0.002)
    first = xapi.get({"limit": "2", "ascending": "true"})
    time.sleep(0.002)
    xapi.post([make_statement() for _ in range(3)])
    second = _follow(xapi, first)
    assert len(_ids(first)) == 2
    assert len(_ids(second)) == 2
    assert second.json()["more"] == ""
    assert not set(_ids(first)) & set(_ids(second))


def test_more_keeps_the_filters_of_the_first_page(xapi, stored):
    first = xapi.get({"agent": json.dumps(LAN), "limit": "1"})
    seen = _ids(first)
    response = first
    while response.json()["more"]:
        response = _follow(xapi, response)
        seen += _ids(response)
    assert sorted(seen) == sorted(
        [stored["lan_completed_lesson"], stored["lan_attempted_course"], stored["hoa_about_lan"]]
    )


def test_head_answers_headers_without_a_body(xapi, stored):
    response = xapi.client.head("/xapi/statements", **xapi.headers())
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Experience-API-Consistent-Through"]


def test_attachments_true_answers_multipart_with_the_statements_part(xapi, stored):
    response = xapi.get({"attachments": "true", "limit": "1"})
    assert response.status_code == 200
    content_type = response["Content-Type"]
    assert content_type.startswith("multipart/mixed; boundary=")
    boundary = content_type.split("boundary=")[1]
    part = response.content.decode().split(f"--{boundary}")[1]
    headers, body = part.split("\r\n\r\n", 1)
    assert "application/json" in headers
    assert len(json.loads(body)["statements"]) == 1


def test_a_query_page_issues_two_queries_whatever_it_returns(xapi, db):
    xapi.post([make_statement() for _ in range(30)])
    agent = json.dumps(LAN)
    for limit in ("1", "30"):
        with CaptureQueriesContext(connection) as captured:
            response = xapi.get({"agent": agent, "limit": limit})
        assert response.status_code == 200
        # One page (the key's credentials were read by the POST and are cached briefly).
        assert len(captured.captured_queries) == 1


def test_limit_zero_means_the_server_maximum(xapi, db):
    xapi.post([make_statement() for _ in range(3)])
    assert len(_ids(xapi.get({"limit": "0"}))) == 3


def test_format_ids_reduces_group_members_to_identifiers(xapi, db):
    team = {
        "objectType": "Group",
        "name": "K1",
        "member": [{"name": "Lan", "mbox": "mailto:lan@example.com"}],
    }
    [statement_id] = xapi.post(make_statement(actor=team)).json()
    actor = xapi.get({"statementId": statement_id, "format": "ids"}).json()["actor"]
    assert actor == {
        "objectType": "Group",
        "member": [{"objectType": "Agent", "mbox": "mailto:lan@example.com"}],
    }


def test_format_canonical_picks_one_language_in_interaction_components(xapi, db):
    question = {
        "id": "http://taynghe.example/q/1",
        "definition": {
            "interactionType": "choice",
            "choices": [{"id": "a", "description": {"en-US": "Yes", "vi": "Có"}}],
        },
    }
    [statement_id] = xapi.post(make_statement(object=question)).json()
    statement = xapi.get(
        {"statementId": statement_id, "format": "canonical"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert statement["object"]["definition"]["choices"][0]["description"] == {"en-US": "Yes"}


def test_statement_ref_rule_returns_referencing_statements_of_a_matching_target(xapi):
    """1.0.3 §7.2.3: a StatementRef to a matching statement matches, even if it is voided."""
    target_verb = "http://adlnet.gov/expapi/verbs/attempted"
    target_id, ref_id, voiding_id, other_id = (str(uuid.uuid4()) for _ in range(4))
    xapi.post(make_statement(id=target_id, verb={"id": target_verb}))
    ref = {"objectType": "StatementRef", "id": target_id}
    time.sleep(0.002)  # distinct `stored` instants, so the order is known
    xapi.post(make_statement(id=ref_id, verb={"id": "http://example.com/verbs/liked"}, object=ref))
    xapi.post(make_statement(id=other_id, verb={"id": "http://example.com/verbs/liked"}))
    time.sleep(0.002)
    xapi.post(
        make_statement(
            id=voiding_id, verb={"id": "http://adlnet.gov/expapi/verbs/voided"}, object=ref
        )
    )
    found = [s["id"] for s in xapi.get({"verb": target_verb}).json()["statements"]]
    assert found == [voiding_id, ref_id]
    # since/until and paging apply to the referencing statements themselves.
    page = xapi.get({"verb": target_verb, "limit": "1"}).json()
    assert [s["id"] for s in page["statements"]] == [voiding_id]
    assert (
        xapi.get({"verb": target_verb, "since": "2999-01-01T00:00:00Z"}).json()["statements"] == []
    )
