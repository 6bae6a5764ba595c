"""The platform's xAPI Profile names every verb, type and extension its statements use."""

from __future__ import annotations

import re

from django.conf import settings

from courseware.runtime import xapi as courseware_xapi

IRI = re.compile(r"^https?://\S+$")


def _profile(client):
    response = client.get("/xapi/profile")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response["X-Experience-API-Version"]
    return response.json()


def test_profile_is_served_without_credentials_and_is_well_formed(client, db):
    profile = _profile(client)
    assert profile["type"] == "Profile"
    assert profile["conformsTo"] == "https://w3id.org/xapi/profiles#1.0"
    version_ids = {version["id"] for version in profile["versions"]}
    for item in profile["concepts"] + profile["templates"]:
        assert IRI.match(item["id"]), item["id"]
        assert item["inScheme"] in version_ids
        assert set(item["prefLabel"]) == {"en", "vi"}
    ids = [item["id"] for item in profile["concepts"]]
    assert len(ids) == len(set(ids))


def test_profile_covers_what_courseware_records(client, db):
    """Contract with courseware: its outcome statements use only concepts of the profile."""
    profile = _profile(client)
    concepts = {item["id"]: item["type"] for item in profile["concepts"]}
    for verb in courseware_xapi.ADL_VERBS.values():
        assert concepts.get(verb) == "Verb", verb
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    for name in ("placement", "package-version"):
        assert concepts.get(f"{base}/xapi/extensions/{name}") == "ContextExtension"
    assert concepts.get("http://adlnet.gov/expapi/activities/course") == "ActivityType"


def test_profile_answers_get_only(client, db):
    assert client.post("/xapi/profile").status_code == 405
