"""GitHub issues, and pull requests in their issue form, at /repos/{owner}/{repo}/issues."""

from __future__ import annotations

import base64

from .github_repos import label_obj, milestone, user
from .github_rest import find_repo, paginate, reply, repo_route, since_arg
from .model import PullRequest, Repository
from .timefmt import github_time


def _reactions(url: str) -> dict:
    return {
        "url": url,
        "total_count": 0,
        "+1": 0,
        "-1": 0,
        "laugh": 0,
        "hooray": 0,
        "confused": 0,
        "heart": 0,
        "rocket": 0,
        "eyes": 0,
    }


def issue_obj(item, repo: Repository, org, base: str) -> dict:
    """An issue, or a pull request in its issue form (with the `pull_request` key)."""
    api = f"{base}/repos/{repo.full_name}"
    is_pr = isinstance(item, PullRequest)
    html = f"https://github.com/{repo.full_name}/{'pull' if is_pr else 'issues'}/{item.number}"
    issue_id = item.id + 300_000_000 if is_pr else item.id
    labels = [] if is_pr else [label_obj(repo, name, base) for name in item.labels]
    closed_at = item.closed_at
    locked = closed_at is not None and item.number % 13 == 0
    body = {
        "id": issue_id,
        "node_id": base64.b64encode(f"05:Issue{issue_id}".encode()).decode(),
        "url": f"{api}/issues/{item.number}",
        "repository_url": api,
        "labels_url": f"{api}/issues/{item.number}/labels{{/name}}",
        "comments_url": f"{api}/issues/{item.number}/comments",
        "events_url": f"{api}/issues/{item.number}/events",
        "html_url": html,
        "number": item.number,
        "state": "closed" if closed_at is not None else "open",
        "state_reason": ("completed" if closed_at is not None else None),
        "title": item.title,
        "body": getattr(item, "body", None) or f"This pull request: {item.title.lower()}.",
        "user": user(item.author, base),
        "labels": labels,
        "assignee": user(item.author, base),
        "assignees": [user(item.author, base)],
        "milestone": milestone(repo, base, org.now, item.number % 14 == 0)
        if item.number % 7 == 0
        else None,
        "locked": locked,
        "active_lock_reason": "resolved" if locked else None,
        "comments": 0,
        "closed_at": github_time(closed_at),
        "created_at": github_time(item.created_at),
        "updated_at": github_time(item.updated_at),
        "closed_by": user(item.author, base) if closed_at is not None else None,
        "author_association": "MEMBER",
        "timeline_url": f"{api}/issues/{item.number}/timeline",
        "performed_via_github_app": None,
        "reactions": _reactions(f"{api}/issues/{item.number}/reactions"),
    }
    if is_pr:
        body["draft"] = item.draft
        body["pull_request"] = {
            "url": f"{api}/pulls/{item.number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": github_time(item.merged_at),
        }
        if item.merged_at is None and closed_at is not None:
            body["state_reason"] = "not_planned"
    return body


@repo_route("/repos/<owner>/<repo>/issues", "issues")
def list_issues(ctx, owner=None, repo=None, repo_id=None):
    if ctx.app.recorded is not None:
        return ctx.app.recorded.issues(ctx, owner, repo)
    r = find_repo(ctx, owner, repo, repo_id)
    items = list(r.issues.values()) + list(r.pulls.values())
    state = ctx.args.get("state", "open")
    if state != "all":
        items = [i for i in items if (i.closed_at is None) == (state == "open")]
    labels = [x for x in ctx.args.get("labels", "").split(",") if x]
    if labels:
        items = [
            i for i in items if not isinstance(i, PullRequest) and set(labels) <= set(i.labels)
        ]
    since = since_arg(ctx, "since")
    if since is not None:
        items = [i for i in items if i.updated_at >= since]
    sort = ctx.args.get("sort", "created")
    key = (
        (lambda i: (i.updated_at, i.number))
        if sort == "updated"
        else (lambda i: (i.created_at, i.number))
    )
    items.sort(key=key, reverse=ctx.args.get("direction", "desc") == "desc")
    page, headers = paginate(ctx, items, f"/repositories/{r.id}/issues")
    return reply([issue_obj(i, r, ctx.org, ctx.base) for i in page], headers)
