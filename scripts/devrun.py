#!/usr/bin/env python3
"""`make run`'s supervisor: honcho runs the Procfile, this process says where to sign in once
everything answers, and nothing it started outlives it.

    python scripts/devrun.py start [--procfile Procfile]   # what `make run` calls
    python scripts/devrun.py guard -- COMMAND [ARG ...]     # what each Procfile line runs under

Ctrl-C or SIGTERM reach honcho, which sends SIGTERM to each process group and SIGKILL 5 s later.
A runner that dies hard (SIGKILL, a closed terminal) cannot do that, so each Procfile command runs
under a guard that watches the processes from itself up to this runner: when one of them is gone,
the guard stops its own process group (SIGTERM, then SIGKILL after GRACE_SECONDS).

Only the standard library: it runs before and beside Django, never inside it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

RUNNER_VARIABLE = "AGILETRACK_RUNNER_PID"
GRACE_SECONDS = 5.0
POLL_SECONDS = 0.5
HEALTH_POLL_SECONDS = 2.0
QUIET_SECONDS = 3.0
# Ctrl-C: honcho kills what is left after 5 s; the runner gives it this long before it kills honcho.
STOP_SECONDS = 8.0
REPO_ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------- processes


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def alive(pid: int) -> bool:
    """Running and not a zombie waiting to be reaped."""
    fields = _stat(pid)
    if fields is None:
        try:
            os.kill(pid, 0)  # a system without /proc
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return not Path("/proc").is_dir()
    return fields[0] not in ("Z", "X")


def ancestors(runner: int) -> list[int]:
    """This process's parents, nearest first, up to and including `runner` (or just the parent)."""
    chain, pid = [], os.getppid()
    while pid > 1:
        chain.append(pid)
        if pid == runner:
            return chain
        fields = _stat(pid)
        if fields is None:
            break
        pid = int(fields[1])
    return [os.getppid()]


def group_members(pgid: int) -> list[int]:
    """The processes of a process group, this one left out."""
    members = []
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(int(entry.name))
        if fields is not None and int(fields[2]) == pgid and int(entry.name) != os.getpid():
            members.append(int(entry.name))
    return members


def signal_group(pgid: int, signum: int) -> None:
    for pid in group_members(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def guard(command: list[str]) -> int:
    """Run COMMAND; stop its whole process group when the runner or a link up to it is gone."""
    runner = int(os.environ.get(RUNNER_VARIABLE) or 0)
    chain = ancestors(runner)
    child = subprocess.Popen(command)  # noqa: S603 (the Procfile's own command line)
    pgid = os.getpgrp()
    deadline: float | None = None

    def on_signal(signum, frame):
        # honcho signals the whole group, so the command has it too: give it GRACE_SECONDS.
        nonlocal deadline
        if deadline is None:
            deadline = time.monotonic() + GRACE_SECONDS

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    while True:
        try:
            code = child.wait(timeout=POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            pass
        if deadline is None and not all(alive(pid) for pid in chain):
            with contextlib.suppress(OSError):  # its terminal may have gone with it
                print(f"the runner is gone: stopping {command[0]}", file=sys.stderr, flush=True)
            signal_group(pgid, signal.SIGTERM)
            deadline = time.monotonic() + GRACE_SECONDS
        if deadline is not None and time.monotonic() > deadline:
            signal_group(pgid, signal.SIGKILL)
    # What the command started and left behind (a worker's pool) goes with it.
    signal_group(pgid, signal.SIGKILL)
    return code if code >= 0 else 128 - code


# ---------------------------------------------------------------------- the runner


def local_url(bind: str) -> str:
    """The URL to open for gunicorn's --bind value."""
    if bind.startswith(("unix:", "fd://")):
        return bind
    host, _, port = bind.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "::"):  # noqa: S104 (reading the bind, not binding)
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a local URL)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def sign_in_lines(var_dir: Path) -> list[str]:
    """How to sign in: the generated password on the first run, how to reset it afterwards."""
    password_file = var_dir / "admin-password"
    shown = var_dir / "admin-password.shown"
    python = Path(sys.executable)
    if python.is_relative_to(REPO_ROOT):
        python = python.relative_to(REPO_ROOT)
    reset = f"{python} manage.py changepassword admin"
    if password_file.exists() and not shown.exists():
        shown.touch()
        return [
            f"  Password: {password_file.read_text().strip()}",
            f"  (shown once; it is also in {password_file}, readable only by you)",
        ]
    return [f"  Password forgotten? Set a new one: {reset}"]


