"""Sprint metrics: committed, added, removed and completed points from the change history of
sprint membership and story points; say/do and carry-over; velocity; burndown."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from metrics.calculations._common import local_days, local_midnight, utc
from metrics.calculations.work_items import (
    DONE,
    FieldChangeFacts,
    WorkItemFacts,
    category_at,
    category_reader,
    finishes,
)

# Jira's sprint states. The state is authoritative, not the planned dates: a sprint past its end
# date is still running until someone completes it, and a future sprint never runs.
CLOSED, ACTIVE, FUTURE = "closed", "active", "future"

T = TypeVar("T")


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


class _Timeline(Generic[T]):
    """A field's value over time from its changes: the value of the last change at or before a
    moment, else the first change's old value, else the current value, each read by `read`.
    Sorted and read once, then looked up by bisection."""

    def __init__(
        self, changes: Iterable[FieldChangeFacts], current: str, read: Callable[[str], T]
    ) -> None:
        ordered = sorted(changes, key=lambda c: utc(c.changed_at))
        self.times = [utc(c.changed_at) for c in ordered]
        self.values = [read(c.to_value) for c in ordered]
        self.before = read(ordered[0].from_value if ordered else current)

    def at(self, moment: datetime) -> T:
        index = bisect_right(self.times, utc(moment))
        return self.values[index - 1] if index else self.before


def _sprint_ids(value: str) -> set[str]:
    """The ids of a sprint field value (comma-separated)."""
    return {part.strip() for part in value.split(",") if part.strip()}


def _sprint_timeline(item: WorkItemFacts) -> _Timeline[set[str]]:
    return _Timeline(item.sprint_changes, ",".join(item.sprint_ids), _sprint_ids)


def _points_timeline(item: WorkItemFacts) -> _Timeline[float]:
    current = "" if item.story_points is None else str(item.story_points)
    return _Timeline(item.points_changes, current, _as_points)


def sprints_at(item: WorkItemFacts, moment: datetime) -> set[str]:
    """Sprint ids the item belonged to at `moment` (sprint field values are comma-separated)."""
    return _sprint_timeline(item).at(moment)


def points_at(item: WorkItemFacts, moment: datetime) -> float:
    """Story points at `moment`; no estimate counts as 0."""
    return _points_timeline(item).at(moment)


def in_sprint(item: WorkItemFacts, sprint_id: str, moment: datetime) -> bool:
    return utc(item.created_at) <= utc(moment) and sprint_id in sprints_at(item, moment)


class _ItemHistory:
    """What sprints_at, points_at, in_sprint and category_at read, for one item read at many
    moments: each of its histories sorted once, then read by bisection."""

    def __init__(self, item: WorkItemFacts) -> None:
        self.item = item
        self.created = utc(item.created_at)
        self.sprints = _sprint_timeline(item)
        self.points = _points_timeline(item)
        self.category = category_reader(item)

    def sprints_at(self, moment: datetime) -> set[str]:
        return self.sprints.at(moment)

    def points_at(self, moment: datetime) -> float:
        return self.points.at(moment)

    def in_sprint(self, sprint_id: str, moment: datetime) -> bool:
        return self.created <= utc(moment) and sprint_id in self.sprints_at(moment)


def _membership_moments(item: WorkItemFacts, sprint: SprintFacts) -> list[datetime]:
    """Sprint start, close, the item's creation when it falls inside the sprint (an item created
    in the sprint joins it then) and every sprint-field change in between, in order."""
    inside = [
        moment
        for moment in (item.created_at, *(c.changed_at for c in item.sprint_changes))
        if utc(sprint.start_at) < utc(moment) <= utc(sprint.closed_at)
    ]
    return sorted({utc(m) for m in (sprint.start_at, *inside, sprint.closed_at)})


def done_entered_at(item: WorkItemFacts, moment: datetime) -> datetime | None:
    """When the item's stretch in done that holds `moment` began, as `finishes` dates it (an
    item created done finished at its resolution time, else at its creation); None when it is
    not done at `moment`."""
    return _done_entered_at(item, category_at(item, moment), moment)


def _done_entered_at(
    item: WorkItemFacts, category: str | None, moment: datetime
) -> datetime | None:
    if category != DONE:
        return None
    holding = (f for f in finishes(item) if f.left_at is None or utc(f.left_at) > utc(moment))
    stretch = next(holding, None)
    return stretch.done_at if stretch is not None else None


def _carried_over(history: _ItemHistory, sprint: SprintFacts) -> bool:
    """Whether the item joined another sprint at or after this one's close (Jira moves the
    unfinished items of a completed sprint into the next one, keeping the closed one)."""
    closed = utc(sprint.closed_at)
    before = history.sprints_at(closed - timedelta(microseconds=1)) | {sprint.id}
    return any(
        utc(c.changed_at) >= closed and _sprint_ids(c.to_value) - before
        for c in history.item.sprint_changes
    )


@dataclass(frozen=True)
class ScopeChange:
    """One item joining (`added`) or leaving the sprint after its start, at its points then."""

    at: datetime
    item_id: str
    added: bool
    points: float


# The lists of one sprint's items behind its numbers, in the order the sprint row shows them.
SPRINT_LISTS = (
    "committed", "added", "removed", "completed", "not_done", "carried_over", "outside",
)  # fmt: skip


@dataclass(frozen=True)
class SprintScope:
    committed_points: float  # in the sprint at its start, points at start
    added_points: float  # joined after the start, points when they joined
    removed_points: float  # left before close, points when they left
    completed_points: float  # in the sprint at close, done during it, points at close
    remaining_points: float  # in the sprint and not done at close, points at close
    committed_ids: tuple[str, ...]
    added_ids: tuple[str, ...]
    removed_ids: tuple[str, ...]
    completed_ids: tuple[str, ...]
    # In the sprint at close but done since before its start: listed, counted nowhere.
    outside_ids: tuple[str, ...] = ()
    # Not done at close and moved into another sprint from then on.
    carried_over_ids: tuple[str, ...] = ()
    carry_over_points: float = 0.0
    changes: tuple[ScopeChange, ...] = ()
    # Per list (SPRINT_LISTS), each item's points as that list's number counted them.
    points_by_list: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @property
    def completed_items(self) -> int:
        """How many items were in the sprint and done during it."""
        return len(self.completed_ids)

    @property
    def carry_over_items(self) -> int:
        return len(self.carried_over_ids)

    @property
    def say_do(self) -> float | None:
        return say_do(self.completed_points, self.committed_points)


def say_do(completed_points: float | None, committed_points: float | None) -> float | None:
    """Completed points over committed points; None when nothing was committed."""
    if completed_points is None or not committed_points:
        return None
    return completed_points / committed_points


@dataclass
class _ItemInSprint:
    """One item's way through one sprint, as sprint_scope reads it."""

    committed: float | None = None
    added: float | None = None
    removed: float | None = None
    in_at_close: bool = False
    changes: list[ScopeChange] = field(default_factory=list)


