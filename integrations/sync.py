"""The sync service: one run of one integration, from its provider into the activity tables.

Rules (see docs and RELIABILITY notes): one run per integration at a time (a lease claimed by a
conditional UPDATE); every run is a SyncRun row; each batch is stored in its own transaction and
a stream's cursor moves only with the batch that completes it, so a killed run repeats work
instead of losing it; the outcome (last_sync_at, status, last_error) is written even when the run
fails, in its own transaction.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone
from rest_framework import serializers

from agiletrack.observability import metrics as observability
from integrations import config as integration_config
from integrations import crypto
from integrations.crypto import CredentialsError
from integrations.models import Integration, SyncCursor, SyncRun
from integrations.providers.errors import ConfigurationError, ProviderError, RateLimitedError
from integrations.providers.http import HttpOptions
from integrations.providers.records import Cursor
from integrations.providers.registry import build_provider
from metrics import derived
from metrics.cache import invalidate_integration
from metrics.ingest import IngestResult, ingest, page_transaction, prune_stream, seen_ids

logger = logging.getLogger(__name__)

# Integration status after a failure of each error category.
STATUS_FOR_ERROR = {
    "config": Integration.Status.CONFIG_ERROR,
    "not_found": Integration.Status.CONFIG_ERROR,
    "credentials": Integration.Status.CONFIG_ERROR,
    "auth": Integration.Status.AUTH_FAILED,
    "rate_limited": Integration.Status.RATE_LIMITED,
}
RETRYABLE = {"transient", "rate_limited", "database", "timeout"}


@dataclass(frozen=True)
class SyncOutcome:
    """What a run ended with, and whether the task should try again (and when)."""

    run: SyncRun
    retryable: bool = False
    retry_after: float | None = None

    def summary(self) -> dict:
        return {
            "integration": self.run.integration_id,
            "sync_run": self.run.pk,
            "status": self.run.status,
            "records_created": self.run.records_created,
            "records_updated": self.run.records_updated,
            "api_requests": self.run.api_requests,
            "error_type": self.run.error_type,
        }


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


def queue_sync(integration: Integration, trigger: str, attempt: int = 0) -> SyncRun:
    """Record a queued run and send its task once the current transaction commits.

    `attempt` carries over how many workers a resumed run has already stopped (see sweep)."""
    from integrations.tasks import enqueue_sync  # tasks import this module

    run = SyncRun.objects.create(integration=integration, trigger=trigger, attempt=attempt)
    transaction.on_commit(lambda: enqueue_sync(run), robust=True)
    return run


def _provider_for(integration: Integration):
    """The provider client, after checking the stored config and credentials once more."""
    try:
        config = integration_config.clean_config(integration.kind, integration.config)
        credentials = integration_config.clean_credentials(
            integration.kind, crypto.decrypt_credentials(integration.credentials_encrypted)
        )
    except serializers.ValidationError as exc:
        # Stored before a rule existed, or edited outside the API and admin.
        message = f"The integration's settings are invalid: {_plain(exc.detail)}"
        raise ConfigurationError(message) from None
    options = HttpOptions(**settings.AGILETRACK_HTTP_OPTIONS)
    return build_provider(integration.kind, config, credentials, options=options)


def _plain(detail) -> str:
    """Per-field validation errors as one line, e.g. "repositories: This field is required."."""
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_plain(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_plain(item) for item in detail)
    return str(detail)


def _load_cursor(row: SyncCursor, full: bool) -> Cursor:
    if full:
        return Cursor()
    return Cursor(watermark=row.watermark, etag=row.etag, state=row.state)


def _record_progress(run: SyncRun, result: IngestResult, provider) -> None:
    run.records_created = sum(result.created.values())
    run.records_updated = sum(result.updated.values())
    run.records_by_kind = result.by_kind()
    if provider is not None:
        run.api_requests = provider.stats.total
        run.api_requests_not_modified = provider.stats.not_modified


def _mark_derived_stale(integration: Integration) -> bool:
    """Record, in the transaction storing a change, that the derived values need a refresh."""
    Integration.objects.filter(pk=integration.pk).update(derived_stale=True)
    return True


def sync_integration(
    integration_id: int, trigger: str, run_id: int | None = None
) -> SyncOutcome | None:
    """Run one sync of an integration; None when the integration no longer exists."""
    integration = Integration.objects.filter(pk=integration_id).first()
    if integration is None:
        return None
    run = SyncRun.objects.filter(pk=run_id, integration=integration).first() if run_id else None
    if run is None:
        run = SyncRun.objects.create(integration=integration, trigger=trigger)
    if run.status not in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING):
        # A redelivered message for a run that already ended: nothing to do.
        return SyncOutcome(run)
    redelivered = run.status == SyncRun.Status.RUNNING
    if redelivered and run.attempt + 1 >= settings.AGILETRACK_SYNC_MAX_DELIVERIES:
        # The run stopped its worker every time (killed, out of memory): give up, say so.
        return _give_up(integration, run)
    owner = uuid.uuid4().hex
    if not claim_lease(integration.pk, owner):
        if redelivered:
            # Its previous worker died holding the lease; try again once the lease runs out.
            return SyncOutcome(run, retryable=True, retry_after=_lease_remaining(integration.pk))
        run.status = SyncRun.Status.SKIPPED
        run.finished_at = timezone.now()
        run.error_message = "Another sync of this integration was running."
        run.save()
        logger.info("sync skipped integration=%s run=%s reason=lease_held", integration.pk, run.pk)
        return SyncOutcome(run)

    run.status = SyncRun.Status.RUNNING
    run.started_at = run.started_at or timezone.now()
    run.attempt = run.attempt + 1 if redelivered else run.attempt
    run.save(update_fields=["status", "started_at", "attempt"])
    full = trigger == SyncRun.Trigger.RECONCILE
    logger.info(
        "sync started integration=%s run=%s kind=%s trigger=%s delivery=%s",
        integration.pk,
        run.pk,
        integration.kind,
        trigger,
        run.attempt + 1,
    )
    result = IngestResult()
    stale = integration.derived_stale
    derived_refreshed = False
    provider = None
    error_type, error_message, retry_after = "", "", None
    interrupted = False
    started = time.monotonic()
    try:
        provider = _provider_for(integration)
        for stream in provider.streams():
            row, _ = SyncCursor.objects.get_or_create(integration=integration, stream=stream)
            stream_started = time.monotonic()
            seen: set[str] = set()
            for batch in provider.fetch(stream, _load_cursor(row, full)):
                if full:
                    seen |= seen_ids(batch.records)
                with page_transaction():
                    batch_result = ingest(integration, batch.records)
                    if not stale and batch_result.changed():
                        stale = _mark_derived_stale(integration)
                    if batch.cursor is not None:
                        row.watermark = batch.cursor.watermark
                        row.etag = batch.cursor.etag
                        row.state = batch.cursor.state
                        row.save(update_fields=["watermark", "etag", "state", "updated_at"])
                result.add(batch_result)
                with page_transaction():
                    renew_lease(integration.pk, owner)
                    _record_progress(run, result, provider)
                    run.save(
                        update_fields=[
                            "records_created",
                            "records_updated",
                            "records_by_kind",
                            "api_requests",
                            "api_requests_not_modified",
                        ]
                    )
            if full:
                # A complete read: what it did not return was deleted on the provider.
                with transaction.atomic():
                    deleted = prune_stream(integration, stream, seen)
                    if deleted and not stale:
                        stale = _mark_derived_stale(integration)
                result.deleted[stream.partition(":")[0]] += deleted
            logger.info(
                "stream synced integration=%s run=%s stream=%s seconds=%.2f",
                integration.pk,
                run.pk,
                stream,
                time.monotonic() - stream_started,
            )
        if stale:
            # Per-PR and per-work-item spans, stored for lists and the API: after this run's
            # changes, or those of an earlier run that ended before its refresh.
            refreshed = derived.refresh(integration)
            Integration.objects.filter(pk=integration.pk).update(derived_stale=False)
            derived_refreshed = True
            logger.info(
                "derived values refreshed integration=%s run=%s pull_requests=%s work_items=%s",
                integration.pk,
                run.pk,
                refreshed["pull_requests"],
                refreshed["work_items"],
            )
        elif derived.unsettled_sprints(integration, timezone.now()).exists():
            # Nothing changed, but a sprint closed since its scope was last read.
            derived.refresh_sprints(integration)
    except ProviderError as exc:
        error_type, error_message = exc.category, exc.message
        if isinstance(exc, RateLimitedError):
            retry_after = exc.retry_after
    except CredentialsError as exc:
        error_type, error_message = "credentials", str(exc)
    except SoftTimeLimitExceeded:
        error_type = "timeout"
        error_message = "The sync ran past its time limit; the next run resumes where it stopped."
    except Exception as exc:
        if isinstance(exc, DatabaseError):
            error_type, error_message = "database", f"Database error: {type(exc).__name__}."
        else:
            error_type, error_message = "internal", f"Unexpected error: {type(exc).__name__}."
        logger.exception("sync crashed integration=%s run=%s", integration.pk, run.pk)
    except BaseException:
        # The worker is stopping this task (shutdown, lost broker connection): the run stays
        # "running" without a lease, so its redelivered message or the sweep resumes it.
        interrupted = True
        raise
    finally:
        if provider is not None:
            provider.close()
        if interrupted:
            release_lease(integration.pk, owner)
            logger.warning("sync interrupted integration=%s run=%s", integration.pk, run.pk)
        else:
            data_changed = result.changed() or derived_refreshed
            _finish(integration, run, result, provider, error_type, error_message, owner)
            if data_changed:
                # Once committed, cached metrics that read the old rows or derived values are
                # never read again (at once outside a transaction, as in a worker).
                transaction.on_commit(lambda: _data_changed(integration.pk))
            logger.info(
                "sync finished integration=%s run=%s status=%s created=%s updated=%s requests=%s "
                "not_modified=%s seconds=%.2f error_type=%s",
                integration.pk,
                run.pk,
                run.status,
                run.records_created,
                run.records_updated,
                run.api_requests,
                run.api_requests_not_modified,
                time.monotonic() - started,
                error_type or "-",
            )
    return SyncOutcome(run, retryable=error_type in RETRYABLE, retry_after=retry_after)


def _lease_remaining(integration_id: int) -> float:
    lease_until, db_now = (
        Integration.objects.filter(pk=integration_id)
        .annotate(db_now=Now())
        .values_list("lease_until", "db_now")[0]
    )
    if lease_until is None:
        return 1.0
    return max(1.0, (lease_until - db_now).total_seconds() + 1)


def _give_up(integration: Integration, run: SyncRun) -> SyncOutcome:
    message = (
        f"This sync stopped its worker {run.attempt + 1} times (killed or out of memory); "
        "it was given up. The next scheduled sync starts afresh."
    )
    now = timezone.now()
    with transaction.atomic():
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncRun.Status.FAILED,
            finished_at=now,
            error_type="interrupted",
            error_message=message,
        )
        Integration.objects.filter(pk=integration.pk).update(
            status=Integration.Status.ERROR,
            last_sync_at=now,
            last_error=message,
            lease_owner="",
            lease_until=None,
        )
    run.refresh_from_db()
    logger.warning("sync given up integration=%s run=%s", integration.pk, run.pk)
    return SyncOutcome(run)


def _finish(
    integration: Integration,
    run: SyncRun,
    result: IngestResult,
    provider,
    error_type: str,
    error_message: str,
    owner: str,
) -> None:
    """Write the run's outcome and the integration's status, whatever happened above."""
    now = timezone.now()
    _record_progress(run, result, provider)
    run.finished_at = now
    run.error_type = error_type
    run.error_message = error_message[:2000]
    if not error_type:
        run.status = SyncRun.Status.SUCCEEDED
    elif run.records_created or run.records_updated:
        run.status = SyncRun.Status.PARTIAL
    else:
        run.status = SyncRun.Status.FAILED
    changes = {"last_sync_at": now, "lease_owner": "", "lease_until": None}
    if error_type:
        changes["status"] = STATUS_FOR_ERROR.get(error_type, Integration.Status.ERROR)
        changes["last_error"] = error_message[:2000]
    else:
        changes.update(status=Integration.Status.OK, last_success_at=now, last_error="")
    # Its own short transaction, outside anything a failed batch rolled back.
    with transaction.atomic():
        held = Integration.objects.filter(pk=integration.pk, lease_owner=owner).update(**changes)
        closed_by_sweep = (
            not held
            and SyncRun.objects.filter(pk=run.pk).exclude(status=SyncRun.Status.RUNNING).exists()
        )
        if closed_by_sweep:
            # The lease ran out and the sweep closed this run and queued another: that one
            # owns the outcome now; keep the sweep's record (the rows stored here stay).
            logger.warning("sync outlived its lease integration=%s run=%s", integration.pk, run.pk)
        else:
            run.save()


def _data_changed(integration_id: int) -> None:
    """Stored data changed: the integration's cached metrics are stale."""
    invalidate_integration(integration_id)


