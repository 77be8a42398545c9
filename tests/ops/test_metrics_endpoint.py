"""/metrics: who may read it, and the gauges it computes when scraped."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from agiletrack.celery import app as celery_app
from agiletrack.models import Heartbeat
from tests.ops.conftest import parse_exposition, sample_value

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789"


def test_metrics_answers_loopback_in_the_prometheus_text_format(client):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE agiletrack_sync_runs_total counter" in response.content.decode()


def test_without_a_token_other_addresses_and_forwarded_requests_are_refused(client):
    remote = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    proxied = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert remote.status_code == 403 and proxied.status_code == 403
    assert b"AGILETRACK_METRICS_TOKEN" in remote.content


def test_with_a_token_set_only_that_bearer_token_reads_metrics(client, settings):
    settings.AGILETRACK_METRICS_TOKEN = TOKEN

    missing = client.get("/metrics")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    right = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", REMOTE_ADDR="203.0.113.9")

    assert missing.status_code == wrong.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert right.status_code == 200
    assert TOKEN.encode() not in right.content


def test_beat_heartbeat_ages_are_read_from_the_heartbeat_rows(scrape):
    assert math.isinf(sample_value(scrape(), "agiletrack_beat_heartbeat_age_seconds"))

    now = timezone.now()
    Heartbeat.objects.create(name="beat-scheduler", beat_at=now - timedelta(seconds=42))
    Heartbeat.objects.create(name="beat", beat_at=now - timedelta(seconds=300))
    families = scrape()

    assert 42 <= sample_value(families, "agiletrack_beat_heartbeat_age_seconds") < 52
    assert 300 <= sample_value(families, "agiletrack_beat_task_heartbeat_age_seconds") < 310


@pytest.fixture
def private_queue(settings):
    """A queue of this test only on the configured broker, deleted afterwards."""
    name = f"agiletrack-ops-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = name
    settings.AGILETRACK_PRIORITY_QUEUE = f"{name}-priority"
    yield name
    with celery_app.connection_for_write() as conn:
        for queue in (name, f"{name}-priority"):
            conn.default_channel.queue_delete(queue)


def test_queue_length_counts_the_messages_waiting_on_the_broker(scrape, private_queue):
    before = scrape()
    for _ in range(3):
        celery_app.send_task("agiletrack.tasks.beat_heartbeat_task", queue=private_queue)
    after = scrape()

    assert sample_value(before, "agiletrack_celery_queue_length", queue=private_queue) == 0
    assert sample_value(after, "agiletrack_celery_queue_length", queue=private_queue) == 3
    assert (
        sample_value(after, "agiletrack_celery_queue_length", queue=f"{private_queue}-priority")
        == 0
    )
    assert sample_value(after, "agiletrack_celery_broker_up") == 1


def test_every_family_is_described_before_any_process_wrote_it(client, settings, tmp_path):
    settings.AGILETRACK_PROMETHEUS_DIR = tmp_path / "empty"

    families = parse_exposition(client.get("/metrics").content.decode())

    assert {
        "agiletrack_sync_runs",
        "agiletrack_sync_run_duration_seconds",
        "agiletrack_records_ingested",
        "agiletrack_provider_api_requests",
        "agiletrack_provider_rate_limit_remaining",
        "agiletrack_celery_task_failures",
        "agiletrack_celery_task_retries",
        "agiletrack_beat_heartbeat_age_seconds",
        "agiletrack_celery_queue_length",
    } <= set(families)
    assert families["agiletrack_sync_runs"] == []
