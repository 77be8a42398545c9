"""Benchmark 1: API requests per sync, per provider, counted by the sandbox (/_sandbox/stats).

Three syncs of the same data, run in this process through the sync service: a full first sync,
a re-sync with nothing changed, and a re-sync after about 1% of the objects changed and each
repository deployed once more (/_sandbox/mutate). Beside them: the targets, the GitHub compare
requests against their budget (at most one per new production deployment), and what a naive
REST client would spend.
"""

from __future__ import annotations

import math
import time

import requests

from bench import harness
from bench.report import table
from integrations import sync
from integrations.models import Integration, SyncRun
from metrics.models import Deployment, PullRequest, WorkItem
from metrics.production import production_only

PROVIDERS = ("github", "jira", "trello")


def _count_pages(url: str, headers: dict, params: dict) -> list[dict]:
    """Every item of a GitHub REST list, following Link headers (to size the data)."""
    items: list[dict] = []
    next_url: str | None = url
    while next_url:
        response = requests.get(next_url, headers=headers, params=params, timeout=60)
        response.raise_for_status()
        items += response.json()
        next_url = response.links.get("next", {}).get("url")
        params = {}
    return items


def github_sizes(box) -> list[dict]:
    """N pull requests, D deployments and I issues of each repository, read from the sandbox."""
    sizes = []
    for repo in box.info["github"]["repositories"]:
        base = f"{box.base}/repos/{repo}"
        pulls = _count_pages(base + "/pulls", box.gh, {"state": "all", "per_page": 100})
        deployments = _count_pages(base + "/deployments", box.gh, {"per_page": 100})
        issues = _count_pages(base + "/issues", box.gh, {"state": "all", "per_page": 100})
        real_issues = [i for i in issues if "pull_request" not in i]
        sizes.append({"N": len(pulls), "D": len(deployments), "I": len(real_issues)})
    return sizes


def github_target(sizes: list[dict]) -> int:
    return sum(
        math.ceil(s["N"] / 50) + math.ceil(s["D"] / 50) + math.ceil(s["I"] / 100) + 10
        for s in sizes
    )


def github_naive(sizes: list[dict]) -> int:
    """List pages of 100, then per pull request its details (size), reviews and commits, and per
    deployment its statuses: ceil(N/100) + 3N + ceil(D/100) + D + ceil(I/100) per repository."""
    return sum(
        math.ceil(s["N"] / 100)
        + 3 * s["N"]
        + math.ceil(s["D"] / 100)
        + s["D"]
        + math.ceil(s["I"] / 100)
        for s in sizes
    )


def jira_naive(issues: int, sprint_pages: int) -> int:
    """Search pages of 50 (the old default), one changelog request per issue, sprint pages."""
    return math.ceil(issues / 50) + issues + sprint_pages


def mutate(box, fraction: float) -> dict[str, int]:
    """Change about `fraction` of the pull requests, Jira issues and Trello cards."""
    info = box.info
    scale = info["scale"]
    counts = {
        "github": max(1, round(scale["repos"] * scale["prs_per_repo"] * fraction)),
        "jira": max(1, round(scale["projects"] * scale["issues_per_project"] * fraction)),
        "trello": max(1, round(scale["boards"] * scale["cards_per_board"] * fraction)),
    }
    repos = info["github"]["repositories"]
    boards = [b["id"] for b in info["trello"]["boards"]]
    done = dict.fromkeys(counts, 0)

    def post(body: dict) -> bool:
        return requests.post(box.base + "/_sandbox/mutate", json=body, timeout=30).ok

    for index in range(counts["github"]):
        repo = repos[index % len(repos)]
        # Merge an open pull request (a new review, a merge commit); open a new one when none is.
        done["github"] += post({"kind": "merge_pr", "repo": repo}) or post(
            {"kind": "new_pr", "repo": repo}
        )
    # Each repository ships what was merged: one new production deployment, one compare.
    done["deploys"] = sum(post({"kind": "deploy", "repo": repo}) for repo in repos)
    for _ in range(counts["jira"]):
        done["jira"] += post({"kind": "transition"})
    for index in range(counts["trello"]):
        done["trello"] += post({"kind": "move_card", "board": boards[index % len(boards)]})
    return done


def production_deployments(integration_ids: list[int]) -> int:
    """Successful production deployments stored, attempts of one commit counted once."""
    configs = Integration.objects.filter(pk__in=integration_ids).values_list("pk", "config")
    rows = Deployment.objects.filter(
        integration_id__in=integration_ids, status="success", superseded=False
    )
    return production_only(rows, configs).count()