def sweep() -> dict:
    """Free expired leases and re-queue integrations whose initial sync never ran."""
    now = timezone.now()
    # A running run whose integration holds no live lease lost its worker: close it and queue
    # a fresh run, which resumes from the stored cursors.
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
    interrupted = len(stale)
    for run in stale:
        observability.record_sync_run(
            run.integration.kind, SyncRun.Status.FAILED, "interrupted", None, None, {}
        )
    freed = Integration.objects.filter(lease_until__lt=Now()).update(
        lease_owner="", lease_until=None
    )
    grace = now - timedelta(seconds=settings.AGILETRACK_INITIAL_SYNC_GRACE_SECONDS)
    # A run still queued after the grace period lost its message (broker down at enqueue).
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
    busy = SyncRun.objects.filter(
        status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]
    ).values("integration_id")
    never_synced = Integration.objects.filter(
        is_active=True, last_sync_at__isnull=True, created_at__lt=grace
    ).exclude(pk__in=busy)
    resumed = 0
    gave_up = 0
    for run in stale:
        if not run.integration.is_active:
            continue
        stopped = run.attempt + 1  # workers this sync has stopped, this one included
        if stopped >= settings.AGILETRACK_SYNC_MAX_DELIVERIES:
            # It keeps killing its worker: give it up instead of queueing it forever.
            _give_up(run.integration, run)
            gave_up += 1
            continue
        queue_sync(run.integration, run.trigger, attempt=stopped)
        resumed += 1
    requeued = 0
    # Evaluated now, so the runs just queued above count as busy.
    for integration in never_synced:
        queue_sync(integration, SyncRun.Trigger.INITIAL)
        requeued += 1
    return {
        "leases_freed": freed,
        "runs_interrupted": interrupted,
        "runs_lost": lost,
        "initial_requeued": requeued,
        "interrupted_resumed": resumed,
        "interrupted_given_up": gave_up,
    }
