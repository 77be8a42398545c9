"""DORA: deployment frequency, lead time for changes, change failure rate, time to restore and
failed deployment recovery time, each with its performance band from a band table
(metrics.calculations.dora_bands; DevLake v1.0's reading of the 2023 report by default)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from metrics.calculations._common import (
    Band,
    Summary,
    elapsed_days,
    floor_minutes,
    in_window,
    local_days,
    lower_median,
    period_key,
    summarize,
    utc,
)
from metrics.calculations.dora_bands import DORA_2023, BandTable
from metrics.calculations.facts import (
    DeploymentFacts,
    IncidentFacts,
    PullRequestTimings,
)


def deployments_by_commit(deployments: Iterable[DeploymentFacts]) -> dict[str, DeploymentFacts]:
    """For each shipped commit, the first successful production deployment that shipped it
    (earliest created, then id), as DevLake picks a PR's deployment."""
    found: dict[str, DeploymentFacts] = {}
    ordered = sorted(
        (d for d in deployments if d.succeeded and d.is_production),
        key=lambda d: (utc(d.created_at), d.id),
    )
    for deployment in ordered:
        for sha in deployment.shipped_shas:
            found.setdefault(sha, deployment)
    return found


def production(deployments: Iterable[DeploymentFacts]) -> list[DeploymentFacts]:
    return [d for d in deployments if d.is_production]


def superseded_attempts(deployments: Iterable[DeploymentFacts]) -> frozenset[str]:
    """Ids of production deployments that a later attempt replaced: consecutive production
    deployments of one repository (in the given order within a creation time) with the same
    commit are attempts of one deployment, whose outcome is the last attempt's."""
    ordered = sorted(production(deployments), key=lambda d: (d.repository, utc(d.created_at)))
    superseded: set[str] = set()
    previous: dict[str, DeploymentFacts] = {}
    for deployment in ordered:
        before = previous.get(deployment.repository)
        if before is not None and deployment.sha and before.sha == deployment.sha:
            superseded.add(before.id)
        previous[deployment.repository] = deployment
    return frozenset(superseded)


def consecutive_successes(
    deployments: Iterable[DeploymentFacts],
) -> list[tuple[DeploymentFacts | None, DeploymentFacts]]:
    """Each successful production deployment (attempts already left out) with the successful
    production deployment of its repository just before it (None for the first)."""
    ordered = sorted(
        (d for d in production(deployments) if d.succeeded),
        key=lambda d: (d.repository, utc(d.created_at)),
    )
    pairs: list[tuple[DeploymentFacts | None, DeploymentFacts]] = []
    previous: dict[str, DeploymentFacts] = {}
    for deployment in ordered:
        pairs.append((previous.get(deployment.repository), deployment))
        previous[deployment.repository] = deployment
    return pairs


# --- Deployment frequency ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeploymentFrequency:
    deployments: int  # successful production deployments finished in the window
    deployment_days: int  # local days with at least one of them
    days: float  # days of the window elapsed (its length, unless it ends after now)
    per_day: float
    per_week: float
    median_deployment_days_per_week: float
    median_deployment_days_per_month: float
    band: Band
    deployment_ids: tuple[str, ...] = ()  # the deployments counted, for the list behind the tile


def deployment_frequency_band(
    days_per_week: float,
    days_per_month: float,
    per_day: float = 0.0,
    table: BandTable = DORA_2023,
) -> Band:
    """The table's band (2023, DevLake v1.0: median deployment days per week >= 5 elite, >= 1
    high; median deployment days per month >= 1 medium; else low)."""
    return table.frequency_band(days_per_week, days_per_month, per_day)


