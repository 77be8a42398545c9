"""GitHub pull requests, their reviews and commits, and the default branch's commits."""

from __future__ import annotations

import base64

from .github_repos import label_obj, milestone, org_owner, repository, team_obj, user
from .github_rest import error, find_repo, invalid, paginate, reply, repo_route, since_arg
from .model import ORG, Commit, PullRequest, Repository, User
from .timefmt import github_time


def pull_simple(pr: PullRequest, repo: Repository, org, base: str) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    html = f"https://github.com/{repo.full_name}/pull/{pr.number}"
    repo_dict = repository(repo, base, org.now)
    requested = (
        [] if pr.state == "closed" or pr.reviews else [org.users[(pr.number + 1) % len(org.users)]]
    )
    labels = [label_obj(repo, "enhancement", base)] if pr.number % 5 == 0 else []
    locked = pr.state == "closed" and pr.number % 13 == 0  # long-closed threads get locked
    return {
        "url": f"{api}/pulls/{pr.number}",
        "id": pr.id,
        "node_id": base64.b64encode(f"011:PullRequest{pr.id}".encode()).decode(),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{api}/issues/{pr.number}",
        "commits_url": f"{api}/pulls/{pr.number}/commits",
        "review_comments_url": f"{api}/pulls/{pr.number}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{pr.number}/comments",
        "statuses_url": f"{api}/statuses/{pr.head_sha}",
        "number": pr.number,
        "state": pr.state,
        "locked": locked,
        "title": pr.title,
        "user": user(pr.author, base),
        "body": f"This pull request: {pr.title.lower()}.",
        "labels": labels,
        "milestone": milestone(repo, base, org.now, pr.number % 14 == 0)
        if pr.number % 7 == 0
        else None,
        "active_lock_reason": "resolved" if locked else None,
        "created_at": github_time(pr.created_at),
        "updated_at": github_time(pr.updated_at),
        "closed_at": github_time(pr.closed_at),
        "merged_at": github_time(pr.merged_at),
        "merge_commit_sha": pr.merge_commit_sha,
        "assignee": user(pr.author, base),
        "assignees": [user(pr.author, base)],
        "requested_reviewers": [user(u, base) for u in requested],
        "requested_teams": [team_obj(base)] if pr.number % 4 == 0 and pr.state == "open" else [],
        "head": _branch(f"{ORG}:{pr.branch}", pr.branch, pr.head_sha, repo_dict, base),
        "base": _branch(f"{ORG}:main", "main", pr.base_sha, repo_dict, base),
        "_links": _pull_links(pr, api, html),
        "author_association": "NONE" if pr.author.is_bot else "MEMBER",
        "auto_merge": None,
        "draft": pr.draft,
    }


def _branch(label: str, ref: str, sha: str, repo_dict: dict, base: str) -> dict:
    return {"label": label, "ref": ref, "sha": sha, "user": org_owner(base), "repo": repo_dict}


def _pull_links(pr: PullRequest, api: str, html: str) -> dict:
    return {
        "self": {"href": f"{api}/pulls/{pr.number}"},
        "html": {"href": html},
        "issue": {"href": f"{api}/issues/{pr.number}"},
        "comments": {"href": f"{api}/issues/{pr.number}/comments"},
        "review_comments": {"href": f"{api}/pulls/{pr.number}/comments"},
        "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
        "commits": {"href": f"{api}/pulls/{pr.number}/commits"},
        "statuses": {"href": f"{api}/statuses/{pr.head_sha}"},
    }


def pull_full(pr: PullRequest, repo: Repository, org, base: str) -> dict:
    body = pull_simple(pr, repo, org, base)
    merged = pr.merged_at is not None
    body.update(
        {
            "merged": merged,
            "mergeable": None if pr.state == "closed" else True,
            "rebaseable": None if pr.state == "closed" else True,
            "mergeable_state": "unknown"
            if pr.state == "closed"
            else ("draft" if pr.draft else "clean"),
            "merged_by": user(pr.merged_by, base),
            "comments": len(pr.reviews),
            "review_comments": sum(1 for r in pr.reviews if r.state != "APPROVED"),
            "maintainer_can_modify": False,
            "commits": len(pr.commits),
            "additions": pr.additions,
            "deletions": pr.deletions,
            "changed_files": pr.changed_files,
        }
    )
    return body


def review_obj(review, pr: PullRequest, repo: Repository, base: str) -> dict:
    html = f"https://github.com/{repo.full_name}/pull/{pr.number}#pullrequestreview-{review.id}"
    pr_url = f"{base}/repos/{repo.full_name}/pulls/{pr.number}"
    return {
        "id": review.id,
        "node_id": base64.b64encode(f"017:PullRequestReview{review.id}".encode()).decode(),
        "user": user(review.user, base),
        "body": review.body,
        "state": review.state,
        "html_url": html,
        "pull_request_url": pr_url,
        "_links": {"html": {"href": html}, "pull_request": {"href": pr_url}},
        "submitted_at": github_time(review.submitted_at),
        "commit_id": review.commit_id,
        "author_association": "NONE" if review.user.is_bot else "MEMBER",
    }


