"""Real Celery worker and beat processes on the configured broker, against the test database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import REPO_ROOT, clean_env

CELERY = str(Path(sys.executable).parent / "celery")


def database_url_of_test_database() -> str:
    """A DATABASE_URL naming the database this test session created."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryProcesses:
    """Starts `celery worker` / `celery beat` subprocesses and stops them at the end."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.queue = f"agiletrack-test-{uuid.uuid4().hex[:8]}"
        self.priority_queue = f"{self.queue}-priority"
        self.env = clean_env(
            # Loopback sandboxes, fast retries and short leases so faults play out in seconds.
            AGILETRACK_ALLOWED_API_HOSTS="127.0.0.1:*",
            AGILETRACK_SYNC_RETRY_DELAY_OVERRIDE="1",
            AGILETRACK_SYNC_LEASE_SECONDS="3",
            CELERY_VISIBILITY_TIMEOUT="10",
            DATABASE_URL=database_url_of_test_database(),
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
            AGILETRACK_PRIORITY_QUEUE=self.priority_queue,
            AGILETRACK_VAR_DIR=str(settings.VAR_DIR),
            DJANGO_SETTINGS_MODULE="agiletrack.settings",
        )
        if settings.REDIS_URL:
            self.env["REDIS_URL"] = settings.REDIS_URL
        self.processes: dict[str, subprocess.Popen] = {}
        self.node_name = f"e2e-{uuid.uuid4().hex[:8]}@%h"

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [CELERY, "-A", "agiletrack", *args],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start_worker(self, concurrency: int = 1, name: str = "worker") -> subprocess.Popen:
        return self._start(
            name,
            [
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "-n",
                f"{name}-{self.node_name}",
                "--queues",
                f"{self.priority_queue},{self.queue}",
            ],
        )

    def start_beat(self) -> subprocess.Popen:
        schedule = self.workdir / "beat-schedule"
        return self._start("beat", ["beat", "--loglevel", "INFO", "--schedule", str(schedule)])

    def kill(self, name: str) -> None:
        """kill -9 a process and all its children (a worker's pool too)."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def terminate(self, name: str) -> None:
        """SIGTERM a process and wait for it to exit (a beat stops sending)."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def assert_alive(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} exited early:\n{self.log(name)[-3000:]}"

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def celery_processes(tmp_path: Path) -> Iterator[CeleryProcesses]:
    """Real worker/beat subprocesses, stopped (SIGTERM, then SIGKILL) after the test."""
    processes = CeleryProcesses(tmp_path)
    yield processes
    processes.stop()


def wait_for(condition, timeout: float, interval: float = 0.5, message=""):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds.

    `message` may be a callable, read only on failure (e.g. a process log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout}s: {message() if callable(message) else message}"
    )
