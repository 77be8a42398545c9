"""Idempotent bulk upserts of provider records into the activity tables.

Each record type is upserted with `bulk_create(update_conflicts=True)` on (integration,
external_id), so storing the same page twice changes nothing; children (reviews, commits, status
changes, sprint membership) are linked to their parents after the parents are upserted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from integrations.models import Integration
from integrations.providers import records
from metrics import calculations as calc
from metrics.models import (
    Comment,
    Commit,
    DefaultBranch,
    DeployedRange,
    Deployment,
    Incident,
    PullRequest,
    Review,
    Sprint,
    SprintMembership,
    WorkItem,
    WorkItemChange,
)

CHUNK = 500
PLAIN_ON_POSTGRES = frozenset(
    {
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateTimeField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "TextField",
    }
)


@dataclass
class IngestResult:
    """How many rows of each kind were created and updated."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    # Rows a full reconcile removed because the provider no longer has them, per stream kind.
    deleted: Counter = field(default_factory=Counter)

    def add(self, other: IngestResult) -> None:
        self.created.update(other.created)
        self.updated.update(other.updated)
        self.deleted.update(other.deleted)

    def changed(self) -> bool:
        """Whether any row was created, updated or deleted."""
        return any(sum(c.values()) for c in (self.created, self.updated, self.deleted))

    def by_kind(self) -> dict[str, dict[str, int]]:
        kinds = sorted(set(self.created) | set(self.updated))
        counts = {k: {"created": self.created[k], "updated": self.updated[k]} for k in kinds}
        for kind, deleted in self.deleted.items():
            if deleted:
                counts.setdefault(f"{kind}_deleted", {})["deleted"] = deleted
        return counts


