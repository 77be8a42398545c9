"""The metric scope: whose data (a team, some of its integrations, or several teams) over which
local days."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from integrations.models import Integration, Team
from integrations.providers.registry import may_hold
from metrics.calculations._common import elapsed_days, local_midnight
from metrics.calculations.dora_bands import DEFAULT_BAND_TABLE
from metrics.models import Deployment, Incident, PullRequest, WorkItem

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
    bands: str = DEFAULT_BAND_TABLE  # the team's DORA band table (metrics.calculations)
    # Exact instants instead of local midnights: a previous window of an elapsed length
    bounds: tuple[datetime, datetime] | None = None
    # Local midnight of the first day with synced activity (None: nothing synced yet): a window
    # reaching before it counts from there.
    data_start: datetime | None = None

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def integrations(self) -> tuple[tuple[int, str, dict, bool], ...]:
        """(id, kind, config, derived_stale) of the scope's integrations, read once per scope."""
        return tuple(
            Integration.objects.filter(pk__in=self.integration_ids).values_list(
                "pk", "kind", "config", "derived_stale"
            )
        )

    @property
    def integration_configs(self) -> tuple[tuple[int, dict], ...]:
        """(id, config) of the scope's integrations (which deployments are production depends
        on each one's settings)."""
        return tuple((pk, config) for pk, _, config, _ in self.integrations)

    @property
    def derived_stale(self) -> bool:
        """Whether a sync has changed rows of one of the scope's integrations since its derived
        values and daily rollups were last rebuilt (Integration.derived_stale)."""
        return any(stale for *_, stale in self.integrations)

    def integrations_with(self, capability: str) -> tuple[int, ...]:
        """The scope's integrations that can hold rows of `capability` (registry.may_hold: their
        provider brings it, or their kind is no longer registered). A team's GitHub integration
        beside its Jira one is then asked for its pull requests as `integration_id = <GitHub's>`,
        which an index starting with the integration gives in the order of its next columns
        (metrics.indexes); `IN (GitHub's, Jira's)` is read whole and sorted."""
        return tuple(pk for pk, kind, *_ in self.integrations if may_hold(kind, capability))

    @property
    def start(self) -> datetime:
        """Local midnight starting `since` (the window is [start, end))."""
        return self.bounds[0] if self.bounds else local_midnight(self.since, self.tz)

    @property
    def end(self) -> datetime:
        """Local midnight after `until`."""
        if self.bounds:
            return self.bounds[1]
        return local_midnight(self.until + timedelta(days=1), self.tz)

    @property
    def elapsed_end(self) -> datetime:
        """The window's end, or now if the window ends after now."""
        return min(self.now, self.end)

    @property
    def counted_start(self) -> datetime:
        """Where the window counts from: its start, or the first day of data if that is later."""
        if self.data_start is not None and self.data_start > self.start:
            return self.data_start
        return self.start

    @property
    def starts_before_data(self) -> bool:
        """The window reaches before the first synced data (the page says so)."""
        return self.counted_start != self.start

    @property
    def data_start_day(self) -> date | None:
        return self.data_start.astimezone(self.tz).date() if self.data_start else None

    @property
    def elapsed_days(self) -> float:
        """Days of the window elapsed by now, counted from the first day of data: what rates
        divide by (its length if it is past and all of it has data)."""
        return elapsed_days(self.counted_start, self.end, self.now)

    @property
    def moment(self) -> datetime:
        """The instant "open" and "in progress" are read at: now, or the window's end if past."""
        return min(self.now, self.end)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> MetricScope:
        """The window of the same length just before this one (for trends). A window that ends
        after now compares with the time elapsed: [start - (now - start), start), whole minutes."""
        if self.bounds is None and self.now < self.end:
            elapsed = max(self.now - self.start, timedelta(0)) // timedelta(minutes=1)
            start = self.start - timedelta(minutes=elapsed)
            return replace(
                self,
                since=start.astimezone(self.tz).date(),
                until=self.since - timedelta(days=1),
                bounds=(start, self.start),
            )
        return replace(
            self,
            since=self.since - timedelta(days=self.days),
            until=self.since - timedelta(days=1),
            bounds=None,
        )

    def cache_parts(self) -> tuple:
        parts = (self.team_id, self.integration_ids, self.since, self.until, self.time_zone)
        return (*parts, self.bands, self.bounds, self.data_start)

    def as_window(self) -> dict[str, Any]:
        """The window as the metrics and time series answers state it."""
        return {
            "since": self.since,
            "until": self.until,
            "time_zone": self.time_zone,
            "integrations": list(self.integration_ids),
            "data_start": self.data_start_day,
        }


