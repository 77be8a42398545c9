"""Our metric math reproduces Apache DevLake's expected outputs from its own end-to-end data."""

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from metrics.calculations import (
    CommitFacts,
    DeploymentFacts,
    PullRequestFacts,
    ReviewFacts,
    WorkItemFacts,
    lead_time_minutes,
    merged_pull_request_timings,
    open_pull_request_ages,
    review_load,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FIXTURES = SHARED / "devlake-fixtures"
CHANGE_LEAD_TIME = FIXTURES / "dora" / "change_lead_time"
GITHUB = FIXTURES / "github"
SCOPE = {"ConnectionId": 1, "Name": "panjf2000/ants"}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def when(text: str) -> datetime | None:
    """DevLake's CSV datetimes: '2023-4-11 4:51:47', ISO with offset, or '' for NULL (UTC)."""
    if not text:
        return None
    if "T" in text:
        return datetime.fromisoformat(text).astimezone(UTC)
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def at(text: str) -> datetime:
    """A datetime column that is never NULL."""
    moment = when(text)
    assert moment is not None, "unexpected NULL"
    return moment


def iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def number(value: int | None) -> str:
    return "" if value is None else str(value)


def project_facts(project: str) -> tuple[list[PullRequestFacts], list[DeploymentFacts]]:
    """Map the change_lead_time input tables of one project into our input dataclasses."""
    mapping = rows(CHANGE_LEAD_TIME / "project_mapping.csv")
    repos = {m["row_id"] for m in mapping if m["project_name"] == project and m["table"] == "repos"}
    scopes = {
        m["row_id"] for m in mapping if m["project_name"] == project and m["table"] == "cicd_scopes"
    }
    commits = rows(CHANGE_LEAD_TIME / "pull_request_commits.csv")
    comments = rows(CHANGE_LEAD_TIME / "pull_request_comments.csv")
    prs = []
    for pr in rows(CHANGE_LEAD_TIME / "pull_requests.csv"):
        if pr["base_repo_id"] not in repos:
            continue
        created = when(pr["created_date"])
        assert created is not None
        prs.append(
            PullRequestFacts(
                id=pr["id"],
                author=pr["author_id"],
                created_at=created,
                merged_at=when(pr["merged_date"]),
                merge_commit_sha=pr["merge_commit_sha"],
                commits=tuple(
                    CommitFacts(c["commit_sha"], at(c["commit_authored_date"]))
                    for c in commits
                    if c["pull_request_id"] == pr["id"]
                ),
                reviews=tuple(
                    ReviewFacts(
                        reviewer=c["account_id"], submitted_at=at(c["created_date"]), id=c["id"]
                    )
                    for c in comments
                    if c["pull_request_id"] == pr["id"]
                ),
            )
        )
    deployment_rows = rows(CHANGE_LEAD_TIME / "cicd_deployment_commits.csv")
    sha_of = {d["id"]: d["commit_sha"] for d in deployment_rows}
    diffs = rows(CHANGE_LEAD_TIME / "commits_diffs.csv")
    deployments = []
    for d in deployment_rows:
        if d["cicd_scope_id"] not in scopes:
            continue
        previous = d["prev_success_deployment_commit_id"]
        # Commits new since the previous successful deployment; none for a first deployment.
        shipped = (
            tuple(
                diff["commit_sha"]
                for diff in diffs
                if diff["new_commit_sha"] == d["commit_sha"]
                and diff["old_commit_sha"] == sha_of.get(previous, "")
            )
            if previous
            else ()
        )
        started = when(d["started_date"])
        assert started is not None
        deployments.append(
            DeploymentFacts(
                id=d["id"],
                status=d["result"].lower(),
                created_at=started,
                finished_at=when(d["finished_date"]),
                is_production=d["environment"] == "PRODUCTION",
                sha=d["commit_sha"],
                shipped_shas=shipped,
            )
        )
    return prs, deployments


def test_pull_request_timings_match_devlake_project_pr_metrics_exactly():
    expected = {r["id"]: r for r in rows(CHANGE_LEAD_TIME / "project_pr_metrics.csv")}
    prs, deployments = project_facts("project1")

    timings = {t.pull_request_id: t for t in merged_pull_request_timings(prs, deployments)}

    # pr6 was never merged, so DevLake has no row for it and neither do we.
    assert set(timings) == set(expected) == {"pr0", "pr1", "pr2", "pr3", "pr4", "pr5"}
    for pr_id, row in expected.items():
        t = timings[pr_id]
        pr = next(p for p in prs if p.id == pr_id)
        ours = {
            "first_commit_sha": t.first_commit_sha or "",
            "pr_coding_time": number(t.coding_minutes),
            "first_review_id": t.first_review_id or "",
            "pr_pickup_time": number(t.pickup_minutes),
            "pr_review_time": number(t.review_minutes),
            "deployment_commit_id": t.deployment_id or "",
            "pr_deploy_time": number(t.deploy_minutes),
            "pr_cycle_time": number(t.cycle_minutes),
            "first_commit_authored_date": iso(t.first_commit_at),
            "first_comment_date": iso(t.first_review_at),
            "pr_created_date": iso(pr.created_at),
            "pr_merged_date": iso(pr.merged_at),
            "pr_deployed_date": iso(t.deployed_at),
        }
        theirs = {column: row[column] for column in ours}
        assert ours == theirs, pr_id


def test_change_lead_time_fixture_covers_the_edge_cases_devlake_rules_on():
    """The rows above include each rule, so the exact match is not a happy-path accident."""
    timings = {
        t.pull_request_id: t for t in merged_pull_request_timings(*project_facts("project1"))
    }
    assert timings["pr0"].first_review_id is None  # only the author commented
    assert timings["pr0"].deployment_id is None  # shipped by a first deployment: no baseline
    assert timings["pr2"].coding_minutes is None  # first commit after the PR opened
    assert timings["pr2"].pickup_minutes == 1  # a 2-second pickup rounds up to a minute
    assert timings["pr3"].deploy_minutes is None  # deployed "before" the merge: negative
    assert timings["pr4"].deployment_id is None  # only a STAGING deployment shipped it
    assert timings["pr5"].deployment_id is None  # only a FAILED deployment shipped it


def github_issue_facts() -> list[WorkItemFacts]:
    """Raw GitHub issues of the scope, minus pull requests (the issues API lists both)."""
    items = []
    for raw in rows(GITHUB / "raw_tables" / "_raw_github_api_issues.csv"):
        if json.loads(raw["params"]) != SCOPE:
            continue
        issue = json.loads(raw["data"])
        if "pull_request" in issue:
            continue
        created = when(issue["created_at"])
        assert created is not None
        items.append(
            WorkItemFacts(
                id=f"github:GithubIssue:1:{issue['id']}",
                created_at=created,
                resolved_at=when(issue["closed_at"] or ""),
                status_category="done" if issue["state"] == "closed" else "todo",
            )
        )
    return items


def test_github_issue_lead_times_match_devlake_issues_snapshot():
    expected = {
        r["id"]: r["lead_time_minutes"] for r in rows(GITHUB / "snapshot_tables" / "issues.csv")
    }
    items = github_issue_facts()

    ours = {item.id: number(lead_time_minutes(item)) for item in items}

    assert len(ours) == 26
    assert ours == expected


def test_bot_exclusion_leaves_what_devlakes_bot_filter_leaves():
    """DevLake's bot-filter data: with `renovate[bot]` excluded only PR #1000 and review 5002
    remain. The provider sets the flags; the math must then leave the bot rows out."""
    bots = {"renovate[bot]"}
    raw = GITHUB / "raw_tables"
    reviews = tuple(
        ReviewFacts(
            reviewer=data["user"]["login"],
            submitted_at=at(data["submitted_at"]),
            state=data["state"],
            is_bot=data["user"]["login"] in bots,
            id=str(data["id"]),
        )
        for data in (
            json.loads(r["data"]) for r in rows(raw / "_raw_github_api_pr_reviews_bot_filter.csv")
        )
    )
    prs = [
        PullRequestFacts(
            id=str(data["number"]),
            author=data["user"]["login"],
            author_is_bot=data["user"]["login"] in bots,
            created_at=at(data["created_at"]),
            merged_at=when(data["merged_at"] or ""),
            reviews=reviews if data["number"] == 1000 else (),
        )
        for data in (
            json.loads(r["data"])
            for r in rows(raw / "_raw_github_api_pull_requests_bot_filter.csv")
        )
    ]
    now = datetime(2024, 1, 10, tzinfo=UTC)
    window = (datetime(2024, 1, 1, tzinfo=UTC), now)

    assert merged_pull_request_timings(prs) == []  # #999 was merged, but by a bot
    assert set(open_pull_request_ages(prs, now)) == {"1000"}
    load = review_load(prs, *window)
    assert {name: v.reviews for name, v in load.items()} == {"human-reviewer": 1}
