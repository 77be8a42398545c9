"""Per-PR and per-work-item derived values, stored on the rows so lists and the API show them.

Stored rows are turned into the calculation inputs (metrics.calculations) and the results written
back. Which deployment shipped a pull request comes from metrics.deployed: the commits between
consecutive successful production deployments, as the provider's compare listed them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from integrations.models import Integration
from integrations.providers.registry import reading
from metrics import calculations as calc
from metrics.bulk import update_rows
from metrics.deployed import (
    default_branches,
    deployment_facts,
    merged_into_default,
    refresh_attempts,
)
from metrics.models import (
    FinishDay,
    FlowDay,
    PullRequest,
    Sprint,
    WorkItem,
    WorkItemChange,
    WorkItemFinish,
)
from metrics.sprint_items import sprint_item_facts

T = TypeVar("T")


def pull_request_facts(rows) -> list[calc.PullRequestFacts]:
    """Calculation inputs for pull request rows (reviews, comments and commits prefetched)."""
    return [
        calc.PullRequestFacts(
            id=str(pr.pk),
            author=pr.author,
            created_at=pr.created_at,
            merged_at=pr.merged_at,
            closed_at=pr.closed_at,
            first_commit_at=pr.first_commit_at,
            commits=tuple(
                calc.CommitFacts(sha=c.sha, authored_at=c.authored_at) for c in pr.commits.all()
            ),
            reviews=tuple(
                calc.ReviewFacts(
                    reviewer=r.reviewer,
                    submitted_at=r.submitted_at,
                    state=r.state,
                    is_bot=r.reviewer_is_bot,
                    id=str(r.pk),
                    is_reply=r.is_reply,
                )
                for r in pr.reviews.all()
            ),
            comments=tuple(
                calc.ReviewFacts(
                    reviewer=c.author,
                    submitted_at=c.created_at,
                    is_bot=c.author_is_bot,
                    id=c.external_id,
                )
                for c in pr.comments.all()
            ),
            ready_for_review_times=tuple(
                datetime.fromisoformat(t) for t in pr.ready_for_review_times or ()
            ),
            merge_commit_sha=pr.merge_commit_sha,
            author_is_bot=pr.author_is_bot,
            is_draft=pr.is_draft,
            additions=pr.additions,
            deletions=pr.deletions,
            repository=pr.repository,
        )
        for pr in rows
    ]


# Rows recomputed at a time: memory stays flat however large the integration is.
REFRESH_CHUNK = 500


def _chunks(rows: Iterable[T]) -> Iterator[list[T]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, REFRESH_CHUNK)):
        yield chunk


def refresh_pull_requests(integration: Integration) -> int:
    """Recompute and store every pull request's spans, a chunk at a time; return how many rows
    changed."""
    shipped = calc.deployments_by_commit(deployment_facts(integration))
    branches = default_branches(integration)
    rows = (
        PullRequest.objects.filter(integration=integration)
        .order_by("pk")
        .prefetch_related("reviews", "comments", "commits")
    )
    changed = 0
    with transaction.atomic():
        for chunk in _chunks(rows.iterator(chunk_size=REFRESH_CHUNK)):
            changed += _refresh_pull_request_chunk(chunk, shipped, branches)
    return changed


def _refresh_pull_request_chunk(rows: list[PullRequest], shipped: dict, branches: dict) -> int:
    changed = []
    for row, facts in zip(rows, pull_request_facts(rows), strict=True):
        # Only a pull request merged into the default branch is deployed.
        into_default = merged_into_default(row.repository, row.base_branch, branches)
        deployment = shipped.get(facts.merge_commit_sha) if into_default else None
        timings = calc.pull_request_timings(facts, deployment)
        values = {
            "first_review_at": timings.first_review_at,
            "reviewed_before_merge": calc.reviewed_before_merge(facts),
            "deployed_at": timings.deployed_at,
            "coding_time_minutes": timings.coding_minutes,
            "pickup_time_minutes": timings.pickup_minutes,
            "review_time_minutes": timings.review_minutes,
            "deploy_time_minutes": timings.deploy_minutes,
            "cycle_time_minutes": timings.cycle_minutes,
        }
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    update_rows(changed, DERIVED_PR_FIELDS)
    return len(changed)


DERIVED_PR_FIELDS = (
    "first_review_at",
    "reviewed_before_merge",
    "deployed_at",
    "coding_time_minutes",
    "pickup_time_minutes",
    "review_time_minutes",
    "deploy_time_minutes",
    "cycle_time_minutes",
)


WORK_ITEM_FIELDS = (
    "started_at",
    "done_at",
    "initial_category",
    "lead_time_minutes",
    "cycle_time_minutes",
    "left_out",
)


def status_changes(row: WorkItem) -> tuple[calc.StatusChangeFacts, ...]:
    """A work item's status changes (its `changes` prefetched in time order) as facts."""
    return tuple(
        calc.StatusChangeFacts(
            changed_at=change.changed_at,
            from_category=change.from_category,
            to_category=change.to_category,
            from_status=change.from_value,
            to_status=change.to_value,
        )
        for change in row.changes.all()
        if change.field == "status"
    )


