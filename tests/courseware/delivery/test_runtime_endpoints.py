"""The runtime endpoints: the token is the only credential, CORS answers the content origin only,
commits are idempotent and never overwrite newer data, bad values get their SCORM error code."""

from __future__ import annotations

import io
import json
import time

import pytest
from django.core import signing

from courseware import api
from courseware.models import Activity, CmiRecord
from courseware.services import package_import
from courseware.views.tokens import SALT
from tests.courseware.packages import scorm12_single, zip_bytes

from .scos import scorm2004_two_scos

PLATFORM = "http://testserver"


@pytest.fixture
def scorm12(tenant_a):
    result = package_import(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        file=io.BytesIO(zip_bytes(scorm12_single())),
        title="An toàn điện",
    )
    return result.package, result.version


@pytest.fixture
def attempt(tenant_a, scorm12):
    package, version = scorm12
    return api.attempt_open(
        learner=tenant_a.learner,
        package=package,
        version=version,
        institution=tenant_a.institution,
        placement="lesson:1:block",
    )


def token_for(attempt, origin=PLATFORM, learner_id=None):
    return api.launch_token(
        learner_id=learner_id or attempt.learner_id,
        version_id=attempt.version_id,
        platform_origin=origin,
        attempt=attempt,
    )


def sco_of(attempt) -> Activity:
    return Activity.objects.get(version_id=attempt.version_id, is_launchable=True)


def sco_url(token, activity_id):
    return f"/courseware/rt/{token}/sco/{activity_id}"


def commit(client, token, activity_id, *, seq, commit_id, cmi, terminate=False, **extra):
    return client.post(
        sco_url(token, activity_id),
        data=json.dumps({"seq": seq, "commit_id": commit_id, "cmi": cmi, "terminate": terminate}),
        content_type="application/json",
        **extra,
    )


CMI = {"core": {"lesson_location": "p3", "lesson_status": "incomplete"}, "suspend_data": "x" * 5000}


def test_load_gives_the_stored_state(client, attempt):
    response = client.get(sco_url(token_for(attempt), sco_of(attempt).pk))
    assert response.status_code == 200
    body = response.json()
    assert body["standard"] == "scorm12"
    assert body["seq"] == 0
    assert body["entry"] == "ab-initio"
    assert response["Cache-Control"] == "no-store"


def test_a_commit_is_stored_and_a_replay_returns_the_first_result(attempt):
    from django.test import Client

    # The session cookie is never needed, and CSRF is not checked: the token authenticates.
    client = Client(enforce_csrf_checks=True)
    token, sco = token_for(attempt), sco_of(attempt)
    first = commit(client, token, sco.pk, seq=1, commit_id="c1", cmi={"cmi": CMI})
    assert first.status_code == 200, first.content
    assert first.json()["seq"] == 1
    replay = commit(client, token, sco.pk, seq=1, commit_id="c1", cmi={"cmi": CMI})
    assert replay.status_code == 200
    assert replay.json() == first.json()
    record = CmiRecord.objects.get(attempt=attempt, activity=sco)
    assert record.data["cmi.suspend_data"] == "x" * 5000
    assert record.data["cmi.core.lesson_location"] == "p3"


def test_a_late_commit_never_overwrites_newer_data(client, attempt):
    token, sco = token_for(attempt), sco_of(attempt)
    newer = {"core": {"lesson_location": "p9"}}
    assert commit(client, token, sco.pk, seq=5, commit_id="new", cmi=newer).status_code == 200
    late = commit(
        client, token, sco.pk, seq=4, commit_id="old", cmi={"core": {"lesson_location": "p1"}}
    )
    assert late.status_code == 409
    assert late.json()["seq"] == 5
    assert late.json()["stale"] is True
    record = CmiRecord.objects.get(attempt=attempt, activity=sco)
    assert record.data["cmi.core.lesson_location"] == "p9"


