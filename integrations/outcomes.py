"""How a sync run ends: the outcome the task acts on, the error categories that retry, and the
one place a run's result and its integration's status are written."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, transaction
from django.utils import timezone

from integrations.crypto import CredentialsError
from integrations.models import Integration, SyncRun
from integrations.providers.errors import ProviderError, RateLimitedError
from metrics.ingest import IngestResult

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


@dataclass(frozen=True)
class RunError:
    """Why a run failed: its category (error_type), the plain-words message, and for a rate
    limit the seconds until the provider's reset."""

    category: str = ""
    message: str = ""
    retry_after: float | None = None


def error_of(exc: Exception) -> RunError:
    """The run error an exception stands for; unexpected ones are logged with their traceback."""
    if isinstance(exc, ProviderError):
        retry_after = exc.retry_after if isinstance(exc, RateLimitedError) else None
        return RunError(exc.category, exc.message, retry_after)
    if isinstance(exc, CredentialsError):
        return RunError("credentials", str(exc))
    if isinstance(exc, SoftTimeLimitExceeded):
        return RunError(
            "timeout", "The sync ran past its time limit; the next run resumes where it stopped."
        )
    if isinstance(exc, DatabaseError):
        return RunError("database", f"Database error: {type(exc).__name__}.")
    return RunError("internal", f"Unexpected error: {type(exc).__name__}.")


def record_progress(run: SyncRun, result: IngestResult, provider) -> None:
    """Copy the records stored and the requests spent so far onto the run (not saved)."""
    run.records_created = sum(result.created.values())
    run.records_updated = sum(result.updated.values())
    run.records_by_kind = result.by_kind()
    if provider is not None:
        run.api_requests = provider.stats.total
        run.api_requests_not_modified = provider.stats.not_modified


def give_up(integration: Integration, run: SyncRun) -> SyncOutcome:
    """Fail a run that stopped its worker too often, and free its integration."""
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


def finish_run(
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
    record_progress(run, result, provider)
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
