"""Work item reads: lead and cycle time, throughput, WIP, aging WIP and the cumulative flow of a
scope, and the work item page's lists."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import cast

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate

from integrations.models import Integration
from integrations.providers.registry import reading
from metrics import calculations as calc
from metrics.aggregates import minutes_until_summary, summaries_and_counts
from metrics.calculations._common import Period, local_midnight, period_key
from metrics.models import FinishDay, FlowDay, WorkItem, WorkItemChange, WorkItemFinish
from metrics.parallel import side_by_side
from metrics.scope import MetricScope, window_filter
from metrics.selectors.common import (
    counts_per_period,
    in_scope,
    per_week,
    periods,
    summary_dict,
    work_item_finishes,
    work_items,
)

# A category move: (category left, category entered, how many items); "" left: created.
Move = tuple[str, str, int]


def _moves_before_window(
    scope: MetricScope, items: QuerySet[WorkItem], moves: QuerySet[WorkItemChange]
) -> list[Move]:
    """Every move before the window's start, counted from the rows."""
    created = items.filter(created_at__lt=scope.start).order_by()
    found: list[Move] = [
        ("", category, n)
        for category, n in created.values("initial_category")
        .annotate(n=Count("*"))
        .values_list("initial_category", "n")
    ]
    found += (
        moves.filter(changed_at__lt=scope.start)
        .order_by()
        .values("previous_category", "to_category")
        .annotate(n=Count("*"))
        .values_list("previous_category", "to_category", "n")
    )
    return found


def _daily_moves(
    scope: MetricScope, items: QuerySet[WorkItem], moves: QuerySet[WorkItemChange]
) -> dict[date, list[Move]]:
    """The moves in the window, per local day."""
    daily: dict[date, list[Move]] = defaultdict(list)
    created = items.filter(window_filter("created_at", scope)).order_by()
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
    return daily


def status_moves(scope: MetricScope, before: datetime) -> QuerySet[WorkItemChange]:
    """The status changes the cumulative flow counts, up to `before`: of the scope's work items
    that are not left out."""
    return in_scope(
        scope,
        WorkItemChange.objects.filter(
            field="status", changed_at__lt=before, work_item__left_out=False
        ),
    )


def _flow_rows(
    scope: MetricScope,
) -> tuple[list[Move], dict[date, list[Move]]]:
    """The moves before the window and per local day inside it, counted from the work items
    and status changes themselves."""
    items = work_items(scope)
    moves = status_moves(scope, scope.end)
    return _moves_before_window(scope, items, moves), _daily_moves(scope, items, moves)


def rollup_in_zone(scope: MetricScope, rollup: type[FlowDay | FinishDay] = FlowDay) -> bool:
    """Whether a daily rollup (FlowDay, FinishDay) can answer the scope: its window is whole
    local days, every rollup row of its integrations is in the scope's time zone (a team whose
    zone changed is counted from the rows until its next sync rebuilds the rollup), and no sync
    has changed their rows since the rollups were rebuilt (a sync deletes the items a provider
    no longer returns before its refresh rebuilds them)."""
    return (
        scope.bounds is None
        and not scope.derived_stale
        and not in_scope(scope, rollup.objects.exclude(time_zone=scope.time_zone)).exists()
    )


def finish_counts_per_period(
    scope: MetricScope, interval: str, *, from_rows: bool = False
) -> dict[date, int]:
    """Throughput per local day, week or month of the window: the finishes (work_item_finishes)
    per period of their move into done, empty periods included. When the daily rollup answers
    the scope, its days are summed and the finishes since left done, but not before the
    window's end, are added from the rows, both read by one statement (one snapshot: a refresh
    committing between two reads could move a finish out of one and not yet into the other);
    else (or with `from_rows`) every finish is counted from the rows. Both give the same
    counts."""
    finishes = work_item_finishes(scope)
    if from_rows or not rollup_in_zone(scope, FinishDay):
        return counts_per_period(finishes, "done_at", scope, interval)
    counts = dict.fromkeys(periods(scope, interval), 0)  # checks the interval (ScopeError)
    left = (
        finishes.filter(left_at__isnull=False)
        .annotate(local_day=TruncDate("done_at", tzinfo=scope.tz))
        .order_by()
        .values("local_day")
        .annotate(finished=Count("pk"))
        .values_list("local_day", "finished")
    )
    days = in_scope(scope, FinishDay.objects.filter(day__gte=scope.since, day__lte=scope.until))
    for day, finished in days.order_by().values_list("day", "finishes").union(left, all=True):
        counts[period_key(day, cast(Period, interval))] += finished
    return counts


