"""Delivering alerts and digests: one Delivery row per message and channel, sent once.

A row is created once per idempotency key (get_or_create on a unique key), so a retried or
re-run evaluation never queues the same message twice. Sending claims the row with a
conditional UPDATE (two workers never send one row), and after a failure the row waits
(exponential backoff, or the 429's Retry-After) until AGILETRACK_ALERT_MAX_ATTEMPTS, then it is
FAILED. Deliveries due in the team's quiet hours wait until they end; nothing is dropped.

States: PENDING -> SENDING (claimed) -> DELIVERED | PENDING (to retry) | FAILED.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agiletrack.observability import metrics as observability
from agreements import channels, messages, senders
from agreements.digest import build_digest
from agreements.models import Alert, AlertPolicy, Channel, Delivery
from integrations.models import Team

logger = logging.getLogger(__name__)

SEND_TASK = "agreements.tasks.send_deliveries_task"
# A claimed row whose worker died is sent again after this long.
CLAIM_SECONDS = 300
BATCH = 200


def schedule_sending() -> None:
    """Queue the sending task once the current transaction commits."""
    transaction.on_commit(
        lambda: current_app.signature(SEND_TASK).apply_async(
            queue=settings.CELERY_TASK_DEFAULT_QUEUE
        ),
        robust=True,
    )


def queue_alert(alert: Alert, kind: str) -> list[Delivery]:
    """One delivery of an alert, reminder or resolved notice per channel of its agreement."""
    number = alert.reminders_sent if kind == Delivery.Kind.REMINDER else 0
    team = alert.agreement.team
    created = []
    for channel in alert.agreement.channels.filter(team=team).order_by("pk"):
        delivery, new = Delivery.objects.get_or_create(
            idempotency_key=f"{kind}:{alert.pk}:{channel.pk}:{number}",
            defaults={
                "channel": channel,
                "alert": alert,
                "team": team,
                "kind": kind,
                "payload": messages.alert_payload(alert, kind, channel),
            },
        )
        if new:
            created.append(delivery)
    if created:
        schedule_sending()
    return created


def queue_digest(team: Team, week_start: date, now: datetime | None = None) -> list[Delivery]:
    """The team's weekly digest to each of its channels (once per week and channel)."""
    channels_left = [
        channel
        for channel in Channel.objects.filter(team=team).order_by("pk")
        if not Delivery.objects.filter(
            idempotency_key=_digest_key(team, week_start, channel)
        ).exists()
    ]
    if not channels_left:
        return []
    digest = build_digest(team, week_start, now)
    created = []
    for channel in channels_left:
        delivery, new = Delivery.objects.get_or_create(
            idempotency_key=_digest_key(team, week_start, channel),
            defaults={
                "channel": channel,
                "team": team,
                "kind": Delivery.Kind.DIGEST,
                "payload": messages.digest_payload(digest, channel),
            },
        )
        if new:
            created.append(delivery)
    if created:
        schedule_sending()
    return created


def _digest_key(team: Team, week_start: date, channel: Channel) -> str:
    return f"digest:{team.pk}:{week_start.isoformat()}:{channel.pk}"


# --- Quiet hours ------------------------------------------------------------------------------


def quiet_until(policy: AlertPolicy | None, time_zone: str, now: datetime) -> datetime | None:
    """When the team's quiet hours end, if `now` is inside them (the range may cross midnight)."""
    if policy is None or policy.quiet_hours_start is None or policy.quiet_hours_end is None:
        return None
    start, end = policy.quiet_hours_start, policy.quiet_hours_end
    if start == end:
        return None
    tz = ZoneInfo(time_zone or "UTC")
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def hold_for_quiet_hours(team: Team, now: datetime) -> datetime | None:
    """The end of the team's quiet hours if it is in them now."""
    policy = AlertPolicy.objects.filter(team=team).first()
    return quiet_until(policy, team.time_zone, now)


# --- Sending ----------------------------------------------------------------------------------


