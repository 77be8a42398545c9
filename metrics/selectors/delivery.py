"""The lists behind the DORA tiles: the deployments and incidents pages. A list is the rows its
tile counted, so its count is the tile's number: the tile's rule as a query (deployments
successful, finished, or failed or linked to an incident in the window; incidents resolved in
it), held equal to the ids the calculation counts by tests/metrics/test_delivery_lists.py; the
recoveries' list pages the recoveries the calculation returns (selectors.dora.dora_results).
Incidents are linked to deployments by the database, each with one short read of an index
(with_deployments), as the calculation links them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import CharField, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from metrics import calculations as calc
from metrics.calculations.facts import FAILED_STATUSES, SUCCESS
from metrics.models import Deployment, Incident, PullRequest
from metrics.scope import MetricScope, window_filter
from metrics.selectors.common import in_scope, production_deployments
from metrics.selectors.dora import (
    DoraResults,
    incident_window,
    status_in,
)

# The deployments page's lists: what `show` asks for, its short name and what it lists.
DEPLOYMENT_LISTS = {
    "": ("All", "Every production deployment that finished in the window"),
    "deployed": ("Successful", "Successful deployments (deployment frequency)"),
    "counted": ("Finished", "Finished deployments (all change failure rate counts)"),
    "failed": ("Failed", "Failed or linked to an incident (change failure rate's failures)"),
    "recovered": (
        "Recovered",
        "Failed or incident-linked deployments recovered in the window (failed deployment "
        "recovery time)",
    ),
}
# The incidents page's lists.
INCIDENT_LISTS = {
    "": ("Opened", "Incidents opened in the window"),
    "resolved": ("Resolved", "Incidents resolved in the window (time to restore)"),
}


def finished_deployments(scope: MetricScope) -> QuerySet[Deployment]:
    """The production deployments change failure rate counts: finished (success, failure or
    error, any case) in the window; `ChangeFailureRate.deployment_ids` as a query."""
    return production_deployments(scope).filter(
        window_filter("at", scope), status_in({SUCCESS, *FAILED_STATUSES})
    )


def successful_deployments(scope: MetricScope) -> QuerySet[Deployment]:
    """The production deployments deployment frequency counts: successful, finished from where
    the window counts (its start, or the first day of data) to its end;
    `DeploymentFrequency.deployment_ids` as a query."""
    return production_successes(scope).filter(Q(at__gte=scope.counted_start, at__lt=scope.end))


def production_successes(scope: MetricScope) -> QuerySet[Deployment]:
    """The scope's successful production deployments, at any time."""
    return production_deployments(scope).filter(status_in({SUCCESS}))


def failed_deployments(scope: MetricScope) -> QuerySet[Deployment]:
    """The deployments change failure rate counts as failed: finished in the window and failed
    themselves, or linked to an incident opened since the window's start (incident_links);
    `ChangeFailureRate.failed_deployment_ids` as a query."""
    opened = scope_incidents(scope).filter(created_at__gte=scope.start)
    blamed = with_deployments(scope, opened).values_list(F("deployment"))
    return finished_deployments(scope).filter(status_in(FAILED_STATUSES) | Q(pk__in=blamed))


def list_deployments(scope: MetricScope, show: str = "") -> QuerySet[Deployment]:
    """The production deployments (attempts of one commit once) of a DEPLOYMENT_LISTS list,
    newest first (finished, else created; then the highest id): each tile's rows by the rule
    its computation counts them with."""
    listed = {
        "": lambda: production_deployments(scope).filter(window_filter("at", scope)),
        "deployed": lambda: successful_deployments(scope),
        "counted": lambda: finished_deployments(scope),
        "failed": lambda: failed_deployments(scope),
    }[show]()
    return listed.order_by(F("at").desc(), "-pk")


