"""Benchmark 3: records upserted per second through metrics.ingest, the code a sync stores with.

Pull requests with two reviews each, in batches of 50 (the GitHub provider's page), each batch in
the sync's own page transaction; first as new rows, then with every record changed (every row an
update), then the changed records again (no row written). With DATABASE_URL set, the same runs on
SQLite in a child process (`python -m bench --ingest-on-sqlite N`), so both databases are printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db import connection

from bench import harness
from bench.report import short_by, table
from integrations.providers.records import PullRequest, Review
from metrics.ingest import ingest, page_transaction

BATCH = 50
# The provider's page (50) and a larger batch, to show what per-batch overhead costs.
BATCHES = (BATCH, 500)
TARGET = 20_000  # records per second into PostgreSQL
REVIEWS = 2


def pull_requests(count: int, repository: str = "acme-eng/bench") -> list[PullRequest]:
    """`count` pull requests as the GitHub provider returns them, each with its reviews."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for number in range(1, count + 1):
        created = start + timedelta(minutes=number)
        reviews = tuple(
            Review(
                external_id=f"review-{number}-{r}",
                repository=repository,
                pull_request_number=number,
                reviewer=f"reviewer-{r}",
                reviewer_is_bot=False,
                state="APPROVED" if r else "COMMENTED",
                submitted_at=created + timedelta(hours=r + 1),
            )
            for r in range(REVIEWS)
        )
        out.append(
            PullRequest(
                external_id=f"pr-{number}",
                repository=repository,
                number=number,
                title=f"Change {number}",
                author=f"dev-{number % 7}",
                author_is_bot=False,
                state="merged",
                is_draft=False,
                url=f"https://github.example/{repository}/pull/{number}",
                created_at=created,
                updated_at=created + timedelta(hours=4),
                merged_at=created + timedelta(hours=4),
                closed_at=created + timedelta(hours=4),
                first_commit_at=created - timedelta(hours=2),
                additions=number % 300,
                deletions=number % 50,
                changed_files=number % 9 + 1,
                merge_commit_sha=f"{number:040x}",
                reviews=reviews,
            )
        )
    return out


def edit(pr: PullRequest) -> PullRequest:
    """The pull request as a later sync sees it: retitled, and every review's state changed."""
    return replace(
        pr,
        title=pr.title + " (edited)",
        reviews=tuple(replace(review, state="DISMISSED") for review in pr.reviews),
    )


def measure(count: int, batch: int = BATCH) -> dict:
    """Upsert `count` pull requests three times (new, every record edited, the edited ones
    again), `batch` pull requests per transaction as a sync stores a page; records per second
    of each, and how many rows each wrote."""
    team = harness.make_team(harness.unique("bench-ingest"))
    integration_id = harness.add_integrations(
        team,
        [
            (
                "github",
                "ingest",
                {"api_url": "http://127.0.0.1:9", "repositories": ["acme-eng/bench"]},
                {"token": "unused"},
            )
        ],
    )[0]
    from integrations.models import Integration

    integration = Integration.objects.get(pk=integration_id)
    records = pull_requests(count)
    edited = [edit(pr) for pr in records]
    total = count * (1 + REVIEWS)
    out = {"vendor": connection.vendor, "batch": batch, "pull_requests": count, "records": total}
    for phase, pages in (("insert", records), ("update", edited), ("unchanged", edited)):
        started = time.perf_counter()
        written = 0
        for offset in range(0, count, batch):
            with page_transaction():
                stored = ingest(integration, pages[offset : offset + batch])
            written += sum(stored.created.values()) + sum(stored.updated.values())
        seconds = time.perf_counter() - started
        out[phase] = {"seconds": seconds, "per_second": total / seconds, "written": written}
        if connection.vendor == "postgresql":
            # What autovacuum does between two syncs an hour apart: fresh planner statistics
            # (without them, reading 50 ids from a table grown from empty scans all of it).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE metrics_pullrequest, metrics_review")
    harness.drop_team(team)
    return out


