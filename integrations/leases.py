"""The sync lease: one run per integration at a time, claimed by a conditional UPDATE and timed
by the database's clock."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now

from integrations.models import Integration


def lease_seconds() -> int:
    return settings.AGILETRACK_SYNC_LEASE_SECONDS


def _lease_end() -> ExpressionWrapper:
    """The database's now plus the lease length: leases follow one clock, the database's, so a
    worker whose clock runs ahead cannot take a live lease for an expired one."""
    return ExpressionWrapper(
        Now() + timedelta(seconds=lease_seconds()), output_field=DateTimeField()
    )


def claim_lease(integration_id: int, owner: str) -> bool:
    """Take the integration's sync lease unless a live one is held (one UPDATE, race-free)."""
    claimed = Integration.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=Now()), pk=integration_id
    ).update(lease_owner=owner, lease_until=_lease_end())
    return claimed == 1


def renew_lease(integration_id: int, owner: str) -> None:
    Integration.objects.filter(pk=integration_id, lease_owner=owner).update(
        lease_until=_lease_end()
    )


def release_lease(integration_id: int, owner: str) -> None:
    Integration.objects.filter(pk=integration_id, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


def is_syncing(integration: Integration) -> bool:
    """Whether a live lease says a sync of this integration is running now."""
    return Integration.objects.filter(pk=integration.pk, lease_until__gte=Now()).exists()


def lease_remaining(integration_id: int) -> float:
    """Seconds until the integration's lease runs out (at least 1)."""
    lease_until, db_now = (
        Integration.objects.filter(pk=integration_id)
        .annotate(db_now=Now())
        .values_list("lease_until", "db_now")[0]
    )
    if lease_until is None:
        return 1.0
    return max(1.0, (lease_until - db_now).total_seconds() + 1)
