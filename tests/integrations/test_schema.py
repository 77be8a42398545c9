"""The OpenAPI schema describes the API and validates; the docs UI is served locally."""

import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_against_the_openapi_specification(tmp_path):
    out = tmp_path / "schema.json"

    # --validate checks the document against the OpenAPI 3 JSON schema; warnings fail too.
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(out),
    )

    schema = json.loads(out.read_text())
    assert {"/api/integrations/", "/api/integrations/{id}/", "/api/teams/"} <= set(schema["paths"])
    components = schema["components"]["schemas"]
    assert {"GitHubConfig", "JiraConfig", "TrelloConfig"} <= set(components)
    request = components["IntegrationRequest"]["properties"]
    assert "credentials" in request
    assert "credentials" not in components["Integration"]["properties"]
    assert components["GitHubConfig"]["properties"]["repositories"]["description"]


def test_schema_and_docs_need_a_user(client, admin_client):
    assert client.get("/api/schema/").status_code in (401, 403)

    docs = admin_client.get("/api/docs/")

    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn." not in page
