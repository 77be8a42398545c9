"""/healthz and `manage.py health` report database, broker and beat heartbeat."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agiletrack.models import Heartbeat
from agiletrack.tasks import beat_heartbeat_task
from tests.factories import UserFactory

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


ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}


def test_healthz_tells_a_caller_from_elsewhere_only_ok_or_not(client):
    beat_heartbeat_task.apply()

    healthy = client.get("/healthz", **ELSEWHERE)
    Heartbeat.objects.all().delete()
    unhealthy = client.get("/healthz", **ELSEWHERE)

    assert (healthy.status_code, healthy.json()) == (200, {"status": "ok"})
    assert (unhealthy.status_code, unhealthy.json()) == (503, {"status": "unhealthy"})


def test_healthz_forwarded_by_a_local_proxy_is_not_a_local_caller(client):
    response = client.get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert response.json() == {"status": "unhealthy"}


def test_healthz_details_for_staff_and_the_metrics_token(client, settings):
    settings.AGILETRACK_METRICS_TOKEN = "scrape-token-1"
    staff = UserFactory(is_staff=True)

    with_token = client.get("/healthz", HTTP_AUTHORIZATION="Bearer scrape-token-1", **ELSEWHERE)
    wrong_token = client.get("/healthz", HTTP_AUTHORIZATION="Bearer nope", **ELSEWHERE)
    client.force_login(UserFactory())
    member = client.get("/healthz", **ELSEWHERE)
    client.force_login(staff)
    as_staff = client.get("/healthz", **ELSEWHERE)

    assert "checks" in with_token.json() and "checks" in as_staff.json()
    assert wrong_token.json() == member.json() == {"status": "unhealthy"}
