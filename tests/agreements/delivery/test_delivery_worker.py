"""A real Celery worker sends deliveries: queued on commit, delivered to the sandbox receiver;
beat rows are seeded for the send backstop and the weekly digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django_celery_beat.models import PeriodicTask
from prometheus_client import REGISTRY

from agiletrack.observability.metrics import count_alert_opened
from agreements import delivery
from agreements.models import Alert, Delivery
from tests.agreements.delivery.conftest import ITEMS, received, webhook
from tests.e2e.conftest import CeleryProcesses, wait_for


@pytest.fixture
def worker_processes(tmp_path):
    processes = CeleryProcesses(tmp_path)
    yield processes
    processes.stop()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_delivers_an_alert_queued_on_commit_once(
    worker_processes, receiver, breached_agreement, settings
):
    settings.CELERY_TASK_DEFAULT_QUEUE = worker_processes.queue
    webhook(breached_agreement, receiver, "worker")
    worker_processes.start_worker()

    with transaction.atomic():
        alert = Alert.objects.create(
            agreement=breached_agreement,
            opened_at=datetime.now(UTC),
            value=50,
            details={"items": ITEMS[:2]},
        )
        (row,) = delivery.queue_alert(alert, "alert")
    again = delivery.queue_alert(alert, "alert")

    wait_for(
        lambda: Delivery.objects.get(pk=row.pk).status == "delivered",
        timeout=90,
        message=lambda: worker_processes.log("worker")[-3000:],
    )
    got = received(receiver, "worker")
    assert again == []
    assert got["attempts"] == 1
    body = json.loads(got["received"][0]["body"])
    assert (body["event"], body["alert"]["id"]) == ("alert.opened", alert.pk)
    assert "agreements.tasks.send_deliveries_task" in worker_processes.log("worker")


@pytest.mark.django_db
def test_beat_rows_send_every_minute_and_look_for_digests_hourly():
    rows = {
        row.name: row
        for row in PeriodicTask.objects.filter(task__startswith="agreements.tasks.")
        .exclude(task="agreements.tasks.evaluate_agreements_task")
        .select_related("interval")
    }

    send, digest = rows["Send alert deliveries"], rows["Weekly digest"]
    assert (send.task, send.interval.every, send.interval.period) == (
        "agreements.tasks.send_deliveries_task",
        60,
        "seconds",
    )
    assert (digest.task, digest.interval.every) == ("agreements.tasks.weekly_digest_task", 3600)
    assert send.enabled and digest.enabled


def test_the_tasks_are_registered_under_their_stable_names():
    from agiletrack.celery import app

    app.loader.import_default_modules()
    assert {
        "agreements.tasks.send_deliveries_task",
        "agreements.tasks.weekly_digest_task",
    } <= set(app.tasks)


def test_alerts_opened_are_counted_by_rule_kind():
    before = REGISTRY.get_sample_value("agiletrack_alerts_opened_total", {"rule_kind": "window"})

    count_alert_opened("window")

    after = REGISTRY.get_sample_value("agiletrack_alerts_opened_total", {"rule_kind": "window"})
    assert after == (before or 0) + 1
