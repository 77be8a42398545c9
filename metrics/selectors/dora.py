"""DORA reads: deployment frequency, lead time for changes, change failure rate, time to restore
and failed deployment recovery time of a scope, banded by the team's band table, and the
deployment and incident facts they are computed from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import cached_property, partial, reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import In

from metrics import calculations as calc
from metrics.aggregates import summary
from metrics.calculations.facts import FAILED_STATUSES, SUCCESS
from metrics.models import Deployment, Incident, PullRequest
from metrics.scope import MetricScope, window_filter
from metrics.selectors.common import (
    human_pull_requests,
    in_scope,
    production_deployments,
    summary_dict,
)


def list_deployment_facts(
    scope: MetricScope, incidents: Iterable[calc.IncidentFacts] = ()
) -> list[calc.DeploymentFacts]:
    """The production deployments the window and these incidents need: those at or after the
    earliest of the window's start and the incidents' openings, and per repository the last
    successful one before that (an incident opened later may be attributed to it) and the ones
    after it (a failure it has not recovered yet), or its failures when none succeeded before.
    Older ones can change no number, and a year of them would only be read to be skipped.

    Read in two parts: the window's (an index range of `at`), and before it, each
    repository's rows from its last success (a short index range per repository, however long
    ago that success was) or its failures when it has none."""
    rows = production_deployments(scope)
    since = min([scope.start, *(incident.created_at for incident in incidents)])
    # Per repository with deployments before `since`, its last success then (None: none).
    last_success: dict[str, Any] = dict(
        rows.filter(Q(at__lt=since))
        .order_by()
        .values("repository")
        .annotate(latest=Max("at", filter=Q(status__iexact=SUCCESS)))
        .values_list("repository", "latest")
    )
    before = [
        Q(repository=repository, at__gte=latest)
        for repository, latest in last_success.items()
        if latest is not None
    ]
    if never_succeeded := [repo for repo, latest in last_success.items() if latest is None]:
        before.append(Q(status_in(FAILED_STATUSES), repository__in=never_succeeded))
    found = deployment_facts(rows.filter(Q(at__gte=since)))
    if before:
        found += deployment_facts(rows.filter(Q(at__lt=since) & reduce(or_, before)))
    return found


def deployment_facts(rows: QuerySet[Deployment]) -> list[calc.DeploymentFacts]:
    """The production deployments of `rows` as calculation facts."""
    return [
        calc.DeploymentFacts(
            id=str(pk), status=status, created_at=created, finished_at=finished, repository=repo
        )
        for pk, status, created, finished, repo in rows.values_list(
            "pk", "status", "created_at", "finished_at", "repository"
        )
    ]


def status_in(statuses: Iterable[str]) -> In:
    """Deployments whose status, in any case, is one of `statuses` (lowercase): the calculations'
    `status.lower()` as a filter."""
    return In(Lower("status"), sorted(statuses))


def list_incident_facts(queryset: QuerySet[Incident]) -> list[calc.IncidentFacts]:
    """The incidents of `queryset` as calculation facts, in order of opening (so lists made from
    them, such as the unlinked incidents, keep one order whichever query read them)."""
    return [
        calc.IncidentFacts(id=str(pk), created_at=created, resolved_at=resolved, repository=repo)
        for pk, created, resolved, repo in queryset.order_by("created_at", "pk").values_list(
            "pk", "created_at", "resolved_at", "repository"
        )
    ]


def incident_window() -> timedelta | None:
    """How long after a deployment an incident may still be linked to it (None: no limit)."""
    days = settings.AGILETRACK_INCIDENT_LINK_WINDOW_DAYS
    return timedelta(days=days) if days else None


def no_data_reasons(
    reads: DoraReads,
    lead_count: int,
    failure: calc.ChangeFailureRate,
    restore: calc.TimeToRestore,
    recovery: calc.FailedDeploymentRecovery,
) -> dict[str, str | None]:
    """Per DORA metric, why it is "n/a" (calc.no_data_reason), or None when it has a band."""
    reason = partial(
        calc.no_data_reason,
        has_deployments=reads.has_deployments,
        has_incidents=reads.has_incidents,
    )
    return {
        # No deployment in the window is a measurement (low), once deployments exist at all.
        "deployment_frequency": reason(needs_deployments=True, needs_incidents=False, counted=1),
        "lead_time_for_changes": reason(
            needs_deployments=True, needs_incidents=False, counted=lead_count
        ),
        "change_failure_rate": reason(
            needs_deployments=True, needs_incidents=True, counted=failure.deployments
        ),
        "time_to_restore": reason(
            needs_deployments=False, needs_incidents=True, counted=restore.summary.count
        ),
        "failed_deployment_recovery_time": reason(
            needs_deployments=True, needs_incidents=False, counted=recovery.summary.count
        ),
    }


def lead_time_pull_requests(scope: MetricScope) -> QuerySet[PullRequest]:
    """The pull requests lead time for changes counts: human ones whose deployment finished in
    the window, with a cycle time."""
    return human_pull_requests(scope).filter(
        window_filter("deployed_at", scope), cycle_time_minutes__isnull=False
    )


class DoraReads:
    """What DORA reads for some windows of one scope (the same integrations): the incidents
    opened since the earliest window's start, those resolved in any of the windows, and the
    production deployments all of them need, with their successes in order and each incident's
    deployment. A window's numbers from these equal its numbers from its own reads: each window
    keeps only its own incidents, and a deployment only another window needs is one its own
    numbers skip (list_deployment_facts). The overview reads its window and the one before it
    (its trends) once."""

    def __init__(self, scopes: Sequence[MetricScope]) -> None:
        self.scopes = list(scopes)
        self.first = min(self.scopes, key=lambda scope: scope.start)
        self.incidents: QuerySet[Incident] = in_scope(self.first, Incident.objects.all())

    @cached_property
    def opened(self) -> list[calc.IncidentFacts]:
        return list_incident_facts(self.incidents.filter(created_at__gte=self.first.start))

    @cached_property
    def resolved(self) -> list[calc.IncidentFacts]:
        resolved_in = reduce(or_, (window_filter("resolved_at", scope) for scope in self.scopes))
        return list_incident_facts(self.incidents.filter(resolved_in))

    @cached_property
    def deployments(self) -> list[calc.DeploymentFacts]:
        return list_deployment_facts(self.first, self.resolved)

    @cached_property
    def timeline(self) -> calc.SuccessTimeline:
        return calc.SuccessTimeline.of(self.deployments)

    @cached_property
    def has_deployments(self) -> bool:
        """Whether the scope has a production deployment stored, at any time (the "n/a"
        reasons); asked of the database only when none was read for the windows."""
        return bool(self.deployments) or production_deployments(self.first).exists()

    @cached_property
    def has_incidents(self) -> bool:
        """Whether the scope has an incident stored, at any time."""
        return bool(self.opened or self.resolved) or self.incidents.exists()

    @cached_property
    def links(self) -> dict[str, str | None]:
        """Each incident's deployment, found once for every metric and window."""
        return calc.attribute_incidents(
            [*self.opened, *self.resolved], self.deployments, incident_window(),
            timeline=self.timeline,
        )  # fmt: skip


