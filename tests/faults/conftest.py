"""The fault-injection suite: real worker/beat processes, the sandbox, the configured services.

Not part of `make test`: the suite runs with `make test-faults` (which sets
AGILETRACK_FAULT_SUITE=1) or when `tests/faults` is named on the pytest command line.
"""

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.e2e.conftest import CeleryProcesses, wait_for

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path, config):
    """Left out of a plain `pytest` run (make test); collected when asked for."""
    if os.environ.get("AGILETRACK_FAULT_SUITE") == "1":
        return None
    if any("tests/faults" in str(arg) for arg in config.args):
        return None
    if HERE in Path(collection_path).resolve().parents or Path(collection_path) == HERE:
        return True
    return None


def backend_name() -> str:
    engine = django_settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "redis" if django_settings.CELERY_BROKER_URL.startswith("redis") else "sqlite-broker"
    return f"{engine}+{broker}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        out = Path(
            os.environ.get("AGILETRACK_TEST_OUTPUT") or django_settings.VAR_DIR / "test-output"
        )
        out.mkdir(parents=True, exist_ok=True)
        fault = item.get_closest_marker("fault")
        line = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "backend": backend_name(),
            "test": item.nodeid,
            "fault": fault.args[0] if fault else "",
            "outcome": report.outcome,
            "seconds": round(report.duration, 1),
        }
        with open(out / "faults-results.jsonl", "a") as log:
            log.write(json.dumps(line) + "\n")


def pytest_configure(config):
    config.addinivalue_line("markers", "fault(id): the fault of RELIABILITY-NOTES section 5")


class FaultProcesses(CeleryProcesses):
    """CeleryProcesses whose workers read tests.faults.worker_settings (3 s read timeout)."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.env["DJANGO_SETTINGS_MODULE"] = "tests.faults.worker_settings"

    def child_pids(self, name: str = "worker") -> list[int]:
        """The pool children of a worker's main process."""
        pid = self.processes[name].pid
        children: list[int] = []
        # Every thread's children: the pool's maintenance thread forks the replacements.
        for path in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                children += [int(p) for p in path.read_text().split()]
            except OSError:
                continue
        return children

    def start_ready_worker(self, concurrency: int = 1, name: str = "worker") -> None:
        self.start_worker(concurrency=concurrency, name=name)
        wait_for(
            lambda: " ready." in self.log(name),
            timeout=60,
            message=lambda: f"{name} never ready:\n{self.log(name)[-3000:]}",
        )

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.workdir.glob("*.log"))
        )


@pytest.fixture
def procs(tmp_path: Path, settings) -> Iterator[FaultProcesses]:
    """Worker/beat processes on this test's queues; this process sends to the same queues."""
    processes = FaultProcesses(tmp_path)
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    settings.CELERY_TASK_DEFAULT_QUEUE = processes.queue
    settings.AGILETRACK_PRIORITY_QUEUE = processes.priority_queue
    settings.AGILETRACK_HTTP_OPTIONS = {"read_timeout": 3, "transient_backoff": 0.2}
    settings.AGILETRACK_SYNC_LEASE_SECONDS = 3
    started = time.monotonic()
    yield processes
    processes.stop()
    assert time.monotonic() - started < 120, "a fault test must stay bounded"


@pytest.fixture
def worker(procs) -> FaultProcesses:
    procs.start_ready_worker()
    return procs
