"""Launching an AU: the cmi5 launch parameters, the one-time fetch and LMS.LaunchData."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from courseware.cmi5 import iris
from courseware.models import Cmi5Session
from lrs import cmi5 as rules
from lrs.models import LRSClient, Statement

from .conftest import PLATFORM, aus


def test_launch_url_carries_the_cmi5_parameters(school, course, launch):
    _i, _t, learner, _o = school
    result = course()
    au = launch(result)
    assert set(au.params) >= {"endpoint", "fetch", "actor", "registration", "activityId"}
    assert au.params["endpoint"] == PLATFORM + "/xapi"
    assert au.actor == {
        "objectType": "Agent",
        "account": {"homePage": iris.actor_home_page(), "name": learner.learner_id},
    }
    attempt_id = Cmi5Session.objects.get().attempt_id
    assert au.registration == str(attempt_id)
    assert au.activity_id == iris.au_iri(aus(result.version)[0])
    # The AU's own query (paramA) survives, and the file is served from the package.
    assert "paramA=1" in au.url
    assert "/courseware/content/" in urlsplit(au.url).path


def test_same_registration_and_activity_id_on_every_launch(course, launch):
    result = course()
    first = launch(result)
    second = launch(result)
    assert first.registration == second.registration
    assert first.activity_id == second.activity_id
    assert first.params["fetch"] != second.params["fetch"]


def test_fetch_issues_the_token_once(course, launch):
    au = launch(course())
    response = au.fetch()
    assert response.status_code == 200
    token = response.json()["auth-token"]
    client = LRSClient.objects.get(registration=au.registration)
    assert client.expires_at is not None
    again = au.fetch()
    assert again.json()["error-code"] == "1"
    assert "auth-token" not in again.json()
    assert token  # the first answer stays the only one
    assert LRSClient.objects.filter(registration=au.registration).count() == 1


def test_fetch_refuses_get_and_unknown_keys(course, launch, client):
    au = launch(course())
    assert client.get(au.fetch_path).status_code == 405
    unknown = client.post("/courseware/cmi5/fetch/not-a-key").json()
    assert unknown["error-code"] == "2"
    preflight = client.options(au.fetch_path)
    assert preflight["Access-Control-Allow-Origin"] == "*"


def test_launch_data_is_in_the_state_api_before_launch(course, launch):
    result = course()
    au = launch(result).start()
    data = au.launch_data
    session = Cmi5Session.objects.get()
    assert data["contextTemplate"]["extensions"][rules.EXT_SESSION] == str(session.pk)
    assert data["contextTemplate"]["contextActivities"]["grouping"] == [
        {"id": "https://taynghe.example/au/t1"}
    ]
    assert data["launchMode"] == "Normal"
    assert data["moveOn"] == "CompletedAndPassed"
    assert data["masteryScore"] == 0.7
    assert data["launchParameters"] == '{"mode": "practice"}'
    assert data["returnURL"] == PLATFORM + "/lesson/"


def test_launched_statement_comes_first_with_the_cmi5_context(course, launch):
    au = launch(course())
    launched = Statement.objects.get(verb_id=rules.LAUNCHED)
    payload = launched.payload
    assert str(launched.registration) == au.registration
    assert payload["object"]["id"] == au.activity_id
    extensions = payload["context"]["extensions"]
    assert extensions[rules.EXT_LAUNCH_MODE] == "Normal"
    assert extensions[rules.EXT_MOVE_ON] == "CompletedAndPassed"
    assert extensions[rules.EXT_MASTERY] == 0.7
    assert extensions[rules.EXT_LAUNCH_PARAMETERS] == '{"mode": "practice"}'
    assert {"id": rules.CATEGORY_CMI5} in payload["context"]["contextActivities"]["category"]
    assert (
        json.loads(json.dumps(payload["actor"]))["account"]["name"] == au.actor["account"]["name"]
    )
