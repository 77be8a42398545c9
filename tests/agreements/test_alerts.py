"""An agreement's alert over its life: a breach opens one alert and one delivery per channel; the
same breach again adds nothing; a reminder after the interval; resolved when the rule holds."""

from datetime import timedelta

import pytest

from agreements import alerts, evaluation
from agreements.channels import save_channel
from agreements.models import Alert, Delivery, WorkingAgreement
from tests.agreements.conftest import utc

pytestmark = pytest.mark.django_db

# At 11-16 00:00, PR #4 has been open 9.5 days; at 11-23, 16.5 days.
BROKEN_AT = utc(2026, 11, 16)


@pytest.fixture
def rule(team):
    agreement = WorkingAgreement.objects.create(
        team=team,
        name="No PR open over 7 days",
        metric="pr_open_days",
        operator="<=",
        threshold=7,
        remind_after_hours=24,
    )
    agreement.channels.add(
        save_channel(team, "email", address="team@example.com"),
        save_channel(team, "email", address="lead@example.com"),
    )
    return agreement


def run(rule, now):
    return alerts.record_result(rule, evaluation.evaluate_now(rule, now=now), now)


def keys():
    return sorted(Delivery.objects.values_list("kind", flat=True))


def test_a_breach_opens_one_alert_with_its_items_and_one_delivery_per_channel(rule):
    alert = run(rule, BROKEN_AT)
    assert alert is not None and alert.status == Alert.Status.OPEN
    assert alert.value == 1.0
    assert [item["label"] for item in alert.details["items"]] == ["acme/web#4 Change 4"]
    assert alert.details["items"][0]["url"] == "https://github.example/acme/web/pull/4"
    assert keys() == ["alert", "alert"]
    assert set(Delivery.objects.values_list("channel", flat=True)) == set(
        rule.channels.values_list("pk", flat=True)
    )
    rule.refresh_from_db()
    assert rule.last_evaluated_at == BROKEN_AT


def test_the_same_breach_again_opens_and_sends_nothing_new(rule):
    first = run(rule, BROKEN_AT)
    again = run(rule, BROKEN_AT + timedelta(hours=1))
    assert again.pk == first.pk
    assert Alert.objects.count() == 1
    assert keys() == ["alert", "alert"]


def test_a_reminder_after_the_interval_once_per_interval(rule):
    run(rule, BROKEN_AT)
    run(rule, BROKEN_AT + timedelta(hours=23, minutes=59))
    assert keys() == ["alert", "alert"]
    alert = run(rule, BROKEN_AT + timedelta(hours=24))
    assert alert.reminders_sent == 1
    assert keys() == ["alert", "alert", "reminder", "reminder"]
    run(rule, BROKEN_AT + timedelta(hours=25))
    assert keys() == ["alert", "alert", "reminder", "reminder"]
    run(rule, BROKEN_AT + timedelta(hours=48))
    assert Delivery.objects.filter(kind="reminder").count() == 4
    assert Alert.objects.get().reminders_sent == 2


def test_acknowledged_or_snoozed_alerts_get_no_reminder(rule, member):
    alert = run(rule, BROKEN_AT)
    alerts.snooze(alert, BROKEN_AT + timedelta(hours=30), member)
    run(rule, BROKEN_AT + timedelta(hours=25))
    assert keys() == ["alert", "alert"]
    run(rule, BROKEN_AT + timedelta(hours=30))  # the snooze ended
    assert keys().count("reminder") == 2
    acknowledged = alerts.acknowledge(alert, member, BROKEN_AT + timedelta(hours=31))
    assert acknowledged.status == Alert.Status.ACKNOWLEDGED
    assert acknowledged.acknowledged_by == member
    run(rule, BROKEN_AT + timedelta(hours=100))
    assert keys().count("reminder") == 2


def test_the_alert_resolves_itself_when_the_rule_holds_again(rule):
    alert = run(rule, BROKEN_AT)
    rule.threshold = 30  # 16.5 days at 11-23 now keeps it
    rule.save()
    resolved = run(rule, utc(2026, 11, 23))
    assert resolved.pk == alert.pk and resolved.status == Alert.Status.RESOLVED
    assert resolved.resolved_at == utc(2026, 11, 23) and resolved.resolved_by is None
    assert keys() == ["alert", "alert", "resolved", "resolved"]
    assert run(rule, utc(2026, 11, 23, 1)) is None
    assert keys() == ["alert", "alert", "resolved", "resolved"]


def test_resolved_by_hand_and_broken_again_opens_a_new_alert(rule, member):
    alert = run(rule, BROKEN_AT)
    closed = alerts.resolve(alert, member, BROKEN_AT + timedelta(hours=1))
    assert closed.resolved_by == member
    with pytest.raises(alerts.AlertStateError):
        alerts.acknowledge(closed, member, BROKEN_AT + timedelta(hours=2))
    second = run(rule, BROKEN_AT + timedelta(hours=2))
    assert second.pk != alert.pk and Alert.objects.count() == 2
    assert keys() == ["alert"] * 4 + ["resolved"] * 2


def test_one_unresolved_alert_per_agreement_in_the_database(rule):
    from django.db import IntegrityError, transaction

    Alert.objects.create(agreement=rule, opened_at=BROKEN_AT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(agreement=rule, opened_at=BROKEN_AT)
    # A concurrent evaluation that finds the row taken opens nothing and sends nothing.
    assert alerts._open(rule, evaluation.evaluate_now(rule, now=BROKEN_AT), BROKEN_AT) is None
    assert Delivery.objects.count() == 0