def with_deployments(scope: MetricScope, incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """`incidents`, each with the id of the deployment it is linked to as `deployment` (None:
    none), as calc.attribute_incidents links it: the latest production success finished at or
    before the incident opened, if within the link window; of successes finished at that same
    instant, the highest id as text. Two short reads of an index by integration and finish
    per incident: backward from its opening to the latest success's instant, then that
    instant's successes."""
    opened = OuterRef("created_at")
    successes = production_successes(scope)
    before = successes.filter(Q(at__lte=opened))
    if (window := incident_window()) is not None:
        before = before.filter(Q(at__gte=opened - window))
    latest = before.order_by(F("at").desc()).values_list(F("at"))[:1]
    by_id = Cast("pk", output_field=CharField()).desc()
    then = successes.filter(Q(at=OuterRef("linked_at"))).order_by(by_id).values("pk")[:1]
    return incidents.annotate(linked_at=Subquery(latest)).annotate(deployment=Subquery(then))


def incident_links(scope: MetricScope, incidents: QuerySet[Incident]) -> dict[str, str | None]:
    """Each of `incidents`' deployment (with_deployments), by id, as DoraReads links them."""
    linked = with_deployments(scope, incidents).values_list("pk", F("deployment"))
    return {str(pk): None if found is None else str(found) for pk, found in linked}


@dataclass(frozen=True)
class RecoveryDetails:
    """One recovery the failed deployment recovery time counted, and what ended it."""

    recovered_at: datetime
    minutes: int | None  # failed -> recovered, truncated
    fixed_by: Deployment | None  # the next successful deployment of the repository
    incident: Incident | None  # or the linked incident, resolved


@dataclass(frozen=True)
class DeploymentDetails:
    pull_requests: list[PullRequest]  # the pull requests it deployed
    incidents: list[Incident]  # the incidents linked to it
    recovery: RecoveryDetails | None = None  # in the list of recoveries only


def deployment_details(
    scope: MetricScope, deployments: list[Deployment]
) -> dict[int, DeploymentDetails]:
    """For each of `deployments` (one page of a listing), the pull requests it deployed (their
    deployment finished when it did: metrics.derived) and the incidents linked to it: those
    opened from its finish on and before the scope's next success after the page (one opened
    later is linked to that success or a later one), as incident_links links them."""
    if not deployments:
        return {}
    shipped: dict[tuple[int, str, datetime], list[PullRequest]] = defaultdict(list)
    finished = [d.finished_at for d in deployments if d.finished_at is not None]
    if finished:
        prs = PullRequest.objects.filter(
            integration_id__in={d.integration_id for d in deployments}, deployed_at__in=finished
        ).order_by("number")
        for pr in prs:
            if pr.deployed_at is not None:
                shipped[(pr.integration_id, pr.repository, pr.deployed_at)].append(pr)
    at = [d.finished_at or d.created_at for d in deployments]
    opened = scope_incidents(scope).filter(created_at__gte=min(at))
    after = production_successes(scope).filter(Q(at__gt=max(at))).aggregate(next=Min("at"))
    if after["next"] is not None:
        opened = opened.filter(created_at__lt=after["next"])
    links = incident_links(scope, opened)
    shown = {str(d.pk) for d in deployments}
    by_deployment: dict[str, list[int]] = defaultdict(list)
    for incident_id, deployment_id in links.items():
        if deployment_id in shown:
            by_deployment[deployment_id].append(int(incident_id))
    linked = opened.in_bulk([pk for pks in by_deployment.values() for pk in pks])
    return {
        d.pk: DeploymentDetails(
            pull_requests=shipped.get((d.integration_id, d.repository, d.finished_at), [])
            if d.finished_at
            else [],
            incidents=[linked[pk] for pk in sorted(by_deployment.get(str(d.pk), []))],
        )
        for d in deployments
    }


def scope_incidents(scope: MetricScope) -> QuerySet[Incident]:
    """The scope's incidents, opened at any time."""
    return in_scope(scope, Incident.objects.all())


def list_incidents(scope: MetricScope, show: str = "") -> QuerySet[Incident]:
    """The incidents of an INCIDENT_LISTS list, newest first: opened in the window, or
    `resolved` in it (what time to restore counts: `TimeToRestore.incident_ids` as a query)."""
    column = "resolved_at" if show == "resolved" else "created_at"
    return (
        scope_incidents(scope).filter(window_filter(column, scope)).order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class IncidentDetails:
    deployment: Deployment | None  # the deployment it is linked to, None: none in the window
    restore_minutes: int | None  # opened -> resolved, truncated; None while open


def incident_details(scope: MetricScope, incidents: list[Incident]) -> dict[int, IncidentDetails]:
    """For each of `incidents` (one page of a listing), the deployment it is linked to (as
    change failure rate links it: incident_links) and its time to restore."""
    links = incident_links(scope, scope_incidents(scope).filter(pk__in=[i.pk for i in incidents]))
    linked_ids = [int(pk) for pk in links.values() if pk is not None]
    deployments = Deployment.objects.in_bulk(linked_ids)
    return {
        i.pk: IncidentDetails(
            deployment=deployments.get(int(links[str(i.pk)] or 0)),
            restore_minutes=calc.floor_minutes(i.created_at, i.resolved_at)
            if i.resolved_at
            else None,
        )
        for i in incidents
    }


def list_recoveries(results: DoraResults) -> list[calc.Recovery]:
    """The recoveries failed deployment recovery time counted (one per failed deployment and
    per resolved incident linked to a deployment), latest recovery first."""
    return sorted(
        results.recovery.recoveries,
        key=lambda r: (r.recovered_at, r.deployment_id, r.incident_id or ""),
        reverse=True,
    )


def recovery_rows(
    scope: MetricScope, recoveries: list[calc.Recovery], results: DoraResults
) -> list[tuple[Deployment, DeploymentDetails]]:
    """For each of `recoveries` (one page of list_recoveries), its deployment with the pull
    requests it deployed, its linked incidents and what ended its recovery."""
    wanted = {int(r.deployment_id) for r in recoveries}
    wanted |= {int(r.fixed_by) for r in recoveries if r.fixed_by}
    deployments = production_deployments(scope).in_bulk(wanted)
    incidents = results.incidents.in_bulk([int(r.incident_id) for r in recoveries if r.incident_id])
    failed = [deployments[int(r.deployment_id)] for r in recoveries]
    details = deployment_details(scope, list({d.pk: d for d in failed}.values()))
    return [
        (
            deployment,
            replace(
                details[deployment.pk],
                recovery=RecoveryDetails(
                    recovered_at=r.recovered_at,
                    minutes=r.minutes,
                    fixed_by=deployments.get(int(r.fixed_by)) if r.fixed_by else None,
                    incident=incidents.get(int(r.incident_id)) if r.incident_id else None,
                ),
            ),
        )
        for deployment, r in zip(failed, recoveries, strict=True)
    ]
