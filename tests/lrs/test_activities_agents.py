"""The Activities resource (canonical definitions) and the Agents resource (Person)."""

from __future__ import annotations

import json
import uuid

import pytest

from lrs import services
from lrs.models import Activity

from .conftest import make_credentials, make_statement

IRI = "http://taynghe.example/activities/an-toan-dien"


def get_activity(xapi, iri=IRI, **params):
    return xapi.client.get("/xapi/activities", {"activityId": iri, **params}, **xapi.headers())


def activity(**definition) -> dict:
    return {"objectType": "Activity", "id": IRI, "definition": definition}


def test_unknown_activity_answers_the_bare_activity(xapi):
    response = get_activity(xapi, "http://taynghe.example/never-seen")
    assert response.status_code == 200
    assert response.json() == {"objectType": "Activity", "id": "http://taynghe.example/never-seen"}


def test_two_statements_in_two_languages_merge_their_names(xapi):
    first = make_statement(object=activity(name={"en-US": "Electrical safety"}))
    second = make_statement(object=activity(name={"vi": "An toàn điện"}))
    assert xapi.post([first, second]).status_code == 200
    definition = get_activity(xapi).json()["definition"]
    assert definition["name"] == {"en-US": "Electrical safety", "vi": "An toàn điện"}


def test_the_owner_updates_and_another_authority_only_fills_gaps(institution, xapi):
    other = make_credentials(institution, name="Other tool")
    xapi.post(
        make_statement(object=activity(name={"en-US": "Safety"}, type="http://x.example/course"))
    )
    other.post(
        make_statement(
            object=activity(
                name={"en-US": "Hijacked", "vi": "An toàn"},
                type="http://x.example/other",
                moreInfo="http://x.example/info",
            )
        )
    )
    definition = get_activity(xapi).json()["definition"]
    assert definition["name"] == {"en-US": "Safety", "vi": "An toàn"}
    assert definition["type"] == "http://x.example/course"
    assert definition["moreInfo"] == "http://x.example/info"
    xapi.post(make_statement(object=activity(name={"en-US": "Electrical safety"})))
    assert get_activity(xapi).json()["definition"]["name"]["en-US"] == "Electrical safety"


def test_context_and_substatement_activities_are_defined_too(xapi):
    course = {"id": "http://taynghe.example/course", "definition": {"name": {"vi": "Khoá"}}}
    sub = {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:lan@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
        "object": {"id": "http://taynghe.example/sub", "definition": {"name": {"vi": "Con"}}},
    }
    xapi.post(make_statement(object=sub, context={"contextActivities": {"parent": course}}))
    assert get_activity(xapi, course["id"]).json()["definition"] == {"name": {"vi": "Khoá"}}
    sub_definition = get_activity(xapi, "http://taynghe.example/sub").json()["definition"]
    assert sub_definition == {"name": {"vi": "Con"}}


def test_definitions_stay_in_their_institution(tenant_a, tenant_b):
    lrs_a = make_credentials(tenant_a.institution)
    lrs_b = make_credentials(tenant_b.institution)
    lrs_b.post(make_statement(object=activity(name={"vi": "Của B"})))
    assert "definition" not in get_activity(lrs_a).json()
    lrs_a.post(make_statement(object=activity(name={"vi": "Của A"})))
    assert get_activity(lrs_b).json()["definition"]["name"] == {"vi": "Của B"}
    assert Activity.objects.count() == 2


def test_a_rejected_batch_leaves_no_definition(xapi):
    good = make_statement(object=activity(name={"vi": "Tốt"}))
    bad = make_statement(verb={"id": "not an iri"})
    assert xapi.post([good, bad]).status_code == 400
    assert not Activity.objects.exists()


@pytest.mark.parametrize("params", [{}, {"activityId": "not an iri"}])
def test_activities_needs_a_valid_activity_id(xapi, params):
    response = xapi.client.get("/xapi/activities", params, **xapi.headers())
    assert response.status_code == 400


def test_activities_answers_get_only_and_needs_a_read_scope(institution, xapi):
    response = xapi.client.post(
        f"/xapi/activities?activityId={IRI}", "{}", "application/json", **xapi.headers()
    )
    assert response.status_code == 405
    writer = make_credentials(institution, scopes=("statements/write",))
    assert get_activity(writer).status_code == 403


def test_merge_definition_rule():
    current = {"name": {"vi": "A"}, "type": "t1"}
    incoming = {"name": {"vi": "B", "en": "B"}, "type": "t2", "moreInfo": "m"}
    assert services.merge_definition(current, incoming, owner=True) == {
        "name": {"vi": "B", "en": "B"},
        "type": "t2",
        "moreInfo": "m",
    }
    assert services.merge_definition(current, incoming, owner=False) == {
        "name": {"vi": "A", "en": "B"},
        "type": "t1",
        "moreInfo": "m",
    }


# Agents -----------------------------------------------------------------------------------


def get_person(xapi, agent):
    params = {"agent": agent if isinstance(agent, str) else json.dumps(agent)}
    return xapi.client.get("/xapi/agents", params, **xapi.headers())


def test_person_gathers_the_names_of_the_identifier(xapi):
    xapi.post(make_statement(actor={"name": "Lan", "mbox": "mailto:lan@example.com"}))
    xapi.post(make_statement(actor={"name": "Nguyễn Thị Lan", "mbox": "mailto:lan@example.com"}))
    xapi.post(make_statement(actor={"name": "Minh", "mbox": "mailto:minh@example.com"}))
    person = get_person(xapi, {"mbox": "mailto:lan@example.com"}).json()
    assert person["objectType"] == "Person"
    assert sorted(person["name"]) == ["Lan", "Nguyễn Thị Lan"]
    assert person["mbox"] == ["mailto:lan@example.com"]


def test_person_of_an_unknown_account(xapi):
    account = {"homePage": "https://taynghe.example", "name": "TN00000000017"}
    person = get_person(xapi, {"account": account}).json()
    assert person == {"objectType": "Person", "account": [account]}


def test_person_does_not_leak_names_from_another_institution(tenant_a, tenant_b):
    lrs_a = make_credentials(tenant_a.institution)
    lrs_b = make_credentials(tenant_b.institution)
    lrs_b.post(make_statement(actor={"name": "Bí mật", "mbox": "mailto:lan@example.com"}))
    assert "name" not in get_person(lrs_a, {"mbox": "mailto:lan@example.com"}).json()


@pytest.mark.parametrize(
    "agent", ["{broken", {"name": "no identifier"}, {"mbox": "lan@example.com"}, []]
)
def test_agents_rejects_malformed_agents(xapi, agent):
    assert get_person(xapi, agent).status_code == 400


def test_agents_needs_the_agent_parameter(xapi):
    assert xapi.client.get("/xapi/agents", **xapi.headers()).status_code == 400
    assert (
        xapi.client.get(
            "/xapi/agents", {"agent": "{}", "x": str(uuid.uuid4())}, **xapi.headers()
        ).status_code
        == 400
    )
