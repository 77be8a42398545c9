"""What the benchmarks share: the sandbox, integrations pointing at it, real worker processes,
waiting for sync runs, and the memory of a process tree read from /proc."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import requests
from django.conf import settings

from integrations import crypto
from integrations.models import Integration, SyncRun, Team

# Every private queue a benchmark sent to, deleted from Redis at the end of the run.
QUEUES: list[str] = []
# Worker log folders, removed at the end of the run.
WORKDIRS: list[Path] = []
FINISHED = ("succeeded", "failed", "partial", "skipped")
# Limits high enough that a benchmark measures the sync, not the sandbox's rate limiting.
GENEROUS_LIMITS = (
    "--github-budget",
    "1000000",
    "--github-graphql-budget",
    "1000000",
    "--jira-limit",
    "1000000",
    "--trello-token-limit",
    "1000000",
    "--trello-key-limit",
    "1000000",
)


@contextmanager
def sandbox(*args: str) -> Iterator[Any]:
    """`python -m sandbox` on a free loopback port, stopped on exit."""
    from tests.sandbox_server import start_sandbox, stop_sandbox

    box = start_sandbox(*args, timeout=600)
    try:
        yield box
    finally:
        stop_sandbox(box)


def sandbox_stats(base: str, clear: bool = False) -> dict:
    """The sandbox's request counters (DELETE clears them and answers with the old ones)."""
    method = "DELETE" if clear else "GET"
    return requests.request(method, base + "/_sandbox/stats", timeout=30).json()


def integration_specs(info: dict, per_scope: bool = False) -> list[tuple[str, str, dict, dict]]:
    """(kind, name, config, credentials) of integrations covering the whole sandbox.

    per_scope: one integration per repository, Jira board and Trello board (so several workers
    can sync in parallel); otherwise one per GitHub and Trello, one per Jira board."""
    github, jira, trello = info["github"], info["jira"], info["trello"]
    gh_credentials = {"token": github["token"]}
    jira_credentials = {"email": jira["email"], "api_token": jira["api_token"]}
    trello_credentials = {"key": trello["key"], "token": trello["token"]}
    repos = [[r] for r in github["repositories"]] if per_scope else [github["repositories"]]
    boards = (
        [[b["id"]] for b in trello["boards"]]
        if per_scope
        else [[b["id"] for b in trello["boards"]]]
    )
    specs = [
        ("github", ",".join(r), {"api_url": github["api_url"], "repositories": r}, gh_credentials)
        for r in repos
    ]
    specs += [
        (
            "jira",
            f"board {b['id']}",
            {"site_url": jira["site_url"], "board_id": b["id"]},
            jira_credentials,
        )
        for b in jira["boards"]
    ]
    specs += [
        ("trello", ",".join(b), {"api_url": trello["api_url"], "board_ids": b}, trello_credentials)
        for b in boards
    ]
    return specs


def make_team(slug: str) -> Team:
    team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": slug})
    return team


def add_integrations(team: Team, specs: Iterable[tuple[str, str, dict, dict]]) -> list[int]:
    """Store integrations without queueing their first sync (bulk: a fan-out needs hundreds)."""
    rows = [
        Integration(
            team=team,
            kind=kind,
            name=name[:100],
            config=config,
            credentials_encrypted=crypto.encrypt_credentials(credentials),
        )
        for kind, name, config, credentials in specs
    ]
    return [row.pk for row in Integration.objects.bulk_create(rows, batch_size=500)]


def drop_team(team: Team) -> None:
    """Delete a team's integrations (their activity goes with them) and the team."""
    for integration in Integration.objects.filter(team=team):
        integration.delete()
    team.delete()


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.2):
    """Poll until `condition()` is truthy; raise TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what}: not done after {timeout:.0f} s")


def runs_finished(integration_ids: list[int], trigger: str, expected: int) -> bool:
    runs = SyncRun.objects.filter(integration_id__in=integration_ids, trigger=trigger)
    return runs.filter(status__in=FINISHED).count() >= expected


class Workers:
    """`celery worker` subprocesses (the e2e suite's launcher) on private queues.

    Settings are the product's defaults (lease, retries, time limits); only the queues, the
    database of this benchmark and the loopback sandbox allow-list are set."""

    def __init__(self) -> None:
        from tests.e2e.conftest import CeleryProcesses, database_url_of_test_database

        self.workdir = Path(tempfile.mkdtemp(prefix="agiletrack-bench-"))
        WORKDIRS.append(self.workdir)
        self.celery = CeleryProcesses(self.workdir)
        env = self.celery.env
        for test_only in ("AGILETRACK_SYNC_RETRY_DELAY_OVERRIDE", "AGILETRACK_SYNC_LEASE_SECONDS"):
            env.pop(test_only, None)
        env["CELERY_VISIBILITY_TIMEOUT"] = str(settings.CELERY_VISIBILITY_TIMEOUT)
        env["DATABASE_URL"] = database_url_of_test_database()
        env["AGILETRACK_FAN_OUT_MIN_INTERVAL_SECONDS"] = "0"
        # The launcher waits for the worker's " ready." line, logged at INFO.
        env["AGILETRACK_LOG_LEVEL"] = "INFO"
        env["AGILETRACK_CACHE_KEY_PREFIX"] = cache_prefix()
        # This process sends to the same private queues (enqueue_sync reads these settings).
        settings.CELERY_TASK_DEFAULT_QUEUE = self.celery.queue
        settings.AGILETRACK_PRIORITY_QUEUE = self.celery.priority_queue
        QUEUES.extend([self.celery.queue, self.celery.priority_queue])

    def start(self, count: int) -> None:
        """`count` worker processes, each with one pool process; returns once all are ready.

        One after another: two workers declaring the same queue at once on the SQLite broker
        collide on its unique queue name."""
        for index in range(count):
            name = f"worker{index}"
            self.celery.start_worker(concurrency=1, name=name)
            wait_for(partial(self._ready, name), 120, f"{name} start")

    def _ready(self, name: str) -> bool:
        if self.celery.processes[name].poll() is not None:
            raise RuntimeError(f"{name} exited at start:\n{self.celery.log(name)[-2000:]}")
        return " ready." in self.celery.log(name)

    def pids(self) -> list[int]:
        return [p.pid for p in self.celery.processes.values()]

    def peak_memory_mib(self) -> tuple[float, float]:
        """Peak resident memory (VmHWM) of the largest main process and of the largest pool
        process, in MiB."""
        mains, pools = [], []
        for pid in self.pids():
            mains.append(vm_hwm_kib(pid))
            pools += [vm_hwm_kib(child) for child in children(pid)]
        return max(mains, default=0) / 1024, max(pools, default=0) / 1024

    def stop(self) -> None:
        self.celery.stop()
        self.celery.processes.clear()


def cache_prefix() -> str:
    return str(settings.CACHES["default"].get("KEY_PREFIX", ""))


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def cpu_ticks(pid: int) -> int:
    """The CPU time a process has used (user and system, in clock ticks); 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat


def vm_hwm_kib(pid: int) -> int:
    """A process's peak resident set size (VmHWM) in KiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a process serving this benchmark's database and cache."""
    from tests.e2e.conftest import database_url_of_test_database

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DATABASE_URL=database_url_of_test_database(),
        AGILETRACK_CACHE_KEY_PREFIX=cache_prefix(),
        AGILETRACK_VAR_DIR=str(settings.VAR_DIR),
        AGILETRACK_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="agiletrack.settings",
    )
    env.update(extra)
    return env


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
