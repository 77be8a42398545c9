"""Writes of working agreements: evaluating them now and recording the result."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agreements import alerts, evaluation
from agreements.channels import save_channel
from agreements.models import Alert, WorkingAgreement
from integrations.models import SyncRun

logger = logging.getLogger(__name__)


class ChannelsInvalid(ValueError):
    """Some channels of an agreement failed their checks: per channel, its messages per field
    ({} for a channel that passed)."""

    def __init__(self, errors: list[dict[str, list[str]]]) -> None:
        super().__init__("Some channels are invalid.")
        self.errors = errors


def save_agreement(
    agreement: WorkingAgreement | None,
    fields: dict,
    channels: list[dict] | None,
    user=None,
) -> WorkingAgreement:
    """Create (agreement None) or change an agreement and, when `channels` is given, set its
    channels (each created or reused by agreements.channels.save_channel). One transaction: a
    channel that fails its checks leaves nothing stored."""
    with transaction.atomic():
        if agreement is None:
            agreement = WorkingAgreement(created_by=user if user and user.pk else None)
        for name, value in fields.items():
            setattr(agreement, name, value)
        agreement.save()
        if channels is not None:
            saved: list = []
            errors: list[dict[str, list[str]]] = []
            for given in channels:
                try:
                    saved.append(
                        save_channel(
                            agreement.team,
                            given.get("kind", ""),
                            url=given.get("url", ""),
                            address=given.get("address", ""),
                            secret=given.get("secret", ""),
                        )
                    )
                    errors.append({})
                except ValidationError as exc:
                    errors.append(exc.message_dict)
            if any(errors):
                raise ChannelsInvalid(errors)  # rolls the transaction back
            agreement.channels.set(saved)
    return agreement


def evaluate_agreement(
    agreement: WorkingAgreement, now: datetime | None = None
) -> tuple[evaluation.PeriodResult, Alert | None]:
    """Evaluate the agreement now and record the result (open, remind or resolve its alert)."""
    now = now or timezone.now()
    result = evaluation.evaluate_now(agreement, now=now)
    return result, alerts.record_result(agreement, result, now)


def evaluate_agreements(team_id: int | None = None, now: datetime | None = None) -> dict:
    """Evaluate every active (not paused) agreement, of one team or of all; one that fails is
    logged and counted, and the others still run."""
    agreements = WorkingAgreement.objects.filter(paused=False).select_related("team")
    if team_id is not None:
        agreements = agreements.filter(team_id=team_id)
    syncing = teams_syncing(now or timezone.now())
    summary = {"evaluated": 0, "breached": 0, "failed": 0, "deferred": 0}
    for agreement in agreements.order_by("pk"):
        if agreement.team_id in syncing:
            # Another of the team's integrations is storing pages right now: its numbers are
            # half read. That sync queues this evaluation again when it finishes.
            summary["deferred"] += 1
            continue
        try:
            result, _ = evaluate_agreement(agreement, now)
        except Exception:
            summary["failed"] += 1
            logger.exception("agreement evaluation failed agreement=%s", agreement.pk)
            continue
        summary["evaluated"] += 1
        summary["breached"] += int(result.breached)
    logger.info(
        "agreements evaluated team=%s %s", team_id if team_id is not None else "all", summary
    )
    return summary


# A sync running longer than this is taken as stuck (integrations.recovery ends such runs):
# it no longer holds back its team's evaluation.
SYNC_SETTLING = timedelta(minutes=30)


def teams_syncing(now: datetime) -> set[int]:
    """Teams with a sync running (started within SYNC_SETTLING): their stored data is between
    two consistent states."""
    return set(
        SyncRun.objects.filter(
            status=SyncRun.Status.RUNNING, started_at__gte=now - SYNC_SETTLING
        ).values_list("integration__team_id", flat=True)
    )


def queue_team_evaluation(team_id: int) -> None:
    """After the team's data changed: evaluate its agreements once the change is committed
    (nothing is queued for a team without active agreements)."""
    if not WorkingAgreement.objects.filter(team_id=team_id, paused=False).exists():
        return
    from agreements.tasks import evaluate_agreements_task

    transaction.on_commit(lambda: evaluate_agreements_task.delay(team_id))