def compare_requests(endpoints: dict) -> int:
    """GitHub compare requests (each page counts) the sandbox served."""
    return sum(sum(codes.values()) for label, codes in endpoints.items() if "/compare/" in label)


def sync_all(base: str, integration_ids: list[int], trigger: str) -> dict:
    """Sync the integrations one after another here; what the sandbox counted meanwhile."""
    deployed_before = production_deployments(integration_ids)
    harness.sandbox_stats(base, clear=True)
    requests.post(base + "/_sandbox/limits", json={"reset": True}, timeout=30)
    started = time.monotonic()
    statuses = []
    for pk in integration_ids:
        run = SyncRun.objects.create(integration_id=pk, trigger=trigger)
        outcome = sync.sync_integration(pk, trigger, run.pk)
        if outcome is None:
            raise RuntimeError(f"integration {pk} disappeared during the benchmark")
        statuses.append(outcome.run.status)
        if outcome.run.error_message:
            statuses.append(outcome.run.error_message[:80])
    seconds = time.monotonic() - started
    stats = harness.sandbox_stats(base)
    limits = requests.get(base + "/_sandbox/limits", timeout=30).json()
    return {
        "seconds": seconds,
        "requests": stats["requests"],
        "not_modified": stats["not_modified"],
        "endpoints": stats["endpoints"],
        "github_budget": (limits["github_budget"] - limits["github_remaining"])
        + (limits["github_graphql_budget"] - limits["github_graphql_remaining"]),
        "graphql_points": limits["github_graphql_budget"] - limits["github_graphql_remaining"],
        "statuses": sorted(set(statuses)),
        "compares": compare_requests(stats["endpoints"]),
        "new_deployments": production_deployments(integration_ids) - deployed_before,
    }


def sprint_pages(endpoints: dict) -> int:
    return sum(
        sum(v for k, v in codes.items() if k != "304")
        for label, codes in endpoints.items()
        if "sprint" in label
    )


def run(scale: str, change: float = 0.01) -> str:
    team = harness.make_team(harness.unique("bench-requests"))
    args = ("--seed", "7", "--scale", scale, *harness.GENEROUS_LIMITS)
    started = time.monotonic()
    try:
        with harness.sandbox(*args) as box:
            startup = time.monotonic() - started
            sizes = github_sizes(box)
            ids: dict[str, list[int]] = {}
            for spec in harness.integration_specs(box.info):
                ids.setdefault(spec[0], []).extend(harness.add_integrations(team, [spec]))
            results: dict[str, dict[str, dict]] = {}
            for kind in PROVIDERS:
                results[kind] = {"full": sync_all(box.base, ids[kind], "initial")}
                results[kind]["unchanged"] = sync_all(box.base, ids[kind], "scheduled")
            changed = mutate(box, change)
            for kind in PROVIDERS:
                results[kind]["changed"] = sync_all(box.base, ids[kind], "scheduled")
        return _table(scale, change, sizes, ids, results, changed, startup)
    finally:
        harness.drop_team(team)


