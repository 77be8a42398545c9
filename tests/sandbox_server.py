"""The real sandbox server (`python -m sandbox`) in a subprocess, as fixtures for any test."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Sandbox:
    base: str
    process: subprocess.Popen
    info: dict = field(default_factory=dict)
    startup_seconds: float = 0.0

    @property
    def gh(self) -> dict:
        return {
            "Authorization": f"Bearer {self.info['github']['token']}",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    @property
    def jira_auth(self) -> tuple[str, str]:
        return self.info["jira"]["email"], self.info["jira"]["api_token"]

    @property
    def trello(self) -> dict:
        return {"key": self.info["trello"]["key"], "token": self.info["trello"]["token"]}

    @property
    def repo(self) -> str:
        return self.info["github"]["repositories"][0]

    def get(self, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 30)
        return requests.get(self.base + path, **kw)  # noqa: S113 (timeout defaulted above)

    def github(self, path: str, **kw) -> requests.Response:
        headers = {**self.gh, **kw.pop("headers", {})}
        return self.get(path, headers=headers, **kw)

    def jira(self, path: str, method: str = "GET", **kw) -> requests.Response:
        kw.setdefault("timeout", 30)
        return requests.request(method, self.base + path, auth=self.jira_auth, **kw)  # noqa: S113

    def trello_get(self, path: str, **kw) -> requests.Response:
        params = {**self.trello, **kw.pop("params", {})}
        return self.get(path, params=params, **kw)

    def post(self, path: str, body: dict | None = None) -> requests.Response:
        return requests.post(self.base + path, json=body or {}, timeout=30)

    def stats(self) -> dict:
        return self.get("/_sandbox/stats").json()


def start_sandbox(*args: str, timeout: float = 90) -> Sandbox:
    """Start `python -m sandbox --port 0 ...` and wait for its 'ready' line."""
    cmd = [sys.executable, "-m", "sandbox", "--port", "0", "--quiet", *args]
    started = time.monotonic()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    base = None
    lines = []
    while time.monotonic() - started < timeout:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("sandbox ready on "):
            base = line.split()[3]
            break
    if base is None:
        proc.kill()
        raise RuntimeError("sandbox did not start:\n" + "".join(lines))
    elapsed = time.monotonic() - started
    box = Sandbox(base, proc, startup_seconds=elapsed)
    box.info = requests.get(base + "/_sandbox/info", timeout=10).json()
    # Keep draining output so the child never blocks on a full pipe.
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return box


def stop_sandbox(box: Sandbox) -> None:
    box.process.terminate()
    try:
        box.process.wait(10)
    except subprocess.TimeoutExpired:
        box.process.kill()


@pytest.fixture(scope="session")
def sandbox():
    """A shared read-only sandbox (small scale, seed 7); tests must not change its state.

    Its REST budget is raised far above GitHub's 5,000 an hour: the suite's many full syncs each
    read one compare per past deployment, and a test of the limits starts its own sandbox."""
    box = start_sandbox("--seed", "7", "--github-budget", "1000000")
    yield box
    stop_sandbox(box)


@pytest.fixture
def fresh_sandbox():
    """Factory for private sandboxes with their own options, stopped after the test."""
    boxes = []

    def make(*args: str) -> Sandbox:
        box = start_sandbox(*args)
        boxes.append(box)
        return box

    yield make
    for box in boxes:
        stop_sandbox(box)


def basic(email: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()
