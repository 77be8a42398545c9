"""Every metric family of a scope, each cached per scope and data version (metrics.cache)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from metrics.cache import cached_family
from metrics.parallel import side_by_side
from metrics.scope import MetricScope
from metrics.selectors.dora import DoraReads, dora_metrics
from metrics.selectors.pull_requests import pull_request_metrics, pull_request_page_metrics
from metrics.selectors.sprints import sprint_metrics
from metrics.selectors.work_items import work_item_metrics

FAMILIES = ("dora", "pull_requests", "work_items", "sprints")

FAMILY_FUNCTIONS: dict[str, Callable[[MetricScope], dict]] = {
    "dora": dora_metrics,
    "pull_requests": pull_request_metrics,
    "work_items": work_item_metrics,
    "sprints": sprint_metrics,
}


def family_metrics(scope: MetricScope, family: str) -> dict:
    """One family for the scope, from the cache when the data has not changed since."""
    return cached_family(family, scope, FAMILY_FUNCTIONS[family])


def pull_request_page_numbers(scope: MetricScope) -> dict:
    """The pull request family's numbers the pull request page shows beside its list, cached on
    their own: a cold page computes these, not the whole family over its window."""
    return cached_family("pull_request_page", scope, pull_request_page_metrics)


def team_metrics(scope: MetricScope, families: Iterable[str] = FAMILIES) -> dict[str, Any]:
    """Every asked family for the scope, each cached (see metrics.cache); the families are read
    side by side on PostgreSQL (metrics.parallel)."""
    found = side_by_side(**{family: partial(family_metrics, scope, family) for family in families})
    return {"window": scope.as_window(), **found}


def dora_with_previous(scope: MetricScope) -> tuple[dict, dict]:
    """The DORA family of the window and of the window before it (the overview's trends), each
    cached on its own; what is not cached is computed from one DoraReads of both windows."""
    before = scope.previous()
    shared: list[DoraReads] = []

    def compute(window: MetricScope) -> dict:
        if not shared:
            shared.append(DoraReads([scope, before]))
        return dora_metrics(window, shared[0])

    return cached_family("dora", scope, compute), cached_family("dora", before, compute)
