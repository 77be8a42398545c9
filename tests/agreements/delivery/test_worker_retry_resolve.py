"""A real worker and beat deliver through failures and follow an alert to its end: a receiver
that answers 500 twice gets the message once, on the third try; a reminder goes out once the
interval has passed since the last message; the alert resolves itself when the rule holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from agreements import delivery
from agreements.models import Alert, Delivery, WorkingAgreement
from agreements.tasks import evaluate_agreements_task
from tests.agreements.delivery.conftest import ITEMS, fail_next, received, webhook
from tests.e2e.conftest import CeleryProcesses, wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SEND = "Send alert deliveries"


@pytest.fixture
def worker_processes(tmp_path):
    processes = CeleryProcesses(tmp_path)
    # Retries one and two seconds apart, so three tries play out in seconds.
    processes.env["AGILETRACK_ALERT_RETRY_BASE_SECONDS"] = "1"
    processes.env["AGILETRACK_ALERT_RETRY_MAX_SECONDS"] = "2"
    yield processes
    processes.stop()


def test_a_receiver_failing_twice_gets_the_alert_once_on_the_third_try(
    worker_processes, receiver, breached_agreement, settings
):
    settings.CELERY_TASK_DEFAULT_QUEUE = worker_processes.queue
    webhook(breached_agreement, receiver, "flaky")
    fail_next(receiver, "flaky", 500, times=2)
    # Beat's backstop sends what is due each second here (each minute in production); nothing
    # else runs.
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.exclude(name=SEND).update(enabled=False)
    PeriodicTask.objects.filter(name=SEND).update(interval=every_second, last_run_at=None)
    worker_processes.start_worker()
    worker_processes.start_beat()

    with transaction.atomic():
        alert = Alert.objects.create(
            agreement=breached_agreement,
            opened_at=datetime.now(UTC),
            value=50,
            details={"items": ITEMS[:2]},
        )
        (row,) = delivery.queue_alert(alert, "alert")

    sent = wait_for(
        lambda: Delivery.objects.filter(pk=row.pk, status="delivered").first(),
        timeout=120,
        message=lambda: (
            f"{Delivery.objects.filter(pk=row.pk).values().first()}\n"
            + worker_processes.log("worker")[-3000:]
        ),
    )
    worker_processes.assert_alive()
    got = received(receiver, "flaky")
    assert got["attempts"] == 3
    assert len(got["received"]) == 1
    assert sent.attempts == 3 and sent.last_error == ""
    (one,) = got["received"]
    assert one["headers"]["Idempotency-Key"] == row.idempotency_key
    assert json.loads(one["body"])["alert"]["id"] == alert.pk
    assert Delivery.objects.count() == 1
    assert f"Scheduler: Sending due task {SEND}" in worker_processes.log("beat")


def run_evaluation(processes: CeleryProcesses, agreement: WorkingAgreement) -> None:
    """Evaluate the team's agreements on the worker and wait until it has run."""
    before = WorkingAgreement.objects.get(pk=agreement.pk).last_evaluated_at
    evaluate_agreements_task.apply_async((agreement.team_id,), queue=processes.queue)
    wait_for(
        lambda: WorkingAgreement.objects.get(pk=agreement.pk).last_evaluated_at != before,
        timeout=90,
        message=lambda: "no evaluation; worker log:\n" + processes.log("worker")[-3000:],
    )


def delivered(alert: Alert, kind: str) -> Delivery:
    return wait_for(
        lambda: Delivery.objects.filter(alert=alert, kind=kind, status="delivered").first(),
        timeout=90,
        message=lambda: f"no {kind} delivered: {list(Delivery.objects.values())}",
    )


def test_the_worker_reminds_after_the_interval_and_resolves_when_the_rule_holds(
    worker_processes,
    receiver,
    team,
    settings,
):
    settings.CELERY_TASK_DEFAULT_QUEUE = worker_processes.queue
    # PR #4 of the hand-worked data has been open since 2026-11-06: more than 7 days now.
    agreement = WorkingAgreement.objects.create(
        team=team,
        name="No PR open over 7 days",
        metric="pr_open_days",
        operator="<=",
        threshold=7,
        remind_after_hours=24,
    )
    webhook(agreement, receiver, "lifecycle")
    worker_processes.start_worker()

    run_evaluation(worker_processes, agreement)
    alert = Alert.objects.get(agreement=agreement)
    assert alert.status == "open"
    delivered(alert, "alert")

    # Still broken, and the last message went out a day and an hour ago: one reminder.
    Alert.objects.filter(pk=alert.pk).update(
        last_notified_at=datetime.now(UTC) - timedelta(hours=25)
    )
    run_evaluation(worker_processes, agreement)
    delivered(alert, "reminder")
    # Evaluated again at once: the reminder was just sent, so nothing more.
    run_evaluation(worker_processes, agreement)
    assert Delivery.objects.filter(alert=alert).count() == 2

    # The team agrees on a month more than PR #4 has been open: the rule holds now, and the next
    # evaluation resolves the alert.
    open_days = (datetime.now(UTC) - datetime(2026, 11, 6, 12, tzinfo=UTC)).days
    WorkingAgreement.objects.filter(pk=agreement.pk).update(threshold=open_days + 30)
    run_evaluation(worker_processes, agreement)
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by) == ("resolved", None)
    assert alert.resolved_at is not None
    delivered(alert, "resolved")

    worker_processes.assert_alive()
    events = [
        json.loads(got["body"])["event"] for got in received(receiver, "lifecycle")["received"]
    ]
    assert events == ["alert.opened", "alert.reminder", "alert.resolved"]
    assert list(
        Delivery.objects.filter(alert=alert).order_by("pk").values_list("kind", "attempts")
    ) == [("alert", 1), ("reminder", 1), ("resolved", 1)]
    assert Alert.objects.filter(agreement=agreement).count() == 1
