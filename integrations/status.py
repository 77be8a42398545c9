"""The one status an integration shows, wherever it is shown (its card, the status JSON, the team
pages' banner): syncing > failing or needing a fix > waiting for its first sync > synced."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from integrations.models import Integration, SyncRun

ACTIVE_RUN_STATUSES = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)


@dataclass(frozen=True)
class IntegrationStatus:
    """What a person reads about an integration: a key for styling and scripts, a short label,
    a sentence saying what it means, and what fixes it (if anything must)."""

    key: str  # running | queued | needs_fixing | failing | rate_limited | pending | synced
    label: str
    headline: str
    # What puts it right: "settings" or "credentials" (staff edit the integration), "wait"
    # (it resolves itself), "" (nothing to do).
    fix: str = ""

    @property
    def is_problem(self) -> bool:
        """The last run failed or the integration needs fixing: the team pages say so."""
        return self.key in ("needs_fixing", "failing", "rate_limited")

    def as_dict(self) -> dict[str, str | bool]:
        return {**asdict(self), "is_problem": self.is_problem}


# After the outcome of the last finished run (Integration.status, written by outcomes.finish_run).
OUTCOME_STATUSES: dict[str, IntegrationStatus] = {
    Integration.Status.CONFIG_ERROR: IntegrationStatus(
        "needs_fixing",
        "Settings need fixing",
        "The provider could not find what the settings name: correct them, then sync again.",
        "settings",
    ),
    Integration.Status.AUTH_FAILED: IntegrationStatus(
        "needs_fixing",
        "Credentials need fixing",
        "The provider refused the credentials: enter new ones, then sync again.",
        "credentials",
    ),
    Integration.Status.ERROR: IntegrationStatus(
        "failing",
        "Last sync failed",
        "The last sync failed; it is tried again at the next hourly sync, or sync it now.",
        "retry",
    ),
    Integration.Status.RATE_LIMITED: IntegrationStatus(
        "rate_limited",
        "Waiting for the rate limit",
        "The provider's rate limit was reached; the sync resumes by itself when it resets.",
        "wait",
    ),
    Integration.Status.OK: IntegrationStatus("synced", "Synced", "The last sync succeeded."),
}
PENDING = IntegrationStatus(
    "pending", "Waiting for its first sync", "Its first sync has not run yet.", "retry"
)
RUNNING = IntegrationStatus("running", "Syncing", "A sync is reading the provider now.")
QUEUED = IntegrationStatus("queued", "Sync queued", "A sync is queued; it starts shortly.")


def integration_status(integration: Integration, active_run: SyncRun | None) -> IntegrationStatus:
    """The status to show for an integration, given its run queued or running now (if any)."""
    if active_run is not None and active_run.status == SyncRun.Status.RUNNING:
        return RUNNING
    if active_run is not None and active_run.status == SyncRun.Status.QUEUED:
        return QUEUED
    outcome = OUTCOME_STATUSES.get(integration.status)
    if outcome is not None and (outcome.is_problem or integration.last_success_at is not None):
        return outcome
    return PENDING


def data_as_of(integrations: Iterable[Integration]) -> datetime | None:
    """When the data shown was last complete: the oldest last successful sync among the
    integrations that have had one (None before any)."""
    times = [i.last_success_at for i in integrations if i.last_success_at is not None]
    return min(times) if times else None
