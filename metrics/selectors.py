"""Reads for metrics: a team's (or some integrations') metric families over a window.

A `MetricScope` says whose data and which local days. Each family function turns stored rows into
numbers: counts, sums and summaries are SQL aggregates over the stored per-row values
(metrics.derived); only the small sets (deployments, incidents, one sprint's items) are mapped into
the `*Facts` of metrics.calculations and computed there. docs/metrics.md defines every number.

`team_metrics` returns every family, each cached per scope (metrics.cache).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, Lower, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from integrations.models import Integration, Team
from metrics import calculations as calc
from metrics.aggregates import (
    grouped_summaries,
    grouped_summaries_of,
    minutes_until_summary,
    summaries,
    summary,
)
from metrics.cache import cached_family
from metrics.calculations._common import local_midnight, period_key
from metrics.calculations.facts import SUCCESS
from metrics.derived import PRODUCTION
from metrics.models import (
    Deployment,
    FlowDay,
    Incident,
    PullRequest,
    Review,
    Sprint,
    SprintMembership,
    WorkItem,
    WorkItemChange,
)

FAMILIES = ("dora", "pull_requests", "work_items", "sprints")
INTERVALS = ("day", "week", "month")
STAGES = ("coding", "pickup", "review", "deploy", "cycle")
DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 732


class ScopeError(ValueError):
    """A window or filter that cannot be measured (the message says why, for the user)."""


@dataclass(frozen=True)
class MetricScope:
    """Whose data (a team, optionally some of its integrations) over which local days."""

    team_id: int
    integration_ids: tuple[int, ...]
    since: date  # first local day, inclusive
    until: date  # last local day, inclusive
    time_zone: str = "UTC"
    now: datetime = field(default_factory=timezone.now, compare=False)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def start(self) -> datetime:
        """Local midnight starting `since` (the window is [start, end))."""
        return local_midnight(self.since, self.tz)

    @property
    def end(self) -> datetime:
        """Local midnight after `until`."""
        return local_midnight(self.until + timedelta(days=1), self.tz)

    @property
    def moment(self) -> datetime:
        """The instant "open" and "in progress" are read at: now, or the window's end if past."""
        return min(self.now, self.end)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> MetricScope:
        """The window of the same length just before this one (for trends)."""
        return replace(
            self,
            since=self.since - timedelta(days=self.days),
            until=self.since - timedelta(days=1),
        )

    def cache_parts(self) -> tuple:
        return (self.team_id, self.integration_ids, self.since, self.until, self.time_zone)


def metric_scope(
    team: Team,
    *,
    since: date | None = None,
    until: date | None = None,
    integrations: Iterable[Integration | int] | None = None,
    now: datetime | None = None,
) -> MetricScope:
    """The scope for a team: its integrations (or the given ones, which must be the team's) over
    [since, until] in the team's time zone; by default the last 30 days up to today."""
    now = now or timezone.now()
    tz = ZoneInfo(team.time_zone or "UTC")
    until = until or now.astimezone(tz).date()
    since = since or until - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    if since > until:
        raise ScopeError("The start date is after the end date.")
    if (until - since).days + 1 > MAX_WINDOW_DAYS:
        raise ScopeError(f"A window can span at most {MAX_WINDOW_DAYS} days.")
    team_ids = set(Integration.objects.filter(team=team).values_list("pk", flat=True))
    if integrations is None:
        ids = team_ids
    else:
        ids = {item.pk if isinstance(item, Integration) else int(item) for item in integrations}
        if not ids <= team_ids:
            raise ScopeError("An integration given is not one of this team's.")
    return MetricScope(
        team_id=team.pk,
        integration_ids=tuple(sorted(ids)),  # type: ignore[arg-type]
        since=since,
        until=until,
        time_zone=tz.key,
        now=now,
    )


# --- Querysets of a scope --------------------------------------------------------------------


def _in(scope: MetricScope, queryset: QuerySet) -> QuerySet:
    return queryset.filter(integration_id__in=scope.integration_ids)


