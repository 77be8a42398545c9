"""Benchmark lists: every drill-down list's first and last page, cold, through a real server.

The latency benchmark's data (bench.seed: one team, a year of pull requests, deployments,
incidents and work items) served by gunicorn as the image runs it; one client asks for each list
the team pages show behind a number (each `show=` variant), over the last 365 days (hundreds of
pages) and over the default 30-day window, first its first page and then its last one (the link
the first page's pager gives to it). Cold: the team's cached metrics invalidated before each
request, as benchmark 4 does, so a page also computes the numbers it shows beside its list.
"""

from __future__ import annotations

import html
import re
import sys
import time
from datetime import timedelta

import requests
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from bench import harness, seed
from bench.latency import Load, start_server
from bench.params import Params
from bench.report import percentile, short_by, table
from metrics.cache import invalidate_integration

TARGET_MS = 150.0

# Each list: its page under /teams/<slug>/ and the `show` variants it has.
LISTS = {
    "pull-requests/": ("", "deployed", "merged"),
    "deployments/": ("", "deployed", "counted", "failed"),
    "incidents/": ("", "resolved"),
    "work-items/finished/": ("",),
    # Aging work and the scatter's items: short lists (no pager) on the work items page.
    "work-items/": ("",),
}

LAST_LINK = re.compile(r'<a href="([^"]*)"[^>]*\bdata-page="last"')
PAGE_OF = re.compile(r"Page 1 of (\d+)")


def last_page(body: str, path: str) -> str | None:
    """The last page's URL as the first page gives it: its pager's link to the last page, else
    `page=N` from "Page 1 of N"; None for a list of one page."""
    if found := LAST_LINK.search(body):
        return path.split("?", 1)[0] + html.unescape(found.group(1))
    if (found := PAGE_OF.search(body)) and int(found.group(1)) > 1:
        return f"{path}&page={found.group(1)}"
    return None


def listed(body: str) -> str:
    found = re.search(r'data-metric="listed">(\d+)<', body)
    return found.group(1) if found else "—"


def measure(
    reader: requests.Session,
    load: Load,
    base: str,
    first: str,
    integration_ids: list[int],
    repeat: int,
) -> list[list]:
    """(page, rows, requests, p50, p95, verdict) of the first page and of the last one the
    first page links to, each request cold."""
    answer = reader.get(base + first, timeout=900)  # imports, templates
    answer.raise_for_status()
    last = last_page(answer.text, first)
    measured: list[list] = []
    for name, path in (("first", first), ("last", last)):
        if path is None:
            measured.append([name, listed(answer.text), 0, "—", "—", "one page"])
            continue
        timings = []
        for _ in range(repeat):
            for pk in integration_ids:
                invalidate_integration(pk)
            timings.append(load.get(path))
        # Each request's time in order, on the progress lines only: which request a slow p95 is.
        print(f"{path}: " + " ".join(f"{ms:.0f}" for ms in timings), file=sys.stderr)
        p95 = percentile(timings, 95)
        verdict = "met" if p95 <= TARGET_MS else f"missed by {short_by(p95 - TARGET_MS)}"
        measured.append(
            [name, listed(answer.text), len(timings), percentile(timings, 50), p95,
             f"p95 ≤ {TARGET_MS:.0f} ms: {verdict}"]
        )  # fmt: skip
    return measured


def run(params: Params, repeat: int) -> str:
    team = harness.make_team(harness.unique("bench-lists"))
    started = time.monotonic()
    counts = seed.seed(team, params.pull_requests, params.work_items)
    seeding = time.monotonic() - started
    user, _ = get_user_model().objects.get_or_create(username="bench-lists")
    team.members.add(user)
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    integration_ids = list(team.integrations.values_list("pk", flat=True))
    today = timezone.now().date()
    windows = {
        "365 days": f"since={today - timedelta(days=364)}&until={today}",
        "default": "",
    }
    port = harness.free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    load = Load(base, cookie, 1)
    reader = requests.Session()
    reader.cookies.set("sessionid", cookie)
    rows = []
    try:
        for page, shows in LISTS.items():
            for show in shows:
                for window_name, window in windows.items():
                    query = "&".join(q for q in (window, f"show={show}" if show else "") if q)
                    first = f"/teams/{team.slug}/{page}?{query}"
                    label = [page, show or "—", window_name]
                    try:
                        measured = measure(reader, load, base, first, integration_ids, repeat)
                    except (requests.RequestException, RuntimeError) as exc:  # one list fails
                        measured = [["first", "—", 0, "—", "—", f"failed: {exc}"[:80]]]
                    for row in measured:
                        rows.append(label + row)
                        print(" | ".join(str(cell) for cell in rows[-1]), file=sys.stderr)
    finally:
        load.close()
        reader.close()
        harness.stop_process(server)
        team.integrations.update(is_active=False)
    seeded = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
    return table(
        "Drill-down lists, first and last page, cold, one client",
        ["list", "show", "window", "page", "rows", "requests", "p50 ms", "p95 ms", "target"],
        rows,
        [
            f"seeded in {seeding:.0f} s (bulk inserts, one team, as benchmark 4): {seeded}",
            "server: gunicorn, 3 sync workers (as the image), on loopback; one client with a "
            "keep-alive session, one request at a time",
            f"windows: the last 365 days ({windows['365 days']}) and the page's default (the last "
            "30 days); rows: what the list counts (its `listed` number), 50 a page",
            f"{repeat} requests per list, window and page, each after invalidating the team's "
            "cached metrics (metrics.cache), so the numbers beside a list are computed too; "
            "after one unmeasured request for the first page, which gives the last page's link",
            "work-items/ shows short lists (aging work, the scatter's items) and no pager: its "
            "first page is the whole page",
        ],
    )
