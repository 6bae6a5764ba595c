"""Protocol headers: the version header, About, CORS and the alternate request syntax."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest

from .conftest import make_statement


def test_about_lists_versions_without_credentials(client, db):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert "1.0.3" in response.json()["version"]
    assert "2.0.0" in response.json()["version"]
    assert response["X-Experience-API-Version"]


def test_missing_version_header_is_400(xapi):
    xapi.version = ""
    response = xapi.get()
    assert response.status_code == 400
    assert "X-Experience-API-Version" in response.json()["error"]


@pytest.mark.parametrize("version", ["0.95", "1.1.0", "3.0.0", "banana"])
def test_unsupported_version_is_400(xapi, version):
    xapi.version = version
    assert xapi.post(make_statement()).status_code == 400


@pytest.mark.parametrize(
    ("version", "answered"),
    [
        ("1.0.0", "1.0.3"),
        ("1.0.1", "1.0.3"),
        ("1.0.2", "1.0.3"),
        ("1.0.3", "1.0.3"),
        ("2.0.0", "2.0.0"),
    ],
)
def test_supported_versions_are_accepted_and_answered(xapi, version, answered):
    xapi.version = version
    response = xapi.post(make_statement())
    assert response.status_code == 200
    assert response["X-Experience-API-Version"] == answered


def test_errors_carry_the_version_header_too(xapi):
    response = xapi.post(make_statement(verb={"id": "x"}))
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_cors_preflight_is_answered_without_credentials(client, db):
    response = client.options("/xapi/statements", HTTP_ORIGIN="https://content.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    allowed = response["Access-Control-Allow-Headers"]
    assert "Authorization" in allowed
    assert "X-Experience-API-Version" in allowed


def test_cors_headers_on_ordinary_answers(xapi):
    response = xapi.get()
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "X-Experience-API-Consistent-Through" in response["Access-Control-Expose-Headers"]


def test_other_methods_are_405(xapi):
    response = xapi.client.delete("/xapi/statements", **xapi.headers())
    assert response.status_code == 405


def _alternate(xapi, method: str, fields: dict, query: str = ""):
    token = base64.b64encode(f"{xapi.lrs_client.key}:{xapi.secret}".encode()).decode()
    form = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3", **fields}
    return xapi.client.post(
        f"/xapi/statements?method={method}{query}",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )


def test_alternate_syntax_put(xapi, new_id):
    response = _alternate(
        xapi,
        "PUT",
        {
            "statementId": new_id,
            "Content-Type": "application/json",
            "content": json.dumps(make_statement()),
        },
    )
    assert response.status_code == 204
    assert xapi.get({"statementId": new_id}).status_code == 200


def test_alternate_syntax_get(xapi, new_id):
    xapi.put(new_id, make_statement())
    response = _alternate(xapi, "GET", {"statementId": new_id})
    assert response.status_code == 200
    assert response.json()["id"] == new_id


def test_alternate_syntax_refuses_other_query_parameters(xapi, new_id):
    response = _alternate(xapi, "GET", {}, query=f"&statementId={new_id}")
    assert response.status_code == 400


def test_consistent_through_on_single_statements_and_refusals(xapi, new_id):
    xapi.put(new_id, make_statement())
    assert xapi.get({"statementId": new_id})["X-Experience-API-Consistent-Through"]
    refused = xapi.get({"statementId": new_id, "verb": "http://x.example/v"})
    assert refused.status_code == 400
    assert refused["X-Experience-API-Consistent-Through"]
    assert "X-Experience-API-Consistent-Through" not in xapi.post(make_statement())


def test_alternate_request_syntax_is_refused_in_xapi_2(xapi):
    form = {
        "Authorization": xapi.headers()["HTTP_AUTHORIZATION"],
        "X-Experience-API-Version": "2.0.0",
        "content": json.dumps(make_statement()),
    }
    response = xapi.client.post(
        "/xapi/statements?method=POST",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "alternate" in response.json()["error"]
    form["X-Experience-API-Version"] = "1.0.3"
    response = xapi.client.post(
        "/xapi/statements?method=POST",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200


def test_consistent_through_on_a_refused_read_through_the_alternate_syntax(xapi, new_id):
    form = {
        "Authorization": xapi.headers()["HTTP_AUTHORIZATION"],
        "X-Experience-API-Version": "1.0.3",
        "statementId": new_id,
        "verb": "http://x.example/v",
    }
    response = xapi.client.post(
        "/xapi/statements?method=GET",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response["X-Experience-API-Consistent-Through"]