def _table(scale, change, sizes, ids, results, changed, startup) -> str:
    pulls = PullRequest.objects.filter(integration_id__in=ids["github"]).count()
    deployments = Deployment.objects.filter(integration_id__in=ids["github"]).count()
    issues = WorkItem.objects.filter(integration_id__in=ids["jira"]).count()
    cards = WorkItem.objects.filter(integration_id__in=ids["trello"]).count()
    sprint_page_count = sprint_pages(results["jira"]["full"]["endpoints"])
    boards = len(ids["jira"])
    targets = {
        # Plus the compares: at most one per new production deployment.
        "github": github_target(sizes) + results["github"]["full"]["new_deployments"],
        "jira": sum(
            math.ceil(m / 100) + math.ceil(m / 1000) + 5
            for m in _per_integration(WorkItem, ids["jira"])
        )
        + sprint_page_count,
    }
    naive = {
        "github": github_naive(sizes),
        "jira": sum(jira_naive(m, 0) for m in _per_integration(WorkItem, ids["jira"]))
        + sprint_page_count,
    }
    rows = []
    labels = {
        "full": "full sync",
        "unchanged": "re-sync, nothing changed",
        "changed": f"re-sync, {change:.0%} changed",
    }
    for kind in PROVIDERS:
        for case, label in labels.items():
            r = results[kind][case]
            target = "—"
            budget = r["github_budget"] if kind == "github" else r["requests"]
            total = r["requests"] + r["not_modified"]
            if case == "full" and kind in targets:
                target = f"≤ {targets[kind]}: " + _verdict(total - targets[kind])
            elif case == "unchanged":
                target = "0 budget: " + _verdict(budget)
            rows.append(
                [
                    kind,
                    label,
                    r["requests"] + r["not_modified"],
                    r["not_modified"],
                    budget,
                    r["graphql_points"] if kind == "github" else "—",
                    target,
                    _compare_budget(r) if kind == "github" else "—",
                    naive.get(kind, "—"),
                    r["seconds"],
                    ",".join(r["statuses"]),
                ]
            )
    sized = ", ".join(f"{s['N']}/{s['D']}/{s['I']}" for s in sizes[:3])
    return table(
        f"Requests per sync, sandbox scale {scale}",
        [
            "Provider",
            "Sync",
            "requests",
            "of them 304",
            "budget spent",
            "GraphQL points",
            "target",
            "compare ≤ new deployments",
            "naive REST",
            "seconds",
            "runs",
        ],
        rows,
        [
            f"sandbox --seed 7 --scale {scale} (started in {startup:.0f} s): "
            f"{len(sizes)} repositories with {pulls} pull requests and {deployments} deployments "
            f"(N/D/I of the first: {sized}), {boards} Jira boards with {issues} issues, "
            f"{cards} Trello cards; rate limits raised so none is hit",
            f"changed before the last re-sync: {changed['github']} pull requests merged or "
            f"opened, {changed['deploys']} new production deployments (one per repository), "
            f"{changed['jira']} Jira transitions, {changed['trello']} cards moved "
            "(/_sandbox/mutate)",
            "compare ≤ new deployments: GitHub compare requests (GET /repos/{owner}/{repo}/"
            "compare/{base}...{head}, every page counted; included in requests and budget "
            "spent) against the budget of at most one per new successful production deployment "
            "(attempts of one commit counted once); a repository's first deployment and a "
            "redeploy of the same commit need none",
            "requests: every API request the sandbox counted, 304s included; budget spent: "
            "GitHub REST core + GraphQL points used (/_sandbox/limits; 304s are free), for Jira "
            "and Trello every non-304 request counts against their limits; GraphQL points: the "
            "GraphQL part of it, by GitHub's formula (each connection costs a request per parent "
            "node, the sum / 100 rounded, min 1 per query; a page of 50 pull requests with its "
            "timeline and commits costs 1)",
            "GitHub target: sum over repositories of ceil(N/50)+ceil(D/50)+ceil(I/100)+10, "
            "plus one compare per new production deployment; Jira "
            "target: sum over boards of ceil(M/100)+ceil(M/1000)+5, plus the sprint pages "
            f"actually read ({sprint_page_count})",
            "naive REST, GitHub: per repository ceil(N/100) list pages + 3 per pull request "
            "(details for its size, reviews, commits) + ceil(D/100) + 1 status list per "
            "deployment + ceil(I/100) ≈ 3N + D; Jira: search pages of 50 + one changelog "
            "request per issue + sprint pages; a naive client has no ETags, so a re-sync costs "
            "the same as a full sync",
            "syncs run one after another in this process through integrations.sync "
            "(the worker's code path) with the configured database",
            *(
                f"{kind}, nothing changed, spent on: {_endpoints(results[kind]['unchanged'])}"
                for kind in PROVIDERS
            ),
        ],
    )


def _endpoints(result: dict) -> str:
    """'GET /x x3 (304)' parts of what a sync asked for, most requests first."""
    parts = [
        (count, f"{label} x{count}" + (" (304)" if status == "304" else ""))
        for label, codes in result["endpoints"].items()
        for status, count in codes.items()
    ]
    return "; ".join(text for _, text in sorted(parts, key=lambda p: -p[0])) or "nothing"


def _compare_budget(result: dict) -> str:
    """'12 ≤ 40: met': compare requests of a sync against its new production deployments."""
    compares, budget = result["compares"], result["new_deployments"]
    return f"{compares} ≤ {budget}: " + _verdict(compares - budget)


def _verdict(excess: int) -> str:
    return "met" if excess <= 0 else f"missed by {excess}"


def _per_integration(model, integration_ids: list[int]) -> list[int]:
    return [model.objects.filter(integration_id=pk).count() for pk in integration_ids]