def announce(url: str, sandbox_url: str, var_dir: Path) -> None:
    lines = [
        "",
        "=" * 72,
        f"AgileTrack is ready. Open {url} and sign in as 'admin'.",
        *sign_in_lines(var_dir),
        f"The sandbox API answers on {sandbox_url} (its credentials: {sandbox_url}_sandbox/info).",
        "Ctrl-C stops everything.",
        "=" * 72,
    ]
    print("\n".join(lines), flush=True)


class Output:
    """Copies honcho's output to ours and remembers when the last line came."""

    def __init__(self, stream) -> None:
        self.last = time.monotonic()
        self.thread = threading.Thread(target=self._copy, args=(stream,), daemon=True)
        self.thread.start()

    def _copy(self, stream) -> None:
        for line in iter(stream.readline, b""):
            self.last = time.monotonic()
            sys.stdout.buffer.write(line)
            sys.stdout.flush()

    def quiet_for(self) -> float:
        return time.monotonic() - self.last


def start(procfile: str) -> int:
    """Start honcho, announce the URL once healthy, and stop honcho with this process."""
    env = {**os.environ, RUNNER_VARIABLE: str(os.getpid()), "PYTHONUNBUFFERED": "1"}
    url = local_url(env.get("WEB_BIND") or "127.0.0.1:8000")
    sandbox_url = f"http://127.0.0.1:{env.get('SANDBOX_PORT') or 8900}/"
    var_dir = Path(env.get("AGILETRACK_VAR_DIR") or REPO_ROOT / "var")
    print(f"Starting web ({url}), worker, beat and the sandbox API ({sandbox_url})", flush=True)
    honcho = shutil.which("honcho") or "honcho"
    process = subprocess.Popen(  # noqa: S603
        [honcho, "start", "-f", procfile], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = Output(process.stdout)
    stop_by: float | None = None
    healthy_at: float | None = None

    def on_signal(signum, frame):
        nonlocal stop_by
        # Ctrl-C reaches honcho from the terminal too; `kill PID` reaches this process alone.
        if signum == signal.SIGTERM and process.poll() is None:
            process.send_signal(signum)
        stop_by = stop_by or time.monotonic() + STOP_SECONDS

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    announced = False
    while process.poll() is None:
        now = time.monotonic()
        if stop_by is not None and now > stop_by:
            process.kill()  # the guards stop what honcho left
            break
        if stop_by is None and not announced:
            if healthy_at is None:
                healthy_at = now if answers(url + "healthz") else None
            elif output.quiet_for() > QUIET_SECONDS or now - healthy_at > 60:
                # Up, and the first syncs' burst of logs is over: these lines stay in view.
                announce(url, sandbox_url, var_dir)
                announced = True
        time.sleep(HEALTH_POLL_SECONDS if healthy_at is None else POLL_SECONDS)
    code = process.wait()
    output.thread.join(timeout=2)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    start_parser = verbs.add_parser("start", help="run the Procfile with honcho")
    start_parser.add_argument("--procfile", default="Procfile")
    guard_parser = verbs.add_parser("guard", help="run one Procfile command")
    guard_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.verb == "start":
        return start(args.procfile)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("guard needs a command")
    return guard(command)


if __name__ == "__main__":
    sys.exit(main())
