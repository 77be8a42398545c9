"""GitHub REST v3 endpoints (API version 2022-11-28) over the generated organisation.

Objects carry every key GitHub's OpenAPI description marks required (null where allowed) and
the keys of GitHub's own examples. List pages link with `/repositories/{id}/...` URLs, as the
real API does, so both URL forms are routed.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from .generate import ORG, Commit, PullRequest, Repository, User
from .github_rest import (
    check_version,
    error,
    find_repo,
    invalid,
    paginate,
    rate_headers,
    reply,
    repo_route,
    since_arg,
)
from .timefmt import github_time, parse_iso

# ---------------------------------------------------------------------- object builders


@lru_cache(maxsize=4096)
def user_obj(login: str, uid: int, kind: str, base: str) -> dict:
    b64 = base64.b64encode(f"04:{kind}{uid}".encode()).decode()
    return {
        "login": login,
        "id": uid,
        "node_id": b64,
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "gravatar_id": "",
        "url": f"{base}/users/{login}",
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{base}/users/{login}/followers",
        "following_url": f"{base}/users/{login}/following{{/other_user}}",
        "gists_url": f"{base}/users/{login}/gists{{/gist_id}}",
        "starred_url": f"{base}/users/{login}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/users/{login}/subscriptions",
        "organizations_url": f"{base}/users/{login}/orgs",
        "repos_url": f"{base}/users/{login}/repos",
        "events_url": f"{base}/users/{login}/events{{/privacy}}",
        "received_events_url": f"{base}/users/{login}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def user(u: User | None, base: str) -> dict | None:
    if u is None:
        return None
    return user_obj(u.login, u.id, "Bot" if u.is_bot else "User", base)


def org_owner(base: str) -> dict:
    return user_obj(ORG, 9_100_000, "Organization", base)


@lru_cache(maxsize=256)
def repo_obj(name: str, rid: int, created: int, pushed: int, base: str) -> dict:
    full = f"{ORG}/{name}"
    api = f"{base}/repos/{full}"
    html = f"https://github.com/{full}"
    return {
        "id": rid,
        "node_id": base64.b64encode(f"010:Repository{rid}".encode()).decode(),
        "name": name,
        "full_name": full,
        "owner": org_owner(base),
        "private": True,
        "html_url": html,
        "description": f"AgileTrack sandbox repository {name}",
        "fork": False,
        "url": api,
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "assignees_url": f"{api}/assignees{{/user}}",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "comments_url": f"{api}/comments{{/number}}",
        "commits_url": f"{api}/commits{{/sha}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "contributors_url": f"{api}/contributors",
        "deployments_url": f"{api}/deployments",
        "downloads_url": f"{api}/downloads",
        "events_url": f"{api}/events",
        "forks_url": f"{api}/forks",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_url": f"git://github.com/{full}.git",
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "issue_events_url": f"{api}/issues/events{{/number}}",
        "issues_url": f"{api}/issues{{/number}}",
        "keys_url": f"{api}/keys{{/key_id}}",
        "labels_url": f"{api}/labels{{/name}}",
        "languages_url": f"{api}/languages",
        "merges_url": f"{api}/merges",
        "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "releases_url": f"{api}/releases{{/id}}",
        "ssh_url": f"git@github.com:{full}.git",
        "stargazers_url": f"{api}/stargazers",
        "statuses_url": f"{api}/statuses/{{sha}}",
        "subscribers_url": f"{api}/subscribers",
        "subscription_url": f"{api}/subscription",
        "tags_url": f"{api}/tags",
        "teams_url": f"{api}/teams",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "clone_url": f"{html}.git",
        "mirror_url": None,
        "hooks_url": f"{api}/hooks",
        "svn_url": html,
        "homepage": f"https://{name}.acme-eng.example",
        "language": "Python",
        "forks_count": 0,
        "stargazers_count": 3,
        "watchers_count": 3,
        "size": 2048,
        "default_branch": "main",
        "open_issues_count": 0,
        "topics": ["agiletrack", "sandbox"],
        "has_issues": True,
        "has_projects": True,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "archived": False,
        "disabled": False,
        "visibility": "private",
        "pushed_at": github_time(pushed),
        "created_at": github_time(created),
        "updated_at": github_time(pushed),
        "permissions": {
            "admin": False,
            "maintain": False,
            "push": True,
            "triage": True,
            "pull": True,
        },
        "allow_rebase_merge": True,
        "temp_clone_token": "",
        "allow_squash_merge": True,
        "allow_merge_commit": True,
        "allow_forking": False,
        "forks": 0,
        "open_issues": 0,
        "license": {
            "key": "mit",
            "name": "MIT License",
            "url": f"{base}/licenses/mit",
            "spdx_id": "MIT",
            "node_id": "MDc6TGljZW5zZW1pdA==",
            "html_url": "https://github.com/acme-eng/licenses/blob/main/MIT",
        },
        "watchers": 3,
        "allow_auto_merge": True,
        "delete_branch_on_merge": True,
        "is_template": False,
        "template_repository": None,
        "network_count": 0,
        "subscribers_count": 3,
    }


def repository(repo: Repository, base: str, now: int) -> dict:
    return repo_obj(repo.name, repo.id, repo.created_at, now, base)


def label_obj(repo: Repository, name: str, base: str) -> dict:
    colours = {
        "incident": "b60205",
        "production": "d93f0b",
        "bug": "d73a4a",
        "enhancement": "a2eeef",
    }
    lid = (
        4_000_000 + repo.index * 100 + sorted(colours).index(name) if name in colours else 4_999_999
    )
    return {
        "id": lid,
        "node_id": base64.b64encode(f"05:Label{lid}".encode()).decode(),
        "url": f"{base}/repos/{repo.full_name}/labels/{name}",
        "name": name,
        "description": {"incident": "Production incident"}.get(name, f"{name.title()} work"),
        "color": colours.get(name, "ededed"),
        "default": name in ("bug", "enhancement"),
    }


def milestone(repo: Repository, base: str, now: int, closed: bool = False) -> dict:
    """The open Q4 milestone, or the closed Q3 one."""
    api = f"{base}/repos/{repo.full_name}"
    body = {
        "url": f"{api}/milestones/1",
        "html_url": f"https://github.com/{repo.full_name}/milestones/Q4",
        "labels_url": f"{api}/milestones/1/labels",
        "id": 9_000_000 + repo.index,
        "node_id": base64.b64encode(f"09:Milestone{repo.index}".encode()).decode(),
        "number": 1,
        "state": "open",
        "title": "Q4",
        "description": "Quarterly goals",
        "creator": org_owner(base),
        "open_issues": 4,
        "closed_issues": 8,
        "created_at": github_time(repo.created_at),
        "updated_at": github_time(now - 86400),
        "closed_at": None,
        "due_on": github_time(now + 30 * 86400),
    }
    if closed:
        body |= {
            "state": "closed",
            "title": "Q3",
            "closed_at": github_time(now - 32 * 86400),
            "due_on": github_time(now - 31 * 86400),
            "open_issues": 0,
            "closed_issues": 12,
            "html_url": f"https://github.com/{repo.full_name}/milestones/Q3",
            "url": f"{api}/milestones/2",
            "labels_url": f"{api}/milestones/2/labels",
            "number": 2,
            "id": 9_100_000 + repo.index,
        }
    return body


def team_obj(base: str) -> dict:
    return {
        "id": 77,
        "node_id": "MDQ6VGVhbTc3",
        "url": f"{base}/teams/77",
        "html_url": f"https://github.com/orgs/{ORG}/teams/platform",
        "name": "Platform",
        "slug": "platform",
        "description": "Platform team",
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "push",
        "members_url": f"{base}/teams/77/members{{/member}}",
        "repositories_url": f"{base}/teams/77/repos",
        "parent": None,
        "type": "organization",
    }


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
        "head": {
            "label": f"{ORG}:{pr.branch}",
            "ref": pr.branch,
            "sha": pr.head_sha,
            "user": org_owner(base),
            "repo": repo_dict,
        },
        "base": {
            "label": f"{ORG}:main",
            "ref": "main",
            "sha": pr.base_sha,
            "user": org_owner(base),
            "repo": repo_dict,
        },
        "_links": {
            "self": {"href": f"{api}/pulls/{pr.number}"},
            "html": {"href": html},
            "issue": {"href": f"{api}/issues/{pr.number}"},
            "comments": {"href": f"{api}/issues/{pr.number}/comments"},
            "review_comments": {"href": f"{api}/pulls/{pr.number}/comments"},
            "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
            "commits": {"href": f"{api}/pulls/{pr.number}/commits"},
            "statuses": {"href": f"{api}/statuses/{pr.head_sha}"},
        },
        "author_association": "NONE" if pr.author.is_bot else "MEMBER",
        "auto_merge": None,
        "draft": pr.draft,
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


def deployment_obj(d, repo: Repository, base: str) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    return {
        "url": f"{api}/deployments/{d.id}",
        "id": d.id,
        "node_id": base64.b64encode(f"010:Deployment{d.id}".encode()).decode(),
        "sha": d.sha,
        "ref": "main",
        "task": "deploy",
        "payload": {},
        "original_environment": "production",
        "environment": "production",
        "description": f"Deploy {d.sha[:7]} to production",
        "creator": user(d.creator, base),
        "created_at": github_time(d.created_at),
        "updated_at": github_time(d.updated_at),
        "statuses_url": f"{api}/deployments/{d.id}/statuses",
        "repository_url": api,
        "transient_environment": False,
        "production_environment": True,
        "performed_via_github_app": None,
    }


def status_obj(s, d, repo: Repository, base: str) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    text = {
        "success": "Deployment finished successfully.",
        "failure": "Deployment failed.",
        "in_progress": "Deployment started.",
    }
    log = f"https://github.com/{repo.full_name}/actions/runs/{d.id}"
    return {
        "url": f"{api}/deployments/{d.id}/statuses/{s.id}",
        "id": s.id,
        "node_id": base64.b64encode(f"016:DeploymentStatus{s.id}".encode()).decode(),
        "state": s.state,
        "creator": user(d.creator, base),
        "description": text.get(s.state, ""),
        "environment": "production",
        "target_url": log,
        "created_at": github_time(s.created_at),
        "updated_at": github_time(s.created_at),
        "deployment_url": f"{api}/deployments/{d.id}",
        "repository_url": api,
        "environment_url": f"https://{repo.name}.acme-eng.example",
        "log_url": log,
        "performed_via_github_app": None,
    }


def release_obj(r, repo: Repository, base: str) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    html = f"https://github.com/{repo.full_name}/releases/tag/{r.tag}"
    asset_id = r.id * 10
    return {
        "url": f"{api}/releases/{r.id}",
        "html_url": html,
        "assets_url": f"{api}/releases/{r.id}/assets",
        "upload_url": f"https://uploads.github.com/repos/{repo.full_name}/releases/{r.id}/assets{{?name,label}}",
        "tarball_url": f"{api}/tarball/{r.tag}",
        "zipball_url": f"{api}/zipball/{r.tag}",
        "id": r.id,
        "node_id": base64.b64encode(f"07:Release{r.id}".encode()).decode(),
        "tag_name": r.tag,
        "target_commitish": "main",
        "name": r.tag,
        "body": f"Release {r.tag}",
        "draft": False,
        "prerelease": False,
        "immutable": False,
        "created_at": github_time(r.created_at),
        "published_at": github_time(r.created_at),
        "updated_at": github_time(r.created_at),
        "author": user(r.author, base),
        "assets": [
            {
                "url": f"{api}/releases/assets/{asset_id}",
                "browser_download_url": f"https://github.com/{repo.full_name}/releases/download/{r.tag}/{repo.name}.tar.gz",
                "id": asset_id,
                "node_id": base64.b64encode(f"012:ReleaseAsset{asset_id}".encode()).decode(),
                "name": f"{repo.name}.tar.gz",
                "label": "Build output",
                "state": "uploaded",
                "content_type": "application/gzip",
                "size": 1048576,
                "digest": "sha256:" + (r.sha + r.sha)[:64],
                "download_count": 3,
                "created_at": github_time(r.created_at),
                "updated_at": github_time(r.created_at),
                "uploader": user(r.author, base),
            }
        ],
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
        "reactions": {
            "url": f"{api}/issues/{item.number}/reactions",
            "total_count": 0,
            "+1": 0,
            "-1": 0,
            "laugh": 0,
            "hooray": 0,
            "confused": 0,
            "heart": 0,
            "rocket": 0,
            "eyes": 0,
        },
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


def run_obj(run, repo: Repository, org, base: str) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    status = "completed" if run.conclusion else "in_progress"
    prs = []
    if run.pr_number is not None:
        pr = repo.pulls[run.pr_number]
        prs.append(
            {
                "id": pr.id,
                "number": pr.number,
                "url": f"{api}/pulls/{pr.number}",
                "head": {
                    "ref": pr.branch,
                    "sha": pr.head_sha,
                    "repo": {"id": repo.id, "url": api, "name": repo.name},
                },
                "base": {
                    "ref": "main",
                    "sha": pr.base_sha,
                    "repo": {"id": repo.id, "url": api, "name": repo.name},
                },
            }
        )
    repo_min = {k: v for k, v in repository(repo, base, org.now).items() if k in _MINIMAL_KEYS}
    return {
        "id": run.id,
        "name": run.name,
        "node_id": base64.b64encode(f"011:WorkflowRun{run.id}".encode()).decode(),
        "check_suite_id": run.id + 7,
        "check_suite_node_id": base64.b64encode(f"010:CheckSuite{run.id + 7}".encode()).decode(),
        "head_branch": run.branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "display_title": run.message,
        "run_number": run.run_number,
        "event": run.event,
        "status": status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "url": f"{api}/actions/runs/{run.id}",
        "html_url": f"https://github.com/{repo.full_name}/actions/runs/{run.id}",
        "pull_requests": prs,
        "created_at": github_time(run.created_at),
        "updated_at": github_time(run.updated_at),
        "actor": user(run.actor, base),
        "run_attempt": 1,
        "referenced_workflows": [],
        "run_started_at": github_time(run.created_at),
        "triggering_actor": user(run.actor, base),
        "jobs_url": f"{api}/actions/runs/{run.id}/jobs",
        "logs_url": f"{api}/actions/runs/{run.id}/logs",
        "check_suite_url": f"{api}/check-suites/{run.id + 7}",
        "artifacts_url": f"{api}/actions/runs/{run.id}/artifacts",
        "cancel_url": f"{api}/actions/runs/{run.id}/cancel",
        "rerun_url": f"{api}/actions/runs/{run.id}/rerun",
        "previous_attempt_url": None,
        "workflow_url": f"{api}/actions/workflows/{run.workflow_id}",
        "head_commit": {
            "id": run.head_sha,
            "tree_id": run.head_sha[::-1],
            "message": run.message,
            "timestamp": github_time(run.created_at - 60),
            "author": {"name": run.actor.name, "email": run.actor.email},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": repo_min,
        "head_repository": repo_min,
        "head_repository_id": repo.id,
    }


_MINIMAL_KEYS = {
    "id",
    "node_id",
    "name",
    "full_name",
    "owner",
    "private",
    "html_url",
    "description",
    "fork",
    "url",
    "archive_url",
    "assignees_url",
    "blobs_url",
    "branches_url",
    "collaborators_url",
    "comments_url",
    "commits_url",
    "compare_url",
    "contents_url",
    "contributors_url",
    "deployments_url",
    "downloads_url",
    "events_url",
    "forks_url",
    "git_commits_url",
    "git_refs_url",
    "git_tags_url",
    "git_url",
    "issue_comment_url",
    "issue_events_url",
    "issues_url",
    "keys_url",
    "labels_url",
    "languages_url",
    "merges_url",
    "milestones_url",
    "notifications_url",
    "pulls_url",
    "releases_url",
    "ssh_url",
    "stargazers_url",
    "statuses_url",
    "subscribers_url",
    "subscription_url",
    "tags_url",
    "teams_url",
    "trees_url",
    "hooks_url",
}


# ---------------------------------------------------------------------- handlers


@repo_route("/user", "user")
def get_user(ctx):
    check_version(ctx)
    u = ctx.org.viewer
    body = dict(user(u, ctx.base))
    body.update(
        {
            "name": u.name,
            "company": "Acme Engineering",
            "blog": "",
            "location": "Remote",
            "email": u.email,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 2,
            "following": 1,
            "created_at": "2019-03-04T10:00:00Z",
            "updated_at": github_time(ctx.org.now - 86400),
        }
    )
    return reply(body)


@repo_route("/rate_limit", "rate_limit")
def rate_limit(ctx):
    check_version(ctx)
    resources = {}
    for name in ("core", "graphql"):
        h = rate_headers(ctx.app, name)
        resources[name] = {
            "limit": int(h["x-ratelimit-limit"]),
            "used": int(h["x-ratelimit-used"]),
            "remaining": int(h["x-ratelimit-remaining"]),
            "reset": int(h["x-ratelimit-reset"]),
        }
    reset = resources["core"]["reset"]
    for name, limit in (
        ("search", 30),
        ("code_search", 10),
        ("integration_manifest", 5000),
        ("source_import", 100),
        ("code_scanning_upload", 500),
        ("actions_runner_registration", 10000),
        ("scim", 15000),
        ("dependency_snapshots", 100),
        ("code_scanning_autofix", 10),
    ):
        resources[name] = {"limit": limit, "used": 0, "remaining": limit, "reset": reset}
    return reply({"resources": resources, "rate": resources["core"]})


@repo_route("/repos/<owner>/<repo>", "repository")
def get_repository(ctx, owner=None, repo=None, repo_id=None):
    r = find_repo(ctx, owner, repo, repo_id)
    body = dict(repository(r, ctx.base, ctx.org.now))
    body.update({"has_discussions": False, "network_count": 0, "subscribers_count": 3})
    return reply(body)


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


@repo_route("/repos/<owner>/<repo>/deployments", "deployments")
def list_deployments(ctx, owner=None, repo=None, repo_id=None):
    r = find_repo(ctx, owner, repo, repo_id)
    deployments = list(reversed(r.deployments))
    for key, attr in (("sha", "sha"),):
        if ctx.args.get(key):
            deployments = [d for d in deployments if getattr(d, attr) == ctx.args[key]]
    if ctx.args.get("environment") not in (None, "production"):
        deployments = []
    if ctx.args.get("task") not in (None, "deploy") or ctx.args.get("ref") not in (None, "main"):
        deployments = []
    page, headers = paginate(ctx, deployments, f"/repositories/{r.id}/deployments")
    return reply([deployment_obj(d, r, ctx.base) for d in page], headers)


@repo_route("/repos/<owner>/<repo>/deployments/<int:deployment_id>/statuses", "deployment_statuses")
def list_deployment_statuses(ctx, deployment_id, owner=None, repo=None, repo_id=None):
    r = find_repo(ctx, owner, repo, repo_id)
    for d in r.deployments:
        if d.id == deployment_id:
            statuses = list(reversed(d.statuses))
            path = f"/repositories/{r.id}/deployments/{deployment_id}/statuses"
            page, headers = paginate(ctx, statuses, path)
            return reply([status_obj(s, d, r, ctx.base) for s in page], headers)
    raise error(404, "Not Found")


@repo_route("/repos/<owner>/<repo>/releases", "releases")
def list_releases(ctx, owner=None, repo=None, repo_id=None):
    r = find_repo(ctx, owner, repo, repo_id)
    page, headers = paginate(ctx, list(reversed(r.releases)), f"/repositories/{r.id}/releases")
    return reply([release_obj(x, r, ctx.base) for x in page], headers)


@repo_route("/repos/<owner>/<repo>/actions/runs", "runs")
def list_runs(ctx, owner=None, repo=None, repo_id=None):
    if ctx.app.recorded is not None:
        return ctx.app.recorded.runs(ctx, owner, repo)
    r = find_repo(ctx, owner, repo, repo_id)
    runs = list(reversed(r.runs))
    args = ctx.args
    if args.get("event"):
        runs = [x for x in runs if x.event == args["event"]]
    if args.get("branch"):
        runs = [x for x in runs if x.branch == args["branch"]]
    if args.get("head_sha"):
        runs = [x for x in runs if x.head_sha == args["head_sha"]]
    if args.get("status"):
        want = args["status"]
        runs = [
            x
            for x in runs
            if want in (x.conclusion, "completed" if x.conclusion else "in_progress")
        ]
    created = args.get("created", "")
    if created.startswith(">="):
        floor = parse_iso(created[2:])
        runs = [x for x in runs if x.created_at >= floor]
    page, headers = paginate(ctx, runs, f"/repositories/{r.id}/actions/runs")
    body = {
        "total_count": len(runs),
        "workflow_runs": [run_obj(x, r, ctx.org, ctx.base) for x in page],
    }
    return reply(body, headers)


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
