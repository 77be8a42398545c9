"""Deliveries of alerts to channels (the minimal part alerting needs: queue_alert)."""

from __future__ import annotations

from agreements.models import Alert, Delivery


def queue_alert(alert: Alert, kind: str) -> list[Delivery]:
    """One Delivery per channel of the alert's agreement, never twice (the idempotency key)."""
    n = alert.reminders_sent if kind == Delivery.Kind.REMINDER else 0
    deliveries = []
    for channel in alert.agreement.channels.all():
        delivery, _ = Delivery.objects.get_or_create(
            idempotency_key=f"{kind}:{alert.pk}:{channel.pk}:{n}",
            defaults={
                "channel": channel,
                "alert": alert,
                "team_id": channel.team_id,
                "kind": kind,
                "payload": {},
            },
        )
        deliveries.append(delivery)
    return deliveries
