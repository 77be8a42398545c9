"""Delivering alerts to a real receiver (the sandbox): retries with backoff, Retry-After,
idempotency, signatures, quiet hours, email, and secrets kept out of what is stored."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from prometheus_client import REGISTRY

from agreements import delivery
from agreements.channels import save_channel
from agreements.models import AlertPolicy, Delivery
from tests.agreements.delivery.conftest import (
    NOW,
    SLACK_HOOK,
    fail_next,
    hook_name,
    received,
    webhook,
)

pytestmark = pytest.mark.django_db


def test_a_receiver_failing_twice_gets_the_alert_once_on_the_third_try(
    receiver, breached_agreement, open_alert, request
):
    name = hook_name(request)
    webhook(breached_agreement, receiver, name)
    fail_next(receiver, name, 500, times=2)
    (row,) = delivery.queue_alert(open_alert, "alert")

    assert delivery.send_due(NOW) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == NOW + timedelta(seconds=30)
    assert "500" in row.last_error
    assert delivery.send_due(NOW + timedelta(seconds=29)) == 0  # not due yet

    delivery.send_due(NOW + timedelta(seconds=30))
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, NOW + timedelta(seconds=90))

    delivery.send_due(NOW + timedelta(seconds=90))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("delivered", 3, "")
    got = received(receiver, name)
    assert got["attempts"] == 3
    assert len(got["received"]) == 1
    open_alert.refresh_from_db()
    assert open_alert.last_notified_at == NOW + timedelta(seconds=90)


def test_a_429_waits_for_its_retry_after(receiver, breached_agreement, open_alert, request):
    name = hook_name(request)
    webhook(breached_agreement, receiver, name)
    fail_next(receiver, name, 429, times=1, retry_after=600)
    (row,) = delivery.queue_alert(open_alert, "alert")

    delivery.send_due(NOW)

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == NOW + timedelta(seconds=600)  # not the 30 s backoff
    assert delivery.send_due(NOW + timedelta(seconds=599)) == 0
    delivery.send_due(NOW + timedelta(seconds=600))
    row.refresh_from_db()
    assert row.status == "delivered"


def test_queueing_twice_makes_one_delivery_and_a_delivered_one_is_never_sent_again(
    receiver, breached_agreement, open_alert, request
):
    name = hook_name(request)
    webhook(breached_agreement, receiver, name)

    first = delivery.queue_alert(open_alert, "alert")
    again = delivery.queue_alert(open_alert, "alert")
    delivery.send_due(NOW)
    delivery.attempt(first[0], NOW + timedelta(hours=1))
    delivery.send_due(NOW + timedelta(days=1))

    assert len(first) == 1 and again == []
    assert Delivery.objects.filter(alert=open_alert).count() == 1
    assert received(receiver, name)["attempts"] == 1


def test_reminders_get_their_own_key_per_reminder(
    receiver, breached_agreement, open_alert, request
):
    webhook(breached_agreement, receiver, hook_name(request))

    open_alert.reminders_sent = 1
    first = delivery.queue_alert(open_alert, "reminder")
    open_alert.reminders_sent = 2
    second = delivery.queue_alert(open_alert, "reminder")

    keys = [row.idempotency_key for row in first + second]
    channel_id = breached_agreement.channels.get().pk
    assert keys == [
        f"reminder:{open_alert.pk}:{channel_id}:1",
        f"reminder:{open_alert.pk}:{channel_id}:2",
    ]


def test_a_webhook_is_signed_over_the_exact_body_and_carries_the_idempotency_key(
    receiver, breached_agreement, open_alert, request
):
    name = hook_name(request)
    webhook(breached_agreement, receiver, name, secret="whsec-7f3a")
    (row,) = delivery.queue_alert(open_alert, "alert")

    delivery.send_due(NOW)

    (got,) = received(receiver, name)["received"]
    expected = hmac.new(b"whsec-7f3a", got["body"].encode(), hashlib.sha256).hexdigest()
    assert got["headers"]["X-Agiletrack-Signature"] == f"sha256={expected}"
    assert got["headers"]["Idempotency-Key"] == row.idempotency_key
    body = json.loads(got["body"])
    assert body["event"] == "alert.opened"
    assert set(body["alert"]) >= {"id", "agreement", "status", "opened_at", "value", "items"}
    assert body["alert"]["id"] == open_alert.pk and body["team"]["slug"] == "platform"
    forged = hmac.new(b"another", got["body"].encode(), hashlib.sha256).hexdigest()
    assert got["headers"]["X-Agiletrack-Signature"] != f"sha256={forged}"


def test_quiet_hours_across_midnight_hold_deliveries_until_they_end(
    receiver, breached_agreement, open_alert, alert_team, request
):
    name = hook_name(request)
    alert_team.time_zone = "Europe/Berlin"
    alert_team.save()
    AlertPolicy.objects.create(team=alert_team, quiet_hours_start=time(22), quiet_hours_end=time(7))
    webhook(breached_agreement, receiver, name)
    berlin = ZoneInfo("Europe/Berlin")
    late = NOW.astimezone(berlin).replace(hour=23, minute=30)  # 23:30 Berlin
    morning = (late + timedelta(days=1)).replace(hour=7, minute=0)
    (row,) = delivery.queue_alert(open_alert, "alert")

    assert delivery.send_due(late) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.next_attempt_at == morning
    assert delivery.send_due(morning - timedelta(minutes=1)) == 0
    assert received(receiver, name)["attempts"] == 0

    assert delivery.send_due(morning) == 1
    row.refresh_from_db()
    assert row.status == "delivered"


def test_quiet_hours_within_a_day_and_none_set():
    policy = AlertPolicy(quiet_hours_start=time(12), quiet_hours_end=time(14))
    utc = "UTC"

    assert delivery.quiet_until(policy, utc, NOW) == NOW + timedelta(hours=2)
    assert delivery.quiet_until(policy, utc, NOW + timedelta(hours=2)) is None
    assert delivery.quiet_until(policy, utc, NOW - timedelta(minutes=1)) is None
    assert delivery.quiet_until(AlertPolicy(), utc, NOW) is None
    assert delivery.quiet_until(None, utc, NOW) is None


def test_an_email_channel_sends_through_djangos_mail_backend(breached_agreement, open_alert):
    channel = save_channel(breached_agreement.team, "email", address="team@example.com")
    breached_agreement.channels.add(channel)

    delivery.queue_alert(open_alert, "alert")
    delivery.send_due(NOW)

    (message,) = mail.outbox
    assert message.to == ["team@example.com"]
    assert "First review within a day" in message.subject
    assert "https://agiletrack.example.com/teams/platform/alerts/" in message.body
    assert Delivery.objects.get(alert=open_alert).status == "delivered"


def test_a_slack_channel_gets_the_block_kit_message(receiver, breached_agreement, open_alert):
    channel = save_channel(breached_agreement.team, "slack", url=receiver.base + SLACK_HOOK)
    breached_agreement.channels.add(channel)
    before = len(receiver.get("/_sandbox/slack/messages").json()["messages"])

    delivery.queue_alert(open_alert, "alert")
    delivery.send_due(NOW)

    messages = receiver.get("/_sandbox/slack/messages").json()["messages"]
    assert len(messages) == before + 1
    blocks = messages[-1]["message"]["blocks"]
    assert blocks[0]["type"] == "header"
    assert "First review within a day" in blocks[0]["text"]["text"]
    assert Delivery.objects.get(alert=open_alert).status == "delivered"


def test_after_the_last_attempt_a_delivery_fails_and_is_counted(
    receiver, breached_agreement, open_alert, settings, request
):
    settings.AGILETRACK_ALERT_MAX_ATTEMPTS = 2
    name = hook_name(request)
    webhook(breached_agreement, receiver, name)
    fail_next(receiver, name, 503, times=5)
    counted = REGISTRY.get_sample_value(
        "agiletrack_alert_deliveries_failed_total", {"channel": "webhook"}
    )
    (row,) = delivery.queue_alert(open_alert, "alert")

    delivery.send_due(NOW)
    delivery.send_due(NOW + timedelta(hours=1))
    delivery.send_due(NOW + timedelta(days=1))

    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 2, None)
    assert received(receiver, name)["attempts"] == 2
    after = REGISTRY.get_sample_value(
        "agiletrack_alert_deliveries_failed_total", {"channel": "webhook"}
    )
    assert after == (counted or 0) + 1


def test_secrets_stay_out_of_errors_and_payloads(receiver, breached_agreement, open_alert):
    secret_path = "hooks/tok-5e8c2b9d"
    dead = save_channel(
        breached_agreement.team,
        "webhook",
        url=f"http://127.0.0.1:1/{secret_path}",
        secret="sig-9a7b6c",
    )
    failing = save_channel(
        breached_agreement.team,
        "webhook",
        url=f"{receiver.base}/{secret_path}",
        secret="sig-9a7b6c",
    )
    fail_next(receiver, "tok-5e8c2b9d", 500, times=1)
    breached_agreement.channels.add(dead, failing)

    delivery.queue_alert(open_alert, "alert")
    delivery.send_due(NOW)

    rows = list(Delivery.objects.filter(alert=open_alert))
    assert len(rows) == 2 and all(row.last_error for row in rows)
    for row in rows:
        stored = row.last_error + json.dumps(row.payload)
        assert "tok-5e8c2b9d" not in stored and "sig-9a7b6c" not in stored
    assert {row.last_error for row in rows} == {
        "The webhook could not be reached (ConnectionError).",
        "The webhook answered 500: internal_error",
    }


def test_the_admin_lists_deliveries_without_the_channel_url_or_secret(
    receiver, breached_agreement, open_alert, admin_client
):
    channel = webhook(breached_agreement, receiver, "tok-admin-4d2f", secret="sig-admin-8e1c")
    fail_next(receiver, "tok-admin-4d2f", 500, times=1)
    (row,) = delivery.queue_alert(open_alert, "alert")
    delivery.send_due(NOW)

    pages = [
        admin_client.get("/admin/agreements/delivery/"),
        admin_client.get(f"/admin/agreements/delivery/{row.pk}/change/"),
    ]

    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert "tok-admin-4d2f" not in text and "sig-admin-8e1c" not in text
    assert "The webhook answered 500" in pages[1].content.decode()
    assert channel.url_hint == "http://127.0.0.1/…"
