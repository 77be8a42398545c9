"""The metrics a working agreement can use, with their units, and how each is read.

Every value comes from the existing metric definitions (docs/metrics.md): the stored per-row
values of metrics.derived (pickup time, size, open age, aging in progress) and the selectors
of metrics.selectors (DORA, cycle time, the cumulative flow). Nothing is defined twice.

An item rule is checked on each pull request or work item of a period; a window rule compares one
team metric over the agreement's window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce

from metrics import calculations as calc
from metrics.aggregates import summary
from metrics.scope import MetricScope
from metrics.selectors.common import merged_pull_requests, open_pull_requests, work_item_finishes
from metrics.selectors.dora import dora_results
from metrics.selectors.work_items import cumulative_flow, list_flow_band

ITEM, WINDOW = "item", "window"
UNITS = ("hours", "lines", "days", "percent", "per_day", "items")


@dataclass(frozen=True)
class MetricSpec:
    name: str  # e.g. "first_review_hours"
    label: str  # "Time to first review"
    unit: str  # "hours" | "lines" | "days" | "percent" | "per_day" | "items"
    kind: str  # "item" (checked on each PR / work item) | "window" (a team metric)
    description: str


@dataclass(frozen=True)
class Checked:
    """One pull request or work item an item rule looked at, with its value in the unit."""

    id: str
    label: str
    url: str
    value: float


ITEM_COUNT = (
    " The period's value is the number of items that break the rule; it is broken when one "
    "item or more does."
)

METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec(
            "first_review_hours",
            "Time to first review",
            "hours",
            ITEM,
            "Pickup time of each human pull request merged in the period: from ready for review "
            "to the first response (review or comment) by someone else; a pull request still "
            "waiting for its first response at the period's end counts with its wait so far."
            + ITEM_COUNT,
        ),
        MetricSpec(
            "pr_size_lines",
            "Pull request size",
            "lines",
            ITEM,
            "Lines added plus lines deleted of each human pull request merged in the period."
            + ITEM_COUNT,
        ),
        MetricSpec(
            "pr_open_days",
            "Pull request open",
            "days",
            ITEM,
            "Age of each human pull request still open (not a draft) at the period's end, from "
            "its creation (whole minutes, rounded up, in days)." + ITEM_COUNT,
        ),
        MetricSpec(
            "item_in_progress_days",
            "Work item in progress",
            "days",
            ITEM,
            "Age of each work item in progress at the period's end, from its first move into "
            "progress (aging WIP; whole minutes, rounded down, in days)." + ITEM_COUNT,
        ),
        MetricSpec(
            "change_failure_rate",
            "Change failure rate",
            "percent",
            WINDOW,
            "Production deployments that failed or caused an incident, over those finished in "
            "the window (DORA; none without deployments).",
        ),
        MetricSpec(
            "deployment_frequency",
            "Deployment frequency",
            "per_day",
            WINDOW,
            "Successful production deployments per elapsed day of the window (DORA).",
        ),
        MetricSpec(
            "lead_time_hours",
            "Lead time for changes (median)",
            "hours",
            WINDOW,
            "Median cycle time of the pull requests deployed in the window (DORA).",
        ),
        MetricSpec(
            "pr_cycle_time_hours",
            "Pull request cycle time (median)",
            "hours",
            WINDOW,
            "Median cycle time of the human pull requests merged in the window.",
        ),
        MetricSpec(
            "item_cycle_time_days",
            "Work item cycle time (median)",
            "days",
            WINDOW,
            "Median cycle time (first move into progress to done) of the work items finished in "
            "the window.",
        ),
        MetricSpec(
            "wip",
            "Work in progress",
            "items",
            WINDOW,
            "Work items in progress at the window's end (the cumulative flow's last day).",
        ),
    )
}

MINUTES_PER = {"hours": 60, "days": 1440}


def _in(minutes: float | None, unit: str) -> float | None:
    return None if minutes is None else minutes / MINUTES_PER[unit]


def _pr_label(pr) -> str:
    return f"{pr.repository}#{pr.number} {pr.title}"


# --- Item rules: every item checked, with its value ---------------------------------------------


def first_review_items(scope: MetricScope) -> list[Checked]:
    """The pull requests merged in the period with their pickup time, then those still
    waiting for a first response at its end with their wait so far (from ready for review, as
    pickup counts it, to the period's end)."""
    rows = merged_pull_requests(scope).filter(pickup_time_minutes__isnull=False)
    found = [
        Checked(f"pr:{pr.pk}", _pr_label(pr), pr.url, (pr.pickup_time_minutes or 0) / 60)
        for pr in rows.order_by("merged_at", "pk")
    ]
    moment = scope.moment
    waiting = (
        open_pull_requests(scope)
        .filter(Q(first_review_at__isnull=True) | Q(first_review_at__gt=moment))
        .order_by("created_at", "pk")
    )
    for pr in waiting:
        ready = [datetime.fromisoformat(t) for t in pr.ready_for_review_times]
        start = max([t for t in ready if t <= moment], default=pr.created_at)
        hours = _in(calc.span_minutes(start, moment), "hours")
        if hours is not None:
            found.append(Checked(f"pr:{pr.pk}", _pr_label(pr), pr.url, hours))
    return found


def pr_size_items(scope: MetricScope) -> list[Checked]:
    rows = merged_pull_requests(scope).filter(additions__isnull=False, deletions__isnull=False)
    return [
        Checked(
            f"pr:{pr.pk}", _pr_label(pr), pr.url, float((pr.additions or 0) + (pr.deletions or 0))
        )
        for pr in rows.order_by("merged_at", "pk")
    ]


def pr_open_items(scope: MetricScope) -> list[Checked]:
    moment = scope.moment
    found = []
    for pr in open_pull_requests(scope).order_by("created_at", "pk"):
        days = _in(calc.span_minutes(pr.created_at, moment), "days")
        if days is not None:
            found.append(Checked(f"pr:{pr.pk}", _pr_label(pr), pr.url, days))
    return found


def in_progress_items(scope: MetricScope) -> list[Checked]:
    moment = scope.moment
    last_day = (moment - timedelta(microseconds=1)).astimezone(scope.tz).date()
    rows = list_flow_band(scope, last_day, calc.IN_PROGRESS).annotate(
        aging_from=Coalesce("started_at", "created_at")
    )
    found = []
    for item in rows:
        days = _in(calc.floor_minutes(item.aging_from, moment), "days")
        if days is not None:
            found.append(Checked(f"item:{item.pk}", f"{item.key} {item.title}", item.url, days))
    return found


# --- Window rules: one value ---------------------------------------------------------------------


def change_failure_rate(scope: MetricScope) -> float | None:
    rate = dora_results(scope).failure.rate
    return None if rate is None else rate * 100


def deployment_frequency(scope: MetricScope) -> float | None:
    return dora_results(scope).frequency.per_day


def lead_time_hours(scope: MetricScope) -> float | None:
    return _in(dora_results(scope).lead.median, "hours")


def pr_cycle_time_hours(scope: MetricScope) -> float | None:
    return _in(summary(merged_pull_requests(scope), "cycle_time_minutes").median, "hours")


def item_cycle_time_days(scope: MetricScope) -> float | None:
    return _in(summary(work_item_finishes(scope), "cycle_time_minutes").median, "days")


def wip(scope: MetricScope) -> float | None:
    flow = cumulative_flow(scope)
    return float(flow[max(flow)][calc.IN_PROGRESS]) if flow else None


ITEM_READERS: dict[str, Callable[[MetricScope], list[Checked]]] = {
    "first_review_hours": first_review_items,
    "pr_size_lines": pr_size_items,
    "pr_open_days": pr_open_items,
    "item_in_progress_days": in_progress_items,
}
WINDOW_READERS: dict[str, Callable[[MetricScope], float | None]] = {
    "change_failure_rate": change_failure_rate,
    "deployment_frequency": deployment_frequency,
    "lead_time_hours": lead_time_hours,
    "pr_cycle_time_hours": pr_cycle_time_hours,
    "item_cycle_time_days": item_cycle_time_days,
    "wip": wip,
}


def breaks(value: float, operator: str, threshold: float) -> bool:
    """Whether `value` breaks "`operator` `threshold`" (<= at most, >= at least)."""
    return value > threshold if operator == "<=" else value < threshold
