"""GitHub's Api (auth, rate limits, ETags, errors) and the helpers its endpoint modules share.

Token auth, rate-limit windows and headers, ETags, error bodies, API versions, repository lookup
and Link pagination.
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import urlencode

from .model import ORG, Repository
from .routing import ROUTES, SECONDARY_LIMIT_MESSAGE, Api, ApiError, Reply, label_of
from .timefmt import parse_iso

GITHUB_DOCS = "https://docs.github.com/rest"
SUPPORTED_VERSIONS = ("2022-11-28", "2026-03-10")
# GraphQL spends its own points budget; asking for the rate limit is free.
FREE_ENDPOINTS = ("github.rate_limit", "github.graphql")
# ctx.user of a request made with the installation token (GitHub App bots are "<app>[bot]").
INSTALLATION = "agiletrack-sandbox[bot]"


def github_window(app, resource: str):
    """The hourly window of a resource ("core" for REST, "graphql" for GraphQL points)."""
    s = app.settings
    limit = s.github_graphql_budget if resource == "graphql" else s.github_budget
    return app.window(("github", resource), limit, s.github_window_seconds)


def rate_headers(app, resource: str) -> dict:
    win = github_window(app, resource)
    now = time.time()
    return {
        "x-ratelimit-limit": str(win.limit),
        "x-ratelimit-remaining": str(win.remaining(now)),
        "x-ratelimit-reset": str(int(win.reset_at(now))),
        "x-ratelimit-used": str(min(win.used, win.limit)),
        "x-ratelimit-resource": resource,
    }


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


class GitHubApi(Api):
    """Every path that is not Jira's, Trello's or the sandbox's own (REST and /graphql)."""

    def error_body(self, status: int, message: str):
        return {"message": message, "documentation_url": GITHUB_DOCS, "status": str(status)}

    def authenticate(self, ctx):
        header = ctx.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        creds = ctx.org.credentials["github"]
        known = {creds["token"]: ctx.org.viewer.login, creds["installation_token"]: INSTALLATION}
        if scheme.lower() not in ("token", "bearer") or token.strip() not in known:
            body = self.error_body(401, "Bad credentials")
            return Reply(body, 401, rate_headers(ctx.app, "core"))
        ctx.user = known[token.strip()]
        return None

    def limit(self, ctx, endpoint):
        if endpoint in FREE_ENDPOINTS:
            return None
        now = time.time()
        win = github_window(ctx.app, "core")
        if win.remaining(now) > 0:
            return None  # spent in finish(), once the answer is known not to be a 304
        headers = rate_headers(ctx.app, "core")
        headers["retry-after"] = str(max(1, int(win.reset_at(now) - now)))
        body = {
            "message": f"API rate limit exceeded for user ID {ctx.org.viewer.id}.",
            "documentation_url": GITHUB_DOCS + "/overview/rate-limits-for-the-rest-api",
        }
        return Reply(body, ctx.app.settings.github_exhausted_status, headers)

    def finish(self, ctx, status, data, headers, label, charge):
        resource = headers.pop("_resource", "core")
        if status == 200 and ctx.request.method == "GET":
            etag = '"{}"'.format(hashlib.sha256(data + (ctx.user or "").encode()).hexdigest()[:40])
            headers["ETag"] = etag
            headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
            headers["Vary"] = "Accept, Authorization, Cookie, X-GitHub-OTP"
            if etag in _etags(ctx.request.headers.get("If-None-Match", "")):
                status, data = 304, b""  # a conditional request answered 304 is free
        if charge and status != 304 and resource == "core" and label != "GET /rate_limit":
            github_window(ctx.app, "core").spend(time.time())
        headers.update(rate_headers(ctx.app, resource))
        headers.setdefault("X-GitHub-Media-Type", "github.v3; format=json")
        return status, data

    def limited(self, fault, org, headers):
        message = SECONDARY_LIMIT_MESSAGE
        if fault.kind == "rate_limit":
            message = f"API rate limit exceeded for user ID {org.viewer.id}."
            headers |= {"x-ratelimit-remaining": "0"}
        body = {"message": message, "documentation_url": GITHUB_DOCS}
        return Reply(body, fault.status, headers)


GITHUB = ROUTES.add_api(GitHubApi("github", ""))


def repo_route(template: str, name: str, methods=("GET",)):
    """Route an endpoint; a repository-scoped one under both its /repos and /repositories forms
    (list pages link with `/repositories/{id}/...` URLs, as the real API does)."""

    def wrap(fn):
        GITHUB.route(template, name, methods)(fn)
        if template.startswith("/repos/<owner>/<repo>"):
            by_id = template.replace("/repos/<owner>/<repo>", "/repositories/<int:repo_id>")
            GITHUB.route(by_id, f"{name}_byid", methods, label=label_of(template))(fn)
        return fn

    return wrap


def error(status: int, message: str) -> ApiError:
    return ApiError(status, GITHUB.error_body(status, message))


def invalid(field_name: str) -> ApiError:
    body = {
        "message": "Validation Failed",
        "errors": [{"resource": "PullRequest", "code": "invalid", "field": field_name}],
        "documentation_url": GITHUB_DOCS,
    }
    return ApiError(422, body)


def reply(body, headers=None) -> Reply:
    return Reply(body, 200, headers or {})


def check_version(ctx) -> None:
    version = ctx.request.headers.get("X-GitHub-Api-Version")
    if version is not None and version not in SUPPORTED_VERSIONS:
        raise error(400, f"Unsupported 'X-GitHub-Api-Version' header: '{version}'")


def as_user_only(ctx) -> None:
    """Endpoints of the authenticated user refuse installation tokens, as GitHub does."""
    if ctx.user == INSTALLATION:
        raise error(403, "Resource not accessible by integration")


def find_repo(ctx, owner=None, repo=None, repo_id=None) -> Repository:
    check_version(ctx)
    if ctx.app.recorded is not None:
        raise error(404, "Not Found")
    if repo_id is not None:
        for candidate in ctx.org.repos.values():
            if candidate.id == repo_id:
                return candidate
        raise error(404, "Not Found")
    found = ctx.org.repos.get(repo)
    if found is None or owner != ORG:
        raise error(404, "Not Found")
    return found


def since_arg(ctx, name: str) -> int | None:
    value = ctx.args.get(name)
    if not value:
        return None
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise error(422, f"Invalid value for parameter '{name}': {value}") from exc


def _int_arg(ctx, name: str, default: int) -> int:
    try:
        return int(ctx.args.get(name, default))
    except ValueError:
        return default


def paginate(ctx, items: list, link_path: str, default: int = 30):
    """Slice one page and build GitHub's `Link` header (first/prev/next/last)."""
    per_page = min(100, max(1, _int_arg(ctx, "per_page", default)))
    page = max(1, _int_arg(ctx, "page", 1))
    total = len(items)
    last = max(1, -(-total // per_page))
    params = [(k, v) for k, v in ctx.args.items(multi=True) if k not in ("page", "per_page")]
    params.append(("per_page", str(per_page)))

    def url(n: int) -> str:
        return f"<{ctx.base}{link_path}?{urlencode([*params, ('page', str(n))])}>"

    links = []
    if page > 1:
        links.append(f'{url(min(page - 1, last))}; rel="prev"')
    if page < last:
        links.append(f'{url(page + 1)}; rel="next"')
        links.append(f'{url(last)}; rel="last"')
    if page > 1:
        links.append(f'{url(1)}; rel="first"')
    headers = {"Link": ", ".join(links)} if links else {}
    return items[(page - 1) * per_page : page * per_page], headers
