"""What every metric family reads through: a scope's rows, its periods, and counts per period."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, DateTimeField, Q, QuerySet, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek

from integrations.providers.spec import DEPLOYMENTS, PULL_REQUESTS
from metrics import calculations as calc
from metrics.calculations._common import period_key
from metrics.indexes import NOT_MERGED
from metrics.models import Deployment, PullRequest, WorkItem, WorkItemFinish
from metrics.production import production_only
from metrics.scope import MetricScope, ScopeError, window_filter

INTERVALS = ("day", "week", "month")


def in_scope(scope: MetricScope, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` that belong to the scope's integrations."""
    return queryset.filter(integration_id__in=scope.integration_ids)


def scope_pull_requests(scope: MetricScope, queryset: QuerySet | None = None) -> QuerySet:
    """The rows of `queryset` (by default every pull request) of the scope's integrations that
    bring pull requests (MetricScope.integrations_with): pull requests and their reviews."""
    rows = PullRequest.objects.all() if queryset is None else queryset
    return rows.filter(integration_id__in=scope.integrations_with(PULL_REQUESTS))


def human_pull_requests(scope: MetricScope) -> QuerySet[PullRequest]:
    """The pull requests metrics count: bot-authored ones are left out everywhere."""
    return scope_pull_requests(scope).filter(author_is_bot=False)


def open_pull_requests(scope: MetricScope) -> QuerySet[PullRequest]:
    """The human pull requests open and out of draft at the scope's moment (now, or the
    window's end if past): open PR age, and the agreements on open or unanswered PRs."""
    moment = scope.moment
    # Not merged by the moment: merged after it, or not at all (NOT_MERGED, after any moment),
    # written so one range of the open pull requests' index answers it.
    merged = Coalesce("merged_at", Value(NOT_MERGED, output_field=DateTimeField()))
    return (
        human_pull_requests(scope)
        .filter(is_draft=False, created_at__lte=moment)
        .alias(merged_or_not=merged)
        .filter(Q(merged_or_not__gt=moment))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=moment))
    )


def merged_pull_requests(scope: MetricScope) -> QuerySet[PullRequest]:
    """The human pull requests merged in the window: throughput, the stage times, and the list
    behind them."""
    return human_pull_requests(scope).filter(window_filter("merged_at", scope))


def production_deployments(scope: MetricScope) -> QuerySet[Deployment]:
    """Production deployments (metrics.production, by each integration's
    `deployment_environments`), each counted once: attempts a later attempt of the same commit
    superseded are left out (metrics.deployed). `at` = finished, else created. Read from the
    scope's integrations that bring deployments only (MetricScope.integrations_with)."""
    ids = scope.integrations_with(DEPLOYMENTS)
    configs = [(pk, config) for pk, config in scope.integration_configs if pk in ids]
    return production_only(Deployment.objects.filter(superseded=False), configs).annotate(
        at=Coalesce("finished_at", "created_at")
    )


def work_items(scope: MetricScope) -> QuerySet[WorkItem]:
    """The scope's work items (Jira issues and Trello cards) flow metrics count: left-out kinds
    (epics by default) aside."""
    return in_scope(scope, WorkItem.objects.filter(left_out=False))


def work_item_finishes(scope: MetricScope) -> QuerySet[WorkItemFinish]:
    """The finishes lead time, cycle time and throughput count (calculations.finish_in): a move
    into done in the window, of an item still done at the window's end."""
    return in_scope(
        scope,
        WorkItemFinish.objects.filter(
            window_filter("done_at", scope), Q(left_at__isnull=True) | Q(left_at__gte=scope.end)
        ),
    )


def trunc_period(column: str, interval: str, tz: ZoneInfo):
    """`column` truncated to its local day, week (Monday) or month, as a date."""
    if interval == "day":
        return TruncDate(column, tzinfo=tz)
    if interval == "week":
        return TruncDate(TruncWeek(column, tzinfo=tz))
    if interval == "month":
        return TruncDate(TruncMonth(column, tzinfo=tz))
    raise ScopeError(f"interval must be one of {', '.join(INTERVALS)}")


def periods(scope: MetricScope, interval: str) -> list[date]:
    """Every local day, week or month the window touches, in order."""
    if interval not in INTERVALS:
        raise ScopeError(f"interval must be one of {', '.join(INTERVALS)}")
    days = calc.local_days(scope.start, scope.end, scope.tz)
    return sorted({period_key(day, interval) for day in days})  # type: ignore[arg-type]


def as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def counts_per_period(
    queryset: QuerySet, column: str, scope: MetricScope, interval: str = "week"
) -> dict[date, int]:
    """Rows with `column` in the window per local day/week/month, empty periods included."""
    found = {
        as_date(row["period"]): row["n"]
        for row in queryset.filter(window_filter(column, scope))
        .annotate(period=trunc_period(column, interval, scope.tz))
        .order_by()
        .values("period")
        .annotate(n=Count("*"))
    }
    return {period: found.get(period, 0) for period in periods(scope, interval)}


def summary_dict(value: calc.Summary) -> dict:
    return asdict(value)


def per_week(count: int, scope: MetricScope) -> float:
    """`count` per 7 days of the window elapsed by now (a window ending today is not diluted)."""
    days = scope.elapsed_days
    return count / days * 7 if days else 0.0