@contextmanager
def page_transaction(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """The transaction a sync stores one page in (its rows and the stream's cursor together).

    On PostgreSQL its commit does not wait for the write-ahead log to reach the disk
    (`synchronous_commit` off for this transaction only). That cannot make the database
    inconsistent: a server crash can only lose the last pages committed, rows and cursor
    together, and the next sync reads them again. The run's final commit waits for the disk,
    and as the log is written in order, every page before it is durable once the run is
    recorded as finished."""
    with transaction.atomic(using=using):
        db = connections[using]
        if db.vendor == "postgresql":
            with db.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert(
    model: type[models.Model],
    integration: Integration,
    rows: dict[str, dict[str, Any]],
    kind: str,
    result: IngestResult,
) -> dict[str, int]:
    """Upsert rows keyed by external id; return {external_id: pk}.

    Per chunk, one `INSERT ... ON CONFLICT DO UPDATE` whose update applies only where a value
    differs: a row stored again unchanged is not written, keeps its `synced_at`, and counts as
    neither created nor updated. Ids come back from the statement itself, but for unchanged
    rows, which one read finds (on SQLite, a read of every id before the upsert)."""
    if not rows:
        return {}
    pks: dict[str, int] = {}
    for chunk in _chunks(list(rows.items())):
        pks |= _upsert_chunk(model, integration, dict(chunk), kind, result)
    return pks


def _upsert_chunk(
    model: type[models.Model],
    integration: Integration,
    rows: dict[str, dict[str, Any]],
    kind: str,
    result: IngestResult,
) -> dict[str, int]:
    manager = model._default_manager
    db = connections[manager.db]
    postgres = db.vendor == "postgresql"

    def stored_ids(external_ids: list[str]) -> dict[str, int]:
        if not external_ids:
            return {}
        found = manager.filter(integration=integration, external_id__in=external_ids)
        return dict(found.values_list("external_id", "pk"))

    # PostgreSQL says which rows the upsert inserted (xmax = 0); elsewhere, ask first.
    existing = {} if postgres else stored_ids(list(rows))
    meta = model._meta
    given = list(next(iter(rows.values())))
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    by_name = {f.name: f for f in fields} | {f.attname: f for f in fields}
    columns = [str(f.column) for f in fields]
    params = _row_params(fields, rows, integration, db)
    quote = db.ops.quote_name
    table = quote(meta.db_table)
    changed = [quote(str(by_name[name].column)) for name in given]
    same = " IS NOT DISTINCT FROM " if postgres else " IS "
    row_template = "(" + ", ".join(["%s"] * len(columns)) + ")"
    inserted = "(xmax = 0)" if postgres else "NULL"
    # Identifiers come from the model's metadata (quoted); every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES {', '.join([row_template] * len(rows))} "
        f"ON CONFLICT ({quote('integration_id')}, {quote('external_id')}) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in [*changed, quote("synced_at")])
        + " WHERE NOT ("
        + " AND ".join(f"{table}.{c}{same}EXCLUDED.{c}" for c in changed)
        + f") RETURNING {quote('external_id')}, {quote(str(meta.pk.column))}, {inserted}"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    written = {external_id: pk for external_id, pk, _ in returned}
    if postgres:
        created = sum(1 for *_, new in returned if new)
        # Rows stored again unchanged are not returned: read their ids.
        existing = stored_ids([external_id for external_id in rows if external_id not in written])
    else:
        created = sum(1 for external_id in written if external_id not in existing)
    result.created[kind] += created
    result.updated[kind] += len(written) - created
    return existing | written


EXTERNAL_ID = object()


def _row_params(
    fields: list[models.Field], rows: dict[str, dict[str, Any]], integration: Integration, db
) -> list[Any]:
    """The INSERT's parameters, row after row in the order of `fields`.

    What each column takes is worked out once per chunk: a constant (the integration, the sync
    time, a field's default), the row's external id, or a key of the row's values. psycopg2 sends
    strings, numbers, booleans and aware datetimes as they are; other values (JSON) and every
    value on SQLite go through the field's own conversion."""
    postgres = db.vendor == "postgresql"
    keys = next(iter(rows.values())).keys()
    now = timezone.now()
    plan: list[tuple[Any, Any]] = []  # (key of the values | EXTERNAL_ID | None, constant | prep)
    for f in fields:
        prep = None if postgres and f.get_internal_type() in PLAIN_ON_POSTGRES else f
        if f.attname == "integration_id":
            plan.append((None, integration.pk))
        elif f.name == "external_id":
            plan.append((EXTERNAL_ID, None))
        elif f.name == "synced_at":
            plan.append((None, now if prep is None else f.get_db_prep_save(now, db)))
        elif f.name in keys or f.attname in keys:
            plan.append((f.name if f.name in keys else f.attname, prep))
        else:
            default = f.get_default()
            value = default if default is None or prep is None else f.get_db_prep_save(default, db)
            plan.append((None, value))
    params: list[Any] = []
    append = params.append
    for external_id, values in rows.items():
        for key, extra in plan:
            if key is None:
                append(extra)
            elif key is EXTERNAL_ID:
                append(external_id)
            else:
                value = values[key]
                append(
                    value if value is None or extra is None else extra.get_db_prep_save(value, db)
                )
    return params


def _cut(text: str | None, length: int) -> str:
    return (text or "")[:length]


def _link(url: str | None) -> str:
    """A provider's link as the pages may put it in an href: http(s) only, else nothing
    (`javascript:` and `data:` would run in the reader's browser)."""
    url = url or ""
    return url if url.lower().startswith(("http://", "https://")) else ""


def ingest(integration: Integration, items: Iterable[Any]) -> IngestResult:
    """Store one batch of provider records; call inside the batch's transaction."""
    by_type: dict[type, list] = defaultdict(list)
    for item in items:
        by_type[type(item)].append(item)
    result = IngestResult()
    _ingest_sprints(integration, by_type[records.Sprint], result)
    _ingest_pull_requests(integration, by_type[records.PullRequest], result)
    _ingest_deployments(integration, by_type[records.Deployment], result)
    _ingest_ranges(integration, by_type[records.CommitRange], result)
    _ingest_default_branches(integration, by_type[records.DefaultBranch], result)
    _ingest_incidents(integration, by_type[records.Incident], result)
    _ingest_work_items(integration, by_type[records.WorkItem], result)
    return result


def _ingest_sprints(integration: Integration, sprints: list, result: IngestResult) -> None:
    rows = {
        s.external_id: {
            "board_id": s.board_id,
            "name": _cut(s.name, 255),
            "state": s.state,
            "start_at": s.start_at,
            "end_at": s.end_at,
            "completed_at": s.completed_at,
            "goal": s.goal or "",
        }
        for s in sprints
    }
    _upsert(Sprint, integration, rows, "sprint", result)


def _pull_request_row(pr: records.PullRequest) -> dict[str, Any]:
    return {
        "repository": pr.repository,
        "number": pr.number,
        "title": _cut(pr.title, 500),
        "author": pr.author,
        "author_is_bot": pr.author_is_bot,
        "state": pr.state,
        "is_draft": pr.is_draft,
        "url": _link(pr.url),
        "created_at": pr.created_at,
        "updated_at": pr.updated_at,
        "merged_at": pr.merged_at,
        "closed_at": pr.closed_at,
        "first_commit_at": pr.first_commit_at,
        "additions": pr.additions,
        "deletions": pr.deletions,
        "changed_files": pr.changed_files,
        "merge_commit_sha": pr.merge_commit_sha or "",
        "base_branch": pr.base_branch,
        "head_branch": pr.head_branch,
        "ready_for_review_times": [t.isoformat() for t in pr.ready_for_review_times],
    }


def _ingest_pull_requests(integration: Integration, pulls: list, result: IngestResult) -> None:
    rows = {pr.external_id: _pull_request_row(pr) for pr in pulls}
    pks = _upsert(PullRequest, integration, rows, "pull_request", result)
    reviews: dict[str, dict] = {}
    commits: dict[str, dict] = {}
    comments: dict[str, dict] = {}
    for pr in pulls:
        pr_pk = pks[pr.external_id]
        for comment in pr.comments:
            comments[comment.external_id] = {
                "pull_request_id": pr_pk,
                "author": comment.author,
                "author_is_bot": comment.author_is_bot,
                "created_at": comment.created_at,
            }
        for review in pr.reviews:
            reviews[review.external_id] = {
                "pull_request_id": pr_pk,
                "reviewer": review.reviewer,
                "reviewer_is_bot": review.reviewer_is_bot,
                "state": review.state,
                "submitted_at": review.submitted_at,
                "is_reply": review.is_reply,
                "counts_for_load": calc.counts_in_review_load(
                    review.reviewer,
                    review.reviewer_is_bot,
                    review.is_reply,
                    pr.author,
                    pr.author_is_bot,
                ),
            }
        for commit in pr.commits:
            commits[f"{commit.repository}@{commit.sha}"] = {
                "pull_request_id": pr_pk,
                "repository": commit.repository,
                "sha": commit.sha,
                "author": _cut(commit.author, 200),
                "message": _cut(commit.message.splitlines()[0] if commit.message else "", 500),
                "authored_at": commit.authored_at,
                "committed_at": commit.committed_at,
            }
    _upsert(Review, integration, reviews, "review", result)
    _upsert(Commit, integration, commits, "commit", result)
    _upsert(Comment, integration, comments, "comment", result)


def _ingest_deployments(integration: Integration, deployments: list, result: IngestResult) -> None:
    rows = {
        d.external_id: {
            "repository": d.repository,
            "source": d.source,
            "environment": _cut(d.environment, 100),
            "name": _cut(d.name, 255),
            "status": d.status,
            "sha": d.sha or "",
            "created_at": d.created_at,
            "finished_at": d.finished_at,
            "url": _link(d.url),
        }
        for d in deployments
    }
    _upsert(Deployment, integration, rows, "deployment", result)


def range_id(repository: str, base_sha: str, head_sha: str) -> str:
    """The external id of a stored compare between two deployed commits."""
    return f"{repository}:{base_sha}...{head_sha}"


def _ingest_ranges(integration: Integration, ranges: list, result: IngestResult) -> None:
    rows = {
        range_id(r.repository, r.base_sha, r.head_sha): {
            "repository": r.repository,
            "base_sha": r.base_sha,
            "head_sha": r.head_sha,
            "status": r.status[:20],
            "shas": list(r.shas),
        }
        for r in ranges
    }
    _upsert(DeployedRange, integration, rows, "deployed_range", result)


def _ingest_default_branches(integration: Integration, branches: list, result: IngestResult):
    rows = {b.repository: {"repository": b.repository, "name": b.name} for b in branches}
    _upsert(DefaultBranch, integration, rows, "default_branch", result)


def _ingest_incidents(integration: Integration, incidents: list, result: IngestResult) -> None:
    rows = {
        i.external_id: {
            "repository": i.repository,
            "number": i.number,
            "title": _cut(i.title, 500),
            "url": _link(i.url),
            "created_at": i.created_at,
            "resolved_at": i.resolved_at,
            "labels": list(i.labels),
        }
        for i in incidents
    }
    _upsert(Incident, integration, rows, "incident", result)


def _ingest_work_items(integration: Integration, items: list, result: IngestResult) -> None:
    rows = {
        item.external_id: {
            "key": item.key,
            "title": _cut(item.title, 500),
            "kind": _cut(item.kind, 50),
            "status": _cut(item.status, 100),
            "status_category": item.status_category,
            "source_category": item.source_category,
            "url": _link(item.url),
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "resolved_at": item.resolved_at,
            "story_points": item.story_points,
            "assignee": _cut(item.assignee, 200),
            "container": _cut(item.container, 100),
        }
        for item in items
    }
    pks = _upsert(WorkItem, integration, rows, "work_item", result)
    changes: dict[str, dict] = {}
    for item in items:
        for change in item.changes:
            changes[change.external_id] = {
                "work_item_id": pks[item.external_id],
                "field": change.field,
                "from_value": _cut(change.from_value, 255),
                "to_value": _cut(change.to_value, 255),
                "from_category": change.from_category or "",
                "to_category": change.to_category or "",
                "from_source_category": change.from_source_category or "",
                "to_source_category": change.to_source_category or "",
                "changed_at": change.changed_at,
                "author": _cut(change.author, 200),
            }
    _upsert(WorkItemChange, integration, changes, "work_item_change", result)
    _replace_sprint_membership(integration, items, pks)


def _replace_sprint_membership(integration: Integration, items: list, pks: dict) -> None:
    """Make each item's sprint membership what the provider says now."""
    wanted_sprints = {sprint_id for item in items for sprint_id in item.sprint_ids}
    if not items:
        return
    sprint_pks = dict(
        Sprint.objects.filter(integration=integration, external_id__in=wanted_sprints).values_list(
            "external_id", "pk"
        )
    )
    item_pks = list(pks.values())
    for chunk in _chunks(item_pks):
        SprintMembership.objects.filter(work_item_id__in=chunk).delete()
    SprintMembership.objects.bulk_create(
        [
            SprintMembership(sprint_id=sprint_pks[sprint_id], work_item_id=pks[item.external_id])
            for item in items
            for sprint_id in dict.fromkeys(item.sprint_ids)
            if sprint_id in sprint_pks
        ],
        batch_size=CHUNK,
    )


# What each stream covers, so a full reconcile can delete what the provider no longer has.
STREAM_SCOPES: dict[str, tuple[type[models.Model], str | None]] = {
    "pull_requests": (PullRequest, "repository"),
    "deployments": (Deployment, "repository"),
    "incidents": (Incident, "repository"),
    "cards": (WorkItem, "container"),
    "sprints": (Sprint, "board_id"),
    # A Jira integration has one issues stream covering all of its work items.
    "issues": (WorkItem, None),
}


def seen_ids(records: Iterable[Any]) -> set[str]:
    """External ids of the top-level records of a batch (what a stream says exists)."""
    return {record.external_id for record in records}


def prune_stream(integration: Integration, stream: str, seen: set[str]) -> int:
    """Delete the stream's stored rows that a complete read of it did not return.

    Only call this after the whole stream was read without error (a full reconcile); children
    (reviews, commits, changes, sprint membership) go with their parents.
    """
    kind, _, scope = stream.partition(":")
    if kind not in STREAM_SCOPES:
        return 0
    model, field_name = STREAM_SCOPES[kind]
    rows = model._default_manager.filter(integration=integration)
    if field_name is not None:
        rows = rows.filter(**{field_name: scope})
    stale = [
        pk for pk, external_id in rows.values_list("pk", "external_id") if external_id not in seen
    ]
    deleted = 0
    for chunk in _chunks(stale):
        deleted += model._default_manager.filter(pk__in=chunk).delete()[1].get(model._meta.label, 0)
    return deleted
