"""The sync service end to end in one process: provider over real HTTP, real database."""

import pytest
import requests

from integrations import leases, outcomes, recovery, services, sync
from integrations.models import Integration, SyncCursor, SyncRun
from metrics import derived
from metrics.cache import data_version
from metrics.models import WorkItem, WorkItemChange
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    settings.AGILETRACK_HTTP_OPTIONS = {"transient_backoff": 0.01, "read_timeout": 3}


def trello_integration(box, **credentials) -> Integration:
    trello = box.info["trello"]
    return services.create_integration(
        team=TeamFactory(),
        kind="trello",
        name="Trello boards",
        config={"api_url": trello["api_url"], "board_ids": [b["id"] for b in trello["boards"]]},
        credentials={"key": trello["key"], "token": trello["token"], **credentials},
    )


def sandbox_card_count(box) -> int:
    trello = box.info["trello"]
    auth = {"key": trello["key"], "token": trello["token"]}
    return sum(
        len(
            requests.get(
                f"{trello['api_url']}/boards/{b['id']}/cards/all", params=auth, timeout=10
            ).json()
        )
        for b in trello["boards"]
    )


def test_a_sync_stores_every_card_once_and_a_second_run_adds_nothing(sandbox):
    integration = trello_integration(sandbox)

    first = sync.sync_integration(integration.pk, "initial").run
    second = sync.sync_integration(integration.pk, "scheduled").run

    assert first.status == "succeeded", first.error_message
    cards = sandbox_card_count(sandbox)
    assert WorkItem.objects.filter(integration=integration).count() == cards
    assert first.records_by_kind["work_item"]["created"] == cards
    assert WorkItemChange.objects.filter(integration=integration).exists()
    assert first.api_requests > 0
    assert second.status == "succeeded"
    assert second.records_created == 0
    assert WorkItem.objects.filter(integration=integration).count() == cards
    integration.refresh_from_db()
    assert integration.status == "ok"
    assert integration.last_success_at == integration.last_sync_at
    assert integration.lease_until is None
    assert SyncCursor.objects.filter(integration=integration).count() == 2


def test_a_second_run_while_one_holds_the_lease_is_skipped(sandbox):
    integration = trello_integration(sandbox)
    assert leases.claim_lease(integration.pk, "someone-else")

    run = sync.sync_integration(integration.pk, "manual").run

    assert run.status == "skipped"
    assert "Another sync" in run.error_message


def test_rejected_credentials_stop_with_auth_failed_and_record_the_time(sandbox):
    integration = trello_integration(sandbox)
    services.update_integration(
        integration, credentials={"key": sandbox.info["trello"]["key"], "token": "revoked-token"}
    )

    outcome = sync.sync_integration(integration.pk, "scheduled")

    assert outcome.retryable is False
    assert outcome.run.status == "failed"
    assert outcome.run.error_type == "auth"
    integration.refresh_from_db()
    assert integration.status == "auth_failed"
    assert integration.last_sync_at is not None
    assert "revoked-token" not in integration.last_error + outcome.run.error_message


def test_a_server_error_is_retryable_and_keeps_what_was_stored(fresh_sandbox):
    box = fresh_sandbox("--seed", "5")
    integration = trello_integration(box)
    assert sync.sync_integration(integration.pk, "initial").run.status == "succeeded"
    stored = WorkItem.objects.filter(integration=integration).count()
    requests.post(
        box.base + "/_sandbox/faults",
        json={"faults": [{"kind": "status", "status": 503, "path": "/1/boards/*"}]},
        timeout=5,
    )

    outcome = sync.sync_integration(integration.pk, "scheduled")

    assert outcome.retryable is True
    assert outcome.run.error_type == "transient"
    assert WorkItem.objects.filter(integration=integration).count() == stored
    integration.refresh_from_db()
    assert integration.status == "error"
    assert integration.lease_until is None


def test_a_malformed_answer_fails_the_run_without_retry(fresh_sandbox):
    box = fresh_sandbox("--seed", "6")
    integration = trello_integration(box)
    requests.post(
        box.base + "/_sandbox/faults",
        json={"faults": [{"kind": "malformed", "path": "/1/boards/*/lists"}]},
        timeout=5,
    )

    outcome = sync.sync_integration(integration.pk, "initial")

    assert outcome.retryable is False
    assert outcome.run.error_type == "malformed"
    assert "not valid JSON" in outcome.run.error_message


def test_a_deleted_integration_ends_quietly():
    assert sync.sync_integration(999_999, "scheduled") is None


