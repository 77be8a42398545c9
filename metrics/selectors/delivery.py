"""The lists behind the DORA tiles: the deployments and incidents pages. Each list is made of
the ids the tile's own computation counted (selectors.dora.dora_results), so a list's count is
the tile's number."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import F, QuerySet

from metrics import calculations as calc
from metrics.models import Deployment, Incident, PullRequest
from metrics.scope import MetricScope, window_filter
from metrics.selectors.common import production_deployments
from metrics.selectors.dora import (
    DoraReads,
    DoraResults,
    dora_results,
    incident_window,
    list_incident_facts,
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


def _ids(values) -> list[int]:
    return [int(value) for value in values]


def deployment_ids(results: DoraResults, show: str) -> list[int] | None:
    """The ids of the deployments a list shows, as the tile's computation counted them, newest
    first (finished, else created; then the highest id); None for every production deployment
    of the window."""
    if show == "deployed":
        counted = results.frequency.deployment_ids
    elif show == "counted":
        counted = results.failure.deployment_ids
    elif show == "failed":
        counted = results.failure.failed_deployment_ids
    else:
        return None
    facts = {fact.id: fact for fact in results.deployments}
    return sorted(_ids(counted), key=lambda pk: (facts[str(pk)].at, pk), reverse=True)


@dataclass(frozen=True)
class DeploymentListing:
    rows: QuerySet[Deployment]  # newest first, `at` annotated (finished, else created)
    results: DoraResults | DoraReads
    # A tile's list: the ids it counted, newest first (a page reads its own rows of `rows` by
    # id); None for the whole window's list, which pages through `rows` itself.
    ids: list[int] | None = None


def list_deployments(scope: MetricScope, show: str = "") -> DeploymentListing:
    """The production deployments (attempts of one commit once) of a DEPLOYMENT_LISTS list."""
    rows = production_deployments(scope)
    if show:
        results = dora_results(scope)
        return DeploymentListing(rows=rows, results=results, ids=deployment_ids(results, show))
    return DeploymentListing(
        rows=rows.filter(window_filter("at", scope)).order_by(F("at").desc(), "-pk"),
        results=DoraReads([scope]),
    )


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
    deployments: list[Deployment], results: DoraResults | DoraReads
) -> dict[int, DeploymentDetails]:
    """For each of `deployments` (one page of a listing), the pull requests it deployed (their
    deployment finished when it did: metrics.derived) and the incidents linked to it."""
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
    opened = results.incidents.filter(created_at__gte=min(d.created_at for d in deployments))
    links = calc.attribute_incidents(
        list_incident_facts(opened),
        results.deployments,
        incident_window(),
        timeline=results.timeline,
    )
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


@dataclass(frozen=True)
class IncidentListing:
    rows: QuerySet[Incident]  # newest first
    results: DoraResults | DoraReads


def list_incidents(scope: MetricScope, show: str = "") -> IncidentListing:
    """The incidents of an INCIDENT_LISTS list."""
    results: DoraResults | DoraReads
    if show == "resolved":
        results = dora_results(scope)
        rows = results.incidents.filter(pk__in=_ids(results.restore.incident_ids))
    else:
        results = DoraReads([scope])
        rows = results.incidents.filter(window_filter("created_at", scope))
    return IncidentListing(rows=rows.order_by("-created_at", "-pk"), results=results)


@dataclass(frozen=True)
class IncidentDetails:
    deployment: Deployment | None  # the deployment it is linked to, None: none in the window
    restore_minutes: int | None  # opened -> resolved, truncated; None while open


def incident_details(
    incidents: list[Incident], results: DoraResults | DoraReads
) -> dict[int, IncidentDetails]:
    """For each of `incidents` (one page of a listing), the deployment it is linked to (as
    change failure rate links it) and its time to restore."""
    links = calc.attribute_incidents(
        list_incident_facts(results.incidents.filter(pk__in=[i.pk for i in incidents])),
        results.deployments,
        incident_window(),
        timeline=results.timeline,
    )
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
    details = deployment_details(list({d.pk: d for d in failed}.values()), results)
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
