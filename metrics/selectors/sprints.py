"""Sprint reads: per board, the sprints closed in a window (committed vs completed, scope
change), velocity over the last closed sprints, and the burndown of the sprint running at the
window's end."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce

from metrics import calculations as calc
from metrics.models import Sprint, WorkItem
from metrics.scope import MetricScope
from metrics.sprint_items import sprint_item_facts


def _sprint_facts(rows: Iterable[Sprint]) -> list[calc.SprintFacts]:
    return [
        calc.SprintFacts(
            id=row.external_id,
            start_at=row.start_at,
            end_at=row.end_at,
            completed_at=row.completed_at,
            name=row.name,
            state=row.state,
        )
        for row in rows
        if row.start_at is not None and row.end_at is not None
    ]


def _outside_ids(scope: calc.SprintScope | Sprint) -> list[int]:
    """Work item ids completed outside the sprint (stored, or just read)."""
    if isinstance(scope, Sprint):
        return list(scope.completed_outside)
    return [int(item_id) for item_id in scope.outside_ids]


def _scope_dict(sprint: calc.SprintFacts, scope: calc.SprintScope | Sprint) -> dict:
    return {
        "id": sprint.id,
        "name": sprint.name,
        "state": sprint.state,
        "start_at": sprint.start_at,
        "end_at": sprint.end_at,
        "completed_at": sprint.completed_at,
        "committed_points": scope.committed_points,
        "added_points": scope.added_points,
        "removed_points": scope.removed_points,
        "completed_points": scope.completed_points,
        "remaining_points": scope.remaining_points,
        "completed_items": scope.completed_items,
        "say_do": calc.say_do(scope.completed_points, scope.committed_points),
        "carry_over_items": scope.carry_over_items,
        "carry_over_points": scope.carry_over_points,
        "completed_outside": _outside_ids(scope),
    }


def _list_outside(integration_id: int, scopes: Iterable[dict]) -> None:
    """Replace each scope's completed-outside ids by the items' key, title and points."""
    found = list(scopes)
    wanted = {item_id for s in found for item_id in s["completed_outside"]}
    rows = {
        row["pk"]: row
        for row in WorkItem.objects.filter(integration_id=integration_id, pk__in=wanted).values(
            "pk", "key", "title", "story_points"
        )
    }
    for s in found:
        s["completed_outside"] = [
            {key: rows[item_id][key] for key in ("key", "title", "story_points")}
            for item_id in s["completed_outside"]
            if item_id in rows
        ]


def _settled(row: Sprint) -> bool:
    """Whether the sprint's stored scope (metrics.derived) was read at its close."""
    return (
        row.scope_read_at is not None
        and row.completed_items is not None
        and row.carry_over_items is not None
        and row.end_at is not None
        and row.scope_read_at == (row.completed_at or row.end_at)
    )


def _active_sprint(
    scope: MetricScope, sprint: calc.SprintFacts, items: list[calc.WorkItemFacts]
) -> dict:
    """The active sprint read as if it closed now: scope so far, burndown up to today."""
    to_now = replace(sprint, completed_at=scope.moment)
    lines = calc.burndown_lines(to_now, items, scope.tz)
    days = sorted({*lines.added, *lines.removed})
    return {
        **_scope_dict(sprint, lines.scope),
        "burndown": [
            {"day": day, "remaining_points": points} for day, points in lines.days.items()
        ],
        "burndown_start": {"at": lines.start_at, "remaining_points": lines.committed_points},
        "ideal": [{"at": moment, "remaining_points": points} for moment, points in lines.ideal],
        "scope_changes": [
            {
                "day": day,
                "added_points": lines.added.get(day, 0.0),
                "removed_points": lines.removed.get(day, 0.0),
            }
            for day in days
        ],
    }


def _closed_rows(scope: MetricScope, integration_id: int, last: int) -> dict[str, Sprint]:
    """The board's closed sprints that the page shows: those closed in the window, and the last
    `last` closed by its end (velocity), whatever the window; by external id."""
    closed = Sprint.objects.filter(
        integration_id=integration_id,
        state=calc.CLOSED,
        start_at__isnull=False,
        end_at__isnull=False,
    ).annotate(closed_at=Coalesce("completed_at", "end_at"))
    in_window = closed.filter(closed_at__gte=scope.start, closed_at__lt=scope.moment)
    latest = closed.filter(closed_at__lte=scope.moment).order_by("-closed_at", "-start_at")
    rows = [*in_window, *(latest[:last] if last > 0 else [])]
    return {row.external_id: row for row in rows}


def _running_rows(scope: MetricScope, integration_id: int) -> list[Sprint]:
    """Sprints that may have been running at the window's end: active ones that started, and
    closed ones that started before it and were completed after it. Never a future sprint."""
    return list(
        Sprint.objects.filter(
            integration_id=integration_id, start_at__lt=scope.moment, end_at__isnull=False
        ).filter(Q(state=calc.ACTIVE) | Q(state=calc.CLOSED, completed_at__gt=scope.moment))
    )


