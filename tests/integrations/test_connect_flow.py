"""Connecting a provider: its own fields, errors by the field in the API's words, a test before
save (page form and `?dry_run=true`), and typed secrets kept server-side across a failed save."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from integrations import pending_secrets, services
from integrations.models import Integration
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*", "api.sandbox.test"]


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def team(staff):
    return TeamFactory(members=[staff])


def add_url(team) -> str:
    return reverse("team-integration-add", kwargs={"slug": team.slug})


def errors_by_field(html: str) -> dict[str, list[str]]:
    """The error lines shown under each field of the form."""
    found: dict[str, list[str]] = {}
    for name, block in re.findall(r'data-field="([^"]+)"(.*?)</div>', html, re.S):
        lines = re.findall(r'<p class="error" role="alert">(.*?)</p>', block)
        if lines:
            found[name] = [line.replace("&#x27;", "'") for line in lines]
    return found


def github_form(box, **changes) -> dict:
    github = box.info["github"]
    form = {
        "name": "Payments",
        "kind": "github",
        "github__api_url": github["api_url"],
        "github__repositories": github["repositories"][0],
        "github__deployment_source": "deployments",
        "token": github["token"],
        "form_token": "form-1",
        "is_active": "on",
    }
    return {**form, **changes}


def test_the_form_has_real_fields_per_provider_marked_with_their_kind(client, staff, team):
    client.force_login(staff)
    page = client.get(add_url(team)).content.decode()

    assert 'data-field="github__repositories" data-kinds="github"' in page
    assert 'data-field="jira__board_id" data-kinds="jira"' in page
    assert 'data-field="trello__board_ids" data-kinds="trello"' in page
    assert 'data-field="email" data-kinds="jira"' in page
    assert 'data-config-key="repositories"' in page
    assert 'id="provider-examples"' in page


def test_a_nested_error_sits_by_its_field_in_the_apis_words(client, staff, team, settings):
    client.force_login(staff)
    response = client.post(
        add_url(team),
        {
            "name": "Web",
            "kind": "github",
            "github__api_url": "https://api.sandbox.test",
            "github__repositories": "acme/web\nnot a repository",
            "token": "ghp_typed",
            "form_token": "form-2",
            "is_active": "on",
        },
    )

    assert response.status_code == 400
    errors = errors_by_field(response.content.decode())
    assert errors["github__repositories"] == ["Line 2: Repository names look like owner/name."]
    assert not Integration.objects.exists()


def test_test_before_save_refuses_an_unknown_repository_and_a_wrong_token(
    client, staff, team, sandbox
):
    client.force_login(staff)
    unknown = client.post(add_url(team), github_form(sandbox, github__repositories="acme/nope"))
    wrong = client.post(add_url(team), github_form(sandbox, token="ghp_wrong_token_0000"))

    assert unknown.status_code == 400 and wrong.status_code == 400
    assert "not found or the token cannot see it" in unknown.content.decode()
    assert errors_by_field(wrong.content.decode())["token"] == ["GitHub rejected the token"]
    assert "ghp_wrong_token_0000" not in wrong.content.decode()
    assert not Integration.objects.exists()


def test_a_passing_test_before_save_stores_the_integration(client, staff, team, sandbox):
    client.force_login(staff)
    response = client.post(add_url(team), github_form(sandbox))

    assert response.status_code == 302
    integration = Integration.objects.get()
    assert integration.config["repositories"] == [sandbox.info["github"]["repositories"][0]]


def test_a_failed_save_keeps_the_typed_secret_server_side_for_the_retry(
    client, staff, team, sandbox
):
    client.force_login(staff)
    token = sandbox.info["github"]["token"]
    failed = client.post(add_url(team), github_form(sandbox, github__repositories="acme/nope"))
    page = failed.content.decode()

    assert token not in page
    assert "Kept from your last try" in page
    # The retry leaves the token empty: the kept one is used.
    retried = client.post(add_url(team), github_form(sandbox, token=""))

    assert retried.status_code == 302
    assert services.get_credentials(Integration.objects.get()) == {"token": token}


def test_a_kept_secret_is_bound_to_the_user_the_form_and_the_host(client, staff, team, sandbox):
    client.force_login(staff)
    client.post(add_url(team), github_form(sandbox, github__repositories="acme/nope"))
    other_form = client.post(add_url(team), github_form(sandbox, token="", form_token="form-x"))
    elsewhere = client.post(
        add_url(team),
        github_form(sandbox, token="", github__api_url="https://api.sandbox.test"),
    )
    # The host changed, so nothing is kept any more, even back on the first host.
    back = client.post(add_url(team), github_form(sandbox, token=""))

    for response in (other_form, elsewhere, back):
        assert response.status_code == 400
        assert errors_by_field(response.content.decode())["token"] == ["This field is required."]
    assert not Integration.objects.exists()


def test_the_kept_secret_is_stored_encrypted(client, staff, team, sandbox):
    client.force_login(staff)
    client.post(add_url(team), github_form(sandbox, github__repositories="acme/nope"))

    stored = cache.get(pending_secrets._key(staff.pk, "form-1"))

    assert stored and sandbox.info["github"]["token"] not in stored
    assert pending_secrets.recall(staff.pk, "form-1", "github", "https://elsewhere:443") == {}


def test_an_unreachable_provider_offers_to_save_anyway(client, staff, team, sandbox):
    client.force_login(staff)
    form = github_form(sandbox, github__api_url="https://api.sandbox.test")

    refused = client.post(add_url(team), form)
    saved = client.post(add_url(team), {**form, "save_anyway": "on"})

    assert refused.status_code == 400
    assert "could not be found (DNS)" in refused.content.decode()
    assert "Save anyway" in refused.content.decode()
    assert saved.status_code == 302


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_body(box, team, **credentials) -> dict:
    github = box.info["github"]
    return {
        "name": "Payments",
        "kind": "github",
        "team": team.pk,
        "config": {"api_url": github["api_url"], "repositories": github["repositories"][:1]},
        "credentials": {"token": github["token"], **credentials},
    }


def test_the_api_dry_run_tests_without_storing(staff, team, sandbox):
    api = api_client(staff)
    good = api.post("/api/integrations/?dry_run=true", api_body(sandbox, team), "json")
    wrong = api.post(
        "/api/integrations/?dry_run=1", api_body(sandbox, team, token="ghp_wrong"), "json"
    )

    assert good.status_code == 200
    assert good.json()["ok"] is True and good.json()["dry_run"] is True
    assert wrong.status_code == 200
    assert wrong.json()["save_refused"] is True and wrong.json()["error"] == "auth"
    assert "ghp_wrong" not in wrong.content.decode()
    assert not Integration.objects.exists()


@pytest.mark.parametrize("value", ["yes-please", "2", "none"])
def test_the_api_dry_run_flag_takes_only_booleans(staff, team, sandbox, value):
    response = api_client(staff).post(
        f"/api/integrations/?dry_run={value}", api_body(sandbox, team), "json"
    )
    assert response.status_code == 400
    assert "dry_run" in response.json()["fields"]
    assert not Integration.objects.exists()


def test_the_dry_run_is_in_the_openapi_schema(staff):
    schema = api_client(staff).get("/api/schema/?format=json").json()
    create = schema["paths"]["/api/integrations/"]["post"]
    assert any(p["name"] == "dry_run" for p in create["parameters"])
    assert "200" in create["responses"]
