"""Evaluating a working agreement over a period: live (the period ending now) and back-tested
(each week of a range). Both call `evaluate`, so a back-test shows what live evaluation would
have said at the end of each week.

A period [start, end) is read at min(now, end):
- item rules check the period's items (agreements.rules): the value is how many break the rule,
  and the period is breached when one or more does (they are listed, with links);
- window rules compute their metric over the agreement's window [end - window_days, end) and
  compare it; no value (nothing to measure) is never a breach.
Live evaluation looks at the week ending now: [now - 7 days, now).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from agreements import rules
from agreements.models import WorkingAgreement
from metrics.calculations._common import local_midnight
from metrics.scope import MetricScope, metric_scope

PERIOD = timedelta(days=7)
BACKTEST_DAYS = 90


@dataclass(frozen=True)
class BreachItem:
    id: str
    label: str
    url: str
    value: float  # a PR / work item that broke an item rule, in the metric's unit


@dataclass(frozen=True)
class PeriodResult:
    start: datetime
    end: datetime
    value: float | None
    breached: bool
    items: tuple[BreachItem, ...] = ()


def team_zone(agreement: WorkingAgreement) -> ZoneInfo:
    return ZoneInfo(agreement.team.time_zone or "UTC")


def scope_between(agreement: WorkingAgreement, start: datetime, end: datetime, now: datetime):
    """The team's metric scope over exactly [start, end), read as of `now`."""
    tz = team_zone(agreement)
    last = max(start, end - timedelta(microseconds=1))
    base: MetricScope = metric_scope(
        agreement.team,
        since=start.astimezone(tz).date(),
        until=last.astimezone(tz).date(),
        now=now,
    )
    return replace(base, bounds=(start, end))


def evaluate(
    agreement: WorkingAgreement, start: datetime, end: datetime, now: datetime
) -> PeriodResult:
    """The agreement's result for the period [start, end), read at min(now, end)."""
    spec = rules.METRICS[agreement.metric]
    operator, threshold = agreement.operator, agreement.threshold
    if spec.kind == rules.ITEM:
        checked = rules.ITEM_READERS[spec.name](scope_between(agreement, start, end, now))
        broken = tuple(
            BreachItem(item.id, item.label, item.url, round(item.value, 2))
            for item in checked
            if rules.breaks(item.value, operator, threshold)
        )
        broken = tuple(sorted(broken, key=lambda item: -item.value))
        return PeriodResult(start, end, float(len(broken)), bool(broken), broken)
    window_start = end - timedelta(days=agreement.window_days)
    value = rules.WINDOW_READERS[spec.name](scope_between(agreement, window_start, end, now))
    breached = value is not None and rules.breaks(value, operator, threshold)
    return PeriodResult(start, end, value, breached)


def evaluate_now(agreement: WorkingAgreement, now: datetime | None = None) -> PeriodResult:
    """The agreement's result for the week ending now."""
    now = now or timezone.now()
    return evaluate(agreement, now - PERIOD, now, now)


def week_starts(since: date, until: date) -> list[date]:
    """The Mondays of the weeks [since, until] touches."""
    monday = since - timedelta(days=since.weekday())
    weeks = []
    while monday <= until:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def backtest(
    agreement: WorkingAgreement, since: date, until: date, now: datetime | None = None
) -> list[PeriodResult]:
    """The agreement's result per week (Monday to Monday, team time zone) of [since, until],
    each evaluated at its end (the current week at `now`); weeks that start after now are left
    out."""
    now = now or timezone.now()
    tz = team_zone(agreement)
    results = []
    for monday in week_starts(since, until):
        start = local_midnight(monday, tz)
        if start >= now:
            break
        end = min(local_midnight(monday + timedelta(days=7), tz), now)
        results.append(evaluate(agreement, start, end, end))
    return results


def days_before(until: date, days: int = BACKTEST_DAYS) -> date:
    """The first of `days` days ending on `until` (never before the calendar's first day)."""
    return until - timedelta(days=min(days - 1, (until - date.min).days))


def default_range(agreement: WorkingAgreement, now: datetime | None = None) -> tuple[date, date]:
    """The last BACKTEST_DAYS days up to today, in the team's time zone."""
    today = (now or timezone.now()).astimezone(team_zone(agreement)).date()
    return days_before(today), today