def _flow_rollup(scope: MetricScope) -> tuple[list[Move], dict[date, list[Move]]]:
    """The same moves as _flow_rows, summed from the daily rollup: the local days before the
    window's first, then each local day of the window."""
    days = in_scope(scope, FlowDay.objects.filter(day__lte=scope.until)).order_by()
    before: list[Move] = list(
        days.filter(day__lt=scope.since)
        .values("left_category", "entered_category")
        .annotate(n=Sum("items"))
        .values_list("left_category", "entered_category", "n")
    )
    daily: dict[date, list[Move]] = defaultdict(list)
    for day, left, entered, n in days.filter(day__gte=scope.since).values_list(
        "day", "left_category", "entered_category", "items"
    ):
        daily[day].append((left, entered, n))
    return before, daily


def cumulative_flow(scope: MetricScope, *, from_rows: bool = False) -> dict[date, dict[str, int]]:
    """Items per status category at the end of each local day: items enter their initial
    category when created, and each status change moves one item from its previous category to
    the new one (WorkItemChange.previous_category). Summed from the daily rollup when it is in
    the scope's zone, else (or with `from_rows`) counted from the rows; both give the same
    numbers."""
    before, daily = (
        _flow_rows(scope) if from_rows or not rollup_in_zone(scope) else _flow_rollup(scope)
    )
    totals = dict.fromkeys(calc.CATEGORIES, 0)

    def apply(found: list[Move]) -> None:
        for left, entered, n in found:
            if left in totals:
                totals[left] -= n
            if entered in totals:
                totals[entered] += n

    apply(before)
    flow: dict[date, dict[str, int]] = {}
    for day in calc.local_days(scope.start, scope.end, scope.tz):
        apply(daily.get(day, []))
        flow[day] = dict(totals)
    return flow


def work_item_metrics(scope: MetricScope) -> dict:
    """Lead and cycle time, throughput, WIP, aging WIP and the cumulative flow."""
    finishes = work_item_finishes(scope)
    # Four reads side by side (metrics.parallel): the finishes' lead times with their count,
    # their cycle times (each of the two sorts every finish of the window), the cumulative flow
    # and the ages of the items in progress now.
    read = side_by_side(
        lead=lambda: summaries_and_counts(finishes, {"lead": "lead_time_minutes"}, {"done": None}),
        cycle=lambda: summaries_and_counts(finishes, {"cycle": "cycle_time_minutes"})[0],
        flow=lambda: cumulative_flow(scope),
        aging=lambda: minutes_until_summary(
            work_items(scope).filter(status_category=calc.IN_PROGRESS),
            Coalesce("started_at", "created_at"),
            scope.now,
            round_up=False,
        ),
    )
    (lead, counted), cycle = read["lead"], read["cycle"]
    done_count, flow, aging = counted["done"], read["flow"], read["aging"]
    last_day = flow[max(flow)] if flow else dict.fromkeys(calc.CATEGORIES, 0)
    return {
        "lead_time": summary_dict(lead["lead"]),
        "cycle_time": summary_dict(cycle["cycle"]),
        "throughput": {"done": done_count, "per_week": per_week(done_count, scope)},
        "wip": {"at_window_end": last_day[calc.IN_PROGRESS]},
        "aging_wip": {"count": aging.count, "age": summary_dict(aging)},
        "cumulative_flow": [{"day": day, **counts} for day, counts in flow.items()],
    }


