"""Benchmark 4: page and API latency at scale, through a real server on loopback.

A team with a year of seeded activity (bench.seed), served by gunicorn as the image runs it;
concurrent clients (threads, each with its own keep-alive session) ask for the team dashboard and
/api/metrics/. Cold: every request of a round asks for its own date window after the team's
cached metrics were invalidated (metrics.cache), so nothing comes from the cache; warm: windows
already asked for.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import requests
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench import floor, harness, seed
from bench.params import Params
from bench.report import percentile, short_by, table
from metrics.cache import invalidate_integration

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WEB_WORKERS = 3  # as the image (Dockerfile) runs it
TARGETS = {"warm": 150.0, "cold": 1000.0, "cold, 1 client": 150.0}
FLOOR_MULTIPLE = 2.0  # the cold page, one client, at most this many times the raw floor (p95)


def start_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 (the venv's gunicorn, fixed arguments)
        [
            GUNICORN,
            "--config",
            "python:agiletrack.observability.gunicorn",
            "agiletrack.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WEB_WORKERS),
            "--timeout",
            "900",
        ],
        env=harness.subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def up() -> bool:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        except (requests.ConnectionError, requests.Timeout):  # workers still booting
            return process.poll() is not None
        return True

    harness.wait_for(up, 60, "gunicorn start", interval=0.3)
    if process.poll() is not None:
        raise RuntimeError("gunicorn exited at start")
    harness.wait_for(lambda: workers_idle(process.pid), 60, "gunicorn workers' warm-up")
    return process


def workers_idle(pid: int) -> bool:
    """Whether all of the server's workers have started and used no CPU for 0.3 s: each has
    done its warm-up (agiletrack.observability.warmup), so none is still booting, on the same
    cores, while the first pages are measured. /healthz answers as soon as the first is up."""
    workers = harness.children(pid)
    if len(workers) < WEB_WORKERS:
        return False
    before = sum(harness.cpu_ticks(worker) for worker in workers)
    time.sleep(0.3)
    return sum(harness.cpu_ticks(worker) for worker in workers) == before


def window_dates(count: int, offset: int) -> list[tuple[date, date]]:
    """`count` (at most 30) distinct 30-day windows ending `offset`.. days ago: none is the
    previous period of another (the overview also computes the 30 days before its window)."""
    today = timezone.now().date()
    return [
        (today - timedelta(days=k + 29), today - timedelta(days=k))
        for k in range(offset, offset + count)
    ]


def windows(count: int, offset: int) -> list[str]:
    """window_dates as query strings."""
    return [f"since={since}&until={until}" for since, until in window_dates(count, offset)]


def floor_row(name: str, page_p95: float, timings: list[float]) -> list:
    """The raw floor's row (bench.floor) under the page's rows: the cold page, one client, as a
    multiple of it."""
    p95 = percentile(timings, 95)
    multiple = page_p95 / p95
    verdict = "met"
    if multiple > FLOOR_MULTIPLE:
        verdict = f"missed by {short_by(multiple - FLOOR_MULTIPLE, 1)}x"
    return [
        name,
        "raw floor (SQL)",
        len(timings),
        percentile(timings, 50),
        p95,
        percentile(timings, 99),
        f"cold, 1 client = {multiple:.1f}x floor; ≤ {FLOOR_MULTIPLE:g}x raw floor: {verdict}",
    ]


class Load:
    """Concurrent clients on one server, each a thread with its own logged-in session."""

    def __init__(self, base: str, cookie: str, clients: int) -> None:
        self.base = base
        self.cookie = cookie
        self.clients = clients
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(clients)

    def get(self, path: str) -> float:
        """One request from the calling thread; milliseconds."""
        return self._get(path)

    def _get(self, path: str) -> float:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
            session.cookies.set("sessionid", self.cookie)
        started = time.perf_counter()
        response = session.get(self.base + path, timeout=900)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        return elapsed

    def round(self, paths: list[str]) -> list[float]:
        return list(self.pool.map(self._get, paths))

    def close(self) -> None:
        self.pool.shutdown()


def run(params: Params) -> str:
    team = harness.make_team(harness.unique("bench-latency"))
    started = time.monotonic()
    counts = seed.seed(team, params.pull_requests, params.work_items)
    seeding = time.monotonic() - started
    user, _ = get_user_model().objects.get_or_create(username="bench-latency")
    team.members.add(user)
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    integration_ids = list(team.integrations.values_list("pk", flat=True))
    endpoints = {
        "team dashboard": f"/teams/{team.slug}/?",
        "/api/metrics/": f"/api/metrics/?team={team.pk}&",
    }
    clients = params.clients
    warm_rounds = max(1, params.warm_requests // clients)
    port = harness.free_port()
    server = start_server(port)
    load = Load(f"http://127.0.0.1:{port}", cookie, clients)
    rows = []
    try:
        for name, prefix in endpoints.items():
            load.round([prefix + w for w in windows(clients, 0)])  # imports, templates
            cold: list[float] = []
            for _ in range(params.cold_rounds):
                for pk in integration_ids:
                    invalidate_integration(pk)
                cold += load.round([prefix + w for w in windows(clients, 0)])
            # The same cold work one request at a time: what one request costs without
            # nine others sharing the two cores.
            alone: list[float] = []
            for path in [prefix + w for w in windows(clients, 0)]:
                for pk in integration_ids:
                    invalidate_integration(pk)
                alone.append(load.get(path))
            warm_windows = windows(clients, 0)
            load.round([prefix + w for w in warm_windows])
            warm: list[float] = []
            for _ in range(warm_rounds):
                warm += load.round([prefix + w for w in warm_windows])
            # The same windows' numbers by hand-written SQL, one window at a time.
            floor_timings = (
                floor.measure(team.pk, window_dates(clients, 0))
                if name == "team dashboard" and floor.available()
                else []
            )
            for state, timings in (("cold", cold), ("cold, 1 client", alone), ("warm", warm)):
                p95 = percentile(timings, 95)
                target = TARGETS.get(state)
                if target is None:
                    verdict = "— (for comparison)"
                elif p95 <= target:
                    verdict = f"p95 ≤ {target:.0f} ms: met"
                else:
                    verdict = f"p95 ≤ {target:.0f} ms: missed by {short_by(p95 - target)} ms"
                rows.append(
                    [
                        name,
                        state,
                        len(timings),
                        percentile(timings, 50),
                        p95,
                        percentile(timings, 99),
                        verdict,
                    ]
                )
            if floor_timings:
                rows.append(floor_row(name, percentile(alone, 95), floor_timings))
    finally:
        load.close()
        harness.stop_process(server)
        # Deleting a million rows would take longer than the benchmark; the throwaway database
        # goes at the end of the run, and inactive integrations are left out of any fan-out.
        team.integrations.update(is_active=False)
    seeded = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
    return table(
        f"Page and API latency at scale, {clients} concurrent clients",
        ["endpoint", "cache", "requests", "p50 ms", "p95 ms", "p99 ms", "target"],
        rows,
        [
            f"seeded in {seeding:.0f} s (bulk inserts, one team): {seeded}; a year of history, "
            "every work item in one two-week sprint of its board (4 boards, 27 sprints each)",
            f"server: gunicorn, {WEB_WORKERS} sync workers (as the image), on loopback; "
            f"{clients} client threads with keep-alive sessions (logged-in session cookie)",
            f"each request asks for a 30-day window; a round is {clients} concurrent requests for "
            f"{clients} different windows; {params.cold_rounds} cold and {warm_rounds} warm rounds "
            "per endpoint, after one unmeasured round (imports, templates)",
            "cold: the team's cached metrics invalidated (metrics.cache) before every round, so "
            "each request computes every metric family; cold, 1 client: the same, one request "
            "at a time (invalidated before each); warm: the same windows again, from the cache",
            "raw floor (SQL): every number the cold team overview computes (the DORA family of the "
            "window and of the one before it, the pull request and work item families, the three "
            "charts and the previous window's lines) as hand-written SQL over the same rows and "
            "filters (bench.floor; tests/bench/test_floor.py checks its numbers equal the page's), "
            "the same windows one at a time on one psycopg2 connection, no ORM, cache or template; "
            "the multiple is the cold, 1 client p95 over the floor's p95. Not in it: the DORA "
            "bands (a threshold lookup on the medians, in Python), the sprints family (not on the "
            "overview; /api/metrics/ computes it, so that endpoint has no floor row: a running "
            "sprint's scope and burndown are computed from its items' history in Python, not "
            "within reason in SQL). PostgreSQL only (percentile_cont)"
            if connection.vendor == "postgresql"
            else f"raw floor: PostgreSQL only (percentile_cont); none on {connection.vendor}",
        ],
    )
