"""The organisation overview: every team a user may see, side by side.

Each row holds the numbers of the team's own overview for the same local days: its scope is
`metric_scope(team, since=, until=)` (the team's time zone, integrations and DORA band table) and
its numbers come from the same cached families (metrics.selectors.families), so a row equals what
`/teams/<slug>/` and `/api/metrics/?team=` show for that window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from integrations.models import Integration, Team
from integrations.selectors import IntegrationSyncStatus, list_sync_statuses, teams_for_user
from integrations.status import data_as_of
from metrics import calculations as calc
from metrics.aggregates import summary
from metrics.cache import cached_family
from metrics.scope import MetricScope, _window, team_scopes
from metrics.selectors.common import merged_pull_requests, per_week, work_item_finishes
from metrics.selectors.families import family_metrics
from metrics.selectors.work_items import cumulative_flow

# An active integration whose last successful sync is older than this is stale: the hourly sync
# has missed several runs in a row.
STALE_AFTER = timedelta(hours=6)
SYNC_HEALTH = ("ok", "stale", "failing", "none")

# Each sortable column: how to read its value from a row. Missing values sort last both ways.
SORTS: dict[str, tuple[str, ...]] = {
    "team": ("team", "name"),
    "deployment_frequency": ("dora", "deployment_frequency", "value"),
    "lead_time_for_changes": ("dora", "lead_time_for_changes", "value"),
    "change_failure_rate": ("dora", "change_failure_rate", "value"),
    "time_to_restore": ("dora", "time_to_restore", "value"),
    "failed_deployment_recovery_time": ("dora", "failed_deployment_recovery_time", "value"),
    "cycle_time": ("pull_requests", "cycle_time_median"),
    "pull_requests_merged": ("pull_requests", "merged"),
    "work_items_done": ("work_items", "done"),
    "wip": ("work_items", "wip"),
    "sync": ("sync", "health"),
}
# The sync column sorts by how much attention a team needs: failing first.
SYNC_ORDER = {"failing": 0, "stale": 1, "none": 2, "ok": 3}


def _banded(metric: dict, value: float | None) -> dict[str, Any]:
    return {"value": value, "band": metric["band"], "reason": metric["reason"]}


def dora_row(dora: dict) -> dict[str, Any]:
    """The five DORA tiles of a team's overview: each one's value, band and n/a reason."""
    median = "summary", "median"
    return {
        "bands_table": dora["bands_table"],
        "deployment_frequency": _banded(
            dora["deployment_frequency"], dora["deployment_frequency"]["per_week"]
        ),
        **{
            name: _banded(dora[name], dora[name][median[0]][median[1]])
            for name in (
                "lead_time_for_changes",
                "time_to_restore",
                "failed_deployment_recovery_time",
            )
        },
        "change_failure_rate": _banded(
            dora["change_failure_rate"], dora["change_failure_rate"]["rate"]
        ),
    }


def sync_health(statuses: Sequence[IntegrationSyncStatus], now: datetime) -> dict[str, Any]:
    """One word for a team's syncing: failing (an integration's last sync failed or it needs
    fixing), stale (an active integration has not synced successfully within STALE_AFTER, or
    never), ok, or none (no active integration)."""
    active = [row for row in statuses if row.integration.is_active]
    failing = [row.integration.name for row in active if row.status.is_problem]
    stale = [
        row.integration.name
        for row in active
        if row.integration.last_success_at is None
        or now - row.integration.last_success_at > STALE_AFTER
    ]
    health = "failing" if failing else "stale" if stale else "ok" if active else "none"
    return {
        "health": health,
        "integrations": len(active),
        "failing": failing,
        "stale": [name for name in stale if name not in failing],
        "data_as_of": data_as_of(row.integration for row in active),
    }


def team_row(
    team: Team, statuses: Sequence[IntegrationSyncStatus], scope: MetricScope
) -> dict[str, Any]:
    """One team's row: its overview's DORA tiles, PR cycle time and throughput, work items done
    and in progress, over the scope's days (metric_scope of the team: its time zone, all its
    integrations); and its sync health."""
    numbers = cached_family("organisation", scope, row_numbers)
    return {
        "team": {"id": team.pk, "name": team.name, "slug": team.slug},
        "window": scope.as_window(),
        **numbers,
        "sync": sync_health(statuses, scope.now),
    }


def row_numbers(scope: MetricScope) -> dict[str, Any]:
    """A row's numbers, each read by the same selector as the team's overview reads it (the
    DORA family; the merged pull requests' cycle time and count; the work item finishes and
    the cumulative flow's last day), without the rest of those families."""
    merged = merged_pull_requests(scope)
    cycle = summary(merged, "cycle_time_minutes")
    done = work_item_finishes(scope).count()
    flow = cumulative_flow(scope)
    return {
        "dora": dora_row(family_metrics(scope, "dora")),
        "pull_requests": {"cycle_time_median": cycle.median, "merged": merged.count()},
        "work_items": {
            "done": done,
            "per_week": per_week(done, scope),
            "wip": flow[max(flow)][calc.IN_PROGRESS] if flow else 0,
        },
    }


def _sort_key(key: str):
    path = SORTS[key]

    def read(row: dict) -> Any:
        value: Any = row
        for part in path:
            value = value[part]
        if key == "sync":
            return SYNC_ORDER[value]
        return value.casefold() if isinstance(value, str) else value

    return read


def sort_rows(rows: list[dict], sort: str) -> list[dict]:
    """The rows ordered by a SORTS key (`-key`: highest first), then by team name; rows
    without a value for the key come last either way."""
    key = sort.removeprefix("-")
    read = _sort_key(key)
    by_name = sorted(rows, key=lambda row: (row["team"]["name"].casefold(), row["team"]["id"]))
    present = [row for row in by_name if read(row) is not None]
    missing = [row for row in by_name if read(row) is None]
    return sorted(present, key=read, reverse=sort.startswith("-")) + missing


def organisation_overview(
    user: User | AnonymousUser,
    *,
    since: date | None = None,
    until: date | None = None,
    sort: str = "team",
) -> list[dict[str, Any]]:
    """Every team the user may see (members: their teams; superusers: all), one row each over
    the same local days in each team's zone, ordered by `sort` (a SORTS key, `-` for
    descending). Raises metrics.scope.ScopeError for a window that cannot be measured."""
    teams = list(teams_for_user(user).order_by("name", "pk"))
    integrations = list(Integration.objects.filter(team__in=teams).order_by("name", "pk"))
    statuses: dict[int, list[IntegrationSyncStatus]] = {team.pk: [] for team in teams}
    for row in list_sync_statuses(integrations):
        statuses[row.integration.team_id].append(row)
    now = timezone.now()
    _window(ZoneInfo("UTC"), since, until, now)  # a bad window is an error even with no team
    scopes = team_scopes(teams, since=since, until=until, now=now)
    rows = [team_row(team, statuses[team.pk], scopes[team.pk]) for team in teams]
    return sort_rows(rows, sort)