def in_child_on_sqlite(count: int, batch: int) -> dict:
    """The same measurement on the embedded default (SQLite), in a fresh process."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    done = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "bench", "--ingest-on-sqlite", f"{count},{batch}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"SQLite ingest run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


RAW_RATIO = 0.7  # metrics.ingest at least this fraction of the raw floor's records per second


def with_raw_floor(result: dict) -> dict:
    """The result with the raw floor (bench.ingest_raw) of the same rows and batch beside it, on
    PostgreSQL: records per second of each phase it runs, and metrics.ingest as a fraction."""
    from bench import ingest_raw

    count, batch = result["pull_requests"], result["batch"]
    records = pull_requests(count)
    raw = ingest_raw.measure(records, [edit(pr) for pr in records], batch)
    for phase, found in raw.items():
        per_second = result["records"] / found["seconds"]
        result[phase]["raw_per_second"] = per_second
        result[phase]["of_raw"] = result[phase]["per_second"] / per_second
        result[phase]["raw_written"] = found["written"]
    return result


def _versus_raw(phase: dict) -> list:
    """The raw floor's cells of a row: records/s, ingest as a fraction of it, the verdict."""
    if "raw_per_second" not in phase:
        return ["—", "—", "—"]
    # Shown rounded down, so a ratio just under the target never reads as meeting it: 0.698 is
    # "0.69x", missed by 0.01 (rounded to the nearest, it read "0.70x", missed by 0.00).
    shown = Decimal(repr(phase["of_raw"])).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
    target = Decimal(str(RAW_RATIO))
    verdict = "met" if shown >= target else f"missed by {target - shown}"
    return [round(phase["raw_per_second"]), f"{shown}x", f"≥ {RAW_RATIO}x raw: {verdict}"]


def run_all(count: int) -> str:
    results = [measure(count, batch) for batch in BATCHES]
    if connection.vendor == "postgresql":
        results = [with_raw_floor(r) for r in results]
    if connection.vendor != "sqlite":
        results += [in_child_on_sqlite(count, batch) for batch in BATCHES]
    rows = []
    for r in results:
        for phase in ("insert", "update", "unchanged"):
            target = "—"
            if r["vendor"] == "postgresql" and phase != "unchanged":
                short = TARGET - r[phase]["per_second"]
                verdict = "met" if short <= 0 else f"missed by {short_by(short)}/s"
                target = f"≥ {TARGET}: {verdict}"
            rows.append(
                [
                    r["vendor"],
                    r["batch"],
                    phase,
                    r["pull_requests"],
                    r["records"],
                    r[phase]["written"],
                    r[phase]["seconds"],
                    round(r[phase]["per_second"]),
                    target,
                    *_versus_raw(r[phase]),
                ]
            )
    return table(
        "Ingest throughput (metrics.ingest, the sync's upsert path)",
        [
            "database",
            "batch",
            "phase",
            "pull requests",
            "records",
            "rows written",
            "seconds",
            "records/s",
            "target",
            "raw records/s",
            "of raw",
            "target vs raw",
        ],
        rows,
        [
            f"records: pull requests + {REVIEWS} reviews each; one transaction per batch of "
            f"pull requests, as a sync stores a page (GitHub pages hold {BATCH}; 500 for "
            "comparison)",
            "insert: every row new; update: every record changed (title, review states), so "
            "every row is rewritten; unchanged: the same records again, which write no row",
            "each batch in metrics.ingest.page_transaction, the sync's own (on PostgreSQL its "
            "commit does not wait for the disk; the run's final commit does); on PostgreSQL "
            "ANALYZE after each phase, as autovacuum would between two syncs",
            "raw records/s: the raw floor (bench.ingest_raw), PostgreSQL only: the same rows and "
            "batches by hand-written INSERT ... ON CONFLICT (integration_id, external_id) DO "
            "UPDATE through psycopg2.extras.execute_values, pull requests then their reviews into "
            "the same tables and columns, one transaction per batch (synchronous_commit off, as "
            "page_transaction), on its own fresh integration after the metrics.ingest run; it "
            "rewrites every row it meets, so it has no unchanged phase; of raw: metrics.ingest's "
            "records/s as a fraction of it (machines differ by 2-3x; the ratio travels)",
            "SQLite row: a child process on the embedded default (WAL, a file under var/)"
            if connection.vendor != "sqlite"
            else f"database: {connection.vendor} only (set DATABASE_URL to add PostgreSQL)",
        ],
    )