def work_item_values(facts: calc.WorkItemFacts) -> dict:
    """The derived columns of one work item (see WORK_ITEM_FIELDS): its current finish."""
    finish = calc.current_finish(facts)
    started = next((t for t, to in calc.category_moves(facts) if to == calc.IN_PROGRESS), None)
    return {
        "started_at": finish.started_at if finish and finish.started_at else started,
        "done_at": finish.done_at if finish else None,
        "initial_category": calc.initial_category(facts),
        "lead_time_minutes": calc.finish_lead_minutes(finish) if finish else None,
        "cycle_time_minutes": calc.finish_cycle_minutes(finish) if finish else None,
    }


def finish_values(facts: calc.WorkItemFacts) -> list[tuple]:
    """(done_at, left_at, lead minutes, cycle minutes) of every finish of one work item."""
    return [
        (f.done_at, f.left_at, calc.finish_lead_minutes(f), calc.finish_cycle_minutes(f))
        for f in calc.finishes(facts)
    ]


def _refresh_finishes(rows: list[WorkItem], wanted: dict[int, list[tuple]]) -> None:
    """Store each row's finishes, rewriting only the items whose finishes changed."""
    stored: dict[int, list[tuple]] = defaultdict(list)
    for item_id, *values in (
        WorkItemFinish.objects.filter(work_item__in=[row.pk for row in rows])
        .order_by("done_at", "pk")
        .values_list(
            "work_item_id", "done_at", "left_at", "lead_time_minutes", "cycle_time_minutes"
        )
    ):
        stored[item_id].append(tuple(values))
    stale = [row for row in rows if stored.get(row.pk, []) != wanted[row.pk]]
    if not stale:
        return
    WorkItemFinish.objects.filter(work_item__in=[row.pk for row in stale]).delete()
    WorkItemFinish.objects.bulk_create(
        [
            WorkItemFinish(
                integration_id=row.integration_id,
                work_item=row,
                done_at=done,
                left_at=left,
                lead_time_minutes=lead,
                cycle_time_minutes=cycle,
            )
            for row in stale
            for done, left, lead, cycle in wanted[row.pk]
        ],
        batch_size=REFRESH_CHUNK,
    )


def refresh_work_items(integration: Integration) -> int:
    """Recompute and store every work item's derived values and each status change's previous
    category, a chunk at a time; return how many work items changed."""
    left_out_kinds = reading(integration.kind, integration.config).left_out_kinds
    ordered = WorkItemChange.objects.order_by("changed_at", "pk")
    rows = (
        WorkItem.objects.filter(integration=integration)
        .order_by("pk")
        .prefetch_related(Prefetch("changes", queryset=ordered))
    )
    changed = 0
    with transaction.atomic():
        for chunk in _chunks(rows.iterator(chunk_size=REFRESH_CHUNK)):
            changed += _refresh_work_item_chunk(chunk, left_out_kinds)
        refresh_flow_days(integration)
        refresh_finish_days(integration)
    return changed


def refresh_flow_days(integration: Integration) -> int:
    """Rebuild the integration's FlowDay rows from its work items (created into their initial
    category) and status moves (previous category -> new), per local day of its team's time
    zone, left-out kinds aside; return the rows."""
    zone = integration.team.time_zone or "UTC"
    tz = ZoneInfo(zone)
    counts: Counter[tuple] = Counter()
    created = (
        WorkItem.objects.filter(integration=integration, left_out=False)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .order_by()
        .values("day", "initial_category")
        .annotate(n=Count("pk"))
        .values_list("day", "initial_category", "n")
    )
    for day, entered, n in created:
        counts[(day, "", entered)] += n
    moves = (
        WorkItemChange.objects.filter(
            integration=integration, field="status", work_item__left_out=False
        )
        .annotate(day=TruncDate("changed_at", tzinfo=tz))
        .order_by()
        .values("day", "previous_category", "to_category")
        .annotate(n=Count("pk"))
        .values_list("day", "previous_category", "to_category", "n")
    )
    for day, left, entered, n in moves:
        counts[(day, left, entered)] += n
    with transaction.atomic():
        FlowDay.objects.filter(integration=integration).delete()
        FlowDay.objects.bulk_create(
            [
                FlowDay(
                    integration=integration,
                    day=day,
                    time_zone=zone,
                    left_category=left,
                    entered_category=entered,
                    items=n,
                )
                for (day, left, entered), n in counts.items()
            ],
            batch_size=REFRESH_CHUNK,
        )
    return len(counts)