def _board(scope: MetricScope, integration_id: int, last: int) -> dict | None:
    """One integration's sprints; None when none closed in the window or before it, and none
    was running at its end."""
    closed_rows = _closed_rows(scope, integration_id, last)
    closed = sorted(_sprint_facts(closed_rows.values()), key=lambda s: s.closed_at)
    active = calc.running_sprint(_sprint_facts(_running_rows(scope, integration_id)), scope.moment)
    if not closed and active is None:
        return None
    unsettled = [s for s in closed if not _settled(closed_rows[s.id])]
    running = [active] if active is not None else []
    items = sprint_item_facts(integration_id, [s.id for s in unsettled + running])
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
        {sprint_id: found["completed_items"] for sprint_id, found in scopes.items()},
        scope.moment,
        last=last,
    )
    in_window = [
        found
        for s, found in zip(closed, scopes.values(), strict=True)
        if scope.start <= s.closed_at < scope.moment
    ]
    running_scope = _active_sprint(scope, active, items) if active else None
    _list_outside(integration_id, [*in_window, *([running_scope] if running_scope else [])])
    return {
        "integration": integration_id,
        "sprints": in_window,
        "velocity": {
            "sprints": list(velocity.sprint_ids),
            "names": [scopes[sprint_id]["name"] for sprint_id in velocity.sprint_ids],
            "completed_points": list(velocity.completed_points),
            "mean": velocity.mean,
            "completed_items": list(velocity.completed_items),
            "mean_items": velocity.mean_items,
            "last": last,
            **{
                name: [scopes[sprint_id][name] for sprint_id in velocity.sprint_ids]
                for name in ("committed_points", "say_do", "carry_over_items", "carry_over_points")
            },
        },
        "active_sprint": running_scope,
    }


def sprint_metrics(scope: MetricScope) -> dict:
    """Per integration: the sprints closed in the window (committed vs completed, scope change),
    velocity over the last N closed sprints whatever the window, and the burndown of the sprint
    running at the window's end. Jira's sprint state decides: only closed sprints close, an
    active sprint past its end date is still running, a future sprint never runs.

    A closed sprint's scope comes from the values stored at its close (metrics.derived); items
    and their history are read only for the active sprint, and for a closed sprint not yet
    refreshed since it closed."""
    last = settings.AGILETRACK_VELOCITY_SPRINTS
    boards = [_board(scope, integration_id, last) for integration_id in scope.integration_ids]
    return {"boards": [board for board in boards if board is not None]}


# --- The list of one sprint's items -------------------------------------------------------------


def find_sprint(scope: MetricScope, sprint_id: int) -> Sprint | None:
    """The sprint of one of the scope's integrations with this id, else None."""
    return Sprint.objects.filter(pk=sprint_id, integration_id__in=scope.integration_ids).first()


def sprint_ids(integration_id: int, external_ids: Iterable[str]) -> dict[str, int]:
    """The board's sprints by external id -> their id (for the pages' links)."""
    return dict(
        Sprint.objects.filter(
            integration_id=integration_id, external_id__in=list(external_ids)
        ).values_list("external_id", "pk")
    )


@dataclass(frozen=True)
class SprintItems:
    """One sprint's items per list of calc.SPRINT_LISTS, each with its points as that list's
    number counted them; `read_at` None: the sprint had not started by the window's end."""

    sprint: Sprint
    read_at: datetime | None
    running: bool
    lists: dict[str, list[tuple[WorkItem, float]]]


def list_sprint_items(scope: MetricScope, sprint: Sprint) -> SprintItems:
    """The items behind a sprint's numbers, from the same sprint_scope the sprints page reads:
    a closed sprint at its close, the sprint running at the window's end as if it closed then
    (as the page's active sprint)."""
    lists: dict[str, list[tuple[WorkItem, float]]] = {name: [] for name in calc.SPRINT_LISTS}
    facts = _sprint_facts([sprint])
    running = calc.running_sprint(facts, scope.moment)
    if running is not None:
        read = replace(running, completed_at=scope.moment)
    elif calc.last_closed(facts, scope.moment, 1):
        read = facts[0]
    else:  # not started (or never run) by the window's end
        return SprintItems(sprint=sprint, read_at=None, running=False, lists=lists)
    found = calc.sprint_scope(read, sprint_item_facts(sprint.integration_id, [sprint.external_id]))
    wanted = {int(pk) for points in found.points_by_list.values() for pk in points}
    items = WorkItem.objects.select_related("integration").in_bulk(wanted)
    for name in calc.SPRINT_LISTS:
        listed = [(items[int(pk)], points) for pk, points in found.points_by_list[name].items()]
        lists[name] = sorted(listed, key=lambda row: (row[0].key, row[0].pk))
    return SprintItems(
        sprint=sprint, read_at=read.closed_at, running=running is not None, lists=lists
    )
