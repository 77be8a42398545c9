"""The sync service: one run of one integration, from its provider into the activity tables.

Rules (see docs/operations.md): one run per integration at a time (a lease claimed by a
conditional UPDATE, leases.py); every run is a SyncRun row; each batch is stored in its own
transaction and a stream's cursor moves only with the batch that completes it, so a killed run
repeats work instead of losing it; the outcome (last_sync_at, status, last_error) is written even
when the run fails, in its own transaction (outcomes.py).
"""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from integrations import config as integration_config
from integrations.credentials import unseal
from integrations.leases import claim_lease, lease_remaining, release_lease, renew_lease
from integrations.models import Integration, SyncCursor, SyncRun
from integrations.outcomes import (
    RETRYABLE,
    RunError,
    SyncOutcome,
    error_of,
    finish_run,
    give_up,
    record_progress,
)
from integrations.providers.base import Provider
from integrations.providers.errors import ConfigurationError
from integrations.providers.http import options_from_settings
from integrations.providers.records import Batch, Cursor
from integrations.providers.registry import build_provider
from metrics import derived
from metrics.cache import invalidate_integration
from metrics.deployed import note_ranges_read, ranges_to_read, refresh_attempts
from metrics.ingest import IngestResult, ingest, page_transaction, prune_stream, seen_ids

logger = logging.getLogger(__name__)
PROGRESS_FIELDS = [
    "records_created",
    "records_updated",
    "records_by_kind",
    "api_requests",
    "api_requests_not_modified",
    "pages_read",
]


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
        return give_up(integration, run)
    owner = uuid.uuid4().hex
    if not claim_lease(integration.pk, owner):
        return _lease_held(integration, run, redelivered)
    _start(integration, run, trigger, redelivered)
    return SyncPass(integration, run, owner, full=trigger == SyncRun.Trigger.RECONCILE).execute()


def _lease_held(integration: Integration, run: SyncRun, redelivered: bool) -> SyncOutcome:
    if redelivered:
        # Its previous worker died holding the lease; try again once the lease runs out.
        return SyncOutcome(run, retryable=True, retry_after=lease_remaining(integration.pk))
    run.status = SyncRun.Status.SKIPPED
    run.finished_at = timezone.now()
    run.error_message = "Another sync of this integration was running."
    run.save()
    logger.info("sync skipped integration=%s run=%s reason=lease_held", integration.pk, run.pk)
    return SyncOutcome(run)


def _start(integration: Integration, run: SyncRun, trigger: str, redelivered: bool) -> None:
    run.status = SyncRun.Status.RUNNING
    run.started_at = run.started_at or timezone.now()
    run.attempt = run.attempt + 1 if redelivered else run.attempt
    run.save(update_fields=["status", "started_at", "attempt"])
    logger.info(
        "sync started integration=%s run=%s kind=%s trigger=%s delivery=%s",
        integration.pk,
        run.pk,
        integration.kind,
        trigger,
        run.attempt + 1,
    )


