"""Shared pieces of the metric math: spans in minutes, percentiles, summaries, local-day buckets.

Every datetime must be timezone-aware. Spans are measured on the UTC timeline (a DST jump never
adds or removes an hour); calendar buckets use the wall clock of the time zone passed in.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

Period = Literal["day", "week", "month"]


class Band(StrEnum):
    """A DORA performance band."""

    ELITE = "elite"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


def utc(moment: datetime) -> datetime:
    """The same instant in UTC; naive datetimes are refused (a naive time gives wrong spans)."""
    if moment.tzinfo is UTC:  # as the database gives it: nothing to convert
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: metric inputs must be timezone-aware")
    return moment.astimezone(UTC)


def weekend_seconds(start: datetime, end: datetime, tz: ZoneInfo) -> float:
    """Seconds of [start, end) that fall on a Saturday or Sunday in `tz`."""
    start, end = utc(start), utc(end)
    if end <= start:
        return 0.0
    total = 0.0
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        if day.weekday() >= 5:
            day_start = utc(local_midnight(day, tz))
            day_end = utc(local_midnight(day + timedelta(days=1), tz))
            overlap = (min(end, day_end) - max(start, day_start)).total_seconds()
            total += max(0.0, overlap)
        day += timedelta(days=1)
    return total


def _span_seconds(start: datetime, end: datetime, weekends_off_in: ZoneInfo | None) -> float:
    seconds = (utc(end) - utc(start)).total_seconds()
    if weekends_off_in is not None and seconds > 0:
        seconds -= weekend_seconds(start, end, weekends_off_in)
    return seconds


def span_minutes(
    start: datetime | None, end: datetime | None, weekends_off_in: ZoneInfo | None = None
) -> int | None:
    """Whole minutes from start to end, rounded UP; None if either is missing or the span is
    negative (DevLake's rule for pull request spans). With `weekends_off_in`, Saturday and Sunday
    in that zone do not count."""
    if start is None or end is None:
        return None
    minutes = math.ceil(_span_seconds(start, end, weekends_off_in) / 60)
    return None if minutes < 0 else minutes


def floor_minutes(
    start: datetime | None, end: datetime | None, weekends_off_in: ZoneInfo | None = None
) -> int | None:
    """Whole minutes from start to end, rounded DOWN (DevLake's issue lead time); None if either
    is missing or the span is negative."""
    if start is None or end is None:
        return None
    seconds = _span_seconds(start, end, weekends_off_in)
    return None if seconds < 0 else math.floor(seconds / 60)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between closest ranks.

    Rank h = (n - 1) * q / 100 over the sorted values; the result is x[floor h] plus the
    fraction of h times the gap to the next value (numpy's "linear", Excel's PERCENTILE.INC).
    The median of an even count is the mean of the two middle values. None when empty."""
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (rank - low) * (ordered[high] - ordered[low])
    # Interpolation may round a hair outside [x_low, x_high]; keep it inside.
    return min(max(value, ordered[low]), ordered[high])


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)


def lower_median(values: Sequence[float]) -> float | None:
    """The middle value, the lower of the two middle ones for an even count: DevLake's
    `max(x) where percent_rank() <= 0.5` (its median deployment days per week and month)."""
    if not values:
        return None
    return sorted(values)[(len(values) - 1) // 2]


@dataclass(frozen=True)
class Summary:
    """Aggregate of a set of values (minutes unless said otherwise); all None when count is 0."""

    count: int
    median: float | None
    p75: float | None
    p90: float | None
    mean: float | None
    min: float | None
    max: float | None


def summarize(values: Iterable[float | None]) -> Summary:
    """Count, median, p75, p90, mean, min and max of the values that are not None."""
    present = [v for v in values if v is not None]
    if not present:
        return Summary(0, None, None, None, None, None, None)
    return Summary(
        count=len(present),
        median=percentile(present, 50),
        p75=percentile(present, 75),
        p90=percentile(present, 90),
        mean=sum(present) / len(present),
        min=min(present),
        max=max(present),
    )


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of `day` on the wall clock of `tz` (a 23- or 25-hour day on DST days)."""
    return datetime.combine(day, time(0), tzinfo=tz)


def local_days(start: datetime, end: datetime, tz: ZoneInfo) -> list[date]:
    """Every calendar day in `tz` that [start, end) touches."""
    if utc(end) <= utc(start):
        return []
    first = start.astimezone(tz).date()
    last = (utc(end) - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def period_key(day: date, period: Period) -> date:
    """The first day of the day/week (Monday)/month that contains `day`."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def bucket_counts(
    moments: Iterable[datetime], start: datetime, end: datetime, tz: ZoneInfo, period: Period
) -> dict[date, int]:
    """How many moments in [start, end) fall in each local day/week/month, zeros included."""
    counts: Counter[date] = Counter()
    for moment in moments:
        if utc(start) <= utc(moment) < utc(end):
            counts[period_key(moment.astimezone(tz).date(), period)] += 1
    keys = sorted({period_key(day, period) for day in local_days(start, end, tz)})
    return {key: counts.get(key, 0) for key in keys}


def elapsed_days(start: datetime, end: datetime, now: datetime | None = None) -> float:
    """Days of [start, end) elapsed by `now` (all of them when now is None or past the end):
    what rates divide by, so a window that ends today is not diluted by the hours to come."""
    stop = utc(end) if now is None else min(utc(end), utc(now))
    return max((stop - utc(start)).total_seconds() / 86400, 0.0)


def in_window(moment: datetime | None, start: datetime, end: datetime) -> bool:
    """Whether `moment` falls in [start, end). Aware datetimes compare as instants whatever
    their zones; a naive one is refused, as utc() refuses it."""
    if moment is None:
        return False
    if moment.tzinfo is None or start.tzinfo is None or end.tzinfo is None:
        raise ValueError("naive datetime: metric inputs must be timezone-aware")
    return start <= moment < end


def next_period_start(period: date, interval: str) -> date:
    """The first day of the day/week/month after the one starting at `period`."""
    if interval == "day":
        return period + timedelta(days=1)
    if interval == "week":
        return period + timedelta(days=7)
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1)


def partial_period(
    period: date, interval: str, start: datetime, end: datetime, tz: ZoneInfo
) -> bool:
    """Whether the local day/week/month starting at `period` is not wholly inside [start, end):
    a first or last period the window cuts, or one that has not ended by `end`."""
    first = local_midnight(period, tz)
    after = local_midnight(next_period_start(period, interval), tz)
    return utc(first) < utc(start) or utc(after) > utc(end)
