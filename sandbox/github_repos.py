"""GitHub users, repositories, labels, milestones and teams, and /user, /rate_limit, /repos/x/y.

Objects carry every key GitHub's OpenAPI description marks required (null where allowed) and
the keys of GitHub's own examples.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from .github_rest import (
    INSTALLATION,
    as_user_only,
    check_version,
    error,
    find_repo,
    invalid,
    paginate,
    rate_headers,
    reply,
    repo_route,
)
from .model import ORG, Repository, User
from .timefmt import github_time


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


def _repo_urls(api: str, full: str) -> dict:
    """The hypermedia URL templates a repository lists between `url` and `clone_url`."""
    return {
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
    }


def _repo_settings(base: str) -> dict:
    """Permissions, merge options and licence: the same for every generated repository."""
    return {
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
        **_repo_urls(api, full),
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
        **_repo_settings(base),
    }


def repository(repo: Repository, base: str, now: int) -> dict:
    return repo_obj(repo.name, repo.id, repo.created_at, now, base)


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


def minimal_repository(repo: Repository, base: str, now: int) -> dict:
    """The short repository form that workflow runs embed."""
    return {k: v for k, v in repository(repo, base, now).items() if k in _MINIMAL_KEYS}


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


@repo_route("/user", "user")
def get_user(ctx):
    check_version(ctx)
    as_user_only(ctx)
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


REPO_SORTS = {
    "full_name": lambda r: r.full_name.lower(),
    "created": lambda r: r.created_at,
    # Every generated repository was pushed to "now"; the id keeps the order stable.
    "updated": lambda r: r.id,
    "pushed": lambda r: r.id,
}
AFFILIATIONS = {"owner", "collaborator", "organization_member"}


def _listed_repos(ctx) -> list[Repository]:
    if ctx.app.recorded is not None:
        return []  # recorded mode serves its one repository by /repos/{owner}/{repo} only
    return list(ctx.org.repos.values())


@repo_route("/user/repos", "user_repos")
def user_repos(ctx):
    """The viewer's repositories: here all are the organisation's, seen as a member of it."""
    check_version(ctx)
    as_user_only(ctx)
    args = ctx.args
    if "type" in args and ("visibility" in args or "affiliation" in args):
        raise invalid("type")  # GitHub: type with visibility or affiliation is a 422
    affiliation = {a.strip() for a in args.get("affiliation", ",".join(AFFILIATIONS)).split(",")}
    sort = args.get("sort", "full_name")
    if not affiliation <= AFFILIATIONS or sort not in REPO_SORTS:
        raise invalid("affiliation" if sort in REPO_SORTS else "sort")
    if args.get("visibility", "all") not in ("all", "public", "private"):
        raise invalid("visibility")
    repos = _listed_repos(ctx)
    if "organization_member" not in affiliation or args.get("visibility") == "public":
        repos = []  # the organisation owns every repository, and each is private
    if args.get("type") in ("owner", "public"):
        repos = []
    default = "asc" if sort == "full_name" else "desc"
    descending = args.get("direction", default) == "desc"
    repos.sort(key=REPO_SORTS[sort], reverse=descending)
    page, headers = paginate(ctx, repos, "/user/repos")
    return reply([repository(r, ctx.base, ctx.org.now) for r in page], headers)


@repo_route("/installation/repositories", "installation_repositories")
def installation_repositories(ctx):
    """Repositories the app installation may read; installation tokens only (GitHub: 403)."""
    check_version(ctx)
    if ctx.user != INSTALLATION:
        raise error(
            403,
            "You must authenticate with an installation access token in order to list "
            "repositories for an installation.",
        )
    repos = sorted(_listed_repos(ctx), key=lambda r: r.id)
    page, headers = paginate(ctx, repos, "/installation/repositories")
    body = {
        "total_count": len(repos),
        "repository_selection": "selected",
        "repositories": [repository(r, ctx.base, ctx.org.now) for r in page],
    }
    return reply(body, headers)