def deployment_frequency(
    deployments: Iterable[DeploymentFacts],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    *,
    now: datetime | None = None,
    table: BandTable = DORA_2023,
    timeline: SuccessTimeline | None = None,
) -> DeploymentFrequency:
    """Successful production deployments in [start, end): per day and per week of the time
    elapsed by `now` (a window ending in the future is measured up to now), and DevLake's
    "deployment days" form (lower median of distinct deployment days per local week and month,
    weeks and months the window touches counted even when empty). `timeline`: the
    deployments' SuccessTimeline, when the caller has it (its window is found by bisection)."""
    if timeline is not None:
        shipped = list(timeline.between(start, end))
    else:
        shipped = [
            d for d in production(deployments) if d.succeeded and in_window(d.at, start, end)
        ]
    deploy_days = {d.at.astimezone(tz).date() for d in shipped}
    all_days = local_days(start, end, tz)
    per_week: dict[object, int] = {}
    per_month: dict[object, int] = {}
    for day in all_days:
        hit = 1 if day in deploy_days else 0
        week, month = period_key(day, "week"), period_key(day, "month")
        per_week[week] = per_week.get(week, 0) + hit
        per_month[month] = per_month.get(month, 0) + hit
    days = elapsed_days(start, end, now)
    weekly = float(lower_median(list(per_week.values())) or 0)
    monthly = float(lower_median(list(per_month.values())) or 0)
    per_day = len(shipped) / days if days else 0.0
    return DeploymentFrequency(
        deployments=len(shipped),
        deployment_days=len(deploy_days),
        days=days,
        per_day=per_day,
        per_week=per_day * 7,
        median_deployment_days_per_week=weekly,
        median_deployment_days_per_month=monthly,
        band=deployment_frequency_band(weekly, monthly, per_day, table),
        deployment_ids=tuple(d.id for d in shipped),
    )


# --- No data ------------------------------------------------------------------------------------

# Why a DORA metric has no band (the API's `reason`); None when it has one.
NO_DEPLOYMENTS = "no_deployments_configured"  # the scope has no production deployment stored
NO_INCIDENTS = "no_incidents_labelled"  # the scope has no incident stored
NOTHING_IN_WINDOW = "nothing_in_window"  # nothing the metric counts happened in the window


def no_data_reason(
    *,
    has_deployments: bool,
    has_incidents: bool,
    needs_deployments: bool,
    needs_incidents: bool,
    counted: int,
) -> str | None:
    """Why a metric is "n/a" rather than banded: a source it needs has no data at all, or it
    counted nothing in the window. None: it has data and gets a band."""
    if needs_deployments and not has_deployments:
        return NO_DEPLOYMENTS
    if needs_incidents and not has_incidents:
        return NO_INCIDENTS
    return None if counted else NOTHING_IN_WINDOW


# --- Lead time for changes -----------------------------------------------------------------------


@dataclass(frozen=True)
class LeadTimeForChanges:
    summary: Summary  # of PR cycle times, minutes
    band: Band | None  # from the median; None without data


def lead_time_band(median_minutes: float, table: BandTable = DORA_2023) -> Band:
    """The table's band (2023, DevLake v1.0: < 1 day elite, < 1 week high, < 1 month (30 days)
    medium, else low)."""
    return table.lead_time_band(median_minutes)


def lead_time_for_changes(
    timings: Iterable[PullRequestTimings],
    start: datetime,
    end: datetime,
    table: BandTable = DORA_2023,
) -> LeadTimeForChanges:
    """Cycle times of the PRs whose deployment finished in [start, end) (DevLake's rule)."""
    summary = summarize(t.cycle_minutes for t in timings if in_window(t.deployed_at, start, end))
    return LeadTimeForChanges(
        summary, lead_time_band(summary.median, table) if summary.median is not None else None
    )


# --- Change failure rate -------------------------------------------------------------------------


@dataclass(frozen=True)
class SuccessTimeline:
    """The successful production deployments in order of finish (then id), with their finish
    times in UTC: what an incident is linked to (attribute_incidents) and what recovers a
    failure (deployment_recoveries) are found in it by bisection. Built once per set of
    deployments and shared by the metrics that read it."""

    deployments: tuple[DeploymentFacts, ...]
    finished: tuple[datetime, ...]

    @classmethod
    def of(cls, deployments: Iterable[DeploymentFacts]) -> SuccessTimeline:
        keyed = sorted(
            ((utc(d.at), d.id, d) for d in deployments if d.is_production and d.succeeded),
            key=itemgetter(0, 1),
        )
        return cls(tuple(row[2] for row in keyed), tuple(row[0] for row in keyed))

    def between(self, start: datetime, end: datetime) -> tuple[DeploymentFacts, ...]:
        """The successes finished in [start, end), in order (by bisection)."""
        first = bisect_left(self.finished, utc(start))
        return self.deployments[first : bisect_left(self.finished, utc(end), first)]

    def by_repository(self) -> dict[str, tuple[list[datetime], list[DeploymentFacts]]]:
        """Per repository, its successes' finish times and the successes, in the same order."""
        found: dict[str, tuple[list[datetime], list[DeploymentFacts]]] = {}
        for finished, deployment in zip(self.finished, self.deployments, strict=True):
            times, rows = found.setdefault(deployment.repository, ([], []))
            times.append(finished)
            rows.append(deployment)
        return found


