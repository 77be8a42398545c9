"""Integrations in the admin: same validation as the API, credentials write-only."""

import pytest

from integrations import services
from integrations.models import Integration, SyncRun
from tests.factories import API_HOST, SENTINEL_TOKEN, TeamFactory, make_integration

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/integrations/integration/add/"


def form_data(team, **overrides) -> dict:
    data = {
        "team": team.pk,
        "kind": "github",
        "name": "from-admin",
        "config": f'{{"api_url": "https://{API_HOST}", "repositories": ["acme/api"]}}',
        "is_active": "on",
        "token": SENTINEL_TOKEN,
        "email": "",
        "api_token": "",
        "key": "",
    }
    data.update(overrides)
    return data


def test_admin_creates_an_integration_with_encrypted_credentials(admin_client):
    team = TeamFactory()

    response = admin_client.post(ADD_URL, form_data(team))

    assert response.status_code == 302, response.content.decode()[:2000]
    integration = Integration.objects.get(name="from-admin")
    assert integration.config["deployment_source"] == "deployments"
    assert SENTINEL_TOKEN not in integration.credentials_encrypted
    assert services.get_credentials(integration) == {"token": SENTINEL_TOKEN}


def test_admin_shows_per_field_config_errors_and_saves_nothing(admin_client):
    team = TeamFactory()

    response = admin_client.post(
        ADD_URL, form_data(team, config='{"repositories": ["bad"], "extra": 1}')
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "repositories[0]: Repository names look like owner/name." in page
    assert "extra: Unknown key." in page
    assert SENTINEL_TOKEN not in page
    assert not Integration.objects.filter(name="from-admin").exists()


def test_admin_requires_credentials_on_create(admin_client):
    response = admin_client.post(ADD_URL, form_data(TeamFactory(), token=""))

    assert "Enter the credentials: token." in response.content.decode()


def test_change_page_never_shows_the_token_and_empty_fields_keep_it(admin_client):
    integration = make_integration(TeamFactory())
    url = f"/admin/integrations/integration/{integration.pk}/change/"

    page = admin_client.get(url).content.decode()
    assert SENTINEL_TOKEN not in page
    assert integration.credentials_encrypted not in page
    assert "stored (encrypted)" in page

    response = admin_client.post(
        url,
        {
            "name": "renamed",
            "config": f'{{"api_url": "https://{API_HOST}", "repositories": ["acme/web"]}}',
            "is_active": "on",
            "token": "",
            "email": "",
            "api_token": "",
            "key": "",
        },
    )

    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.name == "renamed"
    assert services.get_credentials(integration) == {"token": SENTINEL_TOKEN}


def test_integration_list_shows_status_last_sync_and_error(admin_client):
    integration = make_integration(TeamFactory(), name="listed")
    Integration.objects.filter(pk=integration.pk).update(
        status="auth_failed", last_error="GitHub rejected the token (401)."
    )

    page = admin_client.get("/admin/integrations/integration/?status=auth_failed").content.decode()

    assert "listed" in page
    assert "GitHub rejected the token (401)." in page
    assert SENTINEL_TOKEN not in page


def test_sync_runs_are_read_only_in_the_admin(admin_client):
    run = SyncRun.objects.create(
        integration=make_integration(TeamFactory()), trigger="manual", status="succeeded"
    )

    assert admin_client.get("/admin/integrations/syncrun/add/").status_code == 403
    page = admin_client.get(f"/admin/integrations/syncrun/{run.pk}/change/").content.decode()
    assert 'name="status"' not in page