def test_sweep_closes_runs_of_dead_workers_and_queues_them_again(sandbox):
    integration = trello_integration(sandbox)
    initial = SyncRun.objects.get(integration=integration)
    SyncRun.objects.filter(pk=initial.pk).update(status="running")

    result = recovery.sweep()

    assert result["runs_interrupted"] == result["interrupted_resumed"] == 1
    assert result["initial_requeued"] == 0  # already queued again above
    initial.refresh_from_db()
    assert initial.status == "failed" and initial.error_type == "interrupted"
    assert SyncRun.objects.filter(integration=integration, status="queued").count() == 1


def test_sweep_counts_the_workers_a_run_stopped_and_gives_it_up_at_the_limit(sandbox, settings):
    settings.AGILETRACK_SYNC_MAX_DELIVERIES = 3
    integration = trello_integration(sandbox)
    run = SyncRun.objects.get(integration=integration)
    SyncRun.objects.filter(pk=run.pk).update(status="running")

    recovery.sweep()  # first dead worker: queued again, remembering one stop
    resumed = SyncRun.objects.get(integration=integration, status="queued")
    assert resumed.attempt == 1
    SyncRun.objects.filter(pk=resumed.pk).update(status="running")
    recovery.sweep()  # second
    again = SyncRun.objects.get(integration=integration, status="queued")
    assert again.attempt == 2
    SyncRun.objects.filter(pk=again.pk).update(status="running")

    result = recovery.sweep()  # third: given up, not queued forever

    assert result["interrupted_given_up"] == 1 and result["interrupted_resumed"] == 0
    assert not SyncRun.objects.filter(integration=integration, status="queued").exists()
    again.refresh_from_db()
    assert "given up" in again.error_message
    integration.refresh_from_db()
    assert integration.status == "error" and "given up" in integration.last_error


def test_a_run_that_outlived_its_lease_keeps_the_sweeps_record(sandbox):
    from metrics.ingest import IngestResult

    integration = trello_integration(sandbox)
    run = SyncRun.objects.get(integration=integration)
    SyncRun.objects.filter(pk=run.pk).update(status="running")
    run.refresh_from_db()
    # Its lease ran out; the sweep closed the run and another worker holds the lease now.
    SyncRun.objects.filter(pk=run.pk).update(status="failed", error_type="interrupted")
    Integration.objects.filter(pk=integration.pk).update(lease_owner="someone-else")

    outcomes.finish_run(integration, run, IngestResult(), None, "", "", owner="the-late-worker")

    run.refresh_from_db()
    assert (run.status, run.error_type) == ("failed", "interrupted")
    integration.refresh_from_db()
    assert integration.lease_owner == "someone-else"


def test_leases_follow_the_databases_clock_not_the_workers(sandbox, settings):
    """A worker whose clock runs ahead of the database still sees a live lease as live."""
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    integration = trello_integration(sandbox)
    assert leases.claim_lease(integration.pk, "first")
    ahead = timezone.now() + timedelta(seconds=settings.AGILETRACK_SYNC_LEASE_SECONDS + 60)
    with mock.patch("django.utils.timezone.now", return_value=ahead):
        assert not leases.claim_lease(integration.pk, "second")
        assert leases.is_syncing(integration)


def test_sweep_requeues_integrations_whose_first_sync_never_ran(sandbox, settings):
    settings.AGILETRACK_INITIAL_SYNC_GRACE_SECONDS = 0
    integration = trello_integration(sandbox)
    SyncRun.objects.filter(integration=integration).delete()  # the task was lost with it

    result = recovery.sweep()

    assert result["initial_requeued"] == 1
    run = SyncRun.objects.get(integration=integration)
    assert (run.trigger, run.status) == ("initial", "queued")


def test_fan_out_queues_each_active_integration_once_even_when_sent_twice(sandbox):
    from integrations.tasks import fan_out

    first = trello_integration(sandbox)
    services.create_integration(
        team=first.team,
        kind="trello",
        name="paused",
        config=first.config,
        credentials=services.get_credentials(first),
        is_active=False,
    )
    SyncRun.objects.all().delete()  # forget the initial runs

    one = fan_out("scheduled")
    two = fan_out("scheduled")  # a second beat, or a redelivered fan-out

    assert one == {"queued": 1, "skipped": 0}
    assert two == {"queued": 0, "skipped": 1}
    assert SyncRun.objects.filter(integration=first, status="queued").count() == 1
    assert SyncRun.objects.filter(integration__name="paused").count() == 0


