"""Sprint metrics: committed, added, removed and completed points from the change history of
sprint membership and story points; velocity; burndown."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from metrics.calculations._common import local_days, local_midnight, utc
from metrics.calculations.work_items import (
    DONE,
    FieldChangeFacts,
    WorkItemFacts,
    category_at,
    category_reader,
)

# Jira's sprint states. The state is authoritative, not the planned dates: a sprint past its end
# date is still running until someone completes it, and a future sprint never runs.
CLOSED, ACTIVE, FUTURE = "closed", "active", "future"


@dataclass(frozen=True)
class SprintFacts:
    id: str
    start_at: datetime
    end_at: datetime
    completed_at: datetime | None = None
    name: str = ""
    state: str = CLOSED

    @property
    def closed_at(self) -> datetime:
        """When the sprint's scope is read: completed, else its planned end."""
        return self.completed_at or self.end_at


class _Timeline:
    """A field's value over time from its changes: the value of the last change at or before a
    moment, else the first change's old value, else the current value. Sorted once, read by
    bisection."""

    def __init__(self, changes: Iterable[FieldChangeFacts], current: str) -> None:
        self.changes = sorted(changes, key=lambda c: utc(c.changed_at))
        self.times = [utc(c.changed_at) for c in self.changes]
        self.before = self.changes[0].from_value if self.changes else current

    def at(self, moment: datetime) -> str:
        index = bisect_right(self.times, utc(moment))
        return self.changes[index - 1].to_value if index else self.before


def _value_at(changes: Iterable[FieldChangeFacts], moment: datetime, current: str) -> str:
    return _Timeline(changes, current).at(moment)


def _sprint_ids(value: str) -> set[str]:
    """The ids of a sprint field value (comma-separated)."""
    return {part.strip() for part in value.split(",") if part.strip()}


def sprints_at(item: WorkItemFacts, moment: datetime) -> set[str]:
    """Sprint ids the item belonged to at `moment` (sprint field values are comma-separated)."""
    return _sprint_ids(_value_at(item.sprint_changes, moment, ",".join(item.sprint_ids)))


def points_at(item: WorkItemFacts, moment: datetime) -> float:
    """Story points at `moment`; no estimate counts as 0."""
    current = "" if item.story_points is None else str(item.story_points)
    return _as_points(_value_at(item.points_changes, moment, current))


def in_sprint(item: WorkItemFacts, sprint_id: str, moment: datetime) -> bool:
    return utc(item.created_at) <= utc(moment) and sprint_id in sprints_at(item, moment)


def _membership_moments(item: WorkItemFacts, sprint: SprintFacts) -> list[datetime]:
    """Sprint start, close and every sprint-field change in between, in order."""
    inside = [
        c.changed_at
        for c in item.sprint_changes
        if utc(sprint.start_at) < utc(c.changed_at) <= utc(sprint.closed_at)
    ]
    return sorted([sprint.start_at, *inside, sprint.closed_at], key=utc)


@dataclass(frozen=True)
class SprintScope:
    committed_points: float  # in the sprint at its start, points at start
    added_points: float  # joined after the start, points when they joined
    removed_points: float  # left before close, points when they left
    completed_points: float  # in the sprint and done at close, points at close
    remaining_points: float  # in the sprint and not done at close, points at close
    committed_ids: tuple[str, ...]
    added_ids: tuple[str, ...]
    removed_ids: tuple[str, ...]
    completed_ids: tuple[str, ...]

    @property
    def completed_items(self) -> int:
        """How many items were in the sprint and done at close."""
        return len(self.completed_ids)


def sprint_scope(sprint: SprintFacts, items: Iterable[WorkItemFacts]) -> SprintScope:
    """Committed vs added, removed and completed points of one sprint, rebuilt from history.

    Re-estimates count at the moment that matters: committed at the start, added when the
    item joined, removed when it left, completed at close."""
    committed: dict[str, float] = {}
    added: dict[str, float] = {}
    removed: dict[str, float] = {}
    completed: dict[str, float] = {}
    remaining = 0.0
    for item in items:
        was_in = in_sprint(item, sprint.id, sprint.start_at)
        if was_in:
            committed[item.id] = points_at(item, sprint.start_at)
        for moment in _membership_moments(item, sprint)[1:]:
            now_in = in_sprint(item, sprint.id, moment)
            if now_in and not was_in and item.id not in committed and item.id not in added:
                added[item.id] = points_at(item, moment)
            if was_in and not now_in:
                removed[item.id] = points_at(item, moment)
            elif now_in:
                removed.pop(item.id, None)
            was_in = now_in
        if was_in:
            points = points_at(item, sprint.closed_at)
            if category_at(item, sprint.closed_at) == DONE:
                completed[item.id] = points
            else:
                remaining += points
    return SprintScope(
        committed_points=sum(committed.values()),
        added_points=sum(added.values()),
        removed_points=sum(removed.values()),
        completed_points=sum(completed.values()),
        remaining_points=remaining,
        committed_ids=tuple(sorted(committed)),
        added_ids=tuple(sorted(added)),
        removed_ids=tuple(sorted(removed)),
        completed_ids=tuple(sorted(completed)),
    )