def _window(column: str, scope: MetricScope) -> Q:
    return Q(**{f"{column}__gte": scope.start, f"{column}__lt": scope.end})


def human_pull_requests(scope: MetricScope) -> QuerySet[PullRequest]:
    """The pull requests metrics count: bot-authored ones are left out everywhere."""
    return _in(scope, PullRequest.objects.filter(author_is_bot=False))


def production_deployments(scope: MetricScope) -> QuerySet[Deployment]:
    """Production deployments (the rule of metrics.derived), with `at` = finished, else created."""
    return (
        _in(scope, Deployment.objects.all())
        .annotate(env=Lower("environment"), at=Coalesce("finished_at", "created_at"))
        .filter(~Q(source="deployments") | Q(env__in=PRODUCTION))
    )


def _trunc(column: str, interval: str, tz: ZoneInfo):
    if interval == "day":
        return TruncDate(column, tzinfo=tz)
    if interval == "week":
        return TruncDate(TruncWeek(column, tzinfo=tz))
    if interval == "month":
        return TruncDate(TruncMonth(column, tzinfo=tz))
    raise ScopeError(f"interval must be one of {', '.join(INTERVALS)}")


def _periods(scope: MetricScope, interval: str) -> list[date]:
    if interval not in INTERVALS:
        raise ScopeError(f"interval must be one of {', '.join(INTERVALS)}")
    days = calc.local_days(scope.start, scope.end, scope.tz)
    return sorted({period_key(day, interval) for day in days})  # type: ignore[arg-type]


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def counts_per_period(
    queryset: QuerySet, column: str, scope: MetricScope, interval: str = "week"
) -> dict[date, int]:
    """Rows with `column` in the window per local day/week/month, empty periods included."""
    found = {
        _as_date(row["period"]): row["n"]
        for row in queryset.filter(_window(column, scope))
        .annotate(period=_trunc(column, interval, scope.tz))
        .order_by()
        .values("period")
        .annotate(n=Count("*"))
    }
    return {period: found.get(period, 0) for period in _periods(scope, interval)}


def _summary_dict(value: calc.Summary) -> dict:
    return asdict(value)


# --- DORA ------------------------------------------------------------------------------------


def _deployment_facts(
    scope: MetricScope, incidents: Iterable[calc.IncidentFacts] = ()
) -> list[calc.DeploymentFacts]:
    """The production deployments the window and these incidents need: those at or after the
    earliest of the window's start and the incidents' openings, and the last successful one
    before that (an incident opened later may be attributed to it). Older ones can change no
    number, and a year of them would only be read to be skipped."""
    rows = production_deployments(scope)
    since = min([scope.start, *(incident.created_at for incident in incidents)])
    last_before = rows.filter(Q(status__iexact=SUCCESS) & Q(at__lt=since)).aggregate(
        latest=Max("at")
    )["latest"]
    rows = rows.filter(Q(at__gte=last_before or since))
    return [
        calc.DeploymentFacts(
            id=str(pk),
            status=status,
            created_at=created,
            finished_at=finished,
            repository=repository,
        )
        for pk, status, created, finished, repository in rows.values_list(
            "pk", "status", "created_at", "finished_at", "repository"
        )
    ]


def _incident_facts(queryset: QuerySet[Incident]) -> list[calc.IncidentFacts]:
    return [
        calc.IncidentFacts(id=str(pk), created_at=created, resolved_at=resolved, repository=repo)
        for pk, created, resolved, repo in queryset.values_list(
            "pk", "created_at", "resolved_at", "repository"
        )
    ]


def incident_window() -> timedelta | None:
    hours = settings.AGILETRACK_INCIDENT_ATTRIBUTION_HOURS
    return timedelta(hours=hours) if hours else None


