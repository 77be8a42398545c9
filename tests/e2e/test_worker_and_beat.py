"""A real beat sends the heartbeat from the database schedule and a real worker runs it."""

import json
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult

from tests.conftest import REPO_ROOT
from tests.e2e.conftest import CELERY, wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HEARTBEAT_TASK = "agiletrack.tasks.beat_heartbeat_task"


def test_beat_heartbeat_runs_on_a_real_worker_and_turns_healthz_green(client, celery_processes):
    assert client.get("/healthz").status_code == 503
    # The seeded row last ran an hour ago, so beat finds it due as soon as it starts.
    PeriodicTask.objects.filter(name="Beat heartbeat").update(
        last_run_at=timezone.now() - timedelta(hours=1)
    )

    celery_processes.start_worker()
    celery_processes.start_beat()

    result = wait_for(
        lambda: TaskResult.objects.filter(task_name=HEARTBEAT_TASK, status="SUCCESS").first(),
        timeout=90,
        message=lambda: (
            "no heartbeat result stored; worker log:\n" + celery_processes.log("worker")
        ),
    )
    celery_processes.assert_alive()

    # Stored by the django-db backend with extended info: which periodic task sent it, and where.
    assert result.periodic_task_name == "Beat heartbeat"
    assert "e2e-" in result.worker
    assert json.loads(result.result)["heartbeat"] == "beat"

    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert checks["beat"]["ok"] and checks["broker"]["ok"] and checks["database"]["ok"]
    assert "Scheduler: Sending due task Beat heartbeat" in celery_processes.log("beat")


def test_celery_status_sees_the_worker_on_redis_and_explains_itself_on_sqlite(celery_processes):
    env = celery_processes.env
    celery_processes.start_worker()
    wait_for(lambda: "ready." in celery_processes.log("worker"), timeout=60, message="worker up")

    def status() -> subprocess.CompletedProcess:
        return subprocess.run(
            [CELERY, "-A", "agiletrack", "status", "--timeout", "3"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    if env["CELERY_BROKER_URL"].startswith("redis"):
        completed = wait_for(lambda: (c := status()).returncode == 0 and c, timeout=30)
        assert "e2e-" in completed.stdout and "OK" in completed.stdout
    else:
        # kombu's SQLAlchemy transport has no broadcast exchange, so remote control (status,
        # inspect) cannot reach workers on the embedded broker; the README says so.
        completed = status()
        assert completed.returncode != 0
        assert "No nodes replied" in completed.stdout + completed.stderr