def _follow(history: _ItemHistory, sprint: SprintFacts) -> _ItemInSprint:
    """Whether the item was in the sprint at its start, when it joined and left, and whether it
    was in it at close, with its points at each of those moments."""
    found = _ItemInSprint()
    was_in = history.in_sprint(sprint.id, sprint.start_at)
    if was_in:
        found.committed = history.points_at(sprint.start_at)
    for moment in _membership_moments(history.item, sprint)[1:]:
        now_in = history.in_sprint(sprint.id, moment)
        if now_in != was_in:
            points = history.points_at(moment)
            found.changes.append(ScopeChange(moment, history.item.id, now_in, points))
            if now_in and found.committed is None and found.added is None:
                found.added = points
            found.removed = None if now_in else points
        was_in = now_in
    found.in_at_close = was_in
    return found


def sprint_scope(sprint: SprintFacts, items: Iterable[WorkItemFacts]) -> SprintScope:
    """Committed vs added, removed and completed points of one sprint, rebuilt from history.

    Re-estimates count at the moment that matters: committed at the start, added when the
    item joined (an item created in the sprint joins at its creation), removed when it left,
    completed at close. Completed means done during the sprint: an item in it at close but done
    since before its start is completed outside the sprint (listed in `outside_ids` only)."""
    return _scope_of(sprint, map(_ItemHistory, items))