def attribute_incidents(
    incidents: Iterable[IncidentFacts],
    deployments: Iterable[DeploymentFacts],
    window: timedelta | None = None,
    *,
    timeline: SuccessTimeline | None = None,
) -> dict[str, str | None]:
    """Incident id -> the deployment it is linked to: the latest successful production deployment
    finished at or before the incident was opened, and (if `window` is set) no longer than
    `window` before it. None (unlinked) when there is none, or it is older than the window; the
    incident still counts for time to restore. DevLake links to the latest prior deployment
    however old (window None). `timeline`: the deployments' SuccessTimeline, when the caller
    has it already."""
    timeline = timeline or SuccessTimeline.of(deployments)
    candidates, finished = timeline.deployments, timeline.finished
    blamed: dict[str, str | None] = {}
    for incident in incidents:
        opened = utc(incident.created_at)
        # Candidates are in time order: the last one finished at or before `opened`.
        before = bisect_right(finished, opened)
        if not before or (window is not None and opened - finished[before - 1] > window):
            blamed[incident.id] = None
        else:
            blamed[incident.id] = candidates[before - 1].id
    return blamed


@dataclass(frozen=True)
class ChangeFailureRate:
    deployments: int  # finished production deployments (successful or failed) in the window
    failed: int  # of which failed themselves or had an incident attributed
    rate: float | None  # failed / deployments, None without deployments
    failed_deployment_ids: tuple[str, ...]
    band: Band | None
    # Incidents opened in the window linked to no deployment (none before them within the window)
    unlinked_incident_ids: tuple[str, ...] = ()
    deployment_ids: tuple[str, ...] = ()  # the deployments counted (`deployments` of them)


def change_failure_rate_band(rate: float, table: BandTable = DORA_2023) -> Band:
    """The table's band (2023, DevLake v1.0: <= 5% elite, <= 10% high, <= 15% medium, else
    low)."""
    return table.change_failure_band(rate)


def change_failure_rate(
    deployments: Sequence[DeploymentFacts],
    incidents: Iterable[IncidentFacts],
    start: datetime,
    end: datetime,
    *,
    incident_window: timedelta | None = None,
    table: BandTable = DORA_2023,
    links: dict[str, str | None] | None = None,
) -> ChangeFailureRate:
    """Failed deployments / deployments, over production deployments that finished (success,
    failure or error) in [start, end). A deployment failed if its status is failure/error or an
    incident is linked to it (attribute_incidents within `incident_window`); incidents opened in
    the window and linked to none are listed as unlinked. `links`: attribute_incidents of
    (at least) these incidents, when the caller has it already."""
    in_range = [
        d
        for d in production(deployments)
        if (d.succeeded or d.failed) and in_window(d.at, start, end)
    ]
    incidents = list(incidents)
    if links is None:
        links = attribute_incidents(incidents, deployments, incident_window)
    blamed = {links[i.id] for i in incidents} - {None}
    failed = tuple(d.id for d in in_range if d.failed or d.id in blamed)
    unlinked = tuple(
        i.id for i in incidents if links[i.id] is None and in_window(i.created_at, start, end)
    )
    rate = len(failed) / len(in_range) if in_range else None
    return ChangeFailureRate(
        deployments=len(in_range),
        failed=len(failed),
        rate=rate,
        failed_deployment_ids=failed,
        band=change_failure_rate_band(rate, table) if rate is not None else None,
        unlinked_incident_ids=unlinked,
        deployment_ids=tuple(d.id for d in in_range),
    )


# --- Time to restore and failed deployment recovery time ------------------------------------------


def time_to_restore_band(median_minutes: float, table: BandTable = DORA_2023) -> Band:
    """The table's band for both recovery metrics (2023, DevLake v1.0: < 1 hour elite, < 1 day
    high, < 1 week medium, else low)."""
    return table.recovery_band(median_minutes)


@dataclass(frozen=True)
class Recovery:
    """One recovery of a failed or incident-linked production deployment: what ended it is the
    next successful deployment of its repository (`fixed_by`) or the incident's resolution
    (`incident_id`)."""

    deployment_id: str
    failed_at: datetime
    recovered_at: datetime
    fixed_by: str | None = None  # the successful deployment that ended a failed one
    incident_id: str | None = None  # the resolved incident linked to a successful one

    @property
    def minutes(self) -> int | None:
        """Failed -> recovered in whole minutes, truncated; None for a negative span."""
        return floor_minutes(self.failed_at, self.recovered_at)


