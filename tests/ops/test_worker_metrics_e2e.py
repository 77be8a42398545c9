"""A real worker (and beat) write metrics and JSON logs that /metrics and a log reader see."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django_celery_beat.models import PeriodicTask

from integrations import queueing, services
from integrations.models import SyncRun
from tests.e2e.conftest import wait_for
from tests.factories import TeamFactory
from tests.ops.conftest import parse_exposition, sample_value

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FINISHED = ("succeeded", "failed", "partial", "skipped")


@pytest.fixture
def observed_processes(celery_processes, settings, tmp_path):
    """Worker and beat writing metrics to a private folder and logging JSON lines."""
    metrics_dir = tmp_path / "prometheus"
    env = celery_processes.env
    # The test process exported its own multiprocess folder; the children get a private one.
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(AGILETRACK_PROMETHEUS_DIR=str(metrics_dir), AGILETRACK_LOG_FORMAT="json")
    settings.AGILETRACK_PROMETHEUS_DIR = metrics_dir
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    settings.CELERY_TASK_DEFAULT_QUEUE = celery_processes.queue
    settings.AGILETRACK_PRIORITY_QUEUE = celery_processes.priority_queue
    # Beat only ticks (and records its heartbeat): no schedule sends a sync this test would count.
    PeriodicTask.objects.update(enabled=False)
    # -q: no start-up banner, so every line of the output is a log line.
    celery_processes._start(
        "worker",
        [
            "-q",
            "worker",
            "--concurrency",
            "1",
            "-n",
            f"ops-{celery_processes.node_name}",
            "--queues",
            f"{celery_processes.priority_queue},{celery_processes.queue}",
        ],
    )
    celery_processes._start(
        "beat",
        [
            "-q",
            "beat",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
    )
    wait_for(
        lambda: " ready." in celery_processes.log("worker"),
        timeout=60,
        message=lambda: celery_processes.log("worker")[-3000:],
    )
    return celery_processes


def wait_for_run(run_id: int, processes) -> SyncRun:
    def finished():
        run = SyncRun.objects.get(pk=run_id)
        return run if run.status in FINISHED else None

    return wait_for(finished, 90, message=lambda: processes.log("worker")[-4000:])


def json_lines(text: str) -> list[dict]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "no output at all"
    return [json.loads(line) for line in lines]


def test_a_worker_sync_shows_in_metrics_and_json_logs(sandbox, observed_processes, client):
    github = sandbox.info["github"]
    integration = services.create_integration(
        team=TeamFactory(),
        kind="github",
        name="repo",
        config={"api_url": github["api_url"], "repositories": github["repositories"][:1]},
        credentials={"token": github["token"]},
    )
    first = wait_for_run(
        SyncRun.objects.get(integration=integration, trigger="initial").pk, observed_processes
    )
    assert first.status == "succeeded", first.error_message
    with transaction.atomic():
        again = queueing.queue_sync(integration, SyncRun.Trigger.MANUAL)
    second = wait_for_run(again.pk, observed_processes)
    assert second.status == "succeeded", second.error_message
    assert second.records_created == 0 and second.api_requests_not_modified > 0

    text = client.get("/metrics").content.decode()
    families = parse_exposition(text)
    assert github["token"] not in text

    runs = sample_value(
        families, "agiletrack_sync_runs_total", provider="github", outcome="succeeded"
    )
    assert runs == 2
    duration_count = sample_value(
        families, "agiletrack_sync_run_duration_seconds_count", provider="github"
    )
    assert duration_count == 2
    ok = sample_value(
        families, "agiletrack_provider_api_requests_total", provider="github", status="200"
    )
    not_modified = sample_value(
        families, "agiletrack_provider_api_requests_total", provider="github", status="304"
    )
    assert ok == first.api_requests + second.api_requests - second.api_requests_not_modified
    assert not_modified == second.api_requests_not_modified
    ingested = sum(
        sample.value
        for sample in families["agiletrack_records_ingested"]
        if sample.labels["provider"] == "github" and sample.labels["change"] == "created"
    )
    assert ingested == first.records_created > 0
    remaining = sample_value(
        families,
        "agiletrack_provider_rate_limit_remaining",
        provider="github",
        integration=str(integration.pk),
    )
    assert remaining is not None and remaining >= 0

    def fresh_beat_heartbeat() -> float | None:
        text = client.get("/metrics").content.decode()
        age = sample_value(parse_exposition(text), "agiletrack_beat_heartbeat_age_seconds")
        return age if age is not None and age < 30 else None

    # Beat's scheduler records its heartbeat on its first tick, then every 10 s.
    wait_for(
        fresh_beat_heartbeat,
        timeout=30,
        message=lambda: observed_processes.log("beat")[-3000:],
    )

    # Every worker and beat line is JSON; the sync's lines name their task; no credential.
    worker_lines = json_lines(observed_processes.log("worker"))
    beat_lines = json_lines(observed_processes.log("beat"))
    started = [line for line in worker_lines if line["message"].startswith("sync started")]
    assert {line["task_id"] for line in started} == {first.task_id, second.task_id}
    assert {line["task_name"] for line in started} == {
        "integrations.tasks.initial_sync_metrics_task",
        "integrations.tasks.sync_integration_task",
    }
    assert all(line["service"] == "worker" for line in worker_lines)
    assert all(line["service"] == "beat" for line in beat_lines)
    for name in ("worker", "beat"):
        assert github["token"] not in observed_processes.log(name)
