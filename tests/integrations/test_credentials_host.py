"""Stored credentials go only to the host they were entered for: changing an integration's API
address (scheme, host or port) needs them again in the same request, on every path (API, page
form, admin), and a sync never sends them elsewhere, even if the row was changed behind the
services' back."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from integrations import crypto, services, sync
from integrations.credentials import ORIGIN_KEY
from integrations.models import Integration
from tests.factories import SENTINEL_TOKEN, TeamFactory, UserFactory, make_integration

pytestmark = pytest.mark.django_db

EVIL = "https://collector.example.net"


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def integration(staff, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["api.sandbox.test", "collector.example.net"]
    return make_integration(TeamFactory(members=[staff]))


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def stored_origin(integration: Integration) -> str:
    integration.refresh_from_db()
    return crypto.decrypt_credentials(integration.credentials_encrypted)[ORIGIN_KEY]


def test_the_api_refuses_a_new_host_without_the_credentials(integration, staff):
    config = {**integration.config, "api_url": EVIL}
    response = api(staff).patch(f"/api/integrations/{integration.pk}/", {"config": config}, "json")

    assert response.status_code == 400
    (message,) = response.json()["fields"]["credentials"]
    assert "collector.example.net" in message and "(token)" in message
    integration.refresh_from_db()
    assert integration.config["api_url"] == "https://api.sandbox.test"
    assert stored_origin(integration) == "https://api.sandbox.test:443"


@pytest.mark.parametrize("url", ["http://api.sandbox.test", "https://api.sandbox.test:8443"])
def test_a_new_scheme_or_port_is_a_new_host(integration, staff, url, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["api.sandbox.test:*"]
    config = {**integration.config, "api_url": url}
    response = api(staff).patch(f"/api/integrations/{integration.pk}/", {"config": config}, "json")
    assert response.status_code == 400
    assert "credentials" in response.json()["fields"]


def test_with_the_credentials_given_again_the_host_changes(integration, staff):
    body = {"config": {**integration.config, "api_url": EVIL}, "credentials": {"token": "new"}}
    response = api(staff).patch(f"/api/integrations/{integration.pk}/", body, "json")

    assert response.status_code == 200, response.json()
    assert stored_origin(integration) == "https://collector.example.net:443"
    assert services.get_credentials(integration) == {"token": "new"}


def test_the_same_host_keeps_the_stored_credentials(integration, staff):
    config = {**integration.config, "repositories": ["acme/api"]}
    response = api(staff).patch(f"/api/integrations/{integration.pk}/", {"config": config}, "json")

    assert response.status_code == 200
    assert services.get_credentials(Integration.objects.get(pk=integration.pk)) == {
        "token": SENTINEL_TOKEN
    }


def test_the_page_form_does_not_merge_stored_secrets_into_a_new_host(integration, staff, client):
    client.force_login(staff)
    url = f"/teams/{integration.team.slug}/integrations/{integration.pk}/edit/"
    form = {
        "name": integration.name,
        "config": json.dumps({"api_url": EVIL, "repositories": ["acme/web"]}),
        "is_active": "on",
    }

    refused = client.post(url, form)
    saved = client.post(url, {**form, "token": "typed-again", "save_anyway": "on"})

    assert refused.status_code == 400
    assert "enter the credentials again" in refused.content.decode()
    assert saved.status_code == 302
    assert stored_origin(integration) == "https://collector.example.net:443"


def test_the_admin_asks_for_the_credentials_on_a_new_host(integration, admin_client):
    url = f"/admin/integrations/integration/{integration.pk}/change/"
    form = {
        "team": integration.team.pk,
        "kind": "github",
        "name": integration.name,
        "config": json.dumps({"api_url": EVIL, "repositories": ["acme/web"]}),
        "is_active": "on",
    }

    page = admin_client.post(url, form).content.decode()

    assert "enter the credentials again (token)" in page
    assert stored_origin(integration) == "https://api.sandbox.test:443"


def test_a_sync_never_sends_stored_credentials_to_another_host(integration):
    # Changed behind the services' back (a shell, a bad migration): the sync refuses.
    Integration.objects.filter(pk=integration.pk).update(
        config={**integration.config, "api_url": EVIL}
    )

    run = sync.sync_integration(integration.pk, "manual").run

    assert run.status == "failed"
    assert run.error_type == "credentials"
    assert "entered for https://api.sandbox.test:443" in run.error_message
    assert run.api_requests == 0


def test_the_migration_binds_existing_credentials_to_their_current_host(integration):
    legacy = crypto.encrypt_credentials({"token": SENTINEL_TOKEN})  # stored before binding
    Integration.objects.filter(pk=integration.pk).update(credentials_encrypted=legacy)
    migration = importlib.import_module("integrations.migrations.0006_bind_credentials_to_origin")

    migration.bind(apps, None)

    assert stored_origin(integration) == "https://api.sandbox.test:443"
    assert services.get_credentials(integration) == {"token": SENTINEL_TOKEN}