@dataclass(frozen=True)
class FailedDeploymentRecovery:
    summary: Summary  # failed or incident-linked deployment -> its recovery, minutes (truncated)
    band: Band | None  # from summary.median
    recoveries: tuple[Recovery, ...] = ()  # the recoveries counted (summary.count), for the list


def deployment_recoveries(
    deployments: Sequence[DeploymentFacts],
    incidents: Iterable[IncidentFacts],
    incident_window: timedelta | None = None,
    *,
    timeline: SuccessTimeline | None = None,
    links: dict[str, str | None] | None = None,
) -> list[Recovery]:
    """Every recovery: a failed production deployment to the next successful production
    deployment of its repository finished after it; an incident-linked deployment
    (attribute_incidents) to the incident's resolution. Unrecovered ones are left out.
    `timeline` and `links`: the deployments' SuccessTimeline and the incidents' links, when the
    caller has them already."""
    timeline = timeline or SuccessTimeline.of(deployments)
    # Per repository, its successes in order of finish: the fix of a failure is the first one
    # finished after it (found by bisection).
    successes = timeline.by_repository()
    found: list[Recovery] = []
    for failed in (d for d in production(deployments) if d.failed):
        times, rows = successes.get(failed.repository, ([], []))
        if (index := bisect_right(times, utc(failed.at))) < len(times):
            fix = rows[index]
            found.append(Recovery(failed.id, failed.at, fix.at, fixed_by=fix.id))
    incidents = [i for i in incidents if i.resolved_at is not None]
    if links is None:
        links = attribute_incidents(incidents, deployments, incident_window, timeline=timeline)
    by_id = {d.id: d for d in deployments}
    for incident in incidents:
        if (dep_id := links[incident.id]) is not None and incident.resolved_at is not None:
            found.append(
                Recovery(dep_id, by_id[dep_id].at, incident.resolved_at, incident_id=incident.id)
            )
    return found


def failed_deployment_recovery_time(
    deployments: Sequence[DeploymentFacts],
    incidents: Iterable[IncidentFacts],
    start: datetime,
    end: datetime,
    *,
    incident_window: timedelta | None = None,
    table: BandTable = DORA_2023,
    timeline: SuccessTimeline | None = None,
    links: dict[str, str | None] | None = None,
) -> FailedDeploymentRecovery:
    """Recoveries (deployment_recoveries) that happened in [start, end), in whole minutes
    truncated (59.9 minutes is 59), with the table's band on the median."""
    # A span summarize would skip (negative: bad data) is not counted, so not listed either.
    recoveries = deployment_recoveries(
        deployments, incidents, incident_window, timeline=timeline, links=links
    )
    counted = tuple(
        r for r in recoveries if in_window(r.recovered_at, start, end) and r.minutes is not None
    )
    summary = summarize(r.minutes for r in counted)
    band = time_to_restore_band(summary.median, table) if summary.median is not None else None
    return FailedDeploymentRecovery(summary=summary, band=band, recoveries=counted)


@dataclass(frozen=True)
class TimeToRestore:
    summary: Summary  # incident opened -> resolved, minutes (truncated)
    # The failed deployment recovery time's summary, kept here under its former name
    failed_deployment_recovery: Summary
    band: Band | None  # from summary.median
    incident_ids: tuple[str, ...] = ()  # the incidents resolved in the window (summary.count)


def time_to_restore(
    incidents: Sequence[IncidentFacts],
    deployments: Sequence[DeploymentFacts],
    start: datetime,
    end: datetime,
    *,
    incident_window: timedelta | None = None,
    table: BandTable = DORA_2023,
    recovery: FailedDeploymentRecovery | None = None,
) -> TimeToRestore:
    """Incidents resolved in [start, end): opened -> resolved in whole minutes truncated, with
    the table's band on the median; and the failed deployment recovery time of the window
    (`recovery` when the caller computed it already)."""
    resolved = [i for i in incidents if in_window(i.resolved_at, start, end)]
    summary = summarize(floor_minutes(i.created_at, i.resolved_at) for i in resolved)
    if recovery is None:
        recovery = failed_deployment_recovery_time(
            deployments, incidents, start, end, incident_window=incident_window, table=table
        )
    return TimeToRestore(
        summary=summary,
        failed_deployment_recovery=recovery.summary,
        band=time_to_restore_band(summary.median, table) if summary.median is not None else None,
        incident_ids=tuple(i.id for i in resolved),
    )
