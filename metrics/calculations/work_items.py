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
# Off the board (a Trello card archived outside done): in no category the flow counts.
ARCHIVED = "archived"


def kind_key(kind: str) -> str:
    """A work item kind as kinds are compared: casefolded, "Sub-task" is "subtask"."""
    return kind.strip().casefold().replace("-", "").replace(" ", "")


def is_left_out(kind: str, left_out_kinds: Iterable[str]) -> bool:
    """Whether items of `kind` are left out of WIP, aging, throughput, cycle and lead time and
    the flow (a setting; epics by default, as DevLake does). Sub-tasks count."""
    return kind_key(kind) in {kind_key(k) for k in left_out_kinds}


def flow_items(
    items: Iterable[WorkItemFacts], left_out_kinds: Iterable[str]
) -> list[WorkItemFacts]:
    """The items flow metrics count: those of a kind not left out."""
    kinds = tuple(left_out_kinds)
    return [item for item in items if not is_left_out(item.kind, kinds)]


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


@dataclass(frozen=True)
class Finish:
    """One stretch of an item in done: entered at `done_at` (a move into the done category from
    another one), left at `left_at` (None: done now). `started_at` is the first entry into in
    progress before it (the creation, for an item created in progress), None if there was none."""

    created_at: datetime
    done_at: datetime
    left_at: datetime | None
    started_at: datetime | None


def category_moves(item: WorkItemFacts) -> list[tuple[datetime, str]]:
    """(moment, category entered) for the creation and every change of category, in time order,
    read as category_at reads the history (a move within one category is no move)."""
    moves = [(item.created_at, initial_category(item))]
    for change in _ordered(item.status_changes):
        if change.to_category != moves[-1][1]:
            moves.append((change.changed_at, change.to_category))
    return moves


def finishes(item: WorkItemFacts) -> list[Finish]:
    """Every stretch the item spent in done, oldest first. An item done since its creation
    (no recorded move into done) finished at its resolution time when it has one that falls in
    that stretch (Jira's resolutiondate, GitHub's closed_at), else at its creation."""
    moves = category_moves(item)
    found = []
    for index, (entered, category) in enumerate(moves):
        if category != DONE:
            continue
        left = moves[index + 1][0] if index + 1 < len(moves) else None
        resolved = item.resolved_at
        if (
            index == 0
            and resolved is not None
            and utc(resolved) >= utc(entered)
            and (left is None or utc(resolved) < utc(left))
        ):
            entered = resolved
        started = next(
            (moment for moment, to in moves if to == IN_PROGRESS and utc(moment) <= utc(entered)),
            None,
        )
        found.append(Finish(item.created_at, entered, left, started))
    return found


def current_finish(item: WorkItemFacts) -> Finish | None:
    """The stretch in done the item is in now (None unless it is done now by its history)."""
    found = finishes(item)
    return found[-1] if found and found[-1].left_at is None else None


def finish_in(item: WorkItemFacts, start: datetime, end: datetime) -> Finish | None:
    """The item's finish counted in [start, end): its last move into done falls in the window
    and it is still done at the window's end. The one population of lead time, cycle time and
    throughput; `resolved_at` alone never decides it."""
    for finish in finishes(item):
        if utc(start) <= utc(finish.done_at) < utc(end) and (
            finish.left_at is None or utc(finish.left_at) >= utc(end)
        ):
            return finish
    return None


def finish_lead_minutes(finish: Finish) -> int | None:
    """Created -> that finish, whole minutes rounded down."""
    return floor_minutes(finish.created_at, finish.done_at)


def finish_cycle_minutes(finish: Finish, weekends_off_in: ZoneInfo | None = None) -> int | None:
    """First entry into in progress (or creation in it) -> that finish, rounded down; None
    for an item never in progress before it."""
    if finish.started_at is None:
        return None
    return floor_minutes(finish.started_at, finish.done_at, weekends_off_in)


def lead_time_minutes(item: WorkItemFacts) -> int | None:
    """Created -> the current finish (see finishes), whole minutes rounded down; None unless
    done now."""
    finish = current_finish(item)
    return finish_lead_minutes(finish) if finish else None


def cycle_window(item: WorkItemFacts) -> tuple[datetime, datetime] | None:
    """(first entry into in progress, last move into done) for an item that is done now.

    A re-opened and re-finished item keeps its first start and takes its final finish, so the
    rework counts; an item created in progress starts at its creation. None for items not done
    now or never in progress before they finished."""
    finish = current_finish(item)
    if finish is None or finish.started_at is None:
        return None
    return finish.started_at, finish.done_at


def cycle_time_minutes(item: WorkItemFacts, weekends_off_in: ZoneInfo | None = None) -> int | None:
    """First in progress -> last move into done, whole minutes rounded down (see cycle_window)."""
    finish = current_finish(item)
    return finish_cycle_minutes(finish, weekends_off_in) if finish else None


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
    """When an item that is done now (by its history) last moved into done (see finishes)."""
    finish = current_finish(item)
    return finish.done_at if finish else None


def throughput(
    items: Iterable[WorkItemFacts],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    period: Period = "week",
) -> dict[date, int]:
    """Items finished in [start, end) (finish_in), per local day/week/month of that finish."""
    moments = [f.done_at for f in (finish_in(item, start, end) for item in items) if f]
    return bucket_counts(moments, start, end, tz, period)


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
        started = next(
            (t for t, to in category_moves(item) if to == IN_PROGRESS and utc(t) <= utc(now)),
            item.created_at,
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
