"""The metric scope: whose data (a team, some of its integrations, or several teams) over which
local days."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from integrations.models import Integration, Team
from metrics.calculations._common import local_midnight

DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 732


class ScopeError(ValueError):
    """A window or filter that cannot be measured (the message says why, for the user)."""


@dataclass(frozen=True)
class MetricScope:
    """Whose data (a team, optionally some of its integrations) over which local days."""

    team_id: int | None  # None: several teams (all of a user's)
    integration_ids: tuple[int, ...]
    since: date  # first local day, inclusive
    until: date  # last local day, inclusive
    time_zone: str = "UTC"
    now: datetime = field(default_factory=timezone.now, compare=False)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def start(self) -> datetime:
        """Local midnight starting `since` (the window is [start, end))."""
        return local_midnight(self.since, self.tz)

    @property
    def end(self) -> datetime:
        """Local midnight after `until`."""
        return local_midnight(self.until + timedelta(days=1), self.tz)

    @property
    def moment(self) -> datetime:
        """The instant "open" and "in progress" are read at: now, or the window's end if past."""
        return min(self.now, self.end)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> MetricScope:
        """The window of the same length just before this one (for trends)."""
        return replace(
            self,
            since=self.since - timedelta(days=self.days),
            until=self.since - timedelta(days=1),
        )

    def cache_parts(self) -> tuple:
        return (self.team_id, self.integration_ids, self.since, self.until, self.time_zone)

    def as_window(self) -> dict[str, Any]:
        """The window as the metrics and time series answers state it."""
        return {
            "since": self.since,
            "until": self.until,
            "time_zone": self.time_zone,
            "integrations": list(self.integration_ids),
        }


def _window(tz: ZoneInfo, since: date | None, until: date | None, now: datetime):
    """[since, until] in local days; by default the last 30 days up to today."""
    until = until or now.astimezone(tz).date()
    try:
        since = since or until - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
        for day in (since, until + timedelta(days=1)):
            local_midnight(day, tz).astimezone(UTC)  # the database is asked in UTC
    except OverflowError:
        raise ScopeError("The window must lie within the years 1 to 9999.") from None
    if since > until:
        raise ScopeError("The start date is after the end date.")
    if (until - since).days + 1 > MAX_WINDOW_DAYS:
        raise ScopeError(f"A window can span at most {MAX_WINDOW_DAYS} days.")
    return since, until


def metric_scope(
    team: Team,
    *,
    since: date | None = None,
    until: date | None = None,
    integrations: Iterable[Integration | int] | None = None,
    now: datetime | None = None,
) -> MetricScope:
    """The scope for a team: its integrations (or the given ones, which must be the team's) over
    [since, until] in the team's time zone; by default the last 30 days up to today."""
    now = now or timezone.now()
    tz = ZoneInfo(team.time_zone or "UTC")
    since, until = _window(tz, since, until, now)
    team_ids = set(Integration.objects.filter(team=team).values_list("pk", flat=True))
    if integrations is None:
        ids = team_ids
    else:
        ids = {item.pk if isinstance(item, Integration) else int(item) for item in integrations}
        if not ids <= team_ids:
            raise ScopeError("An integration given is not one of this team's.")
    return MetricScope(
        team_id=team.pk,
        integration_ids=tuple(sorted(ids)),  # type: ignore[arg-type]
        since=since,
        until=until,
        time_zone=tz.key,
        now=now,
    )


def teams_scope(
    teams: Sequence[Team],
    *,
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> MetricScope:
    """The scope of several teams (all of a user's): every integration of theirs, over local
    days of their time zone when they share one, else of UTC."""
    if len(teams) == 1:
        return metric_scope(teams[0], since=since, until=until, now=now)
    now = now or timezone.now()
    zones = {team.time_zone or "UTC" for team in teams}
    tz = ZoneInfo(zones.pop() if len(zones) == 1 else "UTC")
    since, until = _window(tz, since, until, now)
    ids = Integration.objects.filter(team__in=[team.pk for team in teams]).values_list("pk")
    return MetricScope(
        team_id=None,
        integration_ids=tuple(sorted(pk for (pk,) in ids)),
        since=since,
        until=until,
        time_zone=tz.key,
        now=now,
    )


def window_filter(column: str, scope: MetricScope) -> Q:
    """Rows whose `column` falls in the scope's window [start, end)."""
    return Q(**{f"{column}__gte": scope.start, f"{column}__lt": scope.end})
