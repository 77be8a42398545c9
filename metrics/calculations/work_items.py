"""Work item metrics (Jira issues and Trello cards alike): lead time, cycle time, throughput,
WIP, aging WIP and cumulative flow, all from the status change history."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from metrics.calculations._common import (
    Period,
    bucket_counts,
    floor_minutes,
    local_days,
    local_midnight,
    utc,
)

TODO = "todo"
IN_PROGRESS = "in_progress"
DONE = "done"
CATEGORIES = (TODO, IN_PROGRESS, DONE)


@dataclass(frozen=True)
class StatusChangeFacts:
    """A move between statuses (a Jira transition, a Trello list move), with their categories."""

    changed_at: datetime
    from_category: str  # todo | in_progress | done | "" (no status before)
    to_category: str
    from_status: str = ""
    to_status: str = ""


@dataclass(frozen=True)
class FieldChangeFacts:
    """A change of the sprint field (comma-separated sprint ids) or of story points."""

    changed_at: datetime
    from_value: str = ""
    to_value: str = ""


@dataclass(frozen=True)
class WorkItemFacts:
    id: str
    created_at: datetime
    status_category: str  # now
    resolved_at: datetime | None = None
    status_changes: tuple[StatusChangeFacts, ...] = ()
    story_points: float | None = None  # now
    sprint_ids: tuple[str, ...] = ()  # now
    sprint_changes: tuple[FieldChangeFacts, ...] = ()
    points_changes: tuple[FieldChangeFacts, ...] = ()
    kind: str = ""


def _ordered(changes: Iterable[StatusChangeFacts]) -> list[StatusChangeFacts]:
    return sorted(changes, key=lambda c: utc(c.changed_at))


def lead_time_minutes(item: WorkItemFacts) -> int | None:
    """Created -> resolved in whole minutes rounded down (DevLake's issues.lead_time_minutes)."""
    return floor_minutes(item.created_at, item.resolved_at)


def cycle_window(item: WorkItemFacts) -> tuple[datetime, datetime] | None:
    """(first entry into in progress, LAST entry into done) for an item that is done now.

    A re-opened and re-finished item keeps its first start and takes its final finish, so the
    rework counts. None for items not done now or never seen in progress (moved straight from
    to do to done: there is no start to measure from)."""
    if item.status_category != DONE:
        return None
    changes = _ordered(item.status_changes)
    started = next((c.changed_at for c in changes if c.to_category == IN_PROGRESS), None)
    finished = [c.changed_at for c in changes if c.to_category == DONE]
    if started is None or not finished or utc(finished[-1]) < utc(started):
        return None
    return started, finished[-1]


def cycle_time_minutes(item: WorkItemFacts, weekends_off_in: ZoneInfo | None = None) -> int | None:
    """First in progress -> last done, whole minutes rounded down (see cycle_window)."""
    window = cycle_window(item)
    return floor_minutes(*window, weekends_off_in) if window else None


def category_reader(item: WorkItemFacts) -> Callable[[datetime], str | None]:
    """category_at for one item at many moments: its history sorted once, read by bisection."""
    changes = _ordered(item.status_changes)
    times = [utc(c.changed_at) for c in changes]
    created = utc(item.created_at)
    # Before the first change the item had that change's "from" category.
    before = (changes[0].from_category or TODO) if changes else item.status_category

    def at(moment: datetime) -> str | None:
        moment = utc(moment)
        if moment < created:
            return None
        index = bisect_right(times, moment)
        return changes[index - 1].to_category if index else before

    return at


def category_at(item: WorkItemFacts, moment: datetime) -> str | None:
    """The item's status category at `moment` from its history; None before it existed."""
    return category_reader(item)(moment)


def initial_category(item: WorkItemFacts) -> str:
    """The category an item was created in: its first change's "from" (to do when unknown), or
    its category now when it never moved (as category_at reads it)."""
    changes = _ordered(item.status_changes)
    if changes:
        return changes[0].from_category or TODO
    return item.status_category


def done_at(item: WorkItemFacts) -> datetime | None:
    """When an item that is done now was (last) finished: last move into done, else resolved."""
    if item.status_category != DONE:
        return None
    window = [c.changed_at for c in _ordered(item.status_changes) if c.to_category == DONE]
    return window[-1] if window else item.resolved_at


def throughput(
    items: Iterable[WorkItemFacts],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    period: Period = "week",
) -> dict[date, int]:
    """Items finished (done now, last moved to done) per local day/week/month in [start, end)."""
    finishes = [t for t in (done_at(item) for item in items) if t is not None]
    return bucket_counts(finishes, start, end, tz, period)


def work_in_progress(items: Iterable[WorkItemFacts], moment: datetime) -> list[str]:
    """Ids of items in an in-progress status at `moment`."""
    return [item.id for item in items if category_at(item, moment) == IN_PROGRESS]


def aging_work_in_progress(items: Iterable[WorkItemFacts], now: datetime) -> dict[str, int]:
    """For each item in progress at `now`: minutes (rounded down) since it first entered in
    progress (same start as cycle time), or since it was created if the history has no entry."""
    ages: dict[str, int] = {}
    for item in items:
        if category_at(item, now) != IN_PROGRESS:
            continue
        changes = [c for c in _ordered(item.status_changes) if utc(c.changed_at) <= utc(now)]
        started = next(
            (c.changed_at for c in changes if c.to_category == IN_PROGRESS), item.created_at
        )
        age = floor_minutes(started, now)
        if age is not None:
            ages[item.id] = age
    return ages


def cumulative_flow(
    items: Iterable[WorkItemFacts], start: datetime, end: datetime, tz: ZoneInfo
) -> dict[date, dict[str, int]]:
    """For each local day in `tz` that [start, end) touches: items per status category at the
    end of that day (the next local midnight, so 23- and 25-hour DST days are whole days)."""
    rows = list(items)
    flow: dict[date, dict[str, int]] = {}
    for day in local_days(start, end, tz):
        day_end = local_midnight(day + timedelta(days=1), tz) - timedelta(microseconds=1)
        counts = dict.fromkeys(CATEGORIES, 0)
        for item in rows:
            category = category_at(item, day_end)
            if category in counts:
                counts[category] += 1
        flow[day] = counts
    return flow