def first_activity(integration_ids: Iterable[int]) -> dict[int, datetime]:
    """Per integration with synced activity, the moment of its first (a pull request,
    deployment, incident or work item created). One query: per integration, the first entry of
    each table's (integration, created_at) index (a MIN over several integrations at once would
    read every row)."""
    rows = Integration.objects.filter(pk__in=list(integration_ids)).values_list(
        "pk",
        *(
            Subquery(
                model.objects.filter(integration=OuterRef("pk"))
                .order_by("created_at")
                .values("created_at")[:1]
            )
            for model in (PullRequest, Deployment, Incident, WorkItem)
        ),
    )
    firsts = {}
    for pk, *moments in rows:
        found = [moment for moment in moments if moment is not None]
        if found:
            firsts[pk] = min(found)
    return firsts


def first_data_day(integration_ids: Iterable[int], tz: ZoneInfo) -> datetime | None:
    """Local midnight of the first day any of these integrations has synced activity on, or
    None when none has any."""
    return _first_day(first_activity(integration_ids).values(), tz)


def _first_day(moments: Iterable[datetime], tz: ZoneInfo) -> datetime | None:
    found = list(moments)
    return local_midnight(min(found).astimezone(tz).date(), tz) if found else None


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
        bands=team.dora_bands,
        data_start=first_data_day(ids, tz),
    )


def team_scopes(
    teams: Sequence[Team],
    *,
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> dict[int, MetricScope]:
    """metric_scope of each team (all its integrations) over the same local days in each team's
    zone, read in two queries whatever the number of teams."""
    now = now or timezone.now()
    by_team: dict[int, set[int]] = {team.pk: set() for team in teams}
    for pk, team_id in Integration.objects.filter(team__in=teams).values_list("pk", "team_id"):
        by_team[team_id].add(pk)
    firsts = first_activity(pk for ids in by_team.values() for pk in ids)
    scopes = {}
    for team in teams:
        tz = ZoneInfo(team.time_zone or "UTC")
        first, last = _window(tz, since, until, now)
        ids = by_team[team.pk]
        scopes[team.pk] = MetricScope(
            team_id=team.pk,
            integration_ids=tuple(sorted(ids)),
            since=first,
            until=last,
            time_zone=tz.key,
            now=now,
            bands=team.dora_bands,
            data_start=_first_day((firsts[pk] for pk in ids if pk in firsts), tz),
        )
    return scopes


def teams_scope(
    teams: Sequence[Team],
    *,
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> MetricScope:
    """The scope of several teams (all of a user's): every integration of theirs, over local
    days of their time zone when they share one, else of UTC; banded by their DORA table when they
    share one, else by the default."""
    if len(teams) == 1:
        return metric_scope(teams[0], since=since, until=until, now=now)
    now = now or timezone.now()
    zones = {team.time_zone or "UTC" for team in teams}
    tz = ZoneInfo(zones.pop() if len(zones) == 1 else "UTC")
    since, until = _window(tz, since, until, now)
    ids = Integration.objects.filter(team__in=[team.pk for team in teams]).values_list("pk")
    tables = {team.dora_bands for team in teams}
    integration_ids = tuple(sorted(pk for (pk,) in ids))
    return MetricScope(
        team_id=None,
        integration_ids=integration_ids,
        since=since,
        until=until,
        time_zone=tz.key,
        now=now,
        bands=tables.pop() if len(tables) == 1 else DEFAULT_BAND_TABLE,
        data_start=first_data_day(integration_ids, tz),
    )


def window_filter(column: str, scope: MetricScope) -> Q:
    """Rows whose `column` falls in the scope's window [start, end)."""
    return Q(**{f"{column}__gte": scope.start, f"{column}__lt": scope.end})