def due(now: datetime) -> Q:
    """Rows to send now: pending and due, or claimed by a worker that died."""
    pending = Q(status=Delivery.Status.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    return pending | Q(status=Delivery.Status.SENDING, next_attempt_at__lte=now)


def send_due(now: datetime | None = None) -> int:
    """Try every delivery that is due and outside its team's quiet hours once; how many tried."""
    now = now or timezone.now()
    rows = Delivery.objects.filter(due(now)).select_related("team").order_by("created_at", "pk")
    quiet: dict[int, datetime | None] = {}
    tried = 0
    for delivery in rows[:BATCH]:
        if delivery.team_id not in quiet:
            quiet[delivery.team_id] = hold_for_quiet_hours(delivery.team, now)
        held_until = quiet[delivery.team_id]
        if held_until is not None:
            Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(
                next_attempt_at=held_until
            )
            continue
        attempt(delivery, now)
        tried += 1
    return tried


def claim(delivery: Delivery, now: datetime) -> bool:
    """Take the row for one attempt, unless it is sent, given up or another worker holds it."""
    free = Q(status=Delivery.Status.PENDING) | Q(
        status=Delivery.Status.SENDING, next_attempt_at__lte=now
    )
    claimed = Delivery.objects.filter(free, pk=delivery.pk).update(
        status=Delivery.Status.SENDING, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS)
    )
    return claimed == 1


def backoff(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: base * 2^(attempts-1), at most the maximum."""
    base = settings.AGILETRACK_ALERT_RETRY_BASE_SECONDS
    return min(settings.AGILETRACK_ALERT_RETRY_MAX_SECONDS, base * 2 ** max(0, attempts - 1))


def attempt(delivery: Delivery, now: datetime) -> None:
    """Send one delivery once: DELIVERED, or the failure recorded and the next try planned."""
    if not claim(delivery, now):
        return
    delivery.refresh_from_db()
    channel = delivery.channel
    secrets = channels.channel_secrets(channel)
    attempts = delivery.attempts + 1
    try:
        senders.SENDERS[channel.kind](delivery, secrets)
    except senders.SendError as exc:
        _failed(delivery, channel, attempts, exc, now)
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.DELIVERED,
        attempts=attempts,
        delivered_at=now,
        next_attempt_at=None,
        last_error="",
    )
    if delivery.alert_id is not None and delivery.kind != Delivery.Kind.DIGEST:
        Alert.objects.filter(pk=delivery.alert_id).update(last_notified_at=now)
    logger.info("delivery sent id=%s kind=%s channel=%s", delivery.pk, delivery.kind, channel.kind)


def _failed(
    delivery: Delivery, channel: Channel, attempts: int, exc: senders.SendError, now: datetime
) -> None:
    error = senders.scrub(exc.message, *channels.channel_secrets(channel).values())
    if exc.permanent or attempts >= settings.AGILETRACK_ALERT_MAX_ATTEMPTS:
        status, next_at = Delivery.Status.FAILED, None
        observability.count_delivery_failed(channel.kind)
    else:
        wait = exc.retry_after if exc.retry_after is not None else backoff(attempts)
        status, next_at = Delivery.Status.PENDING, now + timedelta(seconds=wait)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, attempts=attempts, last_error=error[:1000], next_attempt_at=next_at
    )
    logger.warning(
        "delivery failed id=%s channel=%s attempts=%s status=%s error=%s",
        delivery.pk,
        channel.kind,
        attempts,
        status,
        error,
    )


DIGEST_AT = time(9, 0)  # Monday, team time


def digest_week_due(team: Team, now: datetime) -> date | None:
    """The Monday of the team's current ISO week once it is past Monday 09:00 team time (the
    digest of the week before is due), else None; None too when the team turned digests off."""
    policy = AlertPolicy.objects.filter(team=team).first()
    if policy is not None and not policy.weekly_digest:
        return None
    tz = ZoneInfo(team.time_zone or "UTC")
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    if local < datetime.combine(monday, DIGEST_AT, tzinfo=tz):
        return None
    return monday


def queue_due_digests(now: datetime | None = None) -> int:
    """Queue each team's digest of last week if it is due and not queued yet; how many rows."""
    now = now or timezone.now()
    queued = 0
    for team in Team.objects.filter(channels__isnull=False).distinct().order_by("pk"):
        week_start = digest_week_due(team, now)
        if week_start is not None:
            queued += len(queue_digest(team, week_start, now))
    return queued
