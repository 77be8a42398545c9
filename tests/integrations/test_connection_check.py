"""Test connection from the API and the admin, answered in words a user understands."""

import pytest
from rest_framework.test import APIClient

from integrations import services
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


def github_integration(box, token=None, repositories=None):
    github = box.info["github"]
    return services.create_integration(
        team=TeamFactory(),
        kind="github",
        name="gh",
        config={
            "api_url": github["api_url"],
            "repositories": repositories or github["repositories"][:1],
        },
        credentials={"token": token or github["token"]},
    )


def staff_client(integration) -> APIClient:
    staff = UserFactory(is_staff=True)
    integration.team.members.add(staff)
    client = APIClient()
    client.force_authenticate(staff)
    return client


def test_a_working_integration_passes_the_check(sandbox):
    integration = github_integration(sandbox)

    response = staff_client(integration).post(f"/api/integrations/{integration.pk}/test/")

    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["message"]


def test_a_revoked_token_is_explained(sandbox):
    integration = github_integration(sandbox, token="ghp_revoked_value")

    body = staff_client(integration).post(f"/api/integrations/{integration.pk}/test/").json()

    assert body["ok"] is False
    assert "token" in body["message"].lower()
    assert "ghp_revoked_value" not in body["message"]


def test_a_missing_repository_is_named(sandbox):
    integration = github_integration(sandbox, repositories=["acme-eng/no-such-repo"])

    body = staff_client(integration).post(f"/api/integrations/{integration.pk}/test/").json()

    assert body["ok"] is False
    assert "acme-eng/no-such-repo" in body["message"]


def test_members_cannot_spend_the_budget_on_checks_but_can_sync(sandbox):
    integration = github_integration(sandbox)
    member = UserFactory()
    integration.team.members.add(member)
    client = APIClient()
    client.force_authenticate(member)

    assert client.post(f"/api/integrations/{integration.pk}/test/").status_code == 403
    integration.sync_runs.update(status="succeeded")  # its first sync has run
    queued = client.post(f"/api/integrations/{integration.pk}/sync/")
    assert queued.status_code == 202
    run = client.get(f"/api/sync-runs/{queued.json()['sync_run']}/").json()
    assert (run["status"], run["trigger"]) == ("queued", "manual")


def test_an_inactive_integration_is_not_synced(sandbox):
    integration = github_integration(sandbox)
    services.update_integration(integration, is_active=False)

    response = staff_client(integration).post(f"/api/integrations/{integration.pk}/sync/")

    assert response.status_code == 400
    assert "inactive" in str(response.json())


def test_admin_actions_test_and_sync(sandbox, admin_client):
    integration = github_integration(sandbox)
    integration.sync_runs.update(status="succeeded")  # its first sync has run
    url = "/admin/integrations/integration/"

    tested = admin_client.post(
        url, {"action": "test_connection", "_selected_action": [integration.pk]}, follow=True
    )
    synced = admin_client.post(
        url, {"action": "sync_now", "_selected_action": [integration.pk]}, follow=True
    )

    assert "Gh: Connected to GitHub as" in tested.content.decode()
    assert "Queued a sync of 1 integration(s)" in synced.content.decode()
    assert integration.sync_runs.filter(trigger="manual", status="queued").count() == 1