def dora_metrics(scope: MetricScope) -> dict:
    """Deployment frequency, lead time for changes, change failure rate and time to restore."""
    incidents = _in(scope, Incident.objects.all())
    opened = _incident_facts(incidents.filter(created_at__gte=scope.start))
    resolved = _incident_facts(incidents.filter(_window("resolved_at", scope)))
    deployments = _deployment_facts(scope, resolved)
    frequency = calc.deployment_frequency(deployments, scope.start, scope.end, scope.tz)
    lead = summary(
        human_pull_requests(scope).filter(_window("deployed_at", scope)), "cycle_time_minutes"
    )
    window = incident_window()
    failure = calc.change_failure_rate(
        deployments,
        opened,
        scope.start,
        scope.end,
        incident_window=window,
    )
    restore = calc.time_to_restore(
        resolved,
        deployments,
        scope.start,
        scope.end,
        incident_window=window,
    )
    return {
        "deployment_frequency": {
            "deployments": frequency.deployments,
            "deployment_days": frequency.deployment_days,
            "per_day": frequency.per_day,
            "per_week": frequency.per_week,
            "median_deployment_days_per_week": frequency.median_deployment_days_per_week,
            "median_deployment_days_per_month": frequency.median_deployment_days_per_month,
            "band": str(frequency.band),
        },
        "lead_time_for_changes": {
            "summary": _summary_dict(lead),
            "band": str(calc.lead_time_band(lead.median)) if lead.median is not None else None,
        },
        "change_failure_rate": {
            "deployments": failure.deployments,
            "failed": failure.failed,
            "rate": failure.rate,
            "band": str(failure.band) if failure.band else None,
        },
        "time_to_restore": {
            "summary": _summary_dict(restore.summary),
            "failed_deployment_recovery": _summary_dict(restore.failed_deployment_recovery),
            "band": str(restore.band) if restore.band else None,
        },
    }


# --- Pull requests ---------------------------------------------------------------------------


def _size():
    return F("additions") + F("deletions")


def pull_request_metrics(scope: MetricScope) -> dict:
    """Stage times, size, throughput, review load, merged without review and open PR age."""
    prs = human_pull_requests(scope)
    merged = prs.filter(_window("merged_at", scope))
    stages = {
        stage: _summary_dict(found)
        for stage, found in summaries(
            merged, {stage: f"{stage}_time_minutes" for stage in STAGES}
        ).items()
    }
    counts = merged.aggregate(
        merged=Count("pk"), unreviewed=Count("pk", filter=Q(reviewed_before_merge=False))
    )
    merged_count, unreviewed = counts["merged"], counts["unreviewed"]
    reviews = (
        # A review belongs to its pull request's integration (metrics.ingest).
        _in(scope, Review.objects.filter(reviewer_is_bot=False, **_range("submitted_at", scope)))
        .filter(pull_request__author_is_bot=False)
        .exclude(reviewer=F("pull_request__author"))
        .order_by()
        .values("reviewer")
        .annotate(reviews=Count("pk"), pull_requests=Count("pull_request", distinct=True))
        .order_by("-reviews", "reviewer")
    )
    moment = scope.moment
    open_now = (
        prs.filter(is_draft=False)
        .filter(Q(merged_at__isnull=True) | Q(merged_at__gt=moment))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=moment))
    )
    open_age = minutes_until_summary(open_now, "created_at", moment, round_up=True)
    return {
        "stages": stages,
        "size": _summary_dict(summary(merged, _size())),
        "throughput": {
            "merged": merged_count,
            "per_week": merged_count / scope.days * 7,
        },
        "review_load": [
            {
                "reviewer": row["reviewer"],
                "reviews": row["reviews"],
                "pull_requests": row["pull_requests"],
            }
            for row in reviews
        ],
        "merged_without_review": {
            "merged": merged_count,
            "without_review": unreviewed,
            "rate": unreviewed / merged_count if merged_count else None,
        },
        "open": {"count": open_age.count, "age": _summary_dict(open_age)},
    }


def _range(column: str, scope: MetricScope) -> dict:
    return {f"{column}__gte": scope.start, f"{column}__lt": scope.end}


# --- Work items ------------------------------------------------------------------------------


