"""Celery entry points for syncing. Names are explicit and stable: beat rows store them as text.

Tasks take ids, call the sync service (integrations.sync) and return a small JSON summary.
Transient failures and rate limits are retried with the delays below; configuration and
authentication errors are recorded and not retried.
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from agiletrack.observability import metrics as observability
from agiletrack.observability.logs import bind_context
from integrations import queueing, recovery, sync
from integrations.models import Integration, SyncRun

logger = logging.getLogger(__name__)

INITIAL_RETRY_DELAY = 60
PERIODIC_RETRY_DELAY = 300
# Syncs of large organisations take long; the hard limit stays below the broker's visibility
# timeout (2 h) so a running sync is never delivered twice.
SYNC_SOFT_TIME_LIMIT = 55 * 60
SYNC_TIME_LIMIT = 60 * 60


def _countdown(default: float, retry_after: float | None) -> float:
    override = settings.AGILETRACK_SYNC_RETRY_DELAY_OVERRIDE
    delay = override if override is not None else default
    # A rate limit waits for the provider's reset, whatever the delay.
    return max(delay, retry_after or 0)


def _run(task, integration_id: int, trigger: str, run_id: int | None, delay: float) -> dict:
    began = timezone.now()
    # Log lines and rate-limit gauges of this sync name the integration.
    with bind_context(integration=integration_id):
        outcome = sync.sync_integration(integration_id, trigger, run_id)
    if outcome is None:
        return {"integration": integration_id, "status": "gone"}
    _count_finished_run(outcome.run, began)
    if outcome.retryable and task.request.retries < task.max_retries:
        if outcome.run.status == SyncRun.Status.RUNNING:
            # The same run, redelivered while its dead worker's lease runs out.
            next_run = outcome.run
        else:
            next_run = SyncRun.objects.create(integration_id=integration_id, trigger=trigger)
        countdown = _countdown(delay, outcome.retry_after)
        logger.info(
            "sync retry integration=%s run=%s next_run=%s countdown=%.0f",
            integration_id,
            outcome.run.pk,
            next_run.pk,
            countdown,
        )
        raise task.retry(kwargs={**task.request.kwargs, "run_id": next_run.pk}, countdown=countdown)
    return outcome.summary()


def _count_finished_run(run: SyncRun, began: datetime) -> None:
    """Count a run in /metrics once: when it ended during this delivery (not a stale redelivery
    of a run that had already ended, nor a run still waiting for its lease)."""
    if run.status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING) or run.finished_at is None:
        return
    if run.finished_at < began:
        return
    kind = Integration.objects.filter(pk=run.integration_id).values_list("kind", flat=True).first()
    observability.record_sync_run(
        kind or "unknown",
        run.status,
        run.error_type,
        run.started_at,
        run.finished_at,
        run.records_by_kind or {},
    )


@shared_task(
    bind=True,
    name=queueing.INITIAL_SYNC_TASK,
    max_retries=3,
    default_retry_delay=INITIAL_RETRY_DELAY,
    acks_late=True,
    soft_time_limit=SYNC_SOFT_TIME_LIMIT,
    time_limit=SYNC_TIME_LIMIT,
)
def initial_sync_metrics_task(self, integration_id: int, run_id: int | None = None) -> dict:
    """First sync of a new integration (enqueued after the integration is committed)."""
    return _run(self, integration_id, SyncRun.Trigger.INITIAL, run_id, INITIAL_RETRY_DELAY)


@shared_task(
    bind=True,
    name=queueing.SYNC_TASK,
    max_retries=2,
    default_retry_delay=PERIODIC_RETRY_DELAY,
    acks_late=True,
    soft_time_limit=SYNC_SOFT_TIME_LIMIT,
    time_limit=SYNC_TIME_LIMIT,
)
def sync_integration_task(
    self, integration_id: int, trigger: str = SyncRun.Trigger.MANUAL, run_id: int | None = None
) -> dict:
    """One sync of one integration (hourly fan-out, sync now, webhooks, reconcile)."""
    delay = INITIAL_RETRY_DELAY if trigger in queueing.PRIORITY_TRIGGERS else PERIODIC_RETRY_DELAY
    return _run(self, integration_id, trigger, run_id, delay)


@shared_task(
    bind=True,
    name="integrations.tasks.periodic_sync_all_integrations_metrics_task",
    max_retries=2,
    default_retry_delay=PERIODIC_RETRY_DELAY,
    acks_late=True,
)
def periodic_sync_all_integrations_metrics_task(self, trigger: str = "scheduled") -> dict:
    """Fan out one sync per active integration; report how many were queued and skipped."""
    try:
        return fan_out(trigger)
    except Exception as exc:  # e.g. the database restarting: retried as a whole
        raise self.retry(exc=exc, countdown=_countdown(PERIODIC_RETRY_DELAY, None)) from exc


def fan_out(trigger: str) -> dict:
    """Queue a sync for every active integration not already queued or syncing."""
    queued = skipped = 0
    min_interval = settings.AGILETRACK_FAN_OUT_MIN_INTERVAL_SECONDS
    for integration in Integration.objects.filter(is_active=True).order_by("pk").iterator():
        if queueing.queue_sync_unless_busy(integration, trigger, min_interval) is None:
            SyncRun.objects.create(
                integration=integration,
                trigger=trigger,
                status=SyncRun.Status.SKIPPED,
                finished_at=timezone.now(),
                error_message="A sync of this integration was already queued, running or done "
                "for this schedule slot.",
            )
            skipped += 1
        else:
            queued += 1
    logger.info("fan-out trigger=%s queued=%s skipped=%s", trigger, queued, skipped)
    return {"queued": queued, "skipped": skipped}


@shared_task(name="integrations.tasks.sweep_sync_state_task")
def sweep_sync_state_task() -> dict:
    """Free dead leases, close interrupted runs, re-queue never-synced integrations."""
    return recovery.sweep()
