"""Which deployments count as production: one rule, read from the integration's
`deployment_environments`, in Python (`is_production`) and as a query (`production_only`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from metrics.models import Deployment

# Used when an integration's config names no environments (GitHub's config has the same default).
DEFAULT_ENVIRONMENTS = ("production", "prod")
# Only GitHub's deployments API names environments: releases and workflow runs all count.
DEPLOYMENTS_API = "deployments"


def production_environments(config: dict) -> frozenset[str] | None:
    """The lower-cased environment names that count for an integration's config; "" listed means
    a deployment that names no environment counts. None: the list is empty, every one counts."""
    names = config.get("deployment_environments", DEFAULT_ENVIRONMENTS)
    if names is not None and not names:
        return None
    return frozenset(name.strip().lower() for name in names or DEFAULT_ENVIRONMENTS)


def is_production(source: str, environment: str, environments: frozenset[str] | None) -> bool:
    """Whether a deployment from `source` to `environment` is a production deployment, given
    the environments that count (production_environments)."""
    if source != DEPLOYMENTS_API or environments is None:
        return True
    return (environment or "").lower() in environments


def production_only(
    deployments: QuerySet[Deployment], configs: Iterable[tuple[int, dict]]
) -> QuerySet[Deployment]:
    """The rows of `deployments` that is_production accepts, each integration by its own
    config (`configs`: integration id and config); rows of other integrations are left out."""
    by_rule: dict[frozenset[str] | None, list[int]] = defaultdict(list)
    for integration_id, config in configs:
        by_rule[production_environments(config or {})].append(integration_id)
    accepted = Q(pk__in=[])
    for environments, ids in by_rule.items():
        rule = ~Q(source=DEPLOYMENTS_API)
        if environments is None:
            rule = Q()
        else:
            rule |= Q(env__in=sorted(environments))
        accepted |= Q(integration_id__in=ids) & rule
    return deployments.annotate(env=Lower("environment")).filter(accepted)
