"""Which deployments count as production: the rule in Python and as a query, side by side."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from metrics.models import Deployment

# Environment names (lower-cased) of GitHub deployments that reach production; "" is a
# deployment that names no environment.
PRODUCTION_ENVIRONMENTS = frozenset({"production", "prod", ""})
# Only GitHub's deployments API names environments: releases and workflow runs all count.
DEPLOYMENTS_API = "deployments"


def is_production(source: str, environment: str) -> bool:
    """Whether a deployment from `source` to `environment` counts as a production deployment."""
    return source != DEPLOYMENTS_API or environment.lower() in PRODUCTION_ENVIRONMENTS


def production_only(deployments: QuerySet[Deployment]) -> QuerySet[Deployment]:
    """The rows of `deployments` that is_production accepts (annotated with `env`)."""
    return deployments.annotate(env=Lower("environment")).filter(
        ~Q(source=DEPLOYMENTS_API) | Q(env__in=PRODUCTION_ENVIRONMENTS)
    )
