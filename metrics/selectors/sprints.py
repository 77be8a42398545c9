"""Sprint reads: per board, the sprints closed in a window (committed vs completed, scope
change), velocity, and the burndown of the sprint active at the window's end."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from django.conf import settings
from django.db.models import Q

from metrics import calculations as calc
from metrics.models import Sprint
from metrics.scope import MetricScope, window_filter
from metrics.sprint_items import sprint_item_facts


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


def _active_sprint(
    scope: MetricScope, sprint: calc.SprintFacts, items: list[calc.WorkItemFacts]
) -> dict:
    """The active sprint read as if it closed now: scope so far, burndown up to today."""
    to_now = replace(sprint, completed_at=scope.moment)
    return {
        **_scope_dict(sprint, calc.sprint_scope(to_now, items)),
        "burndown": [
            {"day": day, "remaining_points": points}
            for day, points in calc.burndown(to_now, items, scope.tz).items()
        ],
    }


def _board(scope: MetricScope, integration_id: int, last: int) -> dict | None:
    """One integration's sprints in the window; None when none closed in it or is active."""
    sprints = Sprint.objects.filter(integration_id=integration_id, start_at__isnull=False)
    closed_rows = {
        row.external_id: row
        for row in sprints.filter(
            window_filter("completed_at", scope)
            | Q(completed_at__isnull=True, end_at__gte=scope.start, end_at__lt=scope.moment)
        ).order_by("start_at")
    }
    closed = _sprint_facts(closed_rows.values())
    active = _sprint_facts(
        sprints.filter(start_at__lt=scope.moment)
        .filter(
            Q(completed_at__isnull=True, end_at__gt=scope.moment) | Q(completed_at__gt=scope.moment)
        )
        .order_by("-start_at")[:1]
    )
    if not closed and not active:
        return None
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
    return {
        "integration": integration_id,
        "sprints": list(scopes.values()),
        "velocity": {
            "sprints": list(velocity.sprint_ids),
            "completed_points": list(velocity.completed_points),
            "mean": velocity.mean,
            "last": last,
        },
        "active_sprint": _active_sprint(scope, active[0], items) if active else None,
    }


def sprint_metrics(scope: MetricScope) -> dict:
    """Per integration: the sprints closed in the window (committed vs completed, scope change),
    velocity over the last N of them, and the burndown of the sprint active at the window's end.

    A closed sprint's scope comes from the values stored at its close (metrics.derived); items
    and their history are read only for the active sprint, and for a closed sprint not yet
    refreshed since it closed."""
    last = settings.AGILETRACK_VELOCITY_SPRINTS
    boards = [_board(scope, integration_id, last) for integration_id in scope.integration_ids]
    return {"boards": [board for board in boards if board is not None]}
