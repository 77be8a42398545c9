"""A provider is one package registered once: a toy provider registered here, and nowhere else,
appears in the API's validation, the admin form and the team page's form."""

from __future__ import annotations

import threading

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from integrations.models import Integration
from integrations.providers import registry
from integrations.providers.schema import StrictCharField, StrictSerializer
from integrations.providers.spec import DEPLOYMENTS, PULL_REQUESTS, WORK_ITEMS, ProviderSpec
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


class ToyConfig(StrictSerializer):
    board = serializers.RegexField(
        r"^[a-z]{3}$", error_messages={"invalid": "Toy boards are three small letters."}
    )


class ToyCredentials(StrictSerializer):
    toy_secret = StrictCharField(write_only=True, label="Toy secret", help_text="The toy key.")


@pytest.fixture
def toy():
    spec = ProviderSpec(
        kind="toy",
        label="Toy tracker",
        client="integrations.providers.base.Provider",
        config_serializer=ToyConfig,
        credentials_serializer=ToyCredentials,
        api_url_setting="board",
        config_example={"board": "abc"},
        verify_webhook=lambda secret, request: False,
        capabilities=frozenset({WORK_ITEMS}),
    )
    registry.register(spec)
    yield spec
    registry.unregister("toy")


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


def test_the_api_validates_a_toy_integration_with_its_own_schema(toy, staff):
    team = TeamFactory(members=[staff])
    api = APIClient()
    api.force_authenticate(staff)
    body = {"name": "Toy", "kind": "toy", "team": team.pk, "credentials": {"toy_secret": "s"}}

    refused = api.post("/api/integrations/", {**body, "config": {"board": "TOOLONG"}}, "json")
    created = api.post("/api/integrations/", {**body, "config": {"board": "abc"}}, "json")

    assert refused.status_code == 400
    assert refused.json()["fields"]["config"]["board"] == ["Toy boards are three small letters."]
    assert created.status_code == 201, created.json()
    assert Integration.objects.get(pk=created.json()["id"]).kind == "toy"


def test_without_the_toy_the_api_refuses_its_kind(staff):
    team = TeamFactory(members=[staff])
    api = APIClient()
    api.force_authenticate(staff)
    response = api.post(
        "/api/integrations/",
        {"name": "Toy", "kind": "toy", "team": team.pk, "config": {}, "credentials": {}},
        "json",
    )
    assert response.status_code == 400
    assert "kind" in response.json()["fields"]


def test_the_admin_form_offers_the_toy_and_its_credential_field(toy, client, staff):
    client.force_login(staff)
    page = client.get("/admin/integrations/integration/add/").content.decode()

    assert '<option value="toy">Toy tracker</option>' in page
    assert 'name="toy_secret"' in page
    assert "Toy tracker: The toy key." in page


def test_the_team_page_form_offers_the_toy_its_template_and_field(toy, client, staff):
    team = TeamFactory(members=[staff])
    client.force_login(staff)
    page = client.get(f"/teams/{team.slug}/integrations/new/").content.decode()

    assert '<option value="toy">Toy tracker</option>' in page
    assert 'name="toy_secret"' in page
    assert 'data-kinds="toy"' in page
    assert "&quot;board&quot;: &quot;abc&quot;" in page


def test_every_package_under_providers_is_registered_once():
    kinds = [spec.kind for spec in registry.providers()]
    assert sorted(kinds) == sorted(set(kinds))
    assert {"github", "jira", "trello"} <= set(kinds)
    for spec in registry.providers():
        assert spec.required_credentials(), spec.kind
        assert spec.client.startswith(f"integrations.providers.{spec.kind}.")


def test_a_kind_that_cannot_be_stored_is_refused():
    with pytest.raises(ValueError, match="lower-case"):
        registry.register(
            ProviderSpec(
                kind="Much-Too-Long-Kind-Name",
                label="Bad",
                client="x.y",
                config_serializer=ToyConfig,
                credentials_serializer=ToyCredentials,
                api_url_setting="api_url",
                config_example={},
                verify_webhook=lambda secret, request: False,
            )
        )


def test_a_thread_asking_during_discovery_waits_for_every_provider(monkeypatch):
    """A page's read helper that asks the registry while another thread is still importing the
    provider packages sees all of them, not the few registered so far."""
    monkeypatch.setattr(registry, "_PROVIDERS", {})
    monkeypatch.setattr(registry, "_discovered", False)
    imported = registry.importlib.import_module
    seen: list[set[str]] = []
    asker = threading.Thread(target=lambda: seen.append(registry.capabilities_of(["github"])))

    def import_module(name):
        if not asker.is_alive() and not seen:
            asker.start()
            asker.join(timeout=0.5)  # returns at once if the registry answers without waiting
        return imported(name)

    monkeypatch.setattr(registry.importlib, "import_module", import_module)
    registry.discover()
    asker.join(timeout=10)

    assert seen == [{PULL_REQUESTS, DEPLOYMENTS}]
