"""A person's "Sync now" (page, API, admin) never queues a second sync while one is queued or
running, and is throttled: one asked-for sync per integration per
AGILETRACK_MANUAL_SYNC_MIN_INTERVAL_SECONDS. Real database, real views."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import SyncRun
from tests.factories import TeamFactory, UserFactory, make_integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def integration(member):
    integration = make_integration(TeamFactory(members=[member]))
    # Its first sync has run (as a worker would have done it), so nothing is queued.
    integration.sync_runs.update(status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now())
    return integration


def page_sync(client, integration, **headers):
    url = reverse(
        "team-integration-sync", kwargs={"slug": integration.team.slug, "pk": integration.pk}
    )
    return client.post(url, **headers)


def test_two_sync_now_clicks_queue_one_run_and_the_second_names_it(client, member, integration):
    client.force_login(member)

    first = page_sync(client, integration, HTTP_ACCEPT="application/json")
    second = page_sync(client, integration, HTTP_ACCEPT="application/json")

    assert first.status_code == 202 and first.json()["queued"] is True
    run_id = first.json()["sync_run"]
    assert second.status_code == 200
    assert second.json()["sync_run"] == run_id and second.json()["queued"] is False
    assert f"already queued (run {run_id}, queued " in second.json()["message"]
    assert integration.sync_runs.filter(trigger="manual").count() == 1


def test_the_page_says_the_running_sync_answered_instead_of_queueing(client, member, integration):
    client.force_login(member)
    started = timezone.now().replace(second=0, microsecond=0)
    running = SyncRun.objects.create(
        integration=integration, trigger="scheduled", status="running", started_at=started
    )

    response = page_sync(client, integration, follow=True)

    page = response.content.decode()
    assert (
        f"A sync of {integration.name} is already running (run {running.pk}, started "
        f"{started:%Y-%m-%d %H:%M} UTC); it was not queued again." in page
    )
    assert not integration.sync_runs.filter(trigger="manual").exists()


def test_the_api_answers_with_the_queued_run_instead_of_queueing_another(member, integration):
    api = APIClient()
    api.force_authenticate(member)
    url = f"/api/integrations/{integration.pk}/sync/"

    first = api.post(url)
    second = api.post(url)

    assert first.status_code == 202
    assert second.status_code == 200
    assert second.json()["sync_run"] == first.json()["sync_run"]
    assert second.json()["queued"] is False
    assert "already queued" in second.json()["detail"]
    assert SyncRun.objects.filter(integration=integration, status="queued").count() == 1


def test_a_sync_asked_for_moments_ago_is_throttled_even_when_it_finished(
    member, integration, settings
):
    settings.AGILETRACK_MANUAL_SYNC_MIN_INTERVAL_SECONDS = 60
    api = APIClient()
    api.force_authenticate(member)
    url = f"/api/integrations/{integration.pk}/sync/"
    first = api.post(url).json()["sync_run"]
    SyncRun.objects.filter(pk=first).update(status="succeeded", finished_at=timezone.now())

    again = api.post(url)

    assert again.status_code == 429
    assert 1 <= int(again["Retry-After"]) <= 60
    body = again.json()
    assert body["code"] == "throttled" and body["sync_run"] == first
    assert f"(run {first}, succeeded); ask again in " in body["detail"]
    assert integration.sync_runs.filter(trigger="manual").count() == 1


def test_after_the_interval_a_new_manual_sync_is_queued(member, integration, settings):
    settings.AGILETRACK_MANUAL_SYNC_MIN_INTERVAL_SECONDS = 60
    api = APIClient()
    api.force_authenticate(member)
    url = f"/api/integrations/{integration.pk}/sync/"
    first = api.post(url).json()["sync_run"]
    SyncRun.objects.filter(pk=first).update(
        status="succeeded", queued_at=timezone.now() - timedelta(seconds=61)
    )

    again = api.post(url)

    assert again.status_code == 202
    assert again.json()["sync_run"] != first
    assert integration.sync_runs.filter(trigger="manual").count() == 2


def test_the_page_json_answers_429_with_the_reason_when_throttled(
    client, member, integration, settings
):
    settings.AGILETRACK_MANUAL_SYNC_MIN_INTERVAL_SECONDS = 60
    client.force_login(member)
    first = page_sync(client, integration, HTTP_ACCEPT="application/json").json()["sync_run"]
    SyncRun.objects.filter(pk=first).update(status="failed", finished_at=timezone.now())

    again = page_sync(client, integration, HTTP_ACCEPT="application/json")

    assert again.status_code == 429
    assert again.json()["sync_run"] == first
    assert "ask again in" in again.json()["error"]


def test_the_admin_action_does_not_queue_a_second_sync(admin_client, integration):
    SyncRun.objects.create(integration=integration, trigger="scheduled")  # queued
    url = "/admin/integrations/integration/"

    response = admin_client.post(
        url, {"action": "sync_now", "_selected_action": [integration.pk]}, follow=True
    )

    assert "Queued a sync of 0 integration(s)" in response.content.decode()
    assert "1 already queued, running or synced moments ago." in response.content.decode()
    assert integration.sync_runs.filter(status="queued").count() == 1
