"""Live sync status (issue 18, point 4): the team's status JSON, one status per integration, "data
as of" on every team page, and the banner and empty-state advice when an integration fails.
The live updates in a browser are in tests/browser/test_live_status.py."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations import sync
from integrations.models import Integration, SyncRun
from integrations.status import integration_status
from tests.dashboard.test_pages import PAGES
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.integrations.test_sync import trello_integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def team(member):
    return TeamFactory(members=[member])


def settled(integration: Integration, **changes) -> Integration:
    """The integration with its queued initial run finished and the given fields set."""
    integration.sync_runs.update(status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now())
    Integration.objects.filter(pk=integration.pk).update(**changes)
    integration.refresh_from_db()
    return integration


def status_url(team) -> str:
    return reverse("team-sync-status", kwargs={"slug": team.slug})


def page_url(name: str, team) -> str:
    return reverse(name, kwargs={"slug": team.slug})


def test_one_status_running_beats_failing_beats_first_sync_beats_synced():
    now = timezone.now()
    failing = Integration(status=Integration.Status.CONFIG_ERROR, last_error="No such repository")
    synced = Integration(status=Integration.Status.OK, last_success_at=now)
    fresh = Integration(status=Integration.Status.PENDING)
    running = SyncRun(status=SyncRun.Status.RUNNING)
    queued = SyncRun(status=SyncRun.Status.QUEUED)

    assert integration_status(failing, running).label == "Syncing"
    assert integration_status(synced, queued).label == "Sync queued"
    assert integration_status(failing, None).label == "Settings need fixing"
    assert integration_status(failing, None).is_problem
    assert integration_status(fresh, None).label == "Waiting for its first sync"
    assert integration_status(synced, None).label == "Synced"
    assert not integration_status(synced, None).is_problem
    refused = Integration(status=Integration.Status.AUTH_FAILED)
    assert integration_status(refused, None).fix == "credentials"
    # A failed first sync is a failure, not "waiting for its first sync".
    assert integration_status(Integration(status=Integration.Status.ERROR), None).key == "failing"


def test_the_status_json_is_for_members_only_and_another_teams_slug_is_404(client, team, member):
    settled(make_integration(team, name="Web"), status=Integration.Status.OK)
    other = TeamFactory()
    make_integration(other, name="Secret repository")

    assert client.get(status_url(team)).status_code == 302  # signed out: sign in first
    client.force_login(member)
    answer = client.get(status_url(team))
    assert answer.status_code == 200
    assert [row["name"] for row in answer.json()["integrations"]] == ["Web"]
    assert client.get(status_url(other)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(status_url(team)).status_code == 404


def test_the_status_json_shows_the_running_runs_stream_pages_records_and_time(client, team, member):
    integration = settled(
        make_integration(team, name="Web"),
        status=Integration.Status.CONFIG_ERROR,
        last_error="Repository acme/web was not found.",
    )
    run = SyncRun.objects.create(
        integration=integration,
        trigger=SyncRun.Trigger.MANUAL,
        status=SyncRun.Status.RUNNING,
        started_at=timezone.now() - timedelta(seconds=12),
        current_stream="pull_requests:acme/web",
        pages_read=3,
        records_created=70,
        records_updated=5,
    )
    client.force_login(member)

    answer = client.get(status_url(team)).json()

    assert answer["running"] is True
    (row,) = answer["integrations"]
    assert row["status"]["label"] == "Syncing"  # not "Settings need fixing" at the same time
    assert row["last_error"] == ""
    progress = row["active_run"]
    assert progress["id"] == run.pk
    assert progress["current_stream"] == "pull_requests:acme/web"
    assert progress["pages_read"] == 3
    assert progress["records_created"] + progress["records_updated"] == 75
    assert 11 <= progress["elapsed_seconds"] < 60

    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now()
    )
    Integration.objects.filter(pk=integration.pk).update(
        status=Integration.Status.OK, last_success_at=timezone.now(), last_error=""
    )
    answer = client.get(status_url(team)).json()
    (row,) = answer["integrations"]
    assert answer["running"] is False and row["active_run"] is None
    assert row["status"]["label"] == "Synced"
    assert row["latest_run"]["id"] == run.pk and row["latest_run"]["finished"] is True
    assert row["last_success"]["display"] != "never"
    assert answer["data_as_of"]["at"] is not None


def test_every_team_page_says_as_of_when_its_data_was_synced(client, team, member):
    integration = settled(make_integration(team, name="Web"))
    client.force_login(member)
    for name in PAGES:
        assert "No data synced yet" in client.get(page_url(name, team)).content.decode(), name

    synced_at = timezone.now() - timedelta(hours=3)
    settled(integration, status=Integration.Status.OK, last_success_at=synced_at)
    for name in PAGES:
        page = client.get(page_url(name, team)).content.decode()
        assert "Data as of <time" in page, name
        assert "3\xa0hours ago</time>" in page, name


def test_a_failing_integration_is_named_on_every_team_page_with_its_error_and_fix(
    client, team, member
):
    settled(
        make_integration(team, name="Web repository"),
        status=Integration.Status.ERROR,
        last_error="GitHub answered 502 Bad Gateway three times.",
        last_sync_at=timezone.now(),
    )
    client.force_login(member)
    fix = page_url("team-integrations", team)
    for name in ("team-overview", "team-pull-requests", "team-work-items", "team-sprints"):
        page = client.get(page_url(name, team)).content.decode()
        assert "Web repository: Last sync failed." in page, name
        assert "GitHub answered 502 Bad Gateway three times." in page, name
        assert f'href="{fix}#integration-' in page, name


def test_empty_pages_blame_the_failing_integration_not_the_date_range_or_settings(
    client, team, member
):
    integration = settled(
        make_integration(team, name="Web repository"),
        status=Integration.Status.OK,
        last_success_at=timezone.now(),
    )
    client.force_login(member)
    # Synced and simply empty: the usual advice.
    assert (
        "Try a wider date range"
        in client.get(page_url("team-pull-requests", team)).content.decode()
    )
    assert "deployment_source" in client.get(page_url("team-overview", team)).content.decode()

    settled(integration, status=Integration.Status.ERROR, last_error="GitHub answered 502.")
    pull_requests = client.get(page_url("team-pull-requests", team)).content.decode()
    overview = client.get(page_url("team-overview", team)).content.decode()
    assert "Try a wider date range" not in pull_requests
    assert "Web repository did not finish its last sync" in pull_requests
    assert "deployment_source" not in overview
    assert "Web repository did not finish its last sync" in overview


def test_staff_are_linked_to_the_settings_that_need_fixing(client, team, member):
    integration = settled(
        make_integration(team, name="Web repository"),
        status=Integration.Status.AUTH_FAILED,
        last_error="GitHub refused the token (401 Bad credentials).",
    )
    member.is_staff = True
    member.save()
    client.force_login(member)
    page = client.get(page_url("team-pull-requests", team)).content.decode()
    edit = reverse("team-integration-edit", kwargs={"slug": team.slug, "pk": integration.pk})
    assert f'<a href="{edit}">Enter new credentials for Web repository</a>' in page


def test_the_integrations_card_shows_one_status(client, team, member):
    integration = settled(
        make_integration(team, name="Web repository"),
        status=Integration.Status.CONFIG_ERROR,
        last_error="Repository acme/web was not found.",
    )
    SyncRun.objects.create(
        integration=integration, trigger=SyncRun.Trigger.MANUAL, status=SyncRun.Status.RUNNING
    )
    client.force_login(member)
    page = client.get(page_url("team-integrations", team)).content.decode()
    assert 'data-status="running">Syncing</p>' in page
    for other in ("Settings need fixing", "Configuration needs fixing", "Waiting for its first"):
        assert other not in page


def test_a_sync_writes_the_stream_it_reads_and_the_pages_it_stored(sandbox, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    integration = trello_integration(sandbox)

    run = sync.sync_integration(integration.pk, "initial").run

    run.refresh_from_db()
    assert run.status == "succeeded", run.error_message
    assert run.pages_read > 0
    assert run.current_stream  # the last stream read
    assert run.records_created > 0