def work_items(scope: MetricScope) -> QuerySet[WorkItem]:
    return _in(scope, WorkItem.objects.all())


def cumulative_flow(scope: MetricScope) -> dict[date, dict[str, int]]:
    """Items per status category at the end of each local day, from grouped SQL counts: items
    enter their initial category when created, and each status change moves one item from its
    previous category to the new one (WorkItemChange.previous_category).

    The counts at the window's start: whole UTC days before it from the daily rollup
    (FlowDay), the rest of the UTC day it starts in from the rows themselves."""
    items = work_items(scope)
    moves = _in(scope, WorkItemChange.objects.filter(field="status", changed_at__lt=scope.end))
    totals = dict.fromkeys(calc.CATEGORIES, 0)
    # COUNT(*) below, not COUNT(id): PostgreSQL can then count from the covering indexes alone.

    def apply(category: str, delta: int) -> None:
        if category in totals:
            totals[category] += delta

    cut = datetime.combine(scope.start.astimezone(UTC).date(), time.min, tzinfo=UTC)
    for left, entered, n in (
        _in(scope, FlowDay.objects.filter(day__lt=cut.date()))
        .order_by()
        .values("left_category", "entered_category")
        .annotate(n=Sum("items"))
        .values_list("left_category", "entered_category", "n")
    ):
        apply(left, -n)
        apply(entered, n)
    created_before = items.filter(created_at__gte=cut, created_at__lt=scope.start).order_by()
    for category, n in (
        created_before.values("initial_category")
        .annotate(n=Count("*"))
        .values_list("initial_category", "n")
    ):
        apply(category, n)
    moved_before = moves.filter(changed_at__gte=cut, changed_at__lt=scope.start).order_by()
    for left, entered, n in (
        moved_before.values("previous_category", "to_category")
        .annotate(n=Count("*"))
        .values_list("previous_category", "to_category", "n")
    ):
        apply(left, -n)
        apply(entered, n)

    daily: dict[date, list[tuple[str, str, int]]] = defaultdict(list)
    created = items.filter(_window("created_at", scope)).order_by()
    for day, category, n in (
        created.annotate(day=TruncDate("created_at", tzinfo=scope.tz))
        .values("day", "initial_category")
        .annotate(n=Count("*"))
        .values_list("day", "initial_category", "n")
    ):
        daily[day].append(("", category, n))
    changed = moves.filter(changed_at__gte=scope.start).order_by()
    for day, left, entered, n in (
        changed.annotate(day=TruncDate("changed_at", tzinfo=scope.tz))
        .values("day", "previous_category", "to_category")
        .annotate(n=Count("*"))
        .values_list("day", "previous_category", "to_category", "n")
    ):
        daily[day].append((left, entered, n))

    flow: dict[date, dict[str, int]] = {}
    for day in calc.local_days(scope.start, scope.end, scope.tz):
        for left, entered, n in daily.get(day, ()):
            apply(left, -n)
            apply(entered, n)
        flow[day] = dict(totals)
    return flow


def work_item_metrics(scope: MetricScope) -> dict:
    """Lead and cycle time, throughput, WIP, aging WIP and the cumulative flow."""
    items = work_items(scope)
    done = items.filter(_window("done_at", scope))
    done_count = done.count()
    flow = cumulative_flow(scope)
    in_progress_now = items.filter(status_category=calc.IN_PROGRESS)
    aging = minutes_until_summary(
        in_progress_now, Coalesce("started_at", "created_at"), scope.now, round_up=False
    )
    last_day = flow[max(flow)] if flow else dict.fromkeys(calc.CATEGORIES, 0)
    return {
        "lead_time": _summary_dict(
            summary(items.filter(_window("resolved_at", scope)), "lead_time_minutes")
        ),
        "cycle_time": _summary_dict(summary(done, "cycle_time_minutes")),
        "throughput": {"done": done_count, "per_week": done_count / scope.days * 7},
        "wip": {"at_window_end": last_day[calc.IN_PROGRESS]},
        "aging_wip": {"count": aging.count, "age": _summary_dict(aging)},
        "cumulative_flow": [{"day": day, **counts} for day, counts in flow.items()],
    }