class DoraResults:
    """The DORA numbers of a scope with what they counted: the tiles show the numbers, the
    deployments and incidents pages list the rows behind them (the same ids). Each one is
    computed when first read, so the list behind one tile computes only that tile's metric.
    `reads`: DoraReads shared with other windows of the scope (by default its own)."""

    def __init__(self, scope: MetricScope, reads: DoraReads | None = None) -> None:
        self.scope = scope
        self.reads = reads or DoraReads([scope])
        self.table = calc.band_table(scope.bands)
        self.window = incident_window()
        self.incidents = self.reads.incidents  # the scope's incidents, any time

    @cached_property
    def opened(self) -> list[calc.IncidentFacts]:
        """Incidents opened since the window's start (change failure rate links them)."""
        return [i for i in self.reads.opened if i.created_at >= self.scope.start]

    @cached_property
    def resolved(self) -> list[calc.IncidentFacts]:
        """Incidents resolved in the window (time to restore, failed deployment recovery)."""
        start, end = self.scope.start, self.scope.end
        return [i for i in self.reads.resolved if calc.in_window(i.resolved_at, start, end)]

    @cached_property
    def deployments(self) -> list[calc.DeploymentFacts]:
        """The production deployments the window and its resolved incidents need (and, read
        with other windows, theirs)."""
        return self.reads.deployments

    @cached_property
    def timeline(self) -> calc.SuccessTimeline:
        """The successes among them in order, for linking incidents and finding recoveries."""
        return self.reads.timeline

    @cached_property
    def links(self) -> dict[str, str | None]:
        """Each opened or resolved incident's deployment."""
        return self.reads.links

    @cached_property
    def frequency(self) -> calc.DeploymentFrequency:
        scope = self.scope
        return calc.deployment_frequency(
            self.deployments, scope.counted_start, scope.end, scope.tz, now=scope.now,
            table=self.table, timeline=self.timeline,
        )  # fmt: skip

    @cached_property
    def lead(self) -> calc.Summary:
        return summary(lead_time_pull_requests(self.scope), "cycle_time_minutes")

    @cached_property
    def failure(self) -> calc.ChangeFailureRate:
        return calc.change_failure_rate(
            self.deployments, self.opened, self.scope.start, self.scope.end,
            incident_window=self.window, table=self.table, links=self.links,
        )  # fmt: skip

    @cached_property
    def recovery(self) -> calc.FailedDeploymentRecovery:
        return calc.failed_deployment_recovery_time(
            self.deployments, self.resolved, self.scope.start, self.scope.end,
            incident_window=self.window, table=self.table, timeline=self.timeline,
            links=self.links,
        )  # fmt: skip

    @cached_property
    def restore(self) -> calc.TimeToRestore:
        return calc.time_to_restore(
            self.resolved, self.deployments, self.scope.start, self.scope.end,
            incident_window=self.window, table=self.table, recovery=self.recovery,
        )  # fmt: skip


