"""Cached metrics are keyed by a per-integration version; bumping it invalidates them all."""

from django.core.cache import cache


def version_key(integration_id: int) -> str:
    return f"metrics:version:{integration_id}"


def data_version(integration_id: int) -> int:
    """The current data version of an integration (part of every cached metric's key)."""
    return int(cache.get_or_set(version_key(integration_id), 1, timeout=None) or 1)


def invalidate_integration(integration_id: int) -> int:
    """Make every cached metric of the integration stale; return the new version."""
    key = version_key(integration_id)
    cache.add(key, 1, timeout=None)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 2, timeout=None)
        return 2