def test_task_options_keep_the_production_retry_policy():
    from integrations import tasks

    assert tasks.initial_sync_metrics_task.max_retries == 3
    assert tasks.initial_sync_metrics_task.default_retry_delay == 60
    assert tasks.periodic_sync_all_integrations_metrics_task.max_retries == 2
    assert tasks.periodic_sync_all_integrations_metrics_task.default_retry_delay == 300
    assert tasks.sync_integration_task.max_retries == 2
    assert tasks.sync_integration_task.acks_late is True
    assert tasks.sync_integration_task.time_limit < 2 * 3600  # below the visibility timeout
    assert tasks._countdown(300, 900) == 900  # a rate limit waits for the provider's reset


def test_run_counts_and_processing_time_show_in_the_api_and_admin(sandbox, admin_client):
    integration = trello_integration(sandbox)
    sync.sync_integration(integration.pk, "initial")
    services.update_integration(integration, credentials={"key": "k", "token": "revoked"})
    sync.sync_integration(integration.pk, "scheduled")

    body = admin_client.get(f"/api/integrations/{integration.pk}/").json()
    page = admin_client.get("/admin/integrations/integration/").content.decode()

    assert (body["succeeded_runs"], body["failed_runs"]) == (1, 1)
    assert body["mean_run_seconds"] >= 0
    assert 'class="field-succeeded_runs">1<' in page
    assert 'class="field-failed_runs">1<' in page


def test_only_a_full_reconcile_removes_what_the_provider_deleted(sandbox):
    integration = trello_integration(sandbox)
    sync.sync_integration(integration.pk, "initial")
    board = integration.config["board_ids"][0]
    kept = WorkItem.objects.filter(integration=integration, container=board).first()
    ghost = WorkItem.objects.create(
        integration=integration,
        external_id="deleted-on-trello",
        key="gone",
        title="A card deleted on Trello",
        kind="card",
        status="Doing",
        status_category="in_progress",
        created_at=kept.created_at,
        updated_at=kept.updated_at,
        container=board,
    )

    incremental = sync.sync_integration(integration.pk, "scheduled").run
    assert WorkItem.objects.filter(pk=ghost.pk).exists()

    reconcile = sync.sync_integration(integration.pk, "reconcile").run

    assert reconcile.status == "succeeded"
    assert incremental.status == "succeeded"
    assert not WorkItem.objects.filter(pk=ghost.pk).exists()
    assert reconcile.records_by_kind["cards_deleted"] == {"deleted": 1}
    assert WorkItem.objects.filter(integration=integration).count() == sandbox_card_count(sandbox)


def test_settings_broken_outside_the_api_stop_with_config_error(sandbox):
    integration = trello_integration(sandbox)
    Integration.objects.filter(pk=integration.pk).update(config={"api_url": "https://x.test"})

    outcome = sync.sync_integration(integration.pk, "scheduled")

    assert outcome.retryable is False
    assert outcome.run.error_type == "config"
    assert "board_ids: This field is required." in outcome.run.error_message
    integration.refresh_from_db()
    assert integration.status == "config_error"


def test_derived_values_left_stale_by_a_failed_run_are_refreshed_by_the_next_run(
    fresh_sandbox, django_capture_on_commit_callbacks
):
    box = fresh_sandbox("--seed", "8")
    integration = trello_integration(box)
    first, second = (b["id"] for b in box.info["trello"]["boards"][:2])
    assert sync.sync_integration(integration.pk, "initial").run.status == "succeeded"
    # A card of the first board is finished; the second board then fails mid-run.
    moved = requests.post(
        box.base + "/_sandbox/mutate",
        json={"kind": "move_card", "board": first, "list": "Done"},
        timeout=5,
    ).json()
    requests.post(
        box.base + "/_sandbox/faults",
        json={"faults": [{"kind": "status", "status": 503, "path": f"/1/boards/{second}/*"}]},
        timeout=5,
    ).raise_for_status()
    failed = sync.sync_integration(integration.pk, "scheduled").run
    assert failed.status == "partial" and failed.records_updated >= 1
    card = WorkItem.objects.get(integration=integration, external_id=moved["card"])
    # The move is stored; the values derived from it are not.
    assert (card.status_category, card.done_at) == ("done", None)
    requests.delete(box.base + "/_sandbox/faults", timeout=5).raise_for_status()
    version = data_version(integration.pk)

    with django_capture_on_commit_callbacks(execute=True):
        again = sync.sync_integration(integration.pk, "scheduled").run

    assert again.status == "succeeded"
    # Metrics cached from the stale values are not read again.
    assert data_version(integration.pk) > version
    assert again.records_created + again.records_updated == 0  # nothing new to read
    card.refresh_from_db()
    assert card.done_at is not None
    assert derived.refresh_work_items(integration) == 0  # every derived value is current