def flow_day_end(scope: MetricScope, day: date) -> datetime:
    """The moment a day of the cumulative flow is read at: the end of the local day (the
    window's end for its last day)."""
    return min(local_midnight(day + timedelta(days=1), scope.tz), scope.end)


def list_flow_band(scope: MetricScope, day: date, category: str) -> QuerySet[WorkItem]:
    """The work items one band of the cumulative flow counted on one local day: those in
    `category` at the day's end (flow_day_end). As cumulative_flow counts them, an item enters
    its initial category when created and each status move (status_moves, in time order) puts
    it in the category moved to; so an item is where its last move before the end put it, else
    in its initial category if it was created by then. `since`: when it entered the category
    (that move, else its creation). Longest there first."""
    end = flow_day_end(scope, day)
    last = status_moves(scope, end).filter(work_item=OuterRef("pk")).order_by("-changed_at", "-pk")
    return (
        work_items(scope)
        .annotate(
            moved_to=Subquery(last.values("to_category")[:1]),
            moved_at=Subquery(last.values("changed_at")[:1]),
        )
        .filter(
            Q(moved_to=category)
            | Q(moved_to__isnull=True, created_at__lt=end, initial_category=category)
        )
        .annotate(since=Coalesce("moved_at", "created_at"))
        .select_related("integration")
        .order_by("since", "pk")
    )


# --- The work item page -----------------------------------------------------------------------


def list_work_item_finishes(
    scope: MetricScope, period: date | None = None, interval: str = "week"
) -> QuerySet[WorkItemFinish]:
    """The finishes throughput, lead and cycle time count (work_item_finishes), newest first,
    with their items: the list behind those numbers. With `period`, only those done in that
    local day, week or month: the ones its bar of the time series counted (still done at the
    window's end, like every finish the window counts)."""
    rows = work_item_finishes(scope)
    if period is not None:
        start = local_midnight(period, scope.tz)
        end = local_midnight(calc.next_period_start(period, interval), scope.tz)
        rows = rows.filter(done_at__gte=start, done_at__lt=end)
    return rows.select_related("work_item").order_by("-done_at", "-pk")


def list_finished_work_items(scope: MetricScope, limit: int) -> QuerySet:
    """(key, done at, cycle minutes) of the latest `limit` items finished in the window with a
    cycle time, newest first."""
    return (
        work_item_finishes(scope)
        .filter(cycle_time_minutes__isnull=False)
        .order_by("-done_at")
        .values_list("work_item__key", "done_at", "cycle_time_minutes")[:limit]
    )


def list_aging_work_items(scope: MetricScope, limit: int) -> QuerySet:
    """The `limit` items in progress longest (`since`: started, else created), oldest first."""
    in_progress = work_items(scope).annotate(since=Coalesce("started_at", "created_at"))
    # The oldest ids first, from the aging index alone (it holds the ids); then only their rows.
    oldest = in_progress.filter(status_category=calc.IN_PROGRESS).order_by("since", "pk")
    ids = list(oldest.values_list("pk", flat=True)[:limit])
    return in_progress.filter(pk__in=ids).select_related("integration").order_by("since", "pk")


def list_reading_notes(scope: MetricScope) -> list[dict]:
    """Per integration of the scope: the kinds left out of flow metrics, and the statuses (Trello
    lists) its provider could not place, for the user to map."""
    notes = []
    for integration in Integration.objects.filter(pk__in=scope.integration_ids).order_by("name"):
        read = reading(integration.kind, integration.config)
        items = WorkItem.objects.filter(integration=integration, source_category="")
        moves = WorkItemChange.objects.filter(
            integration=integration, field="status", to_source_category=""
        )
        names = set(items.values_list("status", flat=True).distinct())
        names |= set(moves.exclude(to_value="").values_list("to_value", flat=True).distinct())
        unplaced = sorted(name for name in names if read.unplaced(name, ""))
        if read.left_out_kinds or unplaced:
            notes.append(
                {
                    "integration": integration.name,
                    "left_out_kinds": list(read.left_out_kinds),
                    "unplaced": unplaced,
                }
            )
    return notes
