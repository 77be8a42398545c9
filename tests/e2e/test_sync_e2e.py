"""Syncs on a real worker and broker against the sandbox: nothing lost, nothing doubled."""

import hashlib
import hmac
import json
import subprocess
import sys

import pytest
import requests
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from integrations import leases, recovery, services
from integrations.models import Integration, SyncRun
from metrics.models import WorkItem
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import wait_for
from tests.factories import TeamFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(celery_processes, settings):
    """A running worker whose queues this test process sends to."""
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    settings.CELERY_TASK_DEFAULT_QUEUE = celery_processes.queue
    settings.AGILETRACK_PRIORITY_QUEUE = celery_processes.priority_queue
    celery_processes.start_worker()
    # Queues are declared by the worker before anything is sent to them.
    wait_for(lambda: " ready." in celery_processes.log("worker"), timeout=60, message="worker up")
    return celery_processes


def trello_config(box) -> tuple[dict, dict]:
    trello = box.info["trello"]
    config = {"api_url": trello["api_url"], "board_ids": [b["id"] for b in trello["boards"]]}
    return config, {"key": trello["key"], "token": trello["token"]}


def sandbox_cards(box) -> dict[str, str]:
    """Card id -> current list id, as the sandbox has them."""
    trello = box.info["trello"]
    auth = {"key": trello["key"], "token": trello["token"]}
    cards = {}
    for board in trello["boards"]:
        url = f"{trello['api_url']}/boards/{board['id']}/cards/all"
        for card in requests.get(url, params=auth, timeout=10).json():
            cards[card["id"]] = card["idList"]
    return cards


def finished_runs(integration_id: int) -> list[SyncRun]:
    return list(
        SyncRun.objects.filter(
            integration_id=integration_id, status__in=["succeeded", "failed", "partial"]
        ).order_by("pk")
    )


def wait_for_run(run_id: int, worker, timeout: float = 90) -> SyncRun:
    def done():
        run = SyncRun.objects.get(pk=run_id)
        return run if run.status in ("succeeded", "failed", "partial", "skipped") else None

    return wait_for(
        done, timeout, message=lambda: "run never finished:\n" + worker.log("worker")[-4000:]
    )


