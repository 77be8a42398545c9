#!/usr/bin/env python3
"""Print a team's DORA and flow metrics from the AgileTrack API (needs only `requests`).

    python scripts/agiletrack_metrics.py --url http://127.0.0.1:8000 --token KEY --team demo \
        [--since 2026-10-01 --until 2026-10-31] [--json]

Create a token in the admin (Auth Token > Tokens) or with
`python manage.py drf_create_token USERNAME`.
"""

from __future__ import annotations

import argparse
import json
import sys

import requests


def fetch(session: requests.Session, url: str, **params) -> dict:
    response = session.get(url, params=params, timeout=30)
    if response.status_code != 200:
        try:
            problem = response.json().get("detail", response.text)
        except ValueError:
            problem = response.text
        raise SystemExit(f"{url}: HTTP {response.status_code}: {problem}")
    return response.json()


def minutes(value: float | None) -> str:
    if value is None:
        return "-"
    hours = value / 60
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="AgileTrack's address")
    parser.add_argument("--token", required=True, help="an API token")
    parser.add_argument("--team", required=True, help="the team's slug")
    parser.add_argument("--since", help="first day, YYYY-MM-DD")
    parser.add_argument("--until", help="last day, YYYY-MM-DD")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args(argv)

    session = requests.Session()
    session.headers["Authorization"] = f"Token {args.token}"
    base = args.url.rstrip("/")
    teams = fetch(session, f"{base}/api/teams/", slug=args.team)["results"]
    if not teams:
        raise SystemExit(f"No team {args.team!r} (or you are not a member).")
    window = {k: v for k, v in (("since", args.since), ("until", args.until)) if v}
    report = fetch(session, f"{base}/api/metrics/", team=teams[0]["id"], **window)
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
        return 0
    dora, prs, items = report["dora"], report["pull_requests"], report["work_items"]
    print(f"{teams[0]['name']}: {report['window']['since']} to {report['window']['until']}")
    rows = [
        ("Deployment frequency", f"{dora['deployment_frequency']['per_week']:.1f} per week",
         dora["deployment_frequency"]["band"]),
        ("Lead time for changes", minutes(dora["lead_time_for_changes"]["summary"]["median"]),
         dora["lead_time_for_changes"]["band"]),
        ("Change failure rate", "-" if dora["change_failure_rate"]["rate"] is None
         else f"{dora['change_failure_rate']['rate']:.0%}", dora["change_failure_rate"]["band"]),
        ("Time to restore", minutes(dora["time_to_restore"]["summary"]["median"]),
         dora["time_to_restore"]["band"]),
        ("PR cycle time", minutes(prs["stages"]["cycle"]["median"]), ""),
        ("PRs merged", str(prs["throughput"]["merged"]), ""),
        ("Work items done", str(items["throughput"]["done"]), ""),
    ]  # fmt: skip
    for name, value, band in rows:
        print(f"{name:<24}{value:>16}  {band or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
