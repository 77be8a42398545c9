"""Queueing a sync: the queued SyncRun row, then its task, sent by its stable name once the row
is committed (this module never imports the tasks that call the sync service)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.leases import is_syncing
from integrations.models import Integration, SyncRun

INITIAL_SYNC_TASK = "integrations.tasks.initial_sync_metrics_task"
SYNC_TASK = "integrations.tasks.sync_integration_task"
# Triggers a person is waiting for: their runs go to the priority queue.
PRIORITY_TRIGGERS = {SyncRun.Trigger.INITIAL, SyncRun.Trigger.MANUAL, SyncRun.Trigger.WEBHOOK}


def queue_sync_unless_busy(
    integration: Integration, trigger: str, min_interval: float = 0
) -> SyncRun | None:
    """Queue a sync unless one is queued or running, or one of this trigger was queued less
    than `min_interval` seconds ago; None when it was not queued.

    The integration row is locked while checking, so two fan-outs (two beats, a redelivered
    fan-out) queue one sync, not two.
    """
    since = timezone.now() - timedelta(seconds=min_interval)
    with transaction.atomic():
        Integration.objects.select_for_update().filter(pk=integration.pk).first()
        runs = SyncRun.objects.filter(integration=integration)
        busy = (
            is_syncing(integration)
            or runs.filter(status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]).exists()
            or runs.filter(trigger=trigger, queued_at__gte=since)
            .exclude(status=SyncRun.Status.SKIPPED)
            .exists()
        )
        if busy:
            return None
        return queue_sync(integration, trigger)


@dataclass(frozen=True)
class AskedSync:
    """The answer to a person asking for a sync: the run that answers it and why that one.

    `outcome` is "queued" (a new run), "active" (a run was already queued or running) or
    "recent" (a sync asked for by a person was queued less than the minimum interval ago);
    `retry_after` is how many seconds until a new one may be asked for ("recent" only)."""

    run: SyncRun
    outcome: str
    retry_after: int = 0

    @property
    def queued(self) -> bool:
        return self.outcome == "queued"


def queue_asked_sync(integration: Integration, trigger: str, min_interval: float) -> AskedSync:
    """Queue a sync a person asked for, unless one is queued or running (answered with that run)
    or one of this trigger was queued less than `min_interval` seconds ago (answered with it).

    The integration row is locked while checking (a row lock on PostgreSQL, the write lock of
    an IMMEDIATE transaction on SQLite), so two requests at once queue one run, not two."""
    now = timezone.now()
    with transaction.atomic():
        Integration.objects.select_for_update().filter(pk=integration.pk).first()
        runs = SyncRun.objects.filter(integration=integration).order_by("-queued_at", "-pk")
        active = runs.filter(status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]).first()
        if active is not None:
            return AskedSync(active, "active")
        recent = (
            runs.filter(trigger=trigger, queued_at__gt=now - timedelta(seconds=min_interval))
            .exclude(status=SyncRun.Status.SKIPPED)
            .first()
        )
        if recent is not None:
            wait = min_interval - (now - recent.queued_at).total_seconds()
            return AskedSync(recent, "recent", retry_after=max(1, int(wait + 0.999)))
        return AskedSync(queue_sync(integration, trigger), "queued")


def queue_sync(integration: Integration, trigger: str, attempt: int = 0) -> SyncRun:
    """Record a queued run and send its task once the current transaction commits.

    `attempt` carries over how many workers a resumed run has already stopped (see sweep)."""
    run = SyncRun.objects.create(integration=integration, trigger=trigger, attempt=attempt)
    transaction.on_commit(lambda: enqueue_sync(run), robust=True)
    return run


def enqueue_sync(run: SyncRun) -> None:
    """Send the task of a queued run to its queue (called after the run is committed)."""
    kwargs: dict[str, object]
    if run.trigger == SyncRun.Trigger.INITIAL:
        name, kwargs = INITIAL_SYNC_TASK, {"run_id": run.pk}
        queue = settings.AGILETRACK_PRIORITY_QUEUE
    else:
        name, kwargs = SYNC_TASK, {"trigger": run.trigger, "run_id": run.pk}
        queue = (
            settings.AGILETRACK_PRIORITY_QUEUE
            if run.trigger in PRIORITY_TRIGGERS
            else settings.CELERY_TASK_DEFAULT_QUEUE
        )
    # By name: the registered task's apply_async where this process has imported the tasks.
    result = current_app.signature(
        name, args=(run.integration_id,), kwargs=kwargs, queue=queue
    ).apply_async()
    SyncRun.objects.filter(pk=run.pk).update(task_id=result.id)
