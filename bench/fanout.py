"""Benchmark 5: the hourly fan-out over many integrations, and worker memory as pages grow.

Fan-out: integrations (GitHub, Jira and Trello in turn) on one sandbox with a small organisation;
the hourly task (`periodic_sync_all_integrations_metrics_task`) is sent to real workers and timed
until every run it queued has finished, twice: the first hour (every integration's first, full
sync) and the next hour (nothing changed). Memory: one GitHub integration synced in full by a
fresh worker for repositories of growing size; the pool process's peak resident memory.
"""

from __future__ import annotations

import time

from bench import harness
from bench.params import Params
from bench.report import table
from integrations.models import SyncRun
from integrations.tasks import (
    periodic_sync_all_integrations_metrics_task,
    sync_integration_task,
)
from metrics.models import PullRequest

TINY = (
    "--repos",
    "1",
    "--prs-per-repo",
    "20",
    "--projects",
    "1",
    "--issues-per-project",
    "20",
    "--boards",
    "1",
    "--cards-per-board",
    "20",
    "--days",
    "60",
)


def hourly(ids: list[int], queue: str, previous: int) -> tuple[float, dict]:
    """Send the hourly task; seconds until every run it queued finished, and their statuses."""
    started = time.monotonic()
    periodic_sync_all_integrations_metrics_task.apply_async(queue=queue)
    expected = previous + len(ids)
    harness.wait_for(
        lambda: harness.runs_finished(ids, "scheduled", expected), 3600, "fan-out runs"
    )
    seconds = time.monotonic() - started
    runs = SyncRun.objects.filter(integration_id__in=ids, trigger="scheduled")
    statuses: dict[str, int] = {}
    for status in runs.order_by("pk").values_list("status", flat=True)[previous:]:
        statuses[status] = statuses.get(status, 0) + 1
    return seconds, statuses


def fan_out(box, count: int, workers: int) -> list[list[object]]:
    specs = harness.integration_specs(box.info)
    team = harness.make_team(harness.unique("bench-fanout"))
    ids = harness.add_integrations(
        team,
        [
            (kind, f"{kind} {i}", config, creds)
            for i, (kind, _, config, creds) in ((i, specs[i % len(specs)]) for i in range(count))
        ],
    )
    pool = harness.Workers()
    rows: list[list[object]] = []
    try:
        pool.start(workers)
        done = 0
        for hour in ("first hour (full syncs)", "next hour (nothing changed)"):
            harness.sandbox_stats(box.base, clear=True)
            seconds, statuses = hourly(ids, pool.celery.queue, done)
            done += len(ids)
            stats = harness.sandbox_stats(box.base)
            _, pool_mib = pool.peak_memory_mib()
            rows.append(
                [
                    workers,
                    count,
                    hour,
                    seconds,
                    count / seconds,
                    stats["requests"] + stats["not_modified"],
                    ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())),
                    pool_mib,
                ]
            )
    finally:
        pool.stop()
        harness.drop_team(team)
    return rows


def memory(prs: int) -> tuple[list[object], int, float]:
    """Peak memory of a fresh worker's pool process after one full sync of `prs` pull requests:
    the table row, GraphQL requests and peak pool MiB."""
    args = ("--seed", "7", "--repos", "1", "--prs-per-repo", str(prs), "--days", "365")
    with harness.sandbox(*args, *harness.GENEROUS_LIMITS) as box:
        team = harness.make_team(harness.unique("bench-memory"))
        spec = next(s for s in harness.integration_specs(box.info) if s[0] == "github")
        (pk,) = harness.add_integrations(team, [spec])
        pool = harness.Workers()
        try:
            pool.start(1)
            _, idle_pool = pool.peak_memory_mib()
            run = SyncRun.objects.create(integration_id=pk, trigger="manual")
            started = time.monotonic()
            sync_integration_task.apply_async(
                (pk,), {"trigger": "manual", "run_id": run.pk}, queue=pool.celery.queue
            )
            harness.wait_for(lambda: harness.runs_finished([pk], "manual", 1), 3600, "sync")
            seconds = time.monotonic() - started
            main_mib, pool_mib = pool.peak_memory_mib()
            stats = harness.sandbox_stats(box.base)
            graphql = sum(
                sum(codes.values())
                for label, codes in stats["endpoints"].items()
                if "graphql" in label
            )
            stored = PullRequest.objects.filter(integration_id=pk).count()
            status = SyncRun.objects.get(pk=run.pk).status
        finally:
            pool.stop()
            harness.drop_team(team)
    row = [
        prs,
        stored,
        graphql,
        stats["requests"] + stats["not_modified"],
        seconds,
        status,
        idle_pool,
        pool_mib,
        main_mib,
    ]
    return row, graphql, pool_mib


def run(params: Params) -> str:
    with harness.sandbox("--seed", "7", *TINY, *harness.GENEROUS_LIMITS) as box:
        rows = [
            row for workers in params.workers for row in fan_out(box, params.integrations, workers)
        ]
    fan_table = table(
        f"Hourly fan-out over {params.integrations} integrations",
        [
            "worker processes",
            "integrations",
            "hour",
            "seconds",
            "syncs/s",
            "API requests",
            "runs",
            "peak pool MiB",
        ],
        rows,
        [
            "sandbox --seed 7 " + " ".join(TINY) + " (rate limits raised); integrations "
            "alternate GitHub (1 repository), Jira (1 board), Trello (1 board), all on it",
            "seconds: from sending periodic_sync_all_integrations_metrics_task to the last run "
            "it queued finished (the fan-out itself runs on a worker too)",
            "worker processes: separate `celery worker` processes with one pool process each; "
            "peak pool MiB: the largest VmHWM of their pool processes so far (/proc)",
            "AGILETRACK_FAN_OUT_MIN_INTERVAL_SECONDS=0 so the second hour is not skipped as a "
            "duplicate of the first",
        ],
    )
    measured = [memory(prs) for prs in params.memory_prs]
    memory_rows = [row for row, _, _ in measured]
    (_, pages_first, peak_first), (_, pages_last, peak_last) = measured[0], measured[-1]
    growth = (
        f"peak pool memory {peak_first:.1f} MiB at {pages_first} GraphQL requests, "
        f"{peak_last:.1f} MiB at {pages_last}: {peak_last - peak_first:+.1f} MiB for "
        f"{pages_last / max(1, pages_first):.0f}x the pages"
    )
    memory_table = table(
        "Worker peak memory as pages grow (one full GitHub sync per fresh worker)",
        [
            "pull requests",
            "stored",
            "GraphQL requests",
            "API requests",
            "seconds",
            "run",
            "pool MiB idle",
            "pool MiB peak",
            "main MiB peak",
        ],
        memory_rows,
        [
            "sandbox --seed 7 --repos 1 --prs-per-repo N --days 365; one worker process, one "
            "pool process; VmHWM read from /proc after the run finished",
            "flat: the peak should not grow with the number of pages (each page is stored and "
            "dropped before the next is read); " + growth,
        ],
    )
    return fan_table + "\n" + memory_table
