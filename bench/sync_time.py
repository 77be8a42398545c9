"""Benchmark 2: wall time of the first sync of a sandbox organisation whose API answers each
request after a fixed latency, on 1 and 2 real worker processes.

One integration per repository, Jira board and Trello board, so two workers have work to share
(a single integration never syncs on two workers at once: its lease).
"""

from __future__ import annotations

import time

from bench import harness
from bench.report import table
from integrations import queueing
from integrations.models import Integration, SyncRun
from metrics.models import PullRequest, WorkItem


def one_run(box, workers: int) -> dict:
    team = harness.make_team(harness.unique("bench-sync-time"))
    specs = harness.integration_specs(box.info, per_scope=True)
    ids = harness.add_integrations(team, specs)
    pool = harness.Workers()
    try:
        pool.start(workers)
        harness.sandbox_stats(box.base, clear=True)
        started = time.monotonic()
        for integration in Integration.objects.filter(pk__in=ids):
            queueing.queue_sync(integration, SyncRun.Trigger.INITIAL)
        harness.wait_for(
            lambda: harness.runs_finished(ids, "initial", len(ids)), 3600, "initial syncs"
        )
        seconds = time.monotonic() - started
        stats = harness.sandbox_stats(box.base)
        runs = SyncRun.objects.filter(integration_id__in=ids)
        result = {
            "workers": workers,
            "integrations": len(ids),
            "seconds": seconds,
            "requests": stats["requests"] + stats["not_modified"],
            "succeeded": runs.filter(status="succeeded").count(),
            "pull_requests": PullRequest.objects.filter(integration_id__in=ids).count(),
            "work_items": WorkItem.objects.filter(integration_id__in=ids).count(),
        }
    finally:
        pool.stop()
        harness.drop_team(team)
    return result


def run(scale: str, latency_ms: int, worker_counts: tuple[int, ...]) -> str:
    args = ("--seed", "7", "--scale", scale, "--latency-ms", str(latency_ms))
    with harness.sandbox(*args, *harness.GENEROUS_LIMITS) as box:
        results = [one_run(box, workers) for workers in worker_counts]
    base = results[0]["seconds"]
    rows = [
        [
            r["workers"],
            r["integrations"],
            f"{r['succeeded']}/{r['integrations']}",
            r["requests"],
            r["pull_requests"],
            r["work_items"],
            r["seconds"],
            f"{base / r['seconds']:.2f}x",
            r["requests"] * latency_ms / 1000,
        ]
        for r in results
    ]
    return table(
        f"Sync wall time, sandbox scale {scale}, {latency_ms} ms per API request",
        [
            "worker processes",
            "integrations",
            "succeeded",
            "API requests",
            "pull requests",
            "work items",
            "seconds",
            "speed-up",
            "latency alone, s",
        ],
        rows,
        [
            f"sandbox --seed 7 --scale {scale} --latency-ms {latency_ms}; one integration per "
            "repository, Jira board and Trello board; all initial syncs queued at once",
            "seconds: from queueing the syncs to the last run finished (real `celery worker` "
            "processes, one pool process each, the configured broker and database)",
            "latency alone: API requests x latency, the time a single sequential client would "
            "spend waiting",
        ],
    )
