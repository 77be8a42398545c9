"""Benchmark 3's raw floor: the same pull requests and reviews upserted by hand-written
`INSERT ... ON CONFLICT DO UPDATE` through psycopg2.extras.execute_values (PostgreSQL only).

Same tables, same columns as metrics.ingest writes (every concrete column, the derived ones at
their defaults), the same batches, one transaction per batch with the same `synchronous_commit`
setting as metrics.ingest.page_transaction, on an integration of its own so it starts from the
same (empty) state. What it leaves out is what makes metrics.ingest more than a floor: working
out columns from the models, skipping unchanged rows, counting created and updated rows.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.db import connection
from django.utils import timezone
from psycopg2.extras import Json, execute_values

from bench import harness
from integrations.providers.records import PullRequest

PULL_REQUEST_COLUMNS = (
    "integration_id",
    "external_id",
    "synced_at",
    "repository",
    "number",
    "title",
    "author",
    "author_is_bot",
    "state",
    "is_draft",
    "url",
    "created_at",
    "updated_at",
    "merged_at",
    "closed_at",
    "first_commit_at",
    "additions",
    "deletions",
    "changed_files",
    "merge_commit_sha",
    "base_branch",
    "head_branch",
    "ready_for_review_times",
    "first_review_at",
    "reviewed_before_merge",
    "deployed_at",
    "coding_time_minutes",
    "pickup_time_minutes",
    "review_time_minutes",
    "deploy_time_minutes",
    "cycle_time_minutes",
)
# The columns a provider record sets (what an update rewrites; derived ones are left alone).
PULL_REQUEST_UPDATED = PULL_REQUEST_COLUMNS[2:23]
REVIEW_COLUMNS = (
    "integration_id",
    "external_id",
    "synced_at",
    "pull_request_id",
    "reviewer",
    "reviewer_is_bot",
    "state",
    "submitted_at",
    "is_reply",
    "counts_for_load",
)
REVIEW_UPDATED = REVIEW_COLUMNS[2:]


def _upsert_sql(table: str, columns: tuple[str, ...], updated: tuple[str, ...], back: str) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s "  # noqa: S608 (fixed names)
        "ON CONFLICT (integration_id, external_id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
        + f" RETURNING {back}"
    )


PULL_REQUEST_SQL = _upsert_sql(
    "metrics_pullrequest", PULL_REQUEST_COLUMNS, PULL_REQUEST_UPDATED, "external_id, id"
)
REVIEW_SQL = _upsert_sql("metrics_review", REVIEW_COLUMNS, REVIEW_UPDATED, "id")


def _pull_request_row(integration_id: int, now: datetime, pr: PullRequest) -> tuple:
    return (
        integration_id,
        pr.external_id,
        now,
        pr.repository,
        pr.number,
        (pr.title or "")[:500],
        pr.author,
        pr.author_is_bot,
        pr.state,
        pr.is_draft,
        pr.url or "",
        pr.created_at,
        pr.updated_at,
        pr.merged_at,
        pr.closed_at,
        pr.first_commit_at,
        pr.additions,
        pr.deletions,
        pr.changed_files,
        pr.merge_commit_sha or "",
        pr.base_branch,
        pr.head_branch,
        Json([t.isoformat() for t in pr.ready_for_review_times]),
        *([None] * 8),  # derived (metrics.derived), not written by a sync
    )


def store_batch(raw, integration_id: int, batch: list[PullRequest]) -> int:
    """Upsert one batch of pull requests with their reviews in one transaction; rows written."""
    now_at = timezone.now()
    with raw.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        rows = [_pull_request_row(integration_id, now_at, pr) for pr in batch]
        ids = dict(execute_values(cursor, PULL_REQUEST_SQL, rows, page_size=len(rows), fetch=True))
        reviews = [
            (
                integration_id,
                review.external_id,
                now_at,
                ids[pr.external_id],
                review.reviewer,
                review.reviewer_is_bot,
                review.state,
                review.submitted_at,
                review.is_reply,
                not (
                    review.reviewer_is_bot
                    or review.is_reply
                    or pr.author_is_bot
                    or review.reviewer == pr.author
                ),
            )
            for pr in batch
            for review in pr.reviews
        ]
        written = len(ids)
        if reviews:
            written += len(
                execute_values(cursor, REVIEW_SQL, reviews, page_size=len(reviews), fetch=True)
            )
    raw.commit()
    return written


def measure(records: list[PullRequest], edited: list[PullRequest], batch: int) -> dict:
    """Insert `records`, then upsert `edited` over them, `batch` pull requests per transaction,
    on a fresh integration (dropped afterwards); seconds and rows written of each phase."""
    team = harness.make_team(harness.unique("bench-ingest-raw"))
    integration_id = harness.add_integrations(
        team,
        [
            (
                "github",
                "ingest raw",
                {"api_url": "http://127.0.0.1:9", "repositories": ["acme-eng/bench"]},
                {"token": "unused"},
            )
        ],
    )[0]
    raw = connection.get_new_connection(connection.get_connection_params())
    out = {}
    try:
        for phase, pages in (("insert", records), ("update", edited)):
            started = time.perf_counter()
            written = 0
            for offset in range(0, len(pages), batch):
                written += store_batch(raw, integration_id, pages[offset : offset + batch])
            out[phase] = {"seconds": time.perf_counter() - started, "written": written}
            # As the metrics.ingest run does after each phase.
            with raw.cursor() as cursor:
                cursor.execute("ANALYZE metrics_pullrequest, metrics_review")
            raw.commit()
    finally:
        raw.close()
        harness.drop_team(team)
    return out
