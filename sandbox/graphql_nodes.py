"""GitHub GraphQL nodes built from the sandbox's generated model: pull requests, reviews,
timeline items, commits, deployments and their statuses, shaped as GitHub's schema names them."""

from __future__ import annotations

import base64

from .model import PullRequest
from .timefmt import github_time


def actor(u) -> dict | None:
    if u is None:
        return None
    return {
        "__typename": "Bot" if u.is_bot else "User",
        "login": u.login,
        "id": f"U_{u.id}",
        "databaseId": u.id,
        "url": f"https://github.com/{u.login}",
        "resourcePath": f"/{u.login}",
        "avatarUrl": f"https://avatars.githubusercontent.com/u/{u.id}?v=4",
        "name": u.name,
        "email": u.email,
    }


def pr_state(pr: PullRequest) -> str:
    if pr.merged_at is not None:
        return "MERGED"
    return "CLOSED" if pr.closed_at is not None else "OPEN"


def pull_node(pr: PullRequest, repo) -> dict:
    merge = None
    if pr.merge_commit_sha:
        merge = {
            "oid": pr.merge_commit_sha,
            "abbreviatedOid": pr.merge_commit_sha[:7],
            "committedDate": github_time(pr.merged_at),
            "authoredDate": github_time(pr.merged_at),
            "message": f"{pr.title} (#{pr.number})",
            "url": f"https://github.com/{repo.full_name}/commit/{pr.merge_commit_sha}",
        }
    return {
        "_pr": pr,
        "_repo": repo,
        "id": f"PR_{pr.id}",
        "databaseId": pr.id,
        "number": pr.number,
        "state": pr_state(pr),
        "title": pr.title,
        "body": f"This pull request: {pr.title.lower()}.",
        "url": f"https://github.com/{repo.full_name}/pull/{pr.number}",
        "createdAt": github_time(pr.created_at),
        "updatedAt": github_time(pr.updated_at),
        "mergedAt": github_time(pr.merged_at),
        "closedAt": github_time(pr.closed_at),
        "publishedAt": github_time(pr.created_at),
        "isDraft": pr.draft,
        "merged": pr.merged_at is not None,
        "closed": pr.closed_at is not None,
        "additions": pr.additions,
        "deletions": pr.deletions,
        "changedFiles": pr.changed_files,
        "headRefName": pr.branch,
        "headRefOid": pr.head_sha,
        "baseRefName": "main",
        "baseRefOid": pr.base_sha,
        "mergeCommit": merge,
        "author": actor(pr.author),
        "mergedBy": actor(pr.merged_by),
    }


def review_node(review) -> dict:
    return {
        "id": f"PRR_{review.id}",
        "databaseId": review.id,
        "state": review.state,
        "body": review.body,
        "submittedAt": github_time(review.submitted_at),
        "createdAt": github_time(review.submitted_at),
        "author": actor(review.user),
        "commit": {"oid": review.commit_id, "abbreviatedOid": review.commit_id[:7]},
    }


def commit_node(commit, repo) -> dict:
    def person(u, date):
        return {"name": u.name, "email": u.email, "date": github_time(date), "user": actor(u)}

    inner = {
        "oid": commit.sha,
        "abbreviatedOid": commit.sha[:7],
        "message": commit.message,
        "messageHeadline": commit.message,
        "authoredDate": github_time(commit.authored_at),
        "committedDate": github_time(commit.committed_at),
        "additions": 10,
        "deletions": 2,
        "changedFiles": 1,
        "author": person(commit.author, commit.authored_at),
        "committer": person(commit.author, commit.committed_at),
        "url": f"https://github.com/{repo.full_name}/commit/{commit.sha}",
    }
    return {
        "id": f"PRC_{commit.sha[:12]}",
        "commit": inner,
        "url": f"https://github.com/{repo.full_name}/commit/{commit.sha}",
    }


def timeline(pr: PullRequest, repo) -> list[tuple[int, str, dict]]:
    """(time, item type, node) of a pull request's reviews, comments and ready event."""
    items = [
        (
            r.submitted_at,
            "PULL_REQUEST_REVIEW",
            {"__typename": "PullRequestReview", **review_node(r)},
        )
        for r in pr.reviews
    ]
    url = f"https://github.com/{repo.full_name}/pull/{pr.number}"
    for c in pr.comments:
        node = {
            "__typename": "IssueComment",
            "id": f"IC_{c.id}",
            "databaseId": c.id,
            "body": c.body,
            "createdAt": github_time(c.created_at),
            "author": actor(c.user),
            "url": f"{url}#issuecomment-{c.id}",
        }
        items.append((c.created_at, "ISSUE_COMMENT", node))
    if pr.ready_at is not None:
        node = {
            "__typename": "ReadyForReviewEvent",
            "id": f"RFRE_{pr.id}",
            "createdAt": github_time(pr.ready_at),
            "actor": actor(pr.author),
            "url": f"{url}#event-{pr.id}",
        }
        items.append((pr.ready_at, "READY_FOR_REVIEW_EVENT", node))
    return sorted(items, key=lambda item: item[0])


# GitHub reports a deployment's state from its latest status; a successful one is ACTIVE.
DEPLOYMENT_STATE = {"success": "ACTIVE"}


def status_node(status, deployment, repo) -> dict:
    log = f"https://github.com/{repo.full_name}/actions/runs/{deployment.id}"
    return {
        "id": base64.b64encode(f"016:DeploymentStatus{status.id}".encode()).decode(),
        "state": status.state.upper(),
        "createdAt": github_time(status.created_at),
        "updatedAt": github_time(status.created_at),
        "description": status.state.replace("_", " "),
        "environment": "production",
        "environmentUrl": f"https://{repo.name}.acme-eng.example",
        "logUrl": log,
        "creator": actor(deployment.creator),
    }


def deployment_node(d, repo) -> dict:
    latest = d.statuses[-1] if d.statuses else None
    return {
        "_deployment": d,
        "_repo": repo,
        "id": base64.b64encode(f"010:Deployment{d.id}".encode()).decode(),
        "databaseId": d.id,
        "environment": "production",
        "originalEnvironment": "production",
        "latestEnvironment": "production",
        "task": "deploy",
        "description": f"Deploy {d.sha[:7]} to production",
        "payload": "{}",
        "commitOid": d.sha,
        "commit": {"oid": d.sha, "abbreviatedOid": d.sha[:7]},
        "createdAt": github_time(d.created_at),
        "updatedAt": github_time(d.updated_at),
        "creator": actor(d.creator),
        "state": DEPLOYMENT_STATE.get(latest.state, latest.state.upper()) if latest else "PENDING",
        "latestStatus": status_node(latest, d, repo) if latest else None,
    }
