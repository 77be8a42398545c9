"""Page and API render time over the demo data: the sandbox's GitHub repositories, Jira board and
Trello boards synced into one team, each page rendered by Django in this process (no network),
cold (cache emptied before every request) and warm (served from the metrics cache)."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.report import percentile, table
from metrics.cache import invalidate_integration

PAGES = [
    ("Overview", ""),
    ("Pull requests", "pull-requests/"),
    ("Work items", "work-items/"),
    ("Sprints", "sprints/"),
    ("Integrations", "integrations/"),
]


def demo_team(sandbox_info: dict):
    """The demo team, created and synced once (as `make run` does, synchronously here)."""
    from integrations import services, sync
    from integrations.models import Team

    team, _ = Team.objects.get_or_create(slug="bench-demo", defaults={"name": "Bench demo"})
    if team.integrations.exists():
        return team
    info = sandbox_info
    specs = [
        (
            "github",
            {"api_url": info["github"]["api_url"], "repositories": info["github"]["repositories"]},
            {"token": info["github"]["token"]},
        ),
        (
            "jira",
            {"site_url": info["jira"]["site_url"], "board_id": info["jira"]["boards"][0]["id"]},
            {"email": info["jira"]["email"], "api_token": info["jira"]["api_token"]},
        ),
        (
            "trello",
            {
                "api_url": info["trello"]["api_url"],
                "board_ids": [b["id"] for b in info["trello"]["boards"]],
            },
            {"key": info["trello"]["key"], "token": info["trello"]["token"]},
        ),
    ]
    for kind, config, credentials in specs:
        integration = services.create_integration(
            team=team, kind=kind, name=f"Sandbox {kind}", config=config, credentials=credentials
        )
        run = integration.sync_runs.get(trigger="initial")
        sync.sync_integration(integration.pk, "initial", run.pk)
    return team


def measure(
    client: Client, url: str, repeat: int, cold: bool, integration_ids: list[int]
) -> tuple[list[float], int]:
    timings, queries = [], 0
    for _ in range(repeat):
        if cold:
            # Stale by version, as a sync makes them (cache.clear() would flush a shared Redis).
            for pk in integration_ids:
                invalidate_integration(pk)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries = len(captured.captured_queries)
    return timings, queries


def run(sandbox_info: dict, repeat: int = 10, since: str = "", until: str = "") -> str:
    team = demo_team(sandbox_info)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    team.members.add(user)
    client = Client()
    client.force_login(user)
    query = f"?since={since}&until={until}" if since else ""
    integration_ids = list(team.integrations.values_list("pk", flat=True))
    rows = []
    for name, path in PAGES:
        url = f"/teams/{team.slug}/{path}{query}"
        client.get(url)  # imports, template compilation
        cold, cold_queries = measure(client, url, repeat, True, integration_ids)
        warm, warm_queries = measure(client, url, repeat, False, integration_ids)
        rows.append(
            [
                name,
                percentile(cold, 50),
                percentile(cold, 95),
                cold_queries,
                percentile(warm, 50),
                percentile(warm, 95),
                warm_queries,
            ]
        )
    from metrics.models import PullRequest, WorkItem

    return table(
        f"Page render time, demo data, {f'{since}..{until}' if since else 'last 30 days'}",
        [
            "Page",
            "cold p50 ms",
            "cold p95 ms",
            "cold SQL",
            "warm p50 ms",
            "warm p95 ms",
            "warm SQL",
        ],
        rows,
        [
            f"{PullRequest.objects.filter(integration__team=team).count()} pull requests, "
            f"{WorkItem.objects.filter(integration__team=team).count()} work items; "
            f"{repeat} requests per cell",
            "cold: the team's cached metrics are invalidated before each request; "
            "warm: metric families come from the cache",
            "rendered in-process by Django's test client (no network, one client)",
        ],
    )
