"""Reads for metrics: a team's (or some integrations') metric families over a window.

A `MetricScope` (metrics.scope) says whose data and which local days. Each family turns stored
rows into numbers: counts, sums and summaries are SQL aggregates over the stored per-row values
(metrics.derived); only the small sets (deployments, incidents, one sprint's items) are mapped into
the `*Facts` of metrics.calculations and computed there. docs/metrics.md defines every number.

One module per family (dora, pull_requests, work_items, sprints), plus families (every family,
cached per scope: metrics.cache) and timeseries. This package re-exports the read API the pages,
the JSON API and the tests call as `selectors.<name>`.
"""

from metrics.scope import MetricScope, ScopeError, metric_scope
from metrics.selectors.common import INTERVALS
from metrics.selectors.dora import DoraReads, dora_metrics
from metrics.selectors.families import (
    FAMILIES,
    dora_with_previous,
    family_metrics,
    pull_request_page_numbers,
    team_metrics,
)
from metrics.selectors.pull_requests import (
    PR_SORTS,
    STAGES,
    list_pull_request_repositories,
    list_pull_requests,
    pull_request_metrics,
)
from metrics.selectors.sprints import sprint_metrics
from metrics.selectors.timeseries import TIMESERIES, timeseries
from metrics.selectors.work_items import (
    list_aging_work_items,
    list_finished_work_items,
    list_flow_band,
    list_reading_notes,
    list_work_item_finishes,
    work_item_metrics,
)

__all__ = [
    "FAMILIES",
    "INTERVALS",
    "PR_SORTS",
    "STAGES",
    "TIMESERIES",
    "DoraReads",
    "MetricScope",
    "ScopeError",
    "dora_metrics",
    "dora_with_previous",
    "family_metrics",
    "list_aging_work_items",
    "list_finished_work_items",
    "list_flow_band",
    "list_pull_request_repositories",
    "list_pull_requests",
    "list_reading_notes",
    "list_work_item_finishes",
    "metric_scope",
    "pull_request_metrics",
    "pull_request_page_numbers",
    "sprint_metrics",
    "team_metrics",
    "timeseries",
    "work_item_metrics",
]