def dora_results(scope: MetricScope, reads: DoraReads | None = None) -> DoraResults:
    """The five DORA metrics of the scope, each computed when read, keeping which rows each one
    counted."""
    return DoraResults(scope, reads)


def dora_metrics(scope: MetricScope, reads: DoraReads | None = None) -> dict:
    """Deployment frequency, lead time for changes, change failure rate, time to restore and
    failed deployment recovery time, banded by the scope's band table (`reads`: DoraReads
    shared with other windows of the scope)."""
    results = dora_results(scope, reads)
    table = results.table
    frequency, lead, failure = results.frequency, results.lead, results.failure
    restore, recovery = results.restore, results.recovery
    reasons = no_data_reasons(results.reads, lead.count, failure, restore, recovery)
    report: dict[str, dict[str, Any]] = {
        "deployment_frequency": {
            "deployments": frequency.deployments,
            "deployment_days": frequency.deployment_days,
            "per_day": frequency.per_day,
            "per_week": frequency.per_week,
            "median_deployment_days_per_week": frequency.median_deployment_days_per_week,
            "median_deployment_days_per_month": frequency.median_deployment_days_per_month,
            "band": str(frequency.band),
        },
        "lead_time_for_changes": {
            "summary": summary_dict(lead),
            "band": None if lead.median is None else str(calc.lead_time_band(lead.median, table)),
        },
        "change_failure_rate": {
            "deployments": failure.deployments,
            "failed": failure.failed,
            "rate": failure.rate,
            "band": str(failure.band) if failure.band else None,
            "unlinked_incidents": [int(pk) for pk in failure.unlinked_incident_ids],
        },
        "time_to_restore": {
            "summary": summary_dict(restore.summary),
            # Former name of failed_deployment_recovery_time's summary, kept for API clients
            "failed_deployment_recovery": summary_dict(recovery.summary),
            "band": str(restore.band) if restore.band else None,
        },
        "failed_deployment_recovery_time": {
            "summary": summary_dict(recovery.summary),
            "band": str(recovery.band) if recovery.band else None,
        },
    }
    return {**with_reasons(report, reasons), "bands_table": table.key, "bands_source": table.source}


def with_reasons(report: dict[str, dict[str, Any]], reasons: dict[str, str | None]) -> dict:
    """Each metric with its `reason`; a metric with a reason has no band (n/a)."""
    for key, why in reasons.items():
        report[key]["reason"] = why
        if why is not None:
            report[key]["band"] = None
    return report