# --- Sprints ---------------------------------------------------------------------------------


def _sprint_facts(rows: Iterable[Sprint]) -> list[calc.SprintFacts]:
    return [
        calc.SprintFacts(
            id=row.external_id,
            start_at=row.start_at,
            end_at=row.end_at,
            completed_at=row.completed_at,
            name=row.name,
        )
        for row in rows
        if row.start_at is not None and row.end_at is not None
    ]


def sprint_item_facts(integration_id: int, sprint_ids: Iterable[str]) -> list[calc.WorkItemFacts]:
    """Facts (status, sprint and points history) for the items that were ever in the sprints:
    current members, and items whose sprint history names one of them. Three plain queries
    (items, their changes, their current sprints) mapped straight into facts."""
    wanted = list(sprint_ids)
    if not wanted:
        return []
    mentions = Q()
    for sprint_id in wanted:
        # A substring match may also select items of sprint "112" for "12"; calc.sprint_scope
        # reads the exact ids, so those only cost time.
        mentions |= Q(to_value__contains=sprint_id) | Q(from_value__contains=sprint_id)
    from_history = WorkItemChange.objects.filter(
        Q(integration_id=integration_id, field="sprint") & mentions
    ).values("work_item_id")
    members = SprintMembership.objects.filter(
        sprint__integration_id=integration_id, sprint__external_id__in=wanted
    ).values("work_item_id")
    # Ids first (two index reads), then plain `IN` lists: faster than nesting both subqueries
    # in each of the three reads below.
    ids = sorted(
        set(from_history.values_list("work_item_id", flat=True))
        | set(members.values_list("work_item_id", flat=True))
    )
    changes: dict[int, list[Any]] = defaultdict(list)
    for item_id, *change in (
        WorkItemChange.objects.filter(work_item_id__in=ids)
        .order_by("changed_at", "pk")
        .values_list(
            "work_item_id",
            "field",
            "changed_at",
            "from_value",
            "to_value",
            "from_category",
            "to_category",
        )
    ):
        changes[item_id].append(change)
    sprints: dict[int, list[str]] = defaultdict(list)
    for item_id, sprint_id in SprintMembership.objects.filter(work_item_id__in=ids).values_list(
        "work_item_id", "sprint__external_id"
    ):
        sprints[item_id].append(sprint_id)

    def of(kind: str, history: list[Any]) -> tuple[calc.FieldChangeFacts, ...]:
        return tuple(
            calc.FieldChangeFacts(at, old, new)
            for field_name, at, old, new, _, _ in history
            if field_name == kind
        )

    facts = []
    for pk, created, category, resolved, points, kind in WorkItem.objects.filter(
        integration_id=integration_id, pk__in=ids
    ).values_list("pk", "created_at", "status_category", "resolved_at", "story_points", "kind"):
        history = changes.get(pk, [])
        facts.append(
            calc.WorkItemFacts(
                id=str(pk),
                created_at=created,
                status_category=category,
                resolved_at=resolved,
                status_changes=tuple(
                    calc.StatusChangeFacts(at, old, new)
                    for field_name, at, _, _, old, new in history
                    if field_name == "status"
                ),
                story_points=points,
                sprint_ids=tuple(sprints.get(pk, ())),
                sprint_changes=of("sprint", history),
                points_changes=of("story_points", history),
                kind=kind,
            )
        )
    return facts


def _scope_dict(sprint: calc.SprintFacts, scope: calc.SprintScope | Sprint) -> dict:
    return {
        "id": sprint.id,
        "name": sprint.name,
        "start_at": sprint.start_at,
        "end_at": sprint.end_at,
        "completed_at": sprint.completed_at,
        "committed_points": scope.committed_points,
        "added_points": scope.added_points,
        "removed_points": scope.removed_points,
        "completed_points": scope.completed_points,
        "remaining_points": scope.remaining_points,
    }


