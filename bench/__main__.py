"""`python -m bench`: run the benchmarks and print their tables (see README, "Benchmarks").

Uses a throwaway database created like the test database (SQLite by default; PostgreSQL and
Redis when DATABASE_URL / REDIS_URL are set), the bundled sandbox on free loopback ports, and
real worker and web server processes where a benchmark says so.

  1  requests per sync (sandbox counters), full / unchanged / 1% changed, beside the targets
  2  sync wall time with 50 ms API latency, 1 and 2 worker processes
  3  ingest throughput through metrics.ingest (PostgreSQL and SQLite when DATABASE_URL is set)
  4  page and API latency at scale (gunicorn, 10 concurrent clients, cold and warm cache)
  5  hourly fan-out over many integrations, 1 and 2 workers, and worker peak memory
  pages  page render time over the demo data (in-process)
  org    the organisation overview over 50 teams sharing benchmark 4's data, cold and warm
  lists  every drill-down list's first and last page over benchmark 4's data, cold, one client
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.params import FULL, QUICK, Params

CHOICES = ("1", "2", "3", "4", "5", "pages", "org", "lists")


def parse_only(value: str) -> list[str]:
    chosen = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [c for c in chosen if c not in CHOICES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(CHOICES)}; got {value!r}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--repeat", type=int, default=10, help="requests per page measurement")
    parser.add_argument(
        "--only", type=parse_only, default=list(CHOICES), help="N[,N]: 1-5, pages, org and/or lists"
    )
    parser.add_argument("--quick", action="store_true", help="small parameters (a minute or two)")
    parser.add_argument("--write", metavar="PATH", help="also write the tables to this file")
    # Benchmark 3's child process on SQLite: prints its result as JSON.
    parser.add_argument("--ingest-on-sqlite", metavar="N,BATCH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    params = QUICK if args.quick else FULL

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agiletrack.settings")
    # Cached values of the benchmark never meet a running AgileTrack's in a shared Redis.
    os.environ.setdefault("AGILETRACK_CACHE_KEY_PREFIX", f"agiletrack-bench-{os.getpid()}")
    # Each sync logs a few lines at INFO; the tables are what this prints.
    os.environ.setdefault("AGILETRACK_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench.harness import unique
    from bench.report import machine

    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    # Stray task messages (integrations created here) go to private queues, never a live one.
    settings.CELERY_TASK_DEFAULT_QUEUE = unique("agiletrack-bench")
    settings.AGILETRACK_PRIORITY_QUEUE = unique("agiletrack-bench-priority")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.ingest_on_sqlite:
        import json

        from bench import ingest

        try:
            count, batch = (int(part) for part in args.ingest_on_sqlite.split(","))
            print(json.dumps(ingest.measure(count, batch)))
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        return 0
    started = datetime.now(UTC)
    header = (
        f"# AgileTrack benchmarks\n\nDate: {started:%Y-%m-%d %H:%M} UTC\n\n"
        f"Machine: {machine()}\n\nParameters: {'--quick' if args.quick else 'full'}, "
        f"--only {','.join(args.only)}: "
        + ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(params).items())
        + "\n"
    )
    print(header, flush=True)
    tables: list[str] = []
    try:
        for name in args.only:
            began = time.monotonic()
            try:
                text = _benchmarks(params, args.repeat)[name]()
            except Exception as exc:  # noqa: BLE001 (one failing still prints the others)
                import traceback

                traceback.print_exc()
                text = f"## Benchmark {name} failed\n\n- {type(exc).__name__}: {exc}\n"
            text += f"- took {time.monotonic() - began:.0f} s\n"
            print(text, flush=True)
            tables.append(text)
    finally:
        _drain_private_queues(settings)
        _remove_worker_logs()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if args.write:
        Path(args.write).write_text(header + "\n" + "\n".join(tables))
    return 0


def _benchmarks(params: Params, repeat: int) -> dict[str, Callable[[], str]]:
    from bench import fanout, ingest, latency, lists, organisation, pages, sync_requests, sync_time

    def page_tables() -> str:
        from bench.harness import sandbox

        with sandbox("--seed", "7") as box:
            return "\n".join(
                [
                    pages.run(box.info, repeat=repeat),
                    pages.run(box.info, repeat=repeat, since="2026-07-01", until="2026-11-01"),
                ]
            )

    return {
        "1": lambda: sync_requests.run(params.requests_scale),
        "2": lambda: sync_time.run(params.sync_time_scale, params.latency_ms, params.workers),
        "3": lambda: ingest.run_all(params.ingest_pull_requests),
        "4": lambda: latency.run(params),
        "5": lambda: fanout.run(params),
        "pages": page_tables,
        "org": lambda: organisation.run(params),
        "lists": lambda: lists.run(params, repeat),
    }


def _remove_worker_logs() -> None:
    import shutil

    from bench.harness import WORKDIRS

    for workdir in WORKDIRS:
        shutil.rmtree(workdir, ignore_errors=True)


def _drain_private_queues(settings) -> None:
    """Delete this run's queues and cached values from Redis (the SQLite broker's and database
    cache's rows go with their files and the throwaway database)."""
    from bench.harness import QUEUES, cache_prefix

    if settings.CELERY_BROKER_URL.startswith("redis"):
        import redis

        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        for queue in {
            settings.CELERY_TASK_DEFAULT_QUEUE,
            settings.AGILETRACK_PRIORITY_QUEUE,
            *QUEUES,
        }:
            broker.delete(queue)
    if settings.REDIS_URL and cache_prefix().startswith("agiletrack-bench-"):
        import redis

        cache = redis.Redis.from_url(settings.REDIS_URL)
        # Data versions are kept without expiry (metrics.cache); nothing else uses this prefix.
        for key in cache.scan_iter(match=f"{cache_prefix()}:*", count=1000):
            cache.delete(key)


if __name__ == "__main__":
    sys.exit(main())