def _scope_of(sprint: SprintFacts, histories: Iterable[_ItemHistory]) -> SprintScope:
    lists: dict[str, dict[str, float]] = {name: {} for name in SPRINT_LISTS}
    committed, added, removed = lists["committed"], lists["added"], lists["removed"]
    completed, not_done, carried = lists["completed"], lists["not_done"], lists["carried_over"]
    outside = lists["outside"]
    changes: list[ScopeChange] = []
    for history in histories:
        item = history.item
        found = _follow(history, sprint)
        if found.in_at_close:
            entered = _done_entered_at(item, history.category(sprint.closed_at), sprint.closed_at)
            if entered is not None and utc(entered) <= utc(sprint.start_at):
                outside[item.id] = history.points_at(sprint.closed_at)
                continue
        changes += found.changes
        if found.committed is not None:
            committed[item.id] = found.committed
        if found.added is not None:
            added[item.id] = found.added
        if found.removed is not None:
            removed[item.id] = found.removed
        if not found.in_at_close:
            continue
        points = history.points_at(sprint.closed_at)
        if history.category(sprint.closed_at) == DONE:
            completed[item.id] = points
        else:
            not_done[item.id] = points
            if _carried_over(history, sprint):
                carried[item.id] = points
    return SprintScope(
        committed_points=sum(committed.values()),
        added_points=sum(added.values()),
        removed_points=sum(removed.values()),
        completed_points=sum(completed.values()),
        remaining_points=sum(not_done.values()),
        committed_ids=tuple(sorted(committed)),
        added_ids=tuple(sorted(added)),
        removed_ids=tuple(sorted(removed)),
        completed_ids=tuple(sorted(completed)),
        outside_ids=tuple(sorted(outside)),
        carried_over_ids=tuple(sorted(carried)),
        carry_over_points=sum(carried.values()),
        changes=tuple(sorted(changes, key=lambda c: (c.at, c.item_id))),
        points_by_list=lists,
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
    return _burndown_of(sprint, map(_ItemHistory, items), tz)


def _burndown_of(
    sprint: SprintFacts, histories: Iterable[_ItemHistory], tz: ZoneInfo
) -> dict[date, float]:
    closed = utc(sprint.closed_at)
    moments = {
        day: min(
            utc(local_midnight(day + timedelta(days=1), tz)) - timedelta(microseconds=1), closed
        )
        for day in local_days(sprint.start_at, sprint.closed_at, tz)
    }
    series = dict.fromkeys(moments, 0.0)
    for history in histories:
        for day, moment in moments.items():
            if not history.in_sprint(sprint.id, moment) or history.category(moment) == DONE:
                continue
            series[day] += history.points_at(moment)
    return series


@dataclass(frozen=True)
class BurndownLines:
    """What the burndown chart draws: the start at the committed points, the remaining points at
    the end of each local day, the ideal line from the start to the planned end, and the points
    that joined and left the sprint on each local day; `scope`: the sprint's sprint_scope over
    the same items, which the lines are drawn from."""

    scope: SprintScope
    start_at: datetime
    committed_points: float
    end_at: datetime
    days: dict[date, float]
    added: dict[date, float]
    removed: dict[date, float]

    @property
    def ideal(self) -> tuple[tuple[datetime, float], tuple[datetime, float]]:
        """A straight line from the committed points at the start to 0 at the planned end."""
        return ((self.start_at, self.committed_points), (self.end_at, 0.0))


def burndown_lines(
    sprint: SprintFacts, items: Sequence[WorkItemFacts], tz: ZoneInfo
) -> BurndownLines:
    """The burndown (see `burndown`) with its start, ideal line and scope changes by day, and
    the sprint_scope they are drawn from (each item's history read once for both).

    Every join and every leave after the start is drawn on its local day at the item's points
    then (an item that leaves and comes back shows both moves; the totals count it once)."""
    histories = [_ItemHistory(item) for item in items]
    scope = _scope_of(sprint, histories)
    added: dict[date, float] = {}
    removed: dict[date, float] = {}
    for change in scope.changes:
        day = change.at.astimezone(tz).date()
        into = added if change.added else removed
        into[day] = into.get(day, 0.0) + change.points
    return BurndownLines(
        scope=scope,
        start_at=sprint.start_at,
        committed_points=scope.committed_points,
        end_at=sprint.end_at,
        days=_burndown_of(sprint, histories, tz),
        added=added,
        removed=removed,
    )


def _as_points(value: str) -> float:
    """A story points value as points_at reads it: no estimate (or not a number) counts as 0."""
    value = value.strip()
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0