def _settled(row: Sprint) -> bool:
    """Whether the sprint's stored scope (metrics.derived) was read at its close."""
    return (
        row.scope_read_at is not None
        and row.end_at is not None
        and row.scope_read_at == (row.completed_at or row.end_at)
    )


def sprint_metrics(scope: MetricScope) -> dict:
    """Per integration: the sprints closed in the window (committed vs completed, scope change),
    velocity over the last N of them, and the burndown of the sprint active at the window's end.

    A closed sprint's scope comes from the values stored at its close (metrics.derived); items
    and their history are read only for the active sprint, and for a closed sprint not yet
    refreshed since it closed."""
    last = settings.AGILETRACK_VELOCITY_SPRINTS
    boards = []
    for integration_id in scope.integration_ids:
        sprints = Sprint.objects.filter(integration_id=integration_id, start_at__isnull=False)
        closed_rows = {
            row.external_id: row
            for row in sprints.filter(
                Q(completed_at__gte=scope.start, completed_at__lt=scope.end)
                | Q(completed_at__isnull=True, end_at__gte=scope.start, end_at__lt=scope.moment)
            ).order_by("start_at")
        }
        closed = _sprint_facts(closed_rows.values())
        active = _sprint_facts(
            sprints.filter(start_at__lt=scope.moment)
            .filter(
                Q(completed_at__isnull=True, end_at__gt=scope.moment)
                | Q(completed_at__gt=scope.moment)
            )
            .order_by("-start_at")[:1]
        )
        if not closed and not active:
            continue
        unsettled = [s for s in closed if not _settled(closed_rows[s.id])]
        items = sprint_item_facts(integration_id, [s.id for s in unsettled + active])
        scopes = {
            s.id: _scope_dict(
                s,
                closed_rows[s.id] if _settled(closed_rows[s.id]) else calc.sprint_scope(s, items),
            )
            for s in closed
        }
        velocity = calc.velocity_of(
            closed,
            {sprint_id: found["completed_points"] for sprint_id, found in scopes.items()},
            scope.moment,
            last=last,
        )
        current = None
        if active:
            sprint = active[0]
            # Read as if it closed now: scope so far, burndown up to today.
            to_now = replace(sprint, completed_at=scope.moment)
            current = {
                **_scope_dict(sprint, calc.sprint_scope(to_now, items)),
                "burndown": [
                    {"day": day, "remaining_points": points}
                    for day, points in calc.burndown(to_now, items, scope.tz).items()
                ],
            }
        boards.append(
            {
                "integration": integration_id,
                "sprints": list(scopes.values()),
                "velocity": {
                    "sprints": list(velocity.sprint_ids),
                    "completed_points": list(velocity.completed_points),
                    "mean": velocity.mean,
                    "last": last,
                },
                "active_sprint": current,
            }
        )
    return {"boards": boards}


# --- All families, cached ---------------------------------------------------------------------

FAMILY_FUNCTIONS: dict[str, Callable[[MetricScope], dict]] = {
    "dora": dora_metrics,
    "pull_requests": pull_request_metrics,
    "work_items": work_item_metrics,
    "sprints": sprint_metrics,
}


def family_metrics(scope: MetricScope, family: str) -> dict:
    """One family for the scope, from the cache when the data has not changed since."""
    return cached_family(family, scope, FAMILY_FUNCTIONS[family])


def team_metrics(scope: MetricScope, families: Iterable[str] = FAMILIES) -> dict[str, Any]:
    """Every asked family for the scope, each cached (see metrics.cache)."""
    return {
        "window": {
            "since": scope.since,
            "until": scope.until,
            "time_zone": scope.time_zone,
            "integrations": list(scope.integration_ids),
        },
        **{family: family_metrics(scope, family) for family in families},
    }


# --- Time series -----------------------------------------------------------------------------


