"""Alerts: what an evaluation's result does to an agreement's alert, and what people do to it.

An alert is open from a breach until the rule holds again (resolved automatically) or someone
resolves it. Acknowledging it stops reminders; snoozing stops them until a moment. While it stays
unresolved a new breach opens nothing: one alert per breach, its items listed inside it. A reminder
goes out when it is open (not acknowledged, not snoozed) and `remind_after_hours` have passed
since the last message. The same result twice sends nothing new.

The agreement's row is locked for the decision (select_for_update), and the database allows one
unresolved alert per agreement, so two evaluations at once never open two alerts.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from agiletrack.observability.metrics import count_alert_opened
from agreements import rules
from agreements.evaluation import PeriodResult
from agreements.models import Alert, WorkingAgreement

logger = logging.getLogger(__name__)

MAX_ITEMS = 50  # items kept in an alert's details (the count is kept whole)


class AlertStateError(ValueError):
    """An action that does not apply to the alert in its state (the message says why)."""


def _queue(alert: Alert, kind: str) -> None:
    # Imported here: the delivery module imports this app's models and the senders.
    from agreements.delivery import queue_alert

    queue_alert(alert, kind)


def _details(result: PeriodResult) -> dict:
    return {
        "items": [asdict(item) for item in result.items[:MAX_ITEMS]],
        "item_count": len(result.items),
        "window": {"since": result.start.isoformat(), "until": result.end.isoformat()},
    }


def _reminder_due(agreement: WorkingAgreement, alert: Alert, now: datetime) -> bool:
    if alert.status != Alert.Status.OPEN or not agreement.remind_after_hours:
        return False
    if alert.snoozed_until is not None and alert.snoozed_until > now:
        return False
    last = alert.last_notified_at or alert.opened_at
    return now - last >= timedelta(hours=agreement.remind_after_hours)


def _open(agreement: WorkingAgreement, result: PeriodResult, now: datetime) -> Alert | None:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                agreement=agreement,
                opened_at=now,
                value=result.value,
                details=_details(result),
                last_notified_at=now,
            )
    except IntegrityError:
        # Another evaluation opened it first (the unique constraint): that one notifies.
        return None
    _queue(alert, "alert")
    spec = rules.METRICS.get(agreement.metric)
    count_alert_opened(spec.kind if spec else "")
    logger.info("alert opened agreement=%s alert=%s value=%s", agreement.pk, alert.pk, alert.value)
    return alert


def record_result(agreement: WorkingAgreement, result: PeriodResult, now: datetime) -> Alert | None:
    """Apply an evaluation's result: open an alert on a new breach, remind when due, resolve
    when the rule holds again. Returns the agreement's unresolved alert (or the one just
    resolved), None when there is none."""
    with transaction.atomic():
        locked = WorkingAgreement.objects.select_for_update().get(pk=agreement.pk)
        alert = Alert.objects.filter(agreement=locked).exclude(status=Alert.Status.RESOLVED).first()
        WorkingAgreement.objects.filter(pk=locked.pk).update(last_evaluated_at=now)
        agreement.last_evaluated_at = now
        if result.breached:
            if alert is None:
                return _open(locked, result, now)
            alert.value, alert.details = result.value, _details(result)
            fields = ["value", "details"]
            if _reminder_due(locked, alert, now):
                alert.reminders_sent += 1
                alert.last_notified_at = now
                fields += ["reminders_sent", "last_notified_at"]
            alert.save(update_fields=fields)
            if "reminders_sent" in fields:
                _queue(alert, "reminder")
                logger.info("alert reminder alert=%s n=%s", alert.pk, alert.reminders_sent)
            return alert
        if alert is not None:
            _close(alert, None, now)
            logger.info("alert resolved automatically alert=%s", alert.pk)
        return alert


def _close(alert: Alert, user, now: datetime) -> None:
    alert.status = Alert.Status.RESOLVED
    alert.resolved_at, alert.resolved_by = now, user
    alert.save(update_fields=["status", "resolved_at", "resolved_by"])
    _queue(alert, "resolved")


def _unresolved(alert: Alert) -> Alert:
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.status == Alert.Status.RESOLVED:
        raise AlertStateError("The alert is already resolved.")
    return locked


def acknowledge(alert: Alert, user, now: datetime) -> Alert:
    """Someone is on it: no more reminders. Acknowledging twice changes nothing."""
    with transaction.atomic():
        locked = _unresolved(alert)
        if locked.status == Alert.Status.OPEN:
            locked.status = Alert.Status.ACKNOWLEDGED
            locked.acknowledged_at, locked.acknowledged_by = now, user
            locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return locked


def snooze(alert: Alert, until: datetime, user) -> Alert:
    """No reminders until `until` (the alert stays open)."""
    with transaction.atomic():
        locked = _unresolved(alert)
        locked.snoozed_until = until
        locked.save(update_fields=["snoozed_until"])
    logger.info(
        "alert snoozed alert=%s until=%s user=%s", alert.pk, until, getattr(user, "pk", None)
    )
    return locked


def resolve(alert: Alert, user, now: datetime) -> Alert:
    """Resolve by hand (the channels are told). If the rule is still broken, the next
    evaluation opens a new alert."""
    with transaction.atomic():
        locked = _unresolved(alert)
        _close(locked, user, now)
    return locked
