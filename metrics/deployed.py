"""Which commits each production deployment shipped, and which attempts count.

Consecutive production deployments of one repository with the same commit are attempts of one
deployment: only the last counts (`Deployment.superseded` marks the others), so a failure
followed by a successful retry is one successful deployment. A successful production
deployment ships the commits its commit has and the previous successful one's lacks, as the
provider's compare says (`DeployedRange`, read once per new deployment by the sync and kept);
a rollback to an older commit ships nothing. A pull request is deployed by the first
successful production deployment that shipped its merge commit, and only when it was merged
into the repository's default branch (`DefaultBranch`, read by the deployments stream).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from integrations.models import Integration
from metrics import calculations as calc
from metrics.bulk import update_rows
from metrics.ingest import range_id
from metrics.models import DefaultBranch, DeployedRange, Deployment
from metrics.production import is_production, production_environments


def _attempt_facts(integration: Integration) -> tuple[list[calc.DeploymentFacts], dict]:
    """Every deployment of the integration as facts (creation order), and the rows by id."""
    environments = production_environments(integration.config or {})
    rows = list(Deployment.objects.filter(integration=integration).order_by("created_at", "pk"))
    facts = [
        calc.DeploymentFacts(
            id=str(row.pk),
            status=row.status,
            created_at=row.created_at,
            finished_at=row.finished_at,
            is_production=is_production(row.source, row.environment, environments),
            sha=row.sha,
            repository=row.repository,
        )
        for row in rows
    ]
    return facts, {str(row.pk): row for row in rows}


def refresh_attempts(integration: Integration) -> int:
    """Store which deployments a later attempt of the same commit superseded; return how
    many rows changed."""
    facts, rows = _attempt_facts(integration)
    superseded = calc.superseded_attempts(facts)
    changed = []
    for fact in facts:
        row = rows[fact.id]
        if row.superseded != (fact.id in superseded):
            row.superseded = fact.id in superseded
            changed.append(row)
    update_rows(changed, ("superseded",))
    return len(changed)


def _counted(integration: Integration) -> list[calc.DeploymentFacts]:
    facts, _ = _attempt_facts(integration)
    superseded = calc.superseded_attempts(facts)
    return [fact for fact in facts if fact.id not in superseded]


def _wanted_ranges(
    facts: list[calc.DeploymentFacts],
) -> list[tuple[calc.DeploymentFacts, tuple[str, str, str] | None]]:
    """Each successful production deployment with the compare that says what it shipped
    (repository, base, head), or None: the first one, a missing commit, or the same commit."""
    wanted = []
    for previous, deployment in calc.consecutive_successes(facts):
        key = None
        if previous is not None and previous.sha and previous.sha != deployment.sha:
            key = (deployment.repository, previous.sha, deployment.sha) if deployment.sha else None
        wanted.append((deployment, key))
    return wanted


# A compare the provider could not answer (a commit it did not have) is asked again this much
# later: a commit pushed late can still link its pull requests, a force-pushed one costs one
# request a day.
UNKNOWN_RETRY = timedelta(days=1)


def ranges_to_read(
    integration: Integration, now: datetime | None = None
) -> list[tuple[str, str, str]]:
    """The compares (repository, base sha, head sha) new successful production deployments
    need that are not stored yet, or stored as unknown longer than UNKNOWN_RETRY ago, oldest
    first."""
    keys = [key for _, key in _wanted_ranges(_counted(integration)) if key is not None]
    retry_before = (now or timezone.now()) - UNKNOWN_RETRY
    stored = set(
        DeployedRange.objects.filter(
            integration=integration, external_id__in=[range_id(*key) for key in keys]
        )
        .exclude(status="unknown", synced_at__lt=retry_before)
        .values_list("external_id", flat=True)
    )
    return [key for key in dict.fromkeys(keys) if range_id(*key) not in stored]


def note_ranges_read(integration: Integration, keys: list[tuple[str, str, str]]) -> None:
    """Record when these compares were last asked (an unchanged answer is not written again,
    so its `synced_at` would not move): the retry of unknown ones counts from now."""
    DeployedRange.objects.filter(
        integration=integration, external_id__in=[range_id(*key) for key in keys]
    ).update(synced_at=timezone.now())


def deployment_facts(integration: Integration) -> list[calc.DeploymentFacts]:
    """The integration's counted deployments (last attempts) with the commits each shipped."""
    counted = _counted(integration)
    shipped = {
        (repository, base, head): tuple(shas or ())
        for repository, base, head, shas in DeployedRange.objects.filter(
            integration=integration
        ).values_list("repository", "base_sha", "head_sha", "shas")
    }
    by_id = {d.id: shipped.get(key, ()) for d, key in _wanted_ranges(counted) if key is not None}
    return [
        calc.DeploymentFacts(
            id=d.id,
            status=d.status,
            created_at=d.created_at,
            finished_at=d.finished_at,
            is_production=d.is_production,
            sha=d.sha,
            shipped_shas=by_id.get(d.id, ()),
            repository=d.repository,
        )
        for d in counted
    ]


def default_branches(integration: Integration) -> dict[str, str]:
    """Each repository's default branch, as its deployments stream last read it."""
    return dict(
        DefaultBranch.objects.filter(integration=integration).values_list("repository", "name")
    )


def merged_into_default(repository: str, base_branch: str, branches: dict[str, str]) -> bool:
    """Whether a pull request merged into `base_branch` can be deployed: its base is the
    repository's default branch (either unknown, e.g. before the first read, does not rule
    it out)."""
    default = branches.get(repository, "")
    return not default or not base_branch or base_branch == default