@dataclass(frozen=True)
class Velocity:
    sprint_ids: tuple[str, ...]  # oldest completion first
    completed_points: tuple[float, ...]
    mean: float | None
    completed_items: tuple[int, ...]
    mean_items: float | None


def last_closed(sprints: Iterable[SprintFacts], now: datetime, last: int) -> list[SprintFacts]:
    """The last `last` sprints in the closed state by `now`, ordered by their complete date (else
    their planned end); active and future sprints never count, whatever their dates."""
    closed = [s for s in sprints if s.state == CLOSED and utc(s.closed_at) <= utc(now)]
    return sorted(closed, key=lambda s: utc(s.closed_at))[-last:] if last > 0 else []


def running_sprint(sprints: Iterable[SprintFacts], now: datetime) -> SprintFacts | None:
    """The sprint running at `now`, by state: an active sprint that has started (even past its
    end date), or a closed one started before `now` and completed after it. Never a future
    sprint. With parallel sprints, the one started last."""
    running = [
        s
        for s in sprints
        if utc(s.start_at) < utc(now)
        and (
            s.state == ACTIVE
            or (s.state == CLOSED and s.completed_at is not None and utc(now) < utc(s.completed_at))
        )
    ]
    return max(running, key=lambda s: utc(s.start_at), default=None)


def velocity(
    sprints: Sequence[SprintFacts],
    items: Sequence[WorkItemFacts],
    now: datetime,
    last: int = 6,
) -> Velocity:
    """Completed points and items of the last `last` sprints closed by `now`, and their means."""
    scopes = {s.id: sprint_scope(s, items) for s in last_closed(sprints, now, last)}
    return velocity_of(
        sprints,
        {sprint_id: scope.completed_points for sprint_id, scope in scopes.items()},
        {sprint_id: scope.completed_items for sprint_id, scope in scopes.items()},
        now,
        last,
    )


def velocity_of(
    sprints: Sequence[SprintFacts],
    completed_points: Mapping[str, float],
    completed_items: Mapping[str, int],
    now: datetime,
    last: int = 6,
) -> Velocity:
    """`velocity` with each sprint's completed points (and items) given by id, e.g. stored at its
    close; only the last `last` closed sprints need an entry."""
    closed = last_closed(sprints, now, last)
    points = tuple(completed_points[s.id] for s in closed)
    counts = tuple(completed_items[s.id] for s in closed)
    return Velocity(
        sprint_ids=tuple(s.id for s in closed),
        completed_points=points,
        mean=sum(points) / len(points) if points else None,
        completed_items=counts,
        mean_items=sum(counts) / len(counts) if counts else None,
    )


def burndown(
    sprint: SprintFacts, items: Sequence[WorkItemFacts], tz: ZoneInfo
) -> dict[date, float]:
    """Points in the sprint and not done at the end of each local day from start to close (the
    last day is read at close). Scope changes show up as steps up.

    Each day reads what in_sprint, category_at and points_at read; every item's history is
    sorted once and read by bisection rather than sorted again for every day."""
    closed = utc(sprint.closed_at)
    moments = {
        day: min(
            utc(local_midnight(day + timedelta(days=1), tz)) - timedelta(microseconds=1), closed
        )
        for day in local_days(sprint.start_at, sprint.closed_at, tz)
    }
    series = dict.fromkeys(moments, 0.0)
    for item in items:
        created = utc(item.created_at)
        sprints = _Timeline(item.sprint_changes, ",".join(item.sprint_ids))
        current_points = "" if item.story_points is None else str(item.story_points)
        points = _Timeline(item.points_changes, current_points)
        category = category_reader(item)
        for day, moment in moments.items():
            if moment < created:
                continue
            if sprint.id not in _sprint_ids(sprints.at(moment)):
                continue
            if category(moment) == DONE:
                continue
            series[day] += _as_points(points.at(moment))
    return series


def _as_points(value: str) -> float:
    """A story points value as points_at reads it: no estimate (or not a number) counts as 0."""
    value = value.strip()
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0
