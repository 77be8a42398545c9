"""Benchmark org: the organisation overview over 50 teams, through a real server on loopback.

The latency benchmark's pull requests and work items (bench.seed) are spread evenly over 50 teams,
one member of them all asks for /organisation/ and /api/metrics/teams/ one request at a time:
cold (every team's cached metrics invalidated before each request, so each team's DORA, pull
request and work item families are computed) and warm (the same window again, from the cache).
Several rounds each; the table gives their spread, not one sample.
"""

from __future__ import annotations

import time
from statistics import median

from django.contrib.auth import get_user_model
from django.test import Client

from bench import harness, seed
from bench.latency import Load, start_server, windows
from bench.params import Params
from bench.report import table
from integrations.models import Integration
from metrics.cache import invalidate_integration

TEAMS = 50
ROUNDS = 5  # measured requests per endpoint and cache state, after one unmeasured
TARGET_COLD_MS = 1500.0


def seed_teams(params: Params) -> tuple[list[int], list[dict[str, int]], float]:
    """TEAMS teams, each with its share of the pull requests and work items; the ids of their
    integrations, each team's row counts and the seconds seeding took."""
    started = time.monotonic()
    user, _ = get_user_model().objects.get_or_create(username="bench-organisation")
    counts = []
    for index in range(TEAMS):
        team = harness.make_team(harness.unique(f"bench-org-{index:02d}"))
        team.members.add(user)
        share = (
            params.pull_requests // TEAMS + (index < params.pull_requests % TEAMS),
            params.work_items // TEAMS + (index < params.work_items % TEAMS),
        )
        counts.append(seed.seed(team, *share, seed_value=index, vacuum=False))
    seed.vacuum_analyze()
    ids = list(Integration.objects.filter(team__members=user).values_list("pk", flat=True))
    return ids, counts, time.monotonic() - started


def measure(load: Load, path: str, integration_ids: list[int], cold: bool) -> list[float]:
    """ROUNDS timings of `path` (milliseconds), each after invalidating every team's cached
    metrics when `cold`."""
    load.get(path)  # imports, templates; fills the cache for the warm rounds
    timings = []
    for _ in range(ROUNDS):
        if cold:
            for pk in integration_ids:
                invalidate_integration(pk)
        timings.append(load.get(path))
    return timings


def run(params: Params) -> str:
    integration_ids, counts, seeding = seed_teams(params)
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-organisation"))
    window = windows(1, 0)[0]
    endpoints = {
        "/organisation/": f"/organisation/?{window}",
        "/api/metrics/teams/": f"/api/metrics/teams/?{window}",
    }
    server = start_server(port := harness.free_port())
    load = Load(f"http://127.0.0.1:{port}", client.cookies["sessionid"].value, 1)
    rows = []
    try:
        for name, path in endpoints.items():
            for state in ("cold", "warm"):
                timings = measure(load, path, integration_ids, cold=state == "cold")
                middle = median(timings)
                verdict = "—"
                if state == "cold":
                    met = "met" if middle <= TARGET_COLD_MS else "missed"
                    verdict = f"median ≤ {TARGET_COLD_MS:.0f} ms: {met}"
                spread = max(timings) - min(timings)
                rows.append(
                    [name, state, len(timings), min(timings), middle, max(timings), spread, verdict]
                )
    finally:
        load.close()
        harness.stop_process(server)
        Integration.objects.filter(pk__in=integration_ids).update(is_active=False)
    pull_requests = [c["pull_requests"] for c in counts]
    items = [c["work_items"] for c in counts]
    return table(
        f"Organisation overview over {TEAMS} teams, one client",
        ["endpoint", "cache", "rounds", "min ms", "median ms", "max ms", "spread ms", "target"],
        rows,
        [
            f"split: {sum(pull_requests)} pull requests and {sum(items)} work items over {TEAMS} "
            f"teams, {min(pull_requests)}-{max(pull_requests)} pull requests and "
            f"{min(items)}-{max(items)} work items per team (one GitHub and one Jira integration "
            f"each, a year of history); seeded in {seeding:.0f} s",
            f"{ROUNDS} measured rounds per endpoint and cache state, one request each, after one "
            "unmeasured request; a 30-day window ending today",
            "cold: every team's cached metrics invalidated (metrics.cache) before each request, "
            "so each team's DORA, pull request and work item families are computed; warm: the "
            "same request again, from the cache",
        ],
    )
