"""What the overview and the work items page read: each page's independent metric reads in one
call, side by side on PostgreSQL (metrics.parallel), so a cold page waits for its slowest read
rather than for their sum."""

from __future__ import annotations

from dataclasses import dataclass

from metrics import selectors
from metrics.comparison import previous_lines
from metrics.parallel import side_by_side
from metrics.scope import MetricScope
from metrics.selectors.common import periods

PREVIOUS_CYCLE = {"pull_request_cycle_time": "Median cycle time, previous window"}
PREVIOUS_THROUGHPUT = {
    "pull_requests_merged": "Pull requests merged, previous window",
    "work_items_done": "Work items done, previous window",
}
PREVIOUS_DONE = {"work_items_done": "Previous window"}
SCATTER_LIMIT = 2000  # the cycle-time scatter's latest finished items
AGING_LIMIT = 20  # the items in progress longest


@dataclass(frozen=True)
class OverviewReads:
    dora: dict
    previous_dora: dict
    pull_requests: dict
    work_items: dict
    stages: list[dict]  # the stage breakdown's series, per period of the window
    merged: list[dict]
    done: list[dict]
    previous_cycle: list[dict]  # chart datasets of the previous window
    previous_throughput: list[dict]


def overview_reads(scope: MetricScope, interval: str) -> OverviewReads:
    before = scope.previous()
    count = len(periods(scope, interval))
    # The stage and merged series share one cached read of their window: one part.
    read = side_by_side(
        dora=lambda: selectors.dora_with_previous(scope),
        pull_requests=lambda: selectors.family_metrics(scope, "pull_requests"),
        work_items=lambda: selectors.family_metrics(scope, "work_items"),
        merged=lambda: (
            selectors.timeseries(scope, "pull_request_stages", interval),
            selectors.timeseries(scope, "pull_requests_merged", interval),
        ),
        done=lambda: selectors.timeseries(scope, "work_items_done", interval),
        previous=lambda: (
            previous_lines(before, PREVIOUS_CYCLE, interval, count),
            previous_lines(before, PREVIOUS_THROUGHPUT, interval, count),
        ),
    )
    dora, previous_dora = read["dora"]
    return OverviewReads(
        dora=dora,
        previous_dora=previous_dora,
        pull_requests=read["pull_requests"],
        work_items=read["work_items"],
        stages=read["merged"][0],
        merged=read["merged"][1],
        done=read["done"],
        previous_cycle=read["previous"][0],
        previous_throughput=read["previous"][1],
    )


@dataclass(frozen=True)
class WorkItemReads:
    metrics: dict  # the work item family
    finished: list[tuple]  # (key, done at, cycle minutes), newest first
    done: list[dict]  # the throughput series
    previous_done: list[dict]  # its chart dataset over the previous window
    aging: list  # work items, in progress longest first
    reading_notes: list[dict]


def work_item_reads(scope: MetricScope, interval: str) -> WorkItemReads:
    count = len(periods(scope, interval))
    read = side_by_side(
        metrics=lambda: selectors.family_metrics(scope, "work_items"),
        finished=lambda: list(selectors.list_finished_work_items(scope, SCATTER_LIMIT)),
        done=lambda: selectors.timeseries(scope, "work_items_done", interval),
        previous_done=lambda: previous_lines(scope.previous(), PREVIOUS_DONE, interval, count),
        aging=lambda: list(selectors.list_aging_work_items(scope, AGING_LIMIT)),
        reading_notes=lambda: selectors.list_reading_notes(scope),
    )
    return WorkItemReads(**read)
