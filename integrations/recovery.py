"""Recovery after lost workers and messages (the sweep task): free dead leases, close interrupted
runs and queue them again, re-queue runs whose message the broker lost and integrations that
never synced."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from agiletrack.observability import metrics as observability
from integrations.models import Integration, SyncRun
from integrations.outcomes import give_up
from integrations.queueing import queue_sync


def sweep() -> dict:
    """Free expired leases and re-queue integrations whose initial sync never ran."""
    now = timezone.now()
    grace = now - timedelta(seconds=settings.AGILETRACK_INITIAL_SYNC_GRACE_SECONDS)
    stale = close_interrupted(now)
    freed = Integration.objects.filter(lease_until__lt=Now()).update(
        lease_owner="", lease_until=None
    )
    lost = close_lost(now, grace)
    resumed, gave_up = resume(stale)
    requeued = queue_never_synced(grace)
    return {
        "leases_freed": freed,
        "runs_interrupted": len(stale),
        "runs_lost": lost,
        "initial_requeued": requeued,
        "interrupted_resumed": resumed,
        "interrupted_given_up": gave_up,
    }


def close_interrupted(now) -> list[SyncRun]:
    """Close the running runs whose integration holds no live lease: they lost their worker."""
    stale = list(
        SyncRun.objects.filter(status=SyncRun.Status.RUNNING)
        .filter(Q(integration__lease_until__isnull=True) | Q(integration__lease_until__lt=Now()))
        .select_related("integration")
    )
    SyncRun.objects.filter(pk__in=[run.pk for run in stale]).update(
        status=SyncRun.Status.FAILED,
        finished_at=now,
        error_type="interrupted",
        error_message="The worker running this sync stopped before it finished; queued again.",
    )
    for run in stale:
        observability.record_sync_run(
            run.integration.kind, SyncRun.Status.FAILED, "interrupted", None, None, {}
        )
    return stale


def close_lost(now, grace) -> int:
    """Close the runs still queued after the grace period: their message was lost (broker
    down at enqueue)."""
    waiting = SyncRun.objects.filter(status=SyncRun.Status.QUEUED, queued_at__lt=grace)
    lost = 0
    for pk, kind in waiting.values_list("pk", "integration__kind"):
        # One by one, so a run that starts meanwhile is neither closed nor counted.
        if SyncRun.objects.filter(pk=pk, status=SyncRun.Status.QUEUED).update(
            status=SyncRun.Status.FAILED,
            finished_at=now,
            error_type="lost",
            error_message="The queued task never started (the broker lost it); queued again.",
        ):
            observability.record_sync_run(kind, SyncRun.Status.FAILED, "lost", None, None, {})
            lost += 1
    return lost


def resume(stale: list[SyncRun]) -> tuple[int, int]:
    """Queue each interrupted run again, from its stored cursors, unless it keeps killing its
    worker; (resumed, given up)."""
    resumed = gave_up = 0
    for run in stale:
        if not run.integration.is_active:
            continue
        stopped = run.attempt + 1  # workers this sync has stopped, this one included
        if stopped >= settings.AGILETRACK_SYNC_MAX_DELIVERIES:
            # It keeps killing its worker: give it up instead of queueing it forever.
            give_up(run.integration, run)
            gave_up += 1
            continue
        queue_sync(run.integration, run.trigger, attempt=stopped)
        resumed += 1
    return resumed, gave_up


def queue_never_synced(grace) -> int:
    """Queue a first sync of each active integration that never synced, nor is queued now."""
    busy = SyncRun.objects.filter(
        status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]
    ).values("integration_id")
    never_synced = Integration.objects.filter(
        is_active=True, last_sync_at__isnull=True, created_at__lt=grace
    ).exclude(pk__in=busy)
    requeued = 0
    for integration in never_synced:
        queue_sync(integration, SyncRun.Trigger.INITIAL)
        requeued += 1
    return requeued