def commit_obj(c: Commit, repo: Repository, base: str, committer: User | None = None) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    committer = committer or c.author
    return {
        "url": f"{api}/commits/{c.sha}",
        "sha": c.sha,
        "node_id": base64.b64encode(f"06:Commit{repo.id}:{c.sha}".encode()).decode(),
        "html_url": f"https://github.com/{repo.full_name}/commit/{c.sha}",
        "comments_url": f"{api}/commits/{c.sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{c.sha}",
            "author": {
                "name": c.author.name,
                "email": c.author.email,
                "date": github_time(c.authored_at),
            },
            "committer": {
                "name": committer.name,
                "email": committer.email,
                "date": github_time(c.committed_at),
            },
            "message": c.message,
            "tree": {"url": f"{api}/git/trees/{c.sha[::-1]}", "sha": c.sha[::-1]},
            "comment_count": 0,
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        },
        "author": user(c.author, base),
        "committer": user(committer, base),
        "parents": [
            {
                "url": f"{api}/commits/{c.parent}",
                "sha": c.parent,
                "html_url": f"https://github.com/{repo.full_name}/commit/{c.parent}",
            }
        ],
    }


def _sort_pulls(ctx, pulls: list[PullRequest]) -> list[PullRequest]:
    state = ctx.args.get("state", "open")
    if state not in ("open", "closed", "all"):
        raise invalid("state")
    if state != "all":
        pulls = [p for p in pulls if p.state == state]
    sort = ctx.args.get("sort", "created")
    direction = ctx.args.get("direction", "desc" if sort == "created" else "asc")
    keys = {
        "created": lambda p: (p.created_at, p.number),
        "updated": lambda p: (p.updated_at, p.number),
        "popularity": lambda p: (len(p.reviews), p.number),
        "long-running": lambda p: (-(p.created_at if p.state == "open" else 0), p.number),
    }
    if sort not in keys:
        raise invalid("sort")
    if direction not in ("asc", "desc"):
        raise invalid("direction")
    return sorted(pulls, key=keys[sort], reverse=direction == "desc")


@repo_route("/repos/<owner>/<repo>/pulls", "pulls")
def list_pulls(ctx, owner=None, repo=None, repo_id=None):
    if ctx.app.recorded is not None:
        return ctx.app.recorded.pulls(ctx, owner, repo, repo_id)
    r = find_repo(ctx, owner, repo, repo_id)
    page, headers = paginate(
        ctx, _sort_pulls(ctx, list(r.pulls.values())), f"/repositories/{r.id}/pulls"
    )
    return reply([pull_simple(p, r, ctx.org, ctx.base) for p in page], headers)


def _pull(ctx, r: Repository, number: int) -> PullRequest:
    pr = r.pulls.get(number)
    if pr is None:
        raise error(404, "Not Found")
    return pr


@repo_route("/repos/<owner>/<repo>/pulls/<int:number>", "pull")
def get_pull(ctx, number, owner=None, repo=None, repo_id=None):
    if ctx.app.recorded is not None:
        return ctx.app.recorded.pull(ctx, owner, repo, number)
    r = find_repo(ctx, owner, repo, repo_id)
    return reply(pull_full(_pull(ctx, r, number), r, ctx.org, ctx.base))


@repo_route("/repos/<owner>/<repo>/pulls/<int:number>/reviews", "reviews")
def list_reviews(ctx, number, owner=None, repo=None, repo_id=None):
    if ctx.app.recorded is not None:
        return ctx.app.recorded.reviews(ctx, owner, repo, number)
    r = find_repo(ctx, owner, repo, repo_id)
    pr = _pull(ctx, r, number)
    page, headers = paginate(ctx, pr.reviews, f"/repositories/{r.id}/pulls/{number}/reviews")
    return reply([review_obj(v, pr, r, ctx.base) for v in page], headers)


@repo_route("/repos/<owner>/<repo>/pulls/<int:number>/commits", "pull_commits")
def list_pull_commits(ctx, number, owner=None, repo=None, repo_id=None):
    if ctx.app.recorded is not None:
        return ctx.app.recorded.pull_commits(ctx, owner, repo, number)
    r = find_repo(ctx, owner, repo, repo_id)
    pr = _pull(ctx, r, number)
    commits = pr.commits[:250]  # GitHub caps this endpoint at 250 commits
    page, headers = paginate(ctx, commits, f"/repositories/{r.id}/pulls/{number}/commits")
    return reply([commit_obj(c, r, ctx.base) for c in page], headers)


@repo_route("/repos/<owner>/<repo>/commits", "commits")
def list_commits(ctx, owner=None, repo=None, repo_id=None):
    r = find_repo(ctx, owner, repo, repo_id)
    since, until = since_arg(ctx, "since"), since_arg(ctx, "until")
    commits = r.commits
    ref = ctx.args.get("sha")
    if ref and ref != "main":
        for pr in r.pulls.values():
            if ref in (pr.branch, pr.head_sha):
                commits = pr.commits
                break
        else:
            raise error(404, "No commit found for SHA: " + ref)
    selected = [
        c
        for c in reversed(commits)
        if (since is None or c.committed_at >= since) and (until is None or c.committed_at <= until)
    ]
    page, headers = paginate(ctx, selected, f"/repositories/{r.id}/commits")
    web = User("web-flow", 19864447, "GitHub")
    return reply(
        [commit_obj(c, r, ctx.base, web if ref in (None, "", "main") else None) for c in page],
        headers,
    )