def test_an_integration_created_through_the_api_syncs_every_card_exactly_once(
    fresh_sandbox, worker
):
    box = fresh_sandbox("--seed", "11")
    staff = get_user_model().objects.create_user("lead", is_staff=True)
    team = TeamFactory(members=[staff])
    client = APIClient()
    client.force_authenticate(staff)
    config, credentials = trello_config(box)

    response = client.post(
        "/api/integrations/",
        {
            "team": team.pk,
            "kind": "trello",
            "name": "boards",
            "config": config,
            "credentials": credentials,
        },
        format="json",
    )
    assert response.status_code == 201
    integration_id = response.json()["id"]
    initial = SyncRun.objects.get(integration_id=integration_id, trigger="initial")
    initial = wait_for_run(initial.pk, worker)

    cards = sandbox_cards(box)
    assert initial.status == "succeeded", initial.error_message
    stored = WorkItem.objects.filter(integration_id=integration_id)
    assert sorted(stored.values_list("external_id", flat=True)) == sorted(cards)

    again = client.post(f"/api/integrations/{integration_id}/sync/")
    assert again.status_code == 202
    second = wait_for_run(again.json()["sync_run"], worker)
    assert second.status == "succeeded"
    assert second.records_created == 0
    assert stored.count() == len(cards)

    # A card moved on the provider reaches us through a signed webhook.
    services.update_integration(
        Integration.objects.get(pk=integration_id),
        credentials={**credentials, "webhook_secret": "hook-secret"},
    )
    moved = requests.post(box.base + "/_sandbox/mutate", json={"kind": "move_card"}, timeout=10)
    assert moved.status_code == 200, moved.text
    body = json.dumps({"action": {"type": "updateCard"}}).encode()
    url = f"/webhooks/trello/{integration_id}/"
    import base64

    callback = f"http://testserver{url}".encode()
    signature = base64.b64encode(
        hmac.new(b"hook-secret", body + callback, hashlib.sha1).digest()
    ).decode()
    hook = client.post(url, body, content_type="application/json", HTTP_X_TRELLO_WEBHOOK=signature)
    assert hook.status_code == 202
    third = wait_for_run(hook.json()["sync_run"], worker)
    assert third.status == "succeeded"
    now_cards = sandbox_cards(box)
    changed = [card for card, list_id in now_cards.items() if cards.get(card) != list_id]
    assert changed, "the mutation moved no card"
    item = WorkItem.objects.get(integration_id=integration_id, external_id=changed[0])
    assert item.changes.filter(field="status").count() >= 1
    assert stored.count() == len(now_cards)

    # The credentials appear nowhere in plain text: not in the worker's log, not in any task
    # result, not in any row of the database (a full dump), not in any API answer.
    secrets = (credentials["token"], credentials["key"], "hook-secret")
    dump = subprocess.run(
        [sys.executable, "manage.py", "dumpdata", "--indent", "0"],
        cwd=REPO_ROOT,
        env=worker.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert '"model": "integrations.integration"' in dump  # the dump does hold the rows
    assert '"credentials_encrypted": "gAAAAA' in dump  # as Fernet ciphertext
    answers = client.get(f"/api/integrations/{integration_id}/").content.decode()
    answers += client.get("/api/sync-runs/", {"integration": integration_id}).content.decode()
    for secret in secrets:
        assert secret not in worker.log("worker")
        assert secret not in dump
        assert secret not in answers


def test_a_server_error_burst_is_retried_by_the_task_and_then_succeeds(fresh_sandbox, worker):
    box = fresh_sandbox("--seed", "12")
    # Three calls fail inside one run (one try + two quick retries), the fourth succeeds.
    faults = [{"kind": "status", "status": 503, "path": "/1/boards/*/lists", "count": 3}]
    requests.post(box.base + "/_sandbox/faults", json={"faults": faults}, timeout=5)
    config, credentials = trello_config(box)

    integration = services.create_integration(
        team=TeamFactory(), kind="trello", name="flaky", config=config, credentials=credentials
    )

    runs = wait_for(
        lambda: (r := finished_runs(integration.pk)) and r[-1].status == "succeeded" and r,
        timeout=90,
        message=lambda: "no successful run:\n" + worker.log("worker")[-4000:],
    )
    assert [run.status for run in runs] == ["failed", "succeeded"]
    assert runs[0].error_type == "transient"
    assert WorkItem.objects.filter(integration=integration).count() == len(sandbox_cards(box))
    integration.refresh_from_db()
    assert integration.status == "ok"


def test_rejected_credentials_are_recorded_once_and_not_retried(sandbox, worker):
    config, credentials = trello_config(sandbox)

    integration = services.create_integration(
        team=TeamFactory(),
        kind="trello",
        name="revoked",
        config=config,
        credentials={**credentials, "token": "revoked-token-value"},
    )

    run = wait_for_run(SyncRun.objects.get(integration=integration).pk, worker)
    assert (run.status, run.error_type) == ("failed", "auth")
    wait_for(lambda: "succeeded in" in worker.log("worker"), timeout=30, message="task ended")
    assert SyncRun.objects.filter(integration=integration).count() == 1
    integration.refresh_from_db()
    assert integration.status == "auth_failed"
    assert integration.last_sync_at is not None


def test_killing_the_worker_mid_sync_loses_and_doubles_nothing(fresh_sandbox, worker):
    # Every answer takes 700 ms, so the sync is still running when the worker dies.
    box = fresh_sandbox("--seed", "13", "--latency-ms", "700", "--boards", "3")
    config, credentials = trello_config(box)
    integration = services.create_integration(
        team=TeamFactory(), kind="trello", name="killed", config=config, credentials=credentials
    )
    first = SyncRun.objects.get(integration=integration)
    wait_for(
        lambda: SyncRun.objects.get(pk=first.pk).records_created > 0,
        timeout=60,
        interval=0.1,
        message=lambda: "the sync never stored a first batch:\n" + worker.log("worker")[-4000:],
    )

    worker.kill("worker")
    assert SyncRun.objects.get(pk=first.pk).status == "running"
    worker.start_worker(name="worker2")
    wait_for(lambda: " ready." in worker.log("worker2"), timeout=60, message="worker2 up")
    # Once the dead worker's lease has run out, the sweep (beat runs it every 10 minutes)
    # closes the run and queues it again; with Redis the message may come back first.
    wait_for(lambda: not leases.is_syncing(integration), timeout=30, message="lease expiry")
    recovery.sweep()

    def resumed_and_done():
        runs = finished_runs(integration.pk)
        return runs and runs[-1].status == "succeeded" and runs[-1]

    wait_for(resumed_and_done, timeout=120, message=lambda: worker.log("worker2")[-4000:])
    cards = sandbox_cards(box)
    stored = WorkItem.objects.filter(integration=integration)
    assert stored.count() == len(cards)
    assert set(stored.values_list("external_id", flat=True)) == set(cards)


def test_a_rate_limit_waits_for_the_providers_reset(fresh_sandbox, worker):
    box = fresh_sandbox("--seed", "14")
    # Longer than the HTTP layer waits in place (10 s), so the task must come back later.
    faults = [{"kind": "rate_limit", "path": "/1/boards/*/lists", "retry_after": 12, "count": 1}]
    requests.post(box.base + "/_sandbox/faults", json={"faults": faults}, timeout=5)
    config, credentials = trello_config(box)

    integration = services.create_integration(
        team=TeamFactory(), kind="trello", name="limited", config=config, credentials=credentials
    )

    runs = wait_for(
        lambda: (r := finished_runs(integration.pk)) and r[-1].status == "succeeded" and r,
        timeout=90,
        message=lambda: worker.log("worker")[-4000:],
    )
    limited, retried = runs[0], runs[-1]
    assert limited.error_type == "rate_limited"
    assert (retried.started_at - limited.finished_at).total_seconds() >= 11
    assert WorkItem.objects.filter(integration=integration).count() == len(sandbox_cards(box))


def test_two_beats_and_a_duplicate_fan_out_queue_one_sync_per_integration(
    sandbox, celery_processes, settings
):
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask
    from django_celery_results.models import TaskResult

    from integrations.tasks import periodic_sync_all_integrations_metrics_task

    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    settings.CELERY_TASK_DEFAULT_QUEUE = celery_processes.queue
    settings.AGILETRACK_PRIORITY_QUEUE = celery_processes.priority_queue
    config, credentials = trello_config(sandbox)
    team = TeamFactory()
    integrations = [
        services.create_integration(
            team=team, kind="trello", name=f"boards {n}", config=config, credentials=credentials
        )
        for n in range(3)
    ]
    celery_processes.start_worker(concurrency=2)
    wait_for(lambda: " ready." in celery_processes.log("worker"), timeout=60, message="worker")
    for integration in integrations:  # the initial syncs end first
        wait_for_run(SyncRun.objects.get(integration=integration).pk, celery_processes)
    # The hourly row last ran two hours ago: both beats find it due as they start.
    PeriodicTask.objects.filter(name="Hourly sync of all integrations").update(
        last_run_at=timezone.now() - timezone.timedelta(hours=2)
    )

    celery_processes.start_beat()
    celery_processes._start(
        "beat2",
        [
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(celery_processes.workdir / "beat2-schedule"),
        ],
    )
    periodic_sync_all_integrations_metrics_task.apply_async(queue=celery_processes.queue)

    fan_out_task = "integrations.tasks.periodic_sync_all_integrations_metrics_task"
    wait_for(
        lambda: TaskResult.objects.filter(task_name=fan_out_task, status="SUCCESS").count() >= 2,
        timeout=60,
        message=lambda: celery_processes.log("worker")[-4000:],
    )
    # Stop both beats, then count what they sent: the second beat may or may not have found
    # the row still due, so the number of fan-outs is read from the logs, not assumed.
    celery_processes.terminate("beat")
    celery_processes.terminate("beat2")
    sent_by_beats = sum(
        celery_processes.log(name).count("Sending due task Hourly sync of all integrations")
        for name in ("beat", "beat2")
    )
    assert sent_by_beats >= 1
    fan_outs = 1 + sent_by_beats
    wait_for(
        lambda: (
            TaskResult.objects.filter(task_name=fan_out_task, status="SUCCESS").count() == fan_outs
        ),
        timeout=60,
        message=lambda: celery_processes.log("worker")[-4000:],
    )
    wait_for(
        lambda: not SyncRun.objects.filter(status__in=["queued", "running"]).exists(),
        timeout=90,
        message=lambda: celery_processes.log("worker")[-4000:],
    )

    for integration in integrations:
        scheduled = SyncRun.objects.filter(integration=integration, trigger="scheduled")
        assert scheduled.exclude(status="skipped").count() == 1
        assert scheduled.filter(status="skipped").count() == fan_outs - 1
        assert scheduled.get(status="succeeded").records_created == 0
    assert WorkItem.objects.filter(integration=integrations[0]).count() == len(
        sandbox_cards(sandbox)
    )