def refresh_finish_days(integration: Integration) -> int:
    """Rebuild the integration's FinishDay rows: its finishes whose item is still done, per
    local day of its team's time zone; return the rows."""
    zone = integration.team.time_zone or "UTC"
    days = (
        WorkItemFinish.objects.filter(integration=integration, left_at__isnull=True)
        .annotate(day=TruncDate("done_at", tzinfo=ZoneInfo(zone)))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    rows = [
        FinishDay(integration=integration, day=day, time_zone=zone, finishes=n) for day, n in days
    ]
    with transaction.atomic():
        FinishDay.objects.filter(integration=integration).delete()
        FinishDay.objects.bulk_create(rows, batch_size=REFRESH_CHUNK)
    return len(rows)


def _refresh_work_item_chunk(rows: list[WorkItem], left_out_kinds: tuple[str, ...] = ()) -> int:
    changed, changed_moves = [], []
    wanted: dict[int, list[tuple]] = {}
    for row in rows:
        facts = calc.WorkItemFacts(
            id=str(row.pk),
            created_at=row.created_at,
            status_category=row.status_category,
            resolved_at=row.resolved_at,
            status_changes=status_changes(row),
            kind=row.kind,
        )
        values = work_item_values(facts)
        # A left-out kind has no finishes: lead, cycle time and throughput never see it.
        values["left_out"] = calc.is_left_out(row.kind, left_out_kinds)
        wanted[row.pk] = [] if values["left_out"] else finish_values(facts)
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
        previous = values["initial_category"]
        for change in row.changes.all():
            if change.field != "status":
                continue
            if change.previous_category != previous:
                change.previous_category = previous
                changed_moves.append(change)
            previous = change.to_category
    update_rows(changed, WORK_ITEM_FIELDS)
    update_rows(changed_moves, ["previous_category"])
    _refresh_finishes(rows, wanted)
    return len(changed)


SPRINT_FIELDS = (
    "committed_points",
    "added_points",
    "removed_points",
    "completed_points",
    "remaining_points",
    "completed_items",
    "carry_over_items",
    "carry_over_points",
    "completed_outside",
    "scope_read_at",
)


def sprint_read_moment(
    state: str, end_at: datetime, completed_at: datetime | None, now: datetime
) -> datetime:
    """When a sprint's scope is read: its close (completed, else its planned end) once it is
    closed, else `now` (a running sprint, even past its end date, is read as if it closed now)."""
    if completed_at is not None:
        return completed_at
    return min(end_at, now) if state == calc.CLOSED else now


def stored_scope(scope: calc.SprintScope, read_at: datetime) -> dict[str, Any]:
    """The values of SPRINT_FIELDS for a sprint's scope read at `read_at`."""
    values: dict[str, Any] = {name: getattr(scope, name) for name in SPRINT_FIELDS[:-2]}
    values["completed_outside"] = sorted(int(item_id) for item_id in scope.outside_ids)
    values["scope_read_at"] = read_at
    return values


def unsettled_sprints(integration: Integration, now: datetime) -> QuerySet[Sprint]:
    """Started sprints whose stored scope was not read at their close: never refreshed, or
    refreshed while still running and closed since."""
    started = Sprint.objects.filter(
        integration=integration, start_at__lte=now, end_at__isnull=False
    )
    return started.filter(
        Q(scope_read_at__isnull=True)
        | Q(completed_items__isnull=True)
        | Q(carry_over_items__isnull=True)
        | Q(completed_at__isnull=False, scope_read_at__lt=F("completed_at"))
        | Q(completed_at__isnull=True, end_at__lte=now, scope_read_at__lt=F("end_at"))
    )


def refresh_sprints(integration: Integration, now: datetime | None = None) -> int:
    """Recompute and store the scope of every started sprint (as of now for the running ones);
    return how many sprints changed."""
    now = now or timezone.now()
    changed = []
    for row in Sprint.objects.filter(integration=integration, start_at__lte=now):
        if row.start_at is None or row.end_at is None:
            continue
        # One sprint's items at a time: memory stays bounded by the largest sprint.
        items = sprint_item_facts(integration.pk, [row.external_id])
        read_at = sprint_read_moment(row.state, row.end_at, row.completed_at, now)
        facts = calc.SprintFacts(
            id=row.external_id,
            start_at=row.start_at,
            end_at=row.end_at,
            completed_at=read_at,
            name=row.name,
        )
        values = stored_scope(calc.sprint_scope(facts, items), read_at)
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    with transaction.atomic():
        update_rows(changed, SPRINT_FIELDS)
    return len(changed)


def refresh(integration: Integration) -> dict[str, int]:
    """Recompute the derived values of one integration after its data changed."""
    refresh_attempts(integration)
    return {
        "pull_requests": refresh_pull_requests(integration),
        "work_items": refresh_work_items(integration),
        "sprints": refresh_sprints(integration),
    }