def _count_series(queryset: QuerySet, column: str) -> Callable[[MetricScope, str], list[dict]]:
    def series(scope: MetricScope, interval: str) -> list[dict]:
        counts = counts_per_period(_in(scope, queryset), column, scope, interval)
        return [{"period": period, "value": n} for period, n in counts.items()]

    return series


def _median_series(
    rows: Callable[[MetricScope], QuerySet], column: str, value: str
) -> Callable[[MetricScope, str], list[dict]]:
    def series(scope: MetricScope, interval: str) -> list[dict]:
        found = grouped_summaries(
            rows(scope).filter(_window(column, scope)),
            _trunc(column, interval, scope.tz),
            value,
        )
        found = {_as_date(key): item for key, item in found.items()}
        return [
            {
                "period": period,
                "value": found[period].median if period in found else None,
                "count": found[period].count if period in found else 0,
            }
            for period in _periods(scope, interval)
        ]

    return series


def _pr_stage_series(scope: MetricScope, interval: str) -> list[dict]:
    """Median of each PR stage per period of merge (the stacked cycle-time breakdown)."""
    merged = human_pull_requests(scope).filter(_window("merged_at", scope))
    found = {
        _as_date(key): stages
        for key, stages in grouped_summaries_of(
            merged,
            _trunc("merged_at", interval, scope.tz),
            {stage: f"{stage}_time_minutes" for stage in STAGES},
        ).items()
    }
    return [
        {
            "period": period,
            **{stage: found[period][stage].median if period in found else None for stage in STAGES},
        }
        for period in _periods(scope, interval)
    ]


def _deployment_series(scope: MetricScope, interval: str) -> list[dict]:
    succeeded = production_deployments(scope).filter(status="success")
    counts = counts_per_period(succeeded, "at", scope, interval)
    return [{"period": period, "value": n} for period, n in counts.items()]


def _failure_rate_series(scope: MetricScope, interval: str) -> list[dict]:
    incidents = _incident_facts(_in(scope, Incident.objects.filter(created_at__gte=scope.start)))
    deployments = _deployment_facts(scope)
    points = []
    for period in _periods(scope, interval):
        start = max(local_midnight(period, scope.tz), scope.start)
        end = min(local_midnight(_next_period(period, interval), scope.tz), scope.end)
        rate = calc.change_failure_rate(
            deployments, incidents, start, end, incident_window=incident_window()
        )
        points.append({"period": period, "value": rate.rate, "count": rate.deployments})
    return points


def _next_period(period: date, interval: str) -> date:
    if interval == "day":
        return period + timedelta(days=1)
    if interval == "week":
        return period + timedelta(days=7)
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1)


TIMESERIES: dict[str, Callable[[MetricScope, str], list[dict]]] = {
    "deployments": _deployment_series,
    "change_failure_rate": _failure_rate_series,
    "lead_time_for_changes": _median_series(
        human_pull_requests, "deployed_at", "cycle_time_minutes"
    ),
    "pull_requests_merged": _count_series(
        PullRequest.objects.filter(author_is_bot=False), "merged_at"
    ),
    "pull_request_cycle_time": _median_series(
        human_pull_requests, "merged_at", "cycle_time_minutes"
    ),
    "pull_request_stages": _pr_stage_series,
    "work_items_done": _count_series(WorkItem.objects.all(), "done_at"),
    "work_item_cycle_time": _median_series(work_items, "done_at", "cycle_time_minutes"),
    "work_items_created": _count_series(WorkItem.objects.all(), "created_at"),
}


def timeseries(scope: MetricScope, metric: str, interval: str = "week") -> list[dict]:
    """One metric per local day, week (Monday) or month of the window, empty periods included;
    cached like the families."""
    if metric not in TIMESERIES:
        raise ScopeError(f"metric must be one of {', '.join(sorted(TIMESERIES))}")
    if interval not in INTERVALS:
        raise ScopeError(f"interval must be one of {', '.join(INTERVALS)}")
    return cached_family(
        "timeseries", scope, lambda s: TIMESERIES[metric](s, interval), extra=(metric, interval)
    )
