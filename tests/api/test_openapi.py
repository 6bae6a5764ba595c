"""The API serves a valid OpenAPI 3 document describing /api/v1/."""

import yaml
from openapi_spec_validator import validate


def test_openapi_document_is_served_and_valid(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    validate(document)
    assert document["openapi"].startswith("3.")
    for path in ["/api/v1/institutions/", "/api/v1/courses/", "/api/v1/enrolments/", "/api/v1/me/"]:
        assert path in document["paths"]
    assert not [p for p in document["paths"] if not p.startswith("/api/v1/")]