class SyncPass:
    """One run's work once it holds the lease: read every stream page by page, refresh the
    derived values, and record the outcome whatever happened."""

    def __init__(self, integration: Integration, run: SyncRun, owner: str, full: bool) -> None:
        self.integration = integration
        self.run = run
        self.owner = owner
        # A full reconcile reads every stream from the start and prunes what it did not see.
        self.full = full
        self.result = IngestResult()
        # Rows were stored since the derived values were refreshed (by this run or an earlier).
        self.stale = integration.derived_stale
        self.derived_refreshed = False
        self.provider: Provider | None = None
        self.error = RunError()

    def execute(self) -> SyncOutcome:
        started = time.monotonic()
        interrupted = False
        try:
            provider = self.provider = provider_for(self.integration)
            for stream in provider.streams():
                self.read_stream(provider, stream)
            self.read_deployed_commits(provider)
            self.refresh_derived()
        except Exception as exc:
            self.error = error_of(exc)
            if self.error.category in ("database", "internal"):
                logger.exception(
                    "sync crashed integration=%s run=%s", self.integration.pk, self.run.pk
                )
        except BaseException:
            # The worker is stopping this task (shutdown, lost broker connection): the run stays
            # "running" without a lease, so its redelivered message or the sweep resumes it.
            interrupted = True
            raise
        finally:
            self.close(interrupted, time.monotonic() - started)
        return SyncOutcome(
            self.run,
            retryable=self.error.category in RETRYABLE,
            retry_after=self.error.retry_after,
        )

    def read_stream(self, provider: Provider, stream: str) -> None:
        """Store each page of one stream with the cursor that completes it."""
        row, _ = SyncCursor.objects.get_or_create(integration=self.integration, stream=stream)
        # Once per stream, so the live status names it before its first page is stored.
        self.run.current_stream = stream[:200]
        self.run.save(update_fields=["current_stream"])
        provider.begin_stream()
        stream_started = time.monotonic()
        seen: set[str] = set()
        for batch in provider.fetch(stream, _load_cursor(row, self.full)):
            if self.full:
                seen |= seen_ids(batch.records)
            self.store(batch, row)
        if self.full:
            self.prune(stream, seen)
        logger.info(
            "stream synced integration=%s run=%s stream=%s seconds=%.2f",
            self.integration.pk,
            self.run.pk,
            stream,
            time.monotonic() - stream_started,
        )

    def read_deployed_commits(self, provider: Provider) -> None:
        """What each new successful production deployment shipped: one compare each, stored
        as it arrives (and read again only when the provider could not answer it)."""
        refresh_attempts(self.integration)
        wanted = ranges_to_read(self.integration)
        if not wanted:
            return
        provider.begin_stream()
        for repository, base_sha, head_sha in wanted:
            self.store(Batch((provider.commits_between(repository, base_sha, head_sha),)), None)
        note_ranges_read(self.integration, wanted)

    def store(self, batch: Batch, row: SyncCursor | None) -> None:
        """One page: its records and, on its last page, the stream's cursor, in one transaction;
        then the lease and the run's progress."""
        with page_transaction():
            batch_result = ingest(self.integration, batch.records)
            if not self.stale and batch_result.changed():
                self.stale = _mark_derived_stale(self.integration)
            if batch.cursor is not None and row is not None:
                row.watermark = batch.cursor.watermark
                row.etag = batch.cursor.etag
                row.state = batch.cursor.state
                row.save(update_fields=["watermark", "etag", "state", "updated_at"])
        self.result.add(batch_result)
        with page_transaction():
            renew_lease(self.integration.pk, self.owner)
            record_progress(self.run, self.result, self.provider)
            self.run.pages_read += 1
            self.run.save(update_fields=PROGRESS_FIELDS)

    def prune(self, stream: str, seen: set[str]) -> None:
        """A complete read: what it did not return was deleted on the provider."""
        with transaction.atomic():
            deleted = prune_stream(self.integration, stream, seen)
            if deleted and not self.stale:
                self.stale = _mark_derived_stale(self.integration)
        self.result.deleted[stream.partition(":")[0]] += deleted

    def refresh_derived(self) -> None:
        if self.stale:
            # Per-PR and per-work-item spans, stored for lists and the API: after this run's
            # changes, or those of an earlier run that ended before its refresh.
            refreshed = derived.refresh(self.integration)
            Integration.objects.filter(pk=self.integration.pk).update(derived_stale=False)
            self.derived_refreshed = True
            logger.info(
                "derived values refreshed integration=%s run=%s pull_requests=%s work_items=%s",
                self.integration.pk,
                self.run.pk,
                refreshed["pull_requests"],
                refreshed["work_items"],
            )
        elif derived.unsettled_sprints(self.integration, timezone.now()).exists():
            # Nothing changed, but a sprint closed since its scope was last read.
            derived.refresh_sprints(self.integration)

    def close(self, interrupted: bool, seconds: float) -> None:
        """Release the client; record the outcome unless the worker is stopping the task."""
        integration, run = self.integration, self.run
        if self.provider is not None:
            self.provider.close()
        if interrupted:
            release_lease(integration.pk, self.owner)
            logger.warning("sync interrupted integration=%s run=%s", integration.pk, run.pk)
            return
        data_changed = self.result.changed() or self.derived_refreshed
        finish_run(
            integration,
            run,
            self.result,
            self.provider,
            self.error.category,
            self.error.message,
            self.owner,
        )
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
            seconds,
            self.error.category or "-",
        )


def provider_for(integration: Integration) -> Provider:
    """The provider client, after checking the stored config and credentials once more."""
    try:
        config = integration_config.clean_config(integration.kind, integration.config)
        credentials = integration_config.clean_credentials(integration.kind, unseal(integration))
    except serializers.ValidationError as exc:
        # Stored before a rule existed, or edited outside the API and admin.
        message = f"The integration's settings are invalid: {_plain(exc.detail)}"
        raise ConfigurationError(message) from None
    return build_provider(integration.kind, config, credentials, options=options_from_settings())


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


def _mark_derived_stale(integration: Integration) -> bool:
    """Record, in the transaction storing a change, that the derived values need a refresh."""
    Integration.objects.filter(pk=integration.pk).update(derived_stale=True)
    return True


def _data_changed(integration_id: int) -> None:
    """Stored data changed: the integration's cached metrics are stale, and its team's working
    agreements are evaluated again."""
    invalidate_integration(integration_id)
    # Imported here: agreements reads the metrics this app stores.
    from agreements.services import queue_team_evaluation

    team_id = Integration.objects.filter(pk=integration_id).values_list("team_id", flat=True)
    for found in team_id:
        queue_team_evaluation(found)
