"""Time series: one metric per local day, week or month of a scope's window, cached like the
families."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db.models import QuerySet

from metrics import calculations as calc
from metrics.aggregates import grouped_summaries, grouped_summaries_and_counts
from metrics.cache import cached_family
from metrics.calculations._common import local_midnight
from metrics.models import Incident, WorkItem
from metrics.scope import MetricScope, ScopeError, window_filter
from metrics.selectors.common import (
    INTERVALS,
    as_date,
    counts_per_period,
    human_pull_requests,
    in_scope,
    merged_pull_requests,
    periods,
    production_deployments,
    trunc_period,
    work_item_finishes,
)
from metrics.selectors.dora import incident_window, list_deployment_facts, list_incident_facts
from metrics.selectors.pull_requests import STAGES
from metrics.selectors.work_items import finish_counts_per_period

Series = Callable[[MetricScope, str], list[dict]]


def _count_series(queryset: QuerySet, column: str) -> Series:
    def series(scope: MetricScope, interval: str) -> list[dict]:
        counts = counts_per_period(in_scope(scope, queryset), column, scope, interval)
        return [{"period": period, "value": n} for period, n in counts.items()]

    return series


def _finish_count_series(scope: MetricScope, interval: str) -> list[dict]:
    counts = finish_counts_per_period(scope, interval)
    return [{"period": period, "value": n} for period, n in counts.items()]


def _median_series(rows: Callable[[MetricScope], QuerySet], column: str, value: str) -> Series:
    def series(scope: MetricScope, interval: str) -> list[dict]:
        found = grouped_summaries(
            rows(scope).filter(window_filter(column, scope)),
            trunc_period(column, interval, scope.tz),
            value,
        )
        found = {as_date(key): item for key, item in found.items()}
        return [
            {
                "period": period,
                "value": found[period].median if period in found else None,
                "count": found[period].count if period in found else 0,
            }
            for period in periods(scope, interval)
        ]

    return series


def _merged_periods(scope: MetricScope, interval: str) -> dict[date, dict]:
    """Per local period of merge, the human pull requests merged in it (merged_pull_requests):
    how many, and each stage's summary, in one grouped read. The stage breakdown, the cycle time
    and the merged count series all read it, cached once per scope and interval."""

    def compute(scope: MetricScope) -> dict[date, dict]:
        found = grouped_summaries_and_counts(
            merged_pull_requests(scope),
            trunc_period("merged_at", interval, scope.tz),
            {stage: f"{stage}_time_minutes" for stage in STAGES},
            {"merged": None},
        )
        return {
            as_date(key): {"merged": counts["merged"], "stages": stages}
            for key, (stages, counts) in found.items()
        }

    return cached_family("merged_periods", scope, compute, extra=(interval,))


def _pr_stage_series(scope: MetricScope, interval: str) -> list[dict]:
    """Median of each PR stage per period of merge (the stacked cycle-time breakdown)."""
    found = _merged_periods(scope, interval)
    return [
        {
            "period": period,
            **{
                stage: found[period]["stages"][stage].median if period in found else None
                for stage in STAGES
            },
        }
        for period in periods(scope, interval)
    ]


def _pr_cycle_series(scope: MetricScope, interval: str) -> list[dict]:
    """Median cycle time of the pull requests merged per period, and how many had one."""
    found = _merged_periods(scope, interval)
    points = []
    for period in periods(scope, interval):
        cycle = found[period]["stages"]["cycle"] if period in found else calc.summarize(())
        points.append({"period": period, "value": cycle.median, "count": cycle.count})
    return points


def _pr_merged_series(scope: MetricScope, interval: str) -> list[dict]:
    """Human pull requests merged per period."""
    found = _merged_periods(scope, interval)
    return [
        {"period": period, "value": found[period]["merged"] if period in found else 0}
        for period in periods(scope, interval)
    ]


def _deployment_series(scope: MetricScope, interval: str) -> list[dict]:
    succeeded = production_deployments(scope).filter(status="success")
    counts = counts_per_period(succeeded, "at", scope, interval)
    return [{"period": period, "value": n} for period, n in counts.items()]


def _failure_rate_series(scope: MetricScope, interval: str) -> list[dict]:
    incidents = list_incident_facts(
        in_scope(scope, Incident.objects.filter(created_at__gte=scope.start))
    )
    deployments = list_deployment_facts(scope)
    # Each incident's deployment does not depend on the period: linked once for all of them.
    links = calc.attribute_incidents(incidents, deployments, incident_window())
    points = []
    for period in periods(scope, interval):
        start = max(local_midnight(period, scope.tz), scope.start)
        end = min(local_midnight(calc.next_period_start(period, interval), scope.tz), scope.end)
        rate = calc.change_failure_rate(
            deployments, incidents, start, end, incident_window=incident_window(), links=links
        )
        points.append({"period": period, "value": rate.rate, "count": rate.deployments})
    return points


TIMESERIES: dict[str, Series] = {
    "deployments": _deployment_series,
    "change_failure_rate": _failure_rate_series,
    "lead_time_for_changes": _median_series(
        human_pull_requests, "deployed_at", "cycle_time_minutes"
    ),
    "pull_requests_merged": _pr_merged_series,
    "pull_request_cycle_time": _pr_cycle_series,
    "pull_request_stages": _pr_stage_series,
    "work_items_done": _finish_count_series,
    "work_item_cycle_time": _median_series(work_item_finishes, "done_at", "cycle_time_minutes"),
    "work_items_created": _count_series(WorkItem.objects.all(), "created_at"),
}


def timeseries(scope: MetricScope, metric: str, interval: str = "week") -> list[dict]:
    """One metric per local day, week (Monday) or month of the window, empty periods included;
    cached like the families. `partial` marks a period not wholly inside the window up to now
    (from the first day of data when the window reaches before it)."""
    if metric not in TIMESERIES:
        raise ScopeError(f"metric must be one of {', '.join(sorted(TIMESERIES))}")
    if interval not in INTERVALS:
        raise ScopeError(f"interval must be one of {', '.join(INTERVALS)}")
    points = cached_family(
        "timeseries", scope, lambda s: TIMESERIES[metric](s, interval), extra=(metric, interval)
    )
    return [
        {
            **point,
            "partial": calc.partial_period(
                point["period"], interval, scope.counted_start, scope.elapsed_end, scope.tz
            ),
        }
        for point in points
    ]
