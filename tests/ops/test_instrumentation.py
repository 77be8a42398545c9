"""Series written by this process: provider requests, rate limits, sync runs, task signals.

prometheus_client's default registry holds this process's own values, so these tests read them
there, untouched by other processes writing to the shared folder.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from prometheus_client import REGISTRY

from agiletrack.celery import app as celery_app
from agiletrack.observability.logs import bind_context
from agiletrack.observability.multiproc import prune_dead_process_files
from integrations import leases, recovery, services
from integrations.models import SyncRun
from integrations.providers.errors import TransientError
from integrations.providers.http import HttpClient, HttpOptions
from integrations.tasks import sync_integration_task
from tests.factories import TeamFactory, make_integration


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def github_client(box, base_url: str | None = None) -> HttpClient:
    return HttpClient(
        base_url=base_url or box.info["github"]["api_url"],
        provider="GitHub",
        headers={"Authorization": f"Bearer {box.info['github']['token']}"},
        options=HttpOptions(transient_retries=0, sleep=lambda seconds: None),
    )


def test_provider_requests_count_200_and_304_apart_and_keep_the_rate_limit(sandbox, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    client = github_client(sandbox)
    path = f"/repos/{sandbox.info['github']['repositories'][0]}/pulls"
    ok_before = value("agiletrack_provider_api_requests_total", provider="github", status="200")
    free_before = value("agiletrack_provider_api_requests_total", provider="github", status="304")

    with bind_context(integration=9001):
        first = client.get(path, endpoint="pulls", params={"per_page": 5})
        second = client.get(path, endpoint="pulls", params={"per_page": 5}, etag=first.etag)

    assert (first.status, second.status) == (200, 304)
    ok = value("agiletrack_provider_api_requests_total", provider="github", status="200")
    free = value("agiletrack_provider_api_requests_total", provider="github", status="304")
    assert (ok - ok_before, free - free_before) == (1, 1)
    remaining = value(
        "agiletrack_provider_rate_limit_remaining",
        provider="github",
        integration="9001",
        resource="core",
    )
    assert remaining == float(client.rate_limit["x-ratelimit-remaining"]) > 0
    assert value(
        "agiletrack_provider_rate_limit_limit",
        provider="github",
        integration="9001",
        resource="core",
    ) == float(client.rate_limit["x-ratelimit-limit"])


@pytest.mark.django_db
def test_testing_a_connection_keeps_the_integrations_rate_limit(sandbox, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    info = sandbox.info["github"]
    integration = services.create_integration(
        team=TeamFactory(),
        kind="github",
        name="GitHub",
        config={"api_url": info["api_url"], "repositories": info["repositories"][:1]},
        credentials={"token": info["token"]},
    )

    check = services.test_connection(integration)

    assert check.ok, check.message
    remaining = value(
        "agiletrack_provider_rate_limit_remaining",
        provider="github",
        integration=str(integration.pk),
        resource="core",
    )
    assert (
        0
        < remaining
        < value(
            "agiletrack_provider_rate_limit_limit",
            provider="github",
            integration=str(integration.pk),
            resource="core",
        )
    )


def test_a_request_that_gets_no_answer_is_counted_as_a_connection_error(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    client = HttpClient(
        base_url="http://127.0.0.1:9",  # discard port: nothing listens
        provider="Jira",
        options=HttpOptions(transient_retries=0, connect_timeout=1, sleep=lambda seconds: None),
    )
    before = value(
        "agiletrack_provider_api_requests_total", provider="jira", status="connection_error"
    )

    with pytest.raises(TransientError):
        client.get("/rest/api/3/myself", endpoint="myself")

    after = value(
        "agiletrack_provider_api_requests_total", provider="jira", status="connection_error"
    )
    assert after - before == 1


@pytest.mark.django_db
def test_a_sync_skipped_because_another_holds_the_lease_counts_as_skipped():
    # The test's transaction never commits, so the initial sync is never sent to the broker.
    integration = make_integration(TeamFactory(), "trello")
    assert leases.claim_lease(integration.pk, "another-worker")
    before = value(
        "agiletrack_sync_runs_total", provider="trello", outcome="skipped", error_type="none"
    )
    durations_before = value("agiletrack_sync_run_duration_seconds_count", provider="trello")

    result = sync_integration_task.apply(args=(integration.pk,), kwargs={"trigger": "manual"})

    assert result.get()["status"] == SyncRun.Status.SKIPPED
    after = value(
        "agiletrack_sync_runs_total", provider="trello", outcome="skipped", error_type="none"
    )
    assert after - before == 1
    # A skipped run never ran: no duration.
    assert (
        value("agiletrack_sync_run_duration_seconds_count", provider="trello") == durations_before
    )


@celery_app.task(name="tests.ops.always_fails")
def always_fails() -> None:
    raise RuntimeError("the provider is down")


@celery_app.task(bind=True, name="tests.ops.retries_once", max_retries=1)
def retries_once(self) -> str:
    if self.request.retries < 1:
        raise self.retry(countdown=0)
    return "done"


def test_task_failures_and_retries_are_counted_by_task_name():
    failures = value("agiletrack_celery_task_failures_total", task="tests.ops.always_fails")
    retries = value("agiletrack_celery_task_retries_total", task="tests.ops.retries_once")

    assert always_fails.apply().state == "FAILURE"
    assert retries_once.apply().get() == "done"

    assert (
        value("agiletrack_celery_task_failures_total", task="tests.ops.always_fails")
        == failures + 1
    )
    assert (
        value("agiletrack_celery_task_retries_total", task="tests.ops.retries_once") == retries + 1
    )
    assert value("agiletrack_celery_task_failures_total", task="tests.ops.retries_once") == 0


def test_start_up_prunes_the_files_of_dead_processes_only(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        names = [
            f"counter_{gone.pid}.db",
            f"histogram_{gone.pid}.db",
            f"counter_{alive.pid}.db",
            f"gauge_mostrecent_{alive.pid}.db",
            f"counter_{os.getpid()}.db",
        ]
        for name in names:
            (tmp_path / name).write_bytes(b"")

        removed = prune_dead_process_files(tmp_path)
    finally:
        alive.kill()
        alive.wait()

    assert removed == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names[2:])


@pytest.mark.django_db
def test_runs_the_sweep_closes_are_counted_as_failed_interrupted_or_lost(settings):
    settings.AGILETRACK_INITIAL_SYNC_GRACE_SECONDS = 0
    integration = make_integration(TeamFactory(), "trello")
    [first] = SyncRun.objects.filter(integration=integration)
    SyncRun.objects.filter(pk=first.pk).update(status="running")  # its worker died
    lost = SyncRun.objects.create(integration=integration, trigger="manual")
    before = {
        error: value(
            "agiletrack_sync_runs_total", provider="trello", outcome="failed", error_type=error
        )
        for error in ("interrupted", "lost")
    }

    result = recovery.sweep()

    assert (result["runs_interrupted"], result["runs_lost"]) == (1, 1)
    assert SyncRun.objects.get(pk=lost.pk).error_type == "lost"
    for error in ("interrupted", "lost"):
        after = value(
            "agiletrack_sync_runs_total", provider="trello", outcome="failed", error_type=error
        )
        assert after - before[error] == 1, error
