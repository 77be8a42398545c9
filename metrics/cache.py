"""Cached metrics, keyed by scope and by each integration's data version.

A sync that changed data, or a webhook, bumps the integration's version (`invalidate_integration`),
so every cached result that included it is never read again and expires on its own. Each metric
family has its own time to live (AGILETRACK_METRICS_CACHE_TTL, per family in
AGILETRACK_METRICS_CACHE_TTLS). An unreachable cache never breaks a page: the metrics are computed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from metrics.scope import MetricScope

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Bumped when a cached result changes shape or meaning (v2: sprint state, velocity in items;
# v3: sprints completed during the sprint only, say/do, carry-over, burndown lines).
KEY_PREFIX = "metrics:v3"
MISSING = object()


def version_key(integration_id: int) -> str:
    return f"metrics:version:{integration_id}"


def data_version(integration_id: int) -> int:
    """The current data version of an integration (part of every cached metric's key)."""
    return data_versions([integration_id])[integration_id]


def data_versions(integration_ids: Iterable[int]) -> dict[int, int]:
    """Current data versions of several integrations in one cache round trip."""
    ids = list(integration_ids)
    found = cache.get_many([version_key(i) for i in ids])
    versions = {}
    for integration_id in ids:
        key = version_key(integration_id)
        if key not in found:
            cache.add(key, 1, timeout=None)
            found[key] = cache.get(key, 1)
        versions[integration_id] = int(found[key])
    return versions


def invalidate_integration(integration_id: int) -> int:
    """Make every cached metric of the integration stale; return the new version."""
    key = version_key(integration_id)
    cache.add(key, 1, timeout=None)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 2, timeout=None)
        return 2


def ttl(family: str) -> int:
    """Seconds a family's results are kept."""
    return int(
        settings.AGILETRACK_METRICS_CACHE_TTLS.get(family, settings.AGILETRACK_METRICS_CACHE_TTL)
    )


def cache_key(family: str, scope: MetricScope, extra: tuple = ()) -> str:
    versions = data_versions(scope.integration_ids)
    parts = repr((scope.cache_parts(), sorted(versions.items()), extra))
    digest = hashlib.sha256(parts.encode()).hexdigest()[:40]
    return f"{KEY_PREFIX}:{family}:{scope.team_id}:{digest}"


def cached_family(
    family: str, scope: MetricScope, compute: Callable[[MetricScope], T], extra: tuple = ()
) -> T:
    """compute(scope), or its cached result for the same scope and data versions."""
    try:
        key = cache_key(family, scope, extra)
        found: Any = cache.get(key, MISSING)
    except Exception:  # the cache is down: compute, and say so once per call
        logger.warning("metrics cache unavailable family=%s; computing", family, exc_info=True)
        return compute(scope)
    if found is not MISSING:
        return found
    value = compute(scope)
    try:
        cache.set(key, value, ttl(family))
    except Exception:
        logger.warning("metrics cache unavailable family=%s; not stored", family, exc_info=True)
    return value
