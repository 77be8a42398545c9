"""`make run` on a fresh var/ folder: it says where to sign in once everything answers, and
nothing it started outlives it, whether it is stopped (SIGTERM) or its honcho is killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, clean_env
from tests.e2e.conftest import wait_for
from tests.redis_server import free_port


def processes_of(var_dir: Path) -> dict[int, str]:
    """Every live process started with this var/ folder in its environment: pid -> command."""
    marker = f"AGILETRACK_VAR_DIR={var_dir}".encode()
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] not in "ZX":
            found[int(entry.name)] = command
    return found


class MakeRun:
    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.web_port, self.sandbox_port = free_port(), free_port()
        self.log_path = var_dir / "make-run.log"
        env = clean_env(
            AGILETRACK_VAR_DIR=str(var_dir),
            WEB_BIND=f"127.0.0.1:{self.web_port}",
            SANDBOX_PORT=str(self.sandbox_port),
            AGILETRACK_ALLOWED_API_HOSTS=f"127.0.0.1:{self.sandbox_port}",
            DJANGO_STATIC_ROOT=str(var_dir / "static"),
        )
        var_dir.mkdir(parents=True, exist_ok=True)
        self.log = self.log_path.open("wb")
        # Its own session, as a terminal gives it: signals go to its process group.
        self.process = subprocess.Popen(
            ["make", "run"],
            cwd=REPO_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self) -> None:
        wait_for(
            lambda: "AgileTrack is ready" in self.output() or self.process.poll() is not None,
            timeout=240,
            message="make run never said it was ready",
        )
        assert self.process.poll() is None, self.output()[-3000:]

    def kill_all(self) -> None:
        # Several passes: a parent killed late may have started a replacement child.
        for _ in range(10):
            left = processes_of(self.var_dir)
            if not left:
                break
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        self.log.close()


@pytest.fixture
def make_run(tmp_path):
    runs: list[MakeRun] = []

    def start() -> MakeRun:
        run = MakeRun(tmp_path / f"var-{len(runs)}")
        runs.append(run)
        run.wait_until_ready()
        return run

    yield start
    for run in runs:
        run.kill_all()


def gone_within(var_dir: Path, seconds: float) -> dict[int, str]:
    """What is still running after `seconds` (empty when everything stopped in time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = processes_of(var_dir)
        if not left:
            return {}
        time.sleep(0.25)
    return processes_of(var_dir)


def test_make_run_prints_the_served_url_and_password_and_sigterm_stops_everything(make_run):
    run = make_run()
    output = run.output()
    url = f"http://127.0.0.1:{run.web_port}/"
    assert f"Starting web ({url})" in output
    tail = output[output.index("AgileTrack is ready") :]
    assert f"Open {url} and sign in as 'admin'." in tail
    password_file = run.var_dir / "admin-password"
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    assert f"Password: {password_file.read_text().strip()}" in tail
    # The sandbox's credentials stay at /_sandbox/info, out of the terminal.
    assert "/_sandbox/info" in tail
    assert "ghp_sandbox" not in output and "ATATT-sandbox" not in output
    assert any("celery -A agiletrack worker" in c for c in processes_of(run.var_dir).values())

    os.killpg(run.process.pid, signal.SIGTERM)

    assert gone_within(run.var_dir, 10) == {}


def test_killing_honcho_hard_leaves_no_process_behind(make_run):
    run = make_run()
    running = processes_of(run.var_dir)
    honcho = min(pid for pid, command in running.items() if "honcho start" in command)
    assert any("celery -A agiletrack worker" in c for c in running.values())

    os.kill(honcho, signal.SIGKILL)

    assert gone_within(run.var_dir, 15) == {}
