"""Redis stops and starts again while a sync runs on a real worker: no sync is lost.

The test runs its own redis-server (with AOF, as docker-compose.yml configures it) on a free
loopback port, whatever broker the suite is configured with.
"""

import shutil
import socket
import subprocess
import sys
import time

import pytest
import requests

from integrations import services
from integrations.models import SyncRun
from metrics.models import WorkItem
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import wait_for
from tests.factories import TeamFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Redis:
    def __init__(self, workdir, port: int) -> None:
        self.workdir, self.port = workdir, port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, timeout=20, interval=0.1, message="redis did not start")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis saves the AOF and exits
            self.process.wait(timeout=20)


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path, free_port())
    server.start()
    yield server
    server.stop()


def test_restarting_redis_mid_sync_loses_no_sync(fresh_sandbox, celery_processes, redis, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1"]
    broker = f"redis://127.0.0.1:{redis.port}/0"
    celery_processes.env["CELERY_BROKER_URL"] = broker
    box = fresh_sandbox("--seed", "21", "--latency-ms", "400", "--boards", "4")
    trello = box.info["trello"]
    integration = services.create_integration(
        team=TeamFactory(),
        kind="trello",
        name="through a restart",
        config={"api_url": trello["api_url"], "board_ids": [b["id"] for b in trello["boards"]]},
        credentials={"key": trello["key"], "token": trello["token"]},
        is_active=False,  # queued below, on this test's Redis
    )
    services.update_integration(integration, is_active=True)
    celery_processes.start_worker()
    wait_for(lambda: " ready." in celery_processes.log("worker"), timeout=60, message="worker")

    # "Sync now" from another process whose broker is this Redis.
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from integrations import services; from integrations.models import Integration; "
            f"services.request_sync(Integration.objects.get(pk={integration.pk}))",
        ],
        cwd=REPO_ROOT,
        env=celery_processes.env,
        check=True,
        timeout=60,
    )
    run = SyncRun.objects.get(integration=integration, trigger="manual")
    wait_for(
        lambda: SyncRun.objects.get(pk=run.pk).records_created > 0,
        timeout=60,
        interval=0.1,
        message=lambda: celery_processes.log("worker")[-4000:],
    )

    redis.stop()
    time.sleep(2)
    redis.start()
    # The worker cancels the task it can no longer acknowledge; the run is left to be resumed,
    # by the redelivered message or, sooner, by the sweep (beat runs it every 10 minutes).
    wait_for(
        lambda: "sync interrupted" in celery_processes.log("worker"),
        timeout=30,
        message=lambda: celery_processes.log("worker")[-4000:],
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import time; from integrations import sync; time.sleep(4); print(sync.sweep())",
        ],
        cwd=REPO_ROOT,
        env=celery_processes.env,
        check=True,
        timeout=60,
    )

    def synced():
        runs = SyncRun.objects.filter(integration=integration).exclude(status="skipped")
        return (
            runs.filter(status="succeeded").exists()
            and not runs.filter(status__in=["queued", "running"]).exists()
        )

    wait_for(synced, timeout=120, message=lambda: celery_processes.log("worker")[-6000:])
    auth = {"key": trello["key"], "token": trello["token"]}
    cards = {
        card["id"]
        for board in trello["boards"]
        for card in requests.get(
            f"{trello['api_url']}/boards/{board['id']}/cards/all", params=auth, timeout=10
        ).json()
    }
    stored = WorkItem.objects.filter(integration=integration)
    assert set(stored.values_list("external_id", flat=True)) == cards
    assert stored.count() == len(cards)
    celery_processes.assert_alive()
