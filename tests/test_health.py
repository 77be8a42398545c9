"""/healthz and `manage.py health` report database, broker and beat heartbeat."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agiletrack.models import Heartbeat
from agiletrack.tasks import beat_heartbeat_task

pytestmark = pytest.mark.django_db


def test_healthz_is_503_until_beat_has_run_the_heartbeat(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["beat"]["ok"] is False
    assert "no heartbeat yet" in body["checks"]["beat"]["error"]


def test_healthz_is_200_after_the_heartbeat_task_ran(client):
    result = beat_heartbeat_task.apply().get()

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["beat"]["last_heartbeat_at"] == result["beat_at"]
    assert body["checks"]["beat"]["age_seconds"] < 5


def test_healthz_is_503_when_the_heartbeat_is_stale(client, settings):
    Heartbeat.objects.create(
        name="beat",
        beat_at=timezone.now() - timedelta(seconds=settings.AGILETRACK_BEAT_MAX_AGE_SECONDS + 60),
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert "stale" in response.json()["checks"]["beat"]["error"]


def test_healthz_reports_an_unreachable_broker(client, settings):
    from agiletrack.celery import app

    beat_heartbeat_task.apply()
    previous = app.conf.broker_url
    # Port 9 (discard) on loopback: nothing listens there.
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous

    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker == {"ok": False, "transport": "redis", "error": "OperationalError"}


def test_healthz_answers_only_get(client):
    assert client.post("/healthz").status_code == 405


def test_health_command_fails_when_unhealthy_and_passes_for_one_good_check(capsys):
    with pytest.raises(CommandError, match="unhealthy"):
        call_command("health")
    assert '"status": "unhealthy"' in capsys.readouterr().out

    call_command("health", "--check", "database", "--check", "broker")
    assert '"status": "ok"' in capsys.readouterr().out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_health_command_reads_a_running_web_process(live_server, capsys, settings):
    # Probes send the first allowed host, as a production container would be configured.
    settings.ALLOWED_HOSTS = ["metrics.example.com"]
    url = f"{live_server.url}/healthz"

    call_command("health", "--url", url, "--check", "database", "--check", "broker")
    assert '"status": "ok"' in capsys.readouterr().out

    with pytest.raises(CommandError, match="unhealthy"):
        call_command("health", "--url", url)
    assert '"no heartbeat yet' in capsys.readouterr().out


def test_health_command_says_when_the_web_process_does_not_answer():
    with pytest.raises(CommandError, match="did not answer"):
        call_command("health", "--url", "http://127.0.0.1:9/healthz")
