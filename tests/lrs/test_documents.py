"""State, Activity Profile and Agent Profile: storage, ETags, concurrency, merge, isolation."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from urllib.parse import urlencode

import pytest

from lrs.models import Document

from .conftest import make_credentials

AGENT = {"objectType": "Agent", "mbox": "mailto:lan@example.com"}
ACTIVITY = "http://taynghe.example/activities/an-toan-dien"


def state_params(**extra) -> dict:
    params = {"activityId": ACTIVITY, "agent": json.dumps(AGENT), "stateId": "bookmark"}
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def send(xapi, method, path, params, body=b"", content_type="application/json", **headers):
    """One request to a document resource; `body` may be bytes, str or a JSON value."""
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
    handler = getattr(xapi.client, method.lower())
    url = f"/xapi/{path}?{urlencode(params)}"
    extra = xapi.headers(**{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    if method in ("GET", "HEAD"):
        return handler(url, **extra)
    return handler(url, data=body, content_type=content_type, **extra)


def etag_of(content: bytes) -> str:
    return f'"{hashlib.sha1(content).hexdigest()}"'  # noqa: S324 - the ETag the spec names


# State ------------------------------------------------------------------------------------


def test_state_put_get_keeps_bytes_content_type_etag_and_last_modified(xapi):
    content = bytes(range(256))  # a binary document, every byte value
    response = send(xapi, "PUT", "activities/state", state_params(), content, "image/x-raw")
    assert response.status_code == 204
    response = send(xapi, "GET", "activities/state", state_params())
    assert response.status_code == 200
    assert response.content == content
    assert response["Content-Type"] == "image/x-raw"
    assert response["ETag"] == etag_of(content)
    assert response["Last-Modified"].endswith("GMT")
    head = send(xapi, "HEAD", "activities/state", state_params())
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == etag_of(content)


def test_state_missing_is_404(xapi):
    assert send(xapi, "GET", "activities/state", state_params()).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        state_params(activityId=None),
        state_params(agent=None),
        state_params(activityId="not an iri"),
        state_params(agent="{not json"),
        state_params(agent=json.dumps({"name": "no identifier"})),
        state_params(agent=json.dumps({"mbox": "lan@example.com"})),
        state_params(registration="not-a-uuid"),
        state_params(profileId="x"),
        state_params(since="2026-01-01T00:00:00Z"),  # since only lists ids
    ],
)
def test_state_malformed_parameters_are_400(xapi, params):
    response = send(xapi, "PUT", "activities/state", params, {"a": 1})
    assert response.status_code == 400, response.content
    assert not Document.objects.exists()


@pytest.mark.parametrize("state_id", ["", "đ" * 251])
def test_state_ids_empty_or_too_long_are_400(xapi, state_id):
    response = send(xapi, "PUT", "activities/state", state_params(stateId=state_id), {"a": 1})
    assert response.status_code == 400
    assert send(xapi, "GET", "activities/state", state_params(stateId=state_id)).status_code == 400


def test_longest_state_id_in_vietnamese_is_stored(xapi):
    params = state_params(stateId="đ" * 250)
    assert send(xapi, "PUT", "activities/state", params, {"a": 1}).status_code == 204
    assert send(xapi, "GET", "activities/state", params).json() == {"a": 1}


def test_overlong_content_type_is_400(xapi):
    response = send(xapi, "PUT", "activities/state", state_params(), b"x", "text/" + "x" * 300)
    assert response.status_code == 400


def test_state_put_without_state_id_is_400(xapi):
    response = send(xapi, "PUT", "activities/state", state_params(stateId=None), {"a": 1})
    assert response.status_code == 400


def test_state_registration_separates_documents(xapi):
    registration = str(uuid.uuid4())
    send(xapi, "PUT", "activities/state", state_params(), {"where": "none"})
    send(xapi, "PUT", "activities/state", state_params(registration=registration), {"where": "r"})
    without = send(xapi, "GET", "activities/state", state_params()).json()
    within = send(
        xapi, "GET", "activities/state", state_params(registration=registration.upper())
    ).json()
    assert without == {"where": "none"} and within == {"where": "r"}


def test_state_post_merges_json_objects_one_level(xapi):
    send(xapi, "PUT", "activities/state", state_params(), {"a": 1, "nested": {"x": 1, "y": 2}})
    headers = {"If-Match": send(xapi, "GET", "activities/state", state_params())["ETag"]}
    response = send(
        xapi, "POST", "activities/state", state_params(), {"b": 2, "nested": {"x": 9}}, **headers
    )
    assert response.status_code == 204
    merged = send(xapi, "GET", "activities/state", state_params())
    assert merged.json() == {"a": 1, "b": 2, "nested": {"x": 9}}
    assert merged["ETag"] == etag_of(merged.content)


def test_state_post_creates_when_absent(xapi):
    assert send(xapi, "POST", "activities/state", state_params(), {"a": 1}).status_code == 204
    assert send(xapi, "GET", "activities/state", state_params()).json() == {"a": 1}


@pytest.mark.parametrize(
    ("stored", "stored_type", "posted", "posted_type"),
    [
        (b'{"a": 1}', "application/json", b"[1, 2]", "application/json"),
        (b'{"a": 1}', "application/json", b"plain", "text/plain"),
        (b'{"a": 1}', "application/json", b"{broken", "application/json"),
        (b"plain", "text/plain", b'{"b": 2}', "application/json"),
        (b'"a string"', "application/json", b'{"b": 2}', "application/json"),
        # Python's JSON reader takes NaN and Infinity; JSON does not.
        (b'{"a": 1}', "application/json", b'{"b": NaN}', "application/json"),
        (b'{"a": 1}', "application/json", b'{"b": -Infinity}', "application/json"),
    ],
)
def test_state_post_merge_of_anything_but_json_objects_is_400(
    xapi, stored, stored_type, posted, posted_type
):
    send(xapi, "PUT", "activities/state", state_params(), stored, stored_type)
    response = send(xapi, "POST", "activities/state", state_params(), posted, posted_type)
    assert response.status_code == 400
    assert send(xapi, "GET", "activities/state", state_params()).content == stored


def test_state_ids_listing_and_since(xapi):
    send(xapi, "PUT", "activities/state", state_params(stateId="a"), {"n": 1})
    time.sleep(0.01)
    middle = send(xapi, "GET", "activities/state", state_params(stateId="a"))["Last-Modified"]
    assert middle
    before_b = Document.objects.get(document_id="a").updated
    time.sleep(0.01)
    send(xapi, "PUT", "activities/state", state_params(stateId="b"), {"n": 2})
    listing = send(xapi, "GET", "activities/state", state_params(stateId=None))
    assert listing.status_code == 200 and listing.json() == ["a", "b"]
    since = before_b.isoformat().replace("+00:00", "Z")
    recent = send(xapi, "GET", "activities/state", state_params(stateId=None, since=since))
    assert recent.json() == ["b"]
    bad = send(xapi, "GET", "activities/state", state_params(stateId=None, since="yesterday"))
    assert bad.status_code == 400


def test_state_delete_one_and_delete_all(xapi):
    other_agent = json.dumps({"mbox": "mailto:minh@example.com"})
    for state_id in ("a", "b"):
        send(xapi, "PUT", "activities/state", state_params(stateId=state_id), {"n": 1})
    send(xapi, "PUT", "activities/state", state_params(agent=other_agent), {"n": 1})
    assert send(xapi, "DELETE", "activities/state", state_params(stateId="a")).status_code == 204
    assert send(xapi, "GET", "activities/state", state_params(stateId="a")).status_code == 404
    response = send(xapi, "DELETE", "activities/state", state_params(stateId=None))
    assert response.status_code == 204
    assert send(xapi, "GET", "activities/state", state_params(stateId=None)).json() == []
    # Another agent's state at the same activity is untouched.
    assert send(xapi, "GET", "activities/state", state_params(agent=other_agent)).status_code == 200


# Concurrency ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("activities/state", state_params()),
        ("activities/profile", {"activityId": ACTIVITY, "profileId": "p"}),
        ("agents/profile", {"agent": json.dumps(AGENT), "profileId": "p"}),
    ],
)
def test_concurrency_rules(xapi, path, params):
    xapi.version = "2.0.0"
    # If-Match on an absent document fails; If-None-Match: * creates.
    assert send(xapi, "PUT", path, params, {"v": 0}, **{"If-Match": '"abc"'}).status_code == 412
    assert send(xapi, "PUT", path, params, {"v": 1}, **{"If-None-Match": "*"}).status_code == 204
    current = send(xapi, "GET", path, params)["ETag"]
    # Existing document: no header 409, If-None-Match: * 412, wrong If-Match 412.
    response = send(xapi, "PUT", path, params, {"v": 2})
    assert response.status_code == 409 and "If-Match" in response.json()["error"]
    assert send(xapi, "PUT", path, params, {"v": 2}, **{"If-None-Match": "*"}).status_code == 412
    assert send(xapi, "PUT", path, params, {"v": 2}, **{"If-Match": '"0000"'}).status_code == 412
    assert send(xapi, "POST", path, params, {"v": 2}, **{"If-Match": '"0000"'}).status_code == 412
    assert send(xapi, "DELETE", path, params, **{"If-Match": '"0000"'}).status_code == 412
    assert send(xapi, "GET", path, params).json() == {"v": 1}
    # The right ETag wins once; replaying it after the change fails.
    assert send(xapi, "PUT", path, params, {"v": 3}, **{"If-Match": current}).status_code == 204
    assert send(xapi, "PUT", path, params, {"v": 4}, **{"If-Match": current}).status_code == 412
    assert send(xapi, "GET", path, params).json() == {"v": 3}
    newest = send(xapi, "GET", path, params)["ETag"]
    assert send(xapi, "DELETE", path, params, **{"If-Match": newest}).status_code == 204
    assert send(xapi, "GET", path, params).status_code == 404


def test_state_under_xapi_1_0_3_is_replaced_without_preconditions(xapi):
    """1.0.3 asks ETags of profiles only (TinCanPython relies on it); 2.0 of State too."""
    send(xapi, "PUT", "activities/state", state_params(), {"v": 1})
    assert send(xapi, "PUT", "activities/state", state_params(), {"v": 2}).status_code == 204
    assert send(xapi, "GET", "activities/state", state_params()).json() == {"v": 2}
    # Preconditions given are still honoured.
    response = send(
        xapi, "PUT", "activities/state", state_params(), {"v": 3}, **{"If-Match": '"0"'}
    )
    assert response.status_code == 412
    profile = {"activityId": ACTIVITY, "profileId": "p"}
    send(xapi, "PUT", "activities/profile", profile, {"v": 1})
    assert send(xapi, "PUT", "activities/profile", profile, {"v": 2}).status_code == 409
    xapi.version = "2.0.0"
    assert send(xapi, "PUT", "activities/state", state_params(), {"v": 4}).status_code == 409


# Profiles ---------------------------------------------------------------------------------


def test_activity_profile_roundtrip_listing_and_delete_needs_id(xapi):
    params = {"activityId": ACTIVITY, "profileId": "p1"}
    assert send(xapi, "PUT", "activities/profile", params, "text", "text/plain").status_code == 204
    got = send(xapi, "GET", "activities/profile", params)
    assert got.content == b"text" and got["Content-Type"] == "text/plain"
    listing = send(xapi, "GET", "activities/profile", {"activityId": ACTIVITY})
    assert listing.json() == ["p1"]
    assert send(xapi, "DELETE", "activities/profile", {"activityId": ACTIVITY}).status_code == 400
    assert send(xapi, "GET", "activities/profile", {"profileId": "p1"}).status_code == 400


def test_agent_profile_identifies_the_agent_by_its_identifier(xapi):
    params = {"agent": json.dumps(AGENT), "profileId": "prefs"}
    send(xapi, "PUT", "agents/profile", params, {"lang": "vi"})
    # The same mbox in other case and with a name is the same agent.
    same = {"name": "Lan", "mbox": "mailto:LAN@example.com"}
    response = send(
        xapi, "GET", "agents/profile", {"agent": json.dumps(same), "profileId": "prefs"}
    )
    assert response.json() == {"lang": "vi"}
    other = {"agent": json.dumps({"mbox": "mailto:minh@example.com"}), "profileId": "prefs"}
    assert send(xapi, "GET", "agents/profile", other).status_code == 404
    assert send(xapi, "GET", "agents/profile", {"profileId": "prefs"}).status_code == 400


def test_the_same_ids_in_state_and_profiles_are_separate_documents(xapi):
    send(xapi, "PUT", "activities/state", state_params(stateId="x"), {"kind": "state"})
    params = {"activityId": ACTIVITY, "profileId": "x"}
    send(xapi, "PUT", "activities/profile", params, {"kind": "profile"})
    assert send(xapi, "GET", "activities/profile", params).json() == {"kind": "profile"}
    assert Document.objects.count() == 2


# Scopes, tenancy, protocol ------------------------------------------------------------------


def test_scopes(institution):
    statements_only = make_credentials(institution, scopes=("statements/write",))
    state_only = make_credentials(institution, scopes=("state",))
    profile_only = make_credentials(institution, scopes=("profile",))
    assert send(statements_only, "PUT", "activities/state", state_params(), {}).status_code == 403
    assert send(profile_only, "PUT", "activities/state", state_params(), {}).status_code == 403
    assert send(state_only, "PUT", "activities/state", state_params(), {}).status_code == 204
    profile = {"activityId": ACTIVITY, "profileId": "p"}
    assert send(state_only, "PUT", "activities/profile", profile, {}).status_code == 403
    assert send(profile_only, "PUT", "activities/profile", profile, {}).status_code == 204
    assert send(state_only, "GET", "activities/profile", profile).status_code == 403


def test_another_institution_neither_reads_nor_overwrites(tenant_a, tenant_b):
    lrs_a = make_credentials(tenant_a.institution)
    lrs_b = make_credentials(tenant_b.institution)
    send(lrs_b, "PUT", "activities/state", state_params(), {"owner": "b"})
    assert send(lrs_a, "GET", "activities/state", state_params()).status_code == 404
    assert send(lrs_a, "GET", "activities/state", state_params(stateId=None)).json() == []
    # A's write without headers creates A's own document rather than a 409 on B's.
    assert send(lrs_a, "PUT", "activities/state", state_params(), {"owner": "a"}).status_code == 204
    send(lrs_a, "DELETE", "activities/state", state_params(stateId=None))
    assert send(lrs_b, "GET", "activities/state", state_params()).json() == {"owner": "b"}


def test_wrong_credentials_and_missing_version(xapi):
    xapi.secret = "wrong"
    assert send(xapi, "GET", "activities/state", state_params()).status_code == 401
    xapi.version = ""
    response = xapi.client.get("/xapi/activities/state", state_params())
    assert response.status_code == 400


def test_alternate_request_syntax_puts_a_state(xapi):
    form = {
        **state_params(),
        "Authorization": xapi.headers()["HTTP_AUTHORIZATION"],
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "content": json.dumps({"via": "form"}),
    }
    response = xapi.client.post(
        "/xapi/activities/state?method=PUT",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 204, response.content
    assert send(xapi, "GET", "activities/state", state_params()).json() == {"via": "form"}