def test_a_bad_value_gets_its_scorm_error_code_and_nothing_is_stored(client, attempt):
    token, sco = token_for(attempt), sco_of(attempt)
    response = commit(
        client,
        token,
        sco.pk,
        seq=1,
        commit_id="bad",
        cmi={"core": {"lesson_location": "ok", "lesson_status": "excellent"}},
    )
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body["error"], int) and body["error"] >= 400
    assert body["element"] == "cmi.core.lesson_status"
    record = CmiRecord.objects.filter(attempt=attempt, activity=sco).first()
    assert record is None or "cmi.core.lesson_location" not in record.data


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"seq": "1", "commit_id": "a", "cmi": {}}),
        json.dumps({"seq": 0, "commit_id": "a", "cmi": {}}),
        json.dumps({"seq": True, "commit_id": "a", "cmi": {}}),
        json.dumps({"seq": 1, "commit_id": "", "cmi": {}}),
        json.dumps({"seq": 1, "commit_id": "a b<script>", "cmi": {}}),
        json.dumps({"seq": 1, "commit_id": "a", "cmi": "x"}),
        json.dumps({"seq": 1, "commit_id": "a", "cmi": {}, "terminate": "yes"}),
    ],
)
def test_malformed_commits_are_refused(client, attempt, payload):
    response = client.post(
        sco_url(token_for(attempt), sco_of(attempt).pk),
        data=payload,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not CmiRecord.objects.filter(attempt=attempt, seq__gt=0).exists()


def test_a_beacon_sent_as_text_plain_is_read_as_json(client, attempt):
    response = client.post(
        sco_url(token_for(attempt), sco_of(attempt).pk),
        data=json.dumps({"seq": 1, "commit_id": "beacon", "cmi": CMI, "terminate": False}),
        content_type="text/plain",
    )
    assert response.status_code == 200


def test_another_learners_token_is_refused(client, attempt, tenant_a, tenant_b):
    # Signed for another learner, naming this attempt: not theirs.
    forged = token_for(attempt, learner_id=tenant_b.learner.pk)
    assert client.get(sco_url(forged, sco_of(attempt).pk)).status_code == 403
    response = commit(client, forged, sco_of(attempt).pk, seq=1, commit_id="x", cmi=CMI)
    assert response.status_code == 403
    assert not CmiRecord.objects.filter(attempt=attempt, seq__gt=0).exists()


def test_tampered_and_expired_tokens_are_refused(client, attempt, monkeypatch):
    token = token_for(attempt)
    payload = signing.loads(token, salt=SALT)
    assert client.get(sco_url(token[:-2] + "xx", sco_of(attempt).pk)).status_code == 403
    forged = signing.dumps(payload, key="not-the-secret", salt=SALT)
    assert client.get(sco_url(forged, sco_of(attempt).pk)).status_code == 403
    later = time.time() + 12 * 3600 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(sco_url(token, sco_of(attempt).pk)).status_code == 403


def test_a_preview_token_stores_nothing(client, attempt, tenant_a):
    preview = api.launch_token(
        learner_id=tenant_a.teacher.pk, version_id=attempt.version_id, platform_origin=PLATFORM
    )
    response = commit(client, preview, sco_of(attempt).pk, seq=1, commit_id="p", cmi=CMI)
    assert response.status_code == 403


def test_an_activity_of_another_version_is_not_found(client, attempt, tenant_b):
    other = package_import(
        actor=tenant_b.teacher,
        institution=tenant_b.institution,
        file=io.BytesIO(zip_bytes(scorm12_single())),
    )
    foreign = Activity.objects.get(version=other.version, is_launchable=True)
    assert client.get(sco_url(token_for(attempt), foreign.pk)).status_code == 404


def test_cors_answers_the_content_origin_only(client, attempt):
    # Made from 127.0.0.1:8000, content runs on localhost:8000.
    token = token_for(attempt, origin="http://127.0.0.1:8000")
    url = sco_url(token, sco_of(attempt).pk)
    preflight = client.options(
        url,
        HTTP_ORIGIN="http://localhost:8000",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "http://localhost:8000"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight
    loaded = client.get(url, HTTP_ORIGIN="http://localhost:8000")
    assert loaded["Access-Control-Allow-Origin"] == "http://localhost:8000"
    hostile = client.get(url, HTTP_ORIGIN="https://evil.example")
    assert hostile.status_code == 403
    assert "Access-Control-Allow-Origin" not in hostile
    same_origin = client.get(url, HTTP_ORIGIN="http://127.0.0.1:8000")
    assert same_origin.status_code == 200
    assert "Access-Control-Allow-Origin" not in same_origin


def test_the_opaque_fallback_accepts_the_null_origin(client, attempt):
    url = sco_url(token_for(attempt, origin="https://taynghe.example.vn"), sco_of(attempt).pk)
    response = client.get(url, HTTP_ORIGIN="null")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "null"


def test_a_configured_content_origin_is_the_only_cors_origin(client, attempt, settings):
    settings.TAYNGHE_CONTENT_ORIGIN = "https://content.example.org"
    url = sco_url(token_for(attempt, origin="https://taynghe.example.vn"), sco_of(attempt).pk)
    ok = client.get(url, HTTP_ORIGIN="https://content.example.org")
    assert ok["Access-Control-Allow-Origin"] == "https://content.example.org"
    assert client.get(url, HTTP_ORIGIN="null").status_code == 403


@pytest.fixture
def sequenced(tenant_a):
    result = package_import(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        file=io.BytesIO(zip_bytes(scorm2004_two_scos())),
    )
    attempt = api.attempt_open(
        learner=tenant_a.learner,
        package=result.package,
        version=result.version,
        institution=tenant_a.institution,
        placement="lesson:2:block",
    )
    return attempt


def test_navigation_gives_the_table_of_contents_and_delivers_on_start(client, sequenced):
    url = f"/courseware/rt/{token_for(sequenced)}/nav"
    toc = client.get(url).json()
    assert [node["title"] for node in toc["toc"] if node["launchable"]] == [
        "Bài 1: Chuẩn bị",
        "Bài 2: Mối hàn",
    ]
    started = client.post(url, data={"request": "start"}, content_type="application/json")
    assert started.status_code == 200
    body = started.json()
    first = Activity.objects.get(version_id=sequenced.version_id, identifier="SCO1")
    assert body["deliver_id"] == first.pk, body
    assert "toc" in body["navigation"]


@pytest.mark.parametrize(
    "payload",
    [{"request": "fly"}, {"request": "choice"}, {"request": "choice", "target": "1"}, {}],
)
def test_malformed_navigation_requests_are_refused(client, sequenced, payload):
    url = f"/courseware/rt/{token_for(sequenced)}/nav"
    assert client.post(url, data=payload, content_type="application/json").status_code == 400


def test_choice_of_another_versions_activity_is_not_found(client, sequenced, attempt):
    url = f"/courseware/rt/{token_for(sequenced)}/nav"
    foreign = sco_of(attempt).pk
    response = client.post(
        url, data={"request": "choice", "target": foreign}, content_type="application/json"
    )
    assert response.status_code == 404


def test_web_content_has_no_scorm_runtime_and_says_so(client, tenant_a):
    from tests.courseware.packages import web_content

    result = package_import(
        actor=tenant_a.teacher,
        institution=tenant_a.institution,
        file=io.BytesIO(zip_bytes(web_content())),
        title="Trang web",
    )
    web_attempt = api.attempt_open(
        learner=tenant_a.learner,
        package=result.package,
        version=result.version,
        institution=tenant_a.institution,
        placement="lesson:1:web",
    )
    response = client.get(sco_url(token_for(web_attempt), sco_of(web_attempt).pk))
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported"
