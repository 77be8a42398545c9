"""GitHub provider: pull requests and deployments through GraphQL, incidents through REST issues.

Every stream starts with a cheap conditional REST request (ETag / If-None-Match); GitHub does not
charge a 304 against the rate limit, so a re-sync with nothing changed costs no budget at all.
Pull requests and deployments are then read newest-first through GraphQL in pages of 50 with
their reviews, commits and statuses nested, instead of one REST request per object.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import requests

from integrations.providers.base import (
    AuthenticationError,
    Batch,
    Commit,
    ConfigurationError,
    ConnectionCheck,
    Cursor,
    Deployment,
    Incident,
    MalformedResponseError,
    NotFoundError,
    Provider,
    ProviderError,
    PullRequest,
    RateLimitedError,
    Review,
)
from integrations.providers.http import HttpClient, HttpOptions, retry_after_of

API_VERSION = "2022-11-28"
DEFAULT_API_URL = "https://api.github.com"
# A deployment or workflow run can finish after a later one started: look this far behind the
# watermark (by creation time) for ones whose status changed since the last sync.
STATUS_LOOKBACK = timedelta(days=1)

PR_STATES = {"OPEN": "open", "CLOSED": "closed", "MERGED": "merged"}
TERMINAL_DEPLOYMENT_STATES = ("success", "failure", "error")
DEPLOYMENT_STATES = {
    "success": "success",
    "failure": "failure",
    "error": "error",
    "inactive": "inactive",
    "in_progress": "in_progress",
    "queued": "queued",
    "pending": "queued",
    "waiting": "queued",
}
RUN_CONCLUSIONS = {
    "success": "success",
    "failure": "failure",
    "timed_out": "failure",
    "startup_failure": "failure",
}

REVIEW_FIELDS = "databaseId state submittedAt author { __typename login }"
COMMIT_FIELDS = (
    "commit { oid message authoredDate committedDate author { name email user { login } } }"
)
PULLS_QUERY = f"""
query PullRequests($owner: String!, $name: String!, $size: Int!, $nested: Int!, $after: String) {{
  repository(owner: $owner, name: $name) {{
    pullRequests(first: $size, after: $after, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        databaseId number title url state isDraft createdAt updatedAt mergedAt closedAt
        additions deletions changedFiles baseRefName headRefName
        mergeCommit {{ oid }}
        author {{ __typename login }}
        reviews(first: $nested) {{
          pageInfo {{ hasNextPage endCursor }} nodes {{ {REVIEW_FIELDS} }}
        }}
        commits(first: $nested) {{
          pageInfo {{ hasNextPage endCursor }} nodes {{ {COMMIT_FIELDS} }}
        }}
      }}
    }}
  }}
}}
"""
PULL_CONNECTION_QUERY = """
query PullRequest{Name}($owner: String!, $name: String!, $number: Int!, $size: Int!,
                        $after: String) {{
  repository(owner: $owner, name: $name) {{
    pullRequest(number: $number) {{
      {field}(first: $size, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {fields} }}
      }}
    }}
  }}
}}
"""
REVIEWS_QUERY = PULL_CONNECTION_QUERY.format(Name="Reviews", field="reviews", fields=REVIEW_FIELDS)
COMMITS_QUERY = PULL_CONNECTION_QUERY.format(Name="Commits", field="commits", fields=COMMIT_FIELDS)
DEPLOYMENTS_QUERY = """
query Deployments($owner: String!, $name: String!, $size: Int!, $after: String,
                  $environments: [String!]) {
  repository(owner: $owner, name: $name) {
    deployments(first: $size, after: $after, environments: $environments,
                orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId environment createdAt updatedAt commitOid description
        latestStatus { state createdAt logUrl }
        statuses(first: 10) { nodes { state createdAt } }
      }
    }
  }
}
"""


# --- Pure parsing: payload in, records out (no HTTP) ---------------------------------------


def parse_time(value: Any) -> datetime:
    """An ISO 8601 timestamp from GitHub (`2026-10-31T12:00:00Z`) as an aware UTC datetime."""
    if not isinstance(value, str):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_optional_time(value: Any) -> datetime | None:
    return None if value is None else parse_time(value)


def _glob(pattern: str) -> re.Pattern[str]:
    """A login glob where only * and ? are wildcards.

    fnmatch would read the usual `*[bot]` as "ends in b, o or t"; brackets here are literal, as
    in GitHub's `[bot]` suffix of app logins.
    """
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE)


def is_bot(login: str, bot_patterns: Iterable[str], actor_type: str = "") -> bool:
    """GitHub marks apps as `Bot`; logins matching a configured glob count as bots too."""
    if actor_type == "Bot":
        return True
    return any(_glob(pattern).fullmatch(login) for pattern in bot_patterns)


def _actor(actor: dict | None) -> tuple[str, str]:
    """(login, type) of a GraphQL actor or REST user; deleted accounts come back as null."""
    if not actor:
        return "ghost", "User"
    login = actor["login"]
    kind = actor.get("__typename") or actor.get("type") or "User"
    # GraphQL names an app "renovate" where REST says "renovate[bot]": use REST's form.
    if kind == "Bot" and not login.endswith("[bot]"):
        login += "[bot]"
    return login, kind


def parse_review(node: dict, repo: str, number: int, bot_patterns: Iterable[str]) -> Review | None:
    """A GraphQL review node; pending reviews (never submitted) are None."""
    if node.get("submittedAt") is None:
        return None
    login, kind = _actor(node.get("author"))
    return Review(
        external_id=str(node["databaseId"]),
        repository=repo,
        pull_request_number=number,
        reviewer=login,
        reviewer_is_bot=is_bot(login, bot_patterns, kind),
        state=node["state"],
        submitted_at=parse_time(node["submittedAt"]),
    )


def parse_commit(node: dict, repo: str, number: int | None) -> Commit:
    """A GraphQL pull request commit node (`{commit {oid ...}}`)."""
    commit = node["commit"]
    author = commit.get("author") or {}
    login = (author.get("user") or {}).get("login") or author.get("name") or ""
    return Commit(
        sha=commit["oid"],
        repository=repo,
        author=login,
        message=commit.get("message") or "",
        authored_at=parse_time(commit["authoredDate"]),
        committed_at=parse_time(commit["committedDate"]),
        pull_request_number=number,
    )


def parse_pull_request(node: dict, repo: str, bot_patterns: Iterable[str]) -> PullRequest:
    """A GraphQL pull request node with its nested reviews and commits."""
    number = int(node["number"])
    patterns = tuple(bot_patterns)
    login, kind = _actor(node.get("author"))
    reviews = [parse_review(r, repo, number, patterns) for r in node["reviews"]["nodes"]]
    commits = tuple(parse_commit(c, repo, number) for c in node["commits"]["nodes"])
    merge_commit = node.get("mergeCommit") or {}
    return PullRequest(
        external_id=str(node["databaseId"]),
        repository=repo,
        number=number,
        title=node["title"],
        author=login,
        author_is_bot=is_bot(login, patterns, kind),
        state=PR_STATES[node["state"]],
        is_draft=bool(node["isDraft"]),
        url=node["url"],
        created_at=parse_time(node["createdAt"]),
        updated_at=parse_time(node["updatedAt"]),
        merged_at=parse_optional_time(node.get("mergedAt")),
        closed_at=parse_optional_time(node.get("closedAt")),
        first_commit_at=min((c.authored_at for c in commits), default=None),
        additions=node.get("additions"),
        deletions=node.get("deletions"),
        changed_files=node.get("changedFiles"),
        merge_commit_sha=merge_commit.get("oid"),
        base_branch=node.get("baseRefName") or "",
        head_branch=node.get("headRefName") or "",
        reviews=tuple(r for r in reviews if r is not None),
        commits=commits,
    )


def parse_rest_review(
    item: dict, repo: str, number: int, bot_patterns: Iterable[str]
) -> Review | None:
    """A REST review (`GET /pulls/{n}/reviews` item, or a webhook's review)."""
    if item.get("submitted_at") is None:
        return None
    login, kind = _actor(item.get("user"))
    return Review(
        external_id=str(item["id"]),
        repository=repo,
        pull_request_number=number,
        reviewer=login,
        reviewer_is_bot=is_bot(login, bot_patterns, kind),
        state=item["state"],
        submitted_at=parse_time(item["submitted_at"]),
    )


def parse_rest_commit(item: dict, repo: str, number: int | None) -> Commit:
    """A REST commit (`GET /pulls/{n}/commits` or `/commits` item)."""
    commit = item["commit"]
    login = (item.get("author") or {}).get("login") or commit["author"].get("name") or ""
    return Commit(
        sha=item["sha"],
        repository=repo,
        author=login,
        message=commit.get("message") or "",
        authored_at=parse_time(commit["author"]["date"]),
        committed_at=parse_time(commit["committer"]["date"]),
        pull_request_number=number,
    )


def parse_rest_pull_request(
    item: dict,
    repo: str,
    bot_patterns: Iterable[str],
    reviews: Iterable[dict] = (),
    commits: Iterable[dict] = (),
) -> PullRequest:
    """A REST pull request (`GET /pulls/{n}`, a list item or a webhook's) with its reviews."""
    number = int(item["number"])
    patterns = tuple(bot_patterns)
    login, kind = _actor(item.get("user"))
    parsed_reviews = [parse_rest_review(r, repo, number, patterns) for r in reviews]
    parsed_commits = tuple(parse_rest_commit(c, repo, number) for c in commits)
    # The full object's `merged` flag is authoritative; list items only have merged_at.
    merged = item["merged"] if "merged" in item else item.get("merged_at") is not None
    merged_at = parse_optional_time(item.get("merged_at")) if merged else None
    state = "merged" if merged else item["state"]
    return PullRequest(
        external_id=str(item["id"]),
        repository=repo,
        number=number,
        title=item["title"],
        author=login,
        author_is_bot=is_bot(login, patterns, kind),
        state=state,
        is_draft=bool(item.get("draft")),
        url=item["html_url"],
        created_at=parse_time(item["created_at"]),
        updated_at=parse_time(item["updated_at"]),
        merged_at=merged_at,
        closed_at=parse_optional_time(item.get("closed_at")),
        first_commit_at=min((c.authored_at for c in parsed_commits), default=None),
        additions=item.get("additions"),
        deletions=item.get("deletions"),
        changed_files=item.get("changed_files"),
        merge_commit_sha=item.get("merge_commit_sha") if merged_at else None,
        base_branch=item["base"]["ref"],
        head_branch=item["head"]["ref"],
        reviews=tuple(r for r in parsed_reviews if r is not None),
        commits=parsed_commits,
    )


def _deployment_outcome(statuses: list[tuple[str, datetime]]) -> tuple[str, datetime | None]:
    """(status, finished_at) from (state, time) pairs in any order.

    The final success/failure/error decides; a later `inactive` (GitHub's mark on a deployment
    superseded by a newer one) does not undo a success.
    """
    ordered = sorted(statuses, key=lambda s: s[1])
    terminal = [s for s in ordered if s[0] in TERMINAL_DEPLOYMENT_STATES]
    if terminal:
        return terminal[-1][0], terminal[-1][1]
    if ordered:
        return DEPLOYMENT_STATES.get(ordered[-1][0], "queued"), None
    return "queued", None


def parse_deployment(node: dict, repo: str) -> Deployment:
    """A GraphQL deployment node with its latest status and newest statuses."""
    statuses = [(s["state"].lower(), parse_time(s["createdAt"])) for s in node["statuses"]["nodes"]]
    latest = node.get("latestStatus")
    if latest:
        statuses.append((latest["state"].lower(), parse_time(latest["createdAt"])))
    status, finished_at = _deployment_outcome(statuses)
    return Deployment(
        external_id=str(node["databaseId"]),
        repository=repo,
        source="deployments",
        environment=node.get("environment") or "",
        name=node.get("description") or "",
        status=status,
        sha=node.get("commitOid"),
        created_at=parse_time(node["createdAt"]),
        finished_at=finished_at,
        url=(latest or {}).get("logUrl") or "",
    )


def parse_rest_deployment(item: dict, statuses: Iterable[dict], repo: str) -> Deployment:
    """A REST deployment with its REST statuses (`GET /deployments/{id}/statuses`)."""
    pairs = [(s["state"], parse_time(s["created_at"])) for s in statuses]
    status, finished_at = _deployment_outcome(pairs)
    return Deployment(
        external_id=str(item["id"]),
        repository=repo,
        source="deployments",
        environment=item.get("environment") or "",
        name=item.get("description") or item.get("task") or "",
        status=status,
        sha=item.get("sha"),
        created_at=parse_time(item["created_at"]),
        finished_at=finished_at,
        url=item.get("url") or "",
    )


def parse_release(item: dict, repo: str) -> Deployment | None:
    """A published release is a successful deployment at its publication time; drafts are None."""
    if item.get("draft") or item.get("published_at") is None:
        return None
    published = parse_time(item["published_at"])
    target = item.get("target_commitish") or ""
    return Deployment(
        external_id=f"release:{item['id']}",
        repository=repo,
        source="releases",
        environment="production",
        name=item.get("name") or item["tag_name"],
        status="success",
        # target_commitish is usually a branch name; only a full SHA identifies the commit.
        sha=target if re.fullmatch(r"[0-9a-f]{40}", target) else None,
        created_at=published,
        finished_at=published,
        url=item.get("html_url") or "",
    )


def parse_workflow_run(item: dict, repo: str, pattern: str) -> Deployment | None:
    """A completed run whose name matches `pattern` (a regex; empty matches every run)."""
    if item.get("status") != "completed":
        return None
    if pattern and not re.search(pattern, item.get("name") or ""):
        return None
    status = RUN_CONCLUSIONS.get(item.get("conclusion") or "")
    if status is None:  # cancelled, skipped, neutral: nothing was deployed
        return None
    return Deployment(
        external_id=f"run:{item['id']}",
        repository=repo,
        source="workflow_runs",
        environment=item.get("head_branch") or "",
        name=item.get("name") or "",
        status=status,
        sha=item.get("head_sha"),
        created_at=parse_time(item.get("run_started_at") or item["created_at"]),
        finished_at=parse_time(item["updated_at"]),
        url=item.get("html_url") or "",
    )


def parse_incident(item: dict, repo: str) -> Incident | None:
    """An issue from `GET /issues`; pull requests (listed there too) are None."""
    if "pull_request" in item:
        return None
    return Incident(
        external_id=str(item["id"]),
        repository=repo,
        number=int(item["number"]),
        title=item["title"],
        url=item["html_url"],
        created_at=parse_time(item["created_at"]),
        resolved_at=parse_optional_time(item.get("closed_at")),
        labels=tuple(
            label if isinstance(label, str) else label["name"] for label in item["labels"]
        ),
    )


def lacks_repo_scope(scopes_header: str | None) -> bool:
    """Classic tokens list their scopes in X-OAuth-Scopes; fine-grained tokens send none."""
    if scopes_header is None:
        return False
    scopes = {scope.strip() for scope in scopes_header.split(",")}
    return "repo" not in scopes


def graphql_url(api_url: str) -> str:
    """GraphQL root beside the REST root: api.github.com/graphql, HOST/api/graphql on GHES."""
    root = api_url.rstrip("/")
    if root.endswith("/api/v3"):
        return root[: -len("/v3")] + "/graphql"
    return root + "/graphql"


def _updated_at(item: dict) -> datetime:
    return parse_time(item["updated_at"])


class _Watermark:
    """The newest change time seen, and which records changed at exactly that time.

    GitHub's times have whole seconds, so the next read includes the watermark's second (a
    record changed later in that second is not lost) and skips the records already read then.
    """

    def __init__(self, cursor: Cursor) -> None:
        self.old = cursor.watermark
        self.old_keys = set(cursor.state.get("at_watermark") or ())
        self.newest = self.old
        self.keys = set(self.old_keys)

    def before(self, when: datetime) -> bool:
        """True for changes older than the stored watermark."""
        return self.old is not None and when < self.old

    def already_read(self, when: datetime, key: str) -> bool:
        return when == self.old and key in self.old_keys

    def add(self, when: datetime, key: str) -> None:
        if self.newest is None or when > self.newest:
            self.newest, self.keys = when, {key}
        elif when == self.newest:
            self.keys.add(key)

    def cursor(self, etag: str, state: dict[str, Any] | None = None) -> Cursor:
        return Cursor(
            watermark=self.newest,
            etag=etag,
            state={**(state or {}), "at_watermark": sorted(self.keys)},
        )


def _batches(pages: Iterator[list[Any]], finish: Callable[[], Cursor]) -> Iterator[Batch]:
    """One Batch per page; only the last carries the new cursor (computed once all are read)."""
    previous: list[Any] | None = None
    for records in pages:
        if previous is not None:
            yield Batch(tuple(previous))
        previous = records
    yield Batch(tuple(previous or ()), cursor=finish())


# --- The client ---------------------------------------------------------------------------


class GitHubProvider(Provider):
    """Reads pull requests, deployments and incidents of the configured repositories."""

    kind: ClassVar[str] = "github"

    def __init__(self, config: dict, credentials: dict, options: HttpOptions | None = None) -> None:
        token = credentials.get("token") or ""
        self.api_url = (config.get("api_url") or DEFAULT_API_URL).rstrip("/")
        self.repositories: list[str] = list(config.get("repositories") or [])
        self.deployment_source = config.get("deployment_source") or "deployments"
        self.deployment_environments: list[str] = list(
            config.get("deployment_environments", ["production"]) or []
        )
        self.workflow_pattern: str = config.get("deployment_workflow_pattern") or ""
        self.incident_labels: list[str] = list(config.get("incident_labels", ["incident"]) or [])
        self.bot_patterns: tuple[str, ...] = tuple(config.get("bot_patterns", ["*[bot]"]) or ())
        # Page sizes: GitHub allows up to 100 per connection; 50 pull requests with up to 100
        # reviews and 100 commits each is one GraphQL point.
        self.pull_page_size = 50
        self.nested_page_size = 100
        self.deployment_page_size = 50
        self.rest_page_size = 100
        self.graphql_url = graphql_url(self.api_url)
        self.http = HttpClient(
            base_url=self.api_url,
            provider="GitHub",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
            },
            secrets=[token],
            options=options,
            classify=self._classify,
        )

    # --- public -------------------------------------------------------------------------

    def check_connection(self) -> ConnectionCheck:
        """Check the token (GET /user), then that every repository is visible to it."""
        try:
            # API: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
            user = self.http.get("user", endpoint="user")
            login = str(user.data["login"])
        except AuthenticationError:
            return ConnectionCheck(False, "GitHub rejected the token")
        except ProviderError as exc:
            return ConnectionCheck(False, exc.message)
        except (KeyError, TypeError):
            return ConnectionCheck(False, "GitHub sent an unexpected answer for the token's user")
        scopes = user.headers.get("x-oauth-scopes")
        details: dict[str, Any] = {"login": login, "repositories": {}}
        if scopes is not None:
            details["scopes"] = [s.strip() for s in scopes.split(",") if s.strip()]
        missing: list[str] = []
        for repo in self.repositories:
            try:
                # API: https://docs.github.com/en/rest/repos/repos#get-a-repository
                self.http.get(f"repos/{repo}", endpoint="repository")
            except NotFoundError:
                details["repositories"][repo] = "not found"
                missing.append(repo)
            except ProviderError as exc:
                details["repositories"][repo] = exc.category
                return ConnectionCheck(False, f"repository {repo}: {exc.message}", details)
            else:
                details["repositories"][repo] = "ok"
        if missing:
            message = "; ".join(
                f"repository {repo} not found or the token cannot see it" for repo in missing
            )
            if lacks_repo_scope(scopes):
                message = f"token lacks repo scope: {message}"
            return ConnectionCheck(False, message, details)
        count = len(self.repositories)
        return ConnectionCheck(
            True,
            f"Connected to GitHub as {login}; {count} repositor{'y' if count == 1 else 'ies'} "
            "reachable.",
            details,
        )

    def streams(self) -> list[str]:
        """Three streams per repository: pull requests, deployments and incidents."""
        return [
            f"{kind}:{repo}"
            for repo in self.repositories
            for kind in ("pull_requests", "deployments", "incidents")
        ]

    def fetch(self, stream: str, cursor: Cursor) -> Iterator[Batch]:
        """Yield the stream's changes since `cursor` page by page; the last batch has the cursor."""
        kind, _, repo = stream.partition(":")
        readers = {
            "pull_requests": self._read_pull_requests,
            "deployments": self._read_deployments,
            "incidents": self._read_incidents,
        }
        if kind not in readers or repo not in self.repositories:
            raise ConfigurationError(f"GitHub has no stream {stream!r} in this integration.")
        try:
            yield from readers[kind](repo, cursor)
        except NotFoundError:
            raise NotFoundError(f"repository {repo} not found or the token cannot see it") from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise MalformedResponseError(
                f"GitHub sent {kind.replace('_', ' ')} of {repo} in an unexpected shape "
                f"({type(exc).__name__})."
            ) from None

    # --- errors -------------------------------------------------------------------------

    def _classify(self, response: requests.Response) -> ProviderError | None:
        """GitHub's 403/429 rules: primary limit, secondary limit, or a missing permission."""
        if response.status_code not in (403, 429):
            return None
        try:
            body = response.json()
            message = str(body.get("message", "")) if isinstance(body, dict) else ""
        except ValueError:
            message = response.text[:500]
        headers = response.headers
        if headers.get("x-ratelimit-remaining") == "0":
            reset = headers.get("x-ratelimit-reset", "")
            wait = (
                max(0.0, float(reset) - time.time())
                if reset.isdigit()
                else retry_after_of(response)
            )
            return RateLimitedError(
                f"GitHub API rate limit is used up; it resets in {int(wait)} s.", wait
            )
        if "retry-after" in headers or "secondary rate limit" in message.lower():
            wait = retry_after_of(response, default=60.0)
            return RateLimitedError(
                f"GitHub secondary rate limit hit; retry in {int(wait)} s.", wait
            )
        if response.status_code == 403:
            detail = self.http.redact(message)[:200]
            return AuthenticationError(
                "GitHub refused access (HTTP 403): the token lacks a permission"
                + (f": {detail}" if detail else ".")
            )
        return None

    def _graphql(self, query: str, variables: dict[str, Any], repo: str) -> dict:
        # API: https://docs.github.com/en/graphql/guides/forming-calls-with-graphql
        response = self.http.post(
            self.graphql_url,
            endpoint="graphql",
            json_body={"query": query, "variables": variables},
        )
        body = response.data
        if not isinstance(body, dict):
            raise MalformedResponseError("GitHub GraphQL answered without a JSON object.")
        errors = body.get("errors")
        if errors:
            raise self._graphql_error(errors, response.headers, repo)
        data = body.get("data")
        if not isinstance(data, dict):
            raise MalformedResponseError("GitHub GraphQL answered without data.")
        return data

    def _graphql_error(self, errors: Any, headers: dict[str, str], repo: str) -> ProviderError:
        first = errors[0] if isinstance(errors, list) and errors else {}
        if not isinstance(first, dict):
            return MalformedResponseError("GitHub GraphQL sent an error in an unexpected shape.")
        kind = first.get("type") or (first.get("extensions") or {}).get("type") or ""
        message = self.http.redact(str(first.get("message", "")))[:200]
        if kind == "RATE_LIMITED":
            reset = headers.get("x-ratelimit-reset", "")
            wait = max(0.0, float(reset) - time.time()) if reset.isdigit() else 60.0
            return RateLimitedError(
                f"GitHub GraphQL rate limit is used up; it resets in {int(wait)} s.", wait
            )
        if kind == "NOT_FOUND":
            return NotFoundError(f"repository {repo} not found or the token cannot see it")
        if kind in ("FORBIDDEN", "INSUFFICIENT_SCOPES"):
            return AuthenticationError(f"GitHub refused the query for {repo}: {message}")
        if kind in (
            "",
            "MISSING_PAGINATION_BOUNDARIES",
            "ARGUMENT_LIMIT",
            "MAX_NODE_LIMIT_EXCEEDED",
        ):
            # A query GitHub does not accept: the API at api_url is not the GitHub we speak.
            return ConfigurationError(f"GitHub GraphQL rejected the query for {repo}: {message}")
        return MalformedResponseError(f"GitHub GraphQL failed for {repo} ({kind}): {message}")

    # --- streams ------------------------------------------------------------------------

    def _probe(self, path: str, params: dict[str, Any], etag: str, endpoint: str):
        """A conditional GET: 304 (free) when the resource is unchanged since `etag`."""
        return self.http.get(path, endpoint=endpoint, params=params, etag=etag)

    def _read_pull_requests(self, repo: str, cursor: Cursor) -> Iterator[Batch]:
        # Sorted by update time, the first item changes whenever any pull request changes.
        # API: https://docs.github.com/en/rest/pulls/pulls#list-pull-requests
        probe = self._probe(
            f"repos/{repo}/pulls",
            {"state": "all", "sort": "updated", "direction": "desc", "per_page": 1},
            cursor.etag,
            "pulls",
        )
        if probe.not_modified:
            yield Batch((), cursor=cursor)
            return
        owner, name = repo.split("/", 1)
        mark = _Watermark(cursor)

        def pages() -> Iterator[list[PullRequest]]:
            after = None
            while True:
                variables = {
                    "owner": owner,
                    "name": name,
                    "size": self.pull_page_size,
                    "nested": self.nested_page_size,
                    "after": after,
                }
                data = self._graphql(PULLS_QUERY, variables, repo)
                connection = data["repository"]["pullRequests"]
                records, reached = [], False
                for node in connection["nodes"]:
                    updated = parse_time(node["updatedAt"])
                    if mark.before(updated):
                        reached = True
                        break
                    if mark.already_read(updated, str(node["databaseId"])):
                        continue
                    node = self._complete_pull_request(node, owner, name, repo)
                    record = parse_pull_request(node, repo, self.bot_patterns)
                    mark.add(record.updated_at, record.external_id)
                    records.append(record)
                yield records
                if reached or not connection["pageInfo"]["hasNextPage"]:
                    return
                after = connection["pageInfo"]["endCursor"]

        yield from _batches(pages(), lambda: mark.cursor(probe.etag))

    def _complete_pull_request(self, node: dict, owner: str, name: str, repo: str) -> dict:
        """Page reviews and commits that did not fit in the nested first page."""
        extra: dict[str, Any] = {}
        for field, query in (("reviews", REVIEWS_QUERY), ("commits", COMMITS_QUERY)):
            connection = node[field]
            nodes = list(connection["nodes"])
            page = connection["pageInfo"]
            while page["hasNextPage"]:
                variables = {
                    "owner": owner,
                    "name": name,
                    "number": node["number"],
                    "size": self.nested_page_size,
                    "after": page["endCursor"],
                }
                data = self._graphql(query, variables, repo)
                more = data["repository"]["pullRequest"][field]
                nodes.extend(more["nodes"])
                page = more["pageInfo"]
            if len(nodes) != len(connection["nodes"]):
                extra[field] = {"nodes": nodes, "pageInfo": page}
        return {**node, **extra} if extra else node

    def _read_deployments(self, repo: str, cursor: Cursor) -> Iterator[Batch]:
        if self.deployment_source == "releases":
            yield from self._read_releases(repo, cursor)
        elif self.deployment_source == "workflow_runs":
            yield from self._read_workflow_runs(repo, cursor)
        else:
            yield from self._read_deployment_objects(repo, cursor)

    def _read_deployment_objects(self, repo: str, cursor: Cursor) -> Iterator[Batch]:
        # The newest 100 deployments: a new one, or a new status of a recent one, changes it.
        # API: https://docs.github.com/en/rest/deployments/deployments#list-deployments
        probe = self._probe(
            f"repos/{repo}/deployments", {"per_page": 100}, cursor.etag, "deployments"
        )
        if probe.not_modified:
            yield Batch((), cursor=cursor)
            return
        owner, name = repo.split("/", 1)
        mark = _Watermark(cursor)

        def pages() -> Iterator[list[Deployment]]:
            after = None
            while True:
                variables = {
                    "owner": owner,
                    "name": name,
                    "size": self.deployment_page_size,
                    "after": after,
                    "environments": self.deployment_environments or None,
                }
                data = self._graphql(DEPLOYMENTS_QUERY, variables, repo)
                connection = data["repository"]["deployments"]
                records, reached = [], False
                for node in connection["nodes"]:
                    created = parse_time(node["createdAt"])
                    updated = parse_time(node["updatedAt"])
                    if mark.old and created < mark.old - STATUS_LOOKBACK:
                        reached = True
                        break
                    key = str(node["databaseId"])
                    if mark.before(updated) or mark.already_read(updated, key):
                        continue
                    records.append(parse_deployment(node, repo))
                    mark.add(updated, key)
                yield records
                if reached or not connection["pageInfo"]["hasNextPage"]:
                    return
                after = connection["pageInfo"]["endCursor"]

        yield from _batches(pages(), lambda: mark.cursor(probe.etag))

    def _rest_pages(
        self, path: str, params: dict[str, Any], etag: str, endpoint: str
    ) -> Iterator[Any]:
        """GET a list and follow its `Link: rel="next"` URLs; the first page is conditional."""
        response = self.http.get(path, endpoint=endpoint, params=params, etag=etag)
        yield response
        while not response.not_modified and "next" in response.links():
            response = self.http.get(response.links()["next"], endpoint=endpoint)
            yield response

    def _read_releases(self, repo: str, cursor: Cursor) -> Iterator[Batch]:
        mark = _Watermark(cursor)
        first_etag = [cursor.etag]

        def pages() -> Iterator[list[Deployment]]:
            # API: https://docs.github.com/en/rest/releases/releases#list-releases
            responses = self._rest_pages(
                f"repos/{repo}/releases",
                {"per_page": self.rest_page_size},
                cursor.etag,
                "releases",
            )
            for index, response in enumerate(responses):
                if response.not_modified:
                    return
                if index == 0:
                    first_etag[0] = response.etag
                records, reached = [], False
                for item in response.data:
                    release = parse_release(item, repo)
                    if release is None:
                        continue
                    if mark.before(release.created_at):
                        reached = True
                        break
                    if mark.already_read(release.created_at, release.external_id):
                        continue
                    records.append(release)
                    mark.add(release.created_at, release.external_id)
                yield records
                if reached:
                    return

        yield from _batches(
            pages(),
            lambda: mark.cursor(first_etag[0]),
        )

    def _read_workflow_runs(self, repo: str, cursor: Cursor) -> Iterator[Batch]:
        mark = _Watermark(cursor)
        first_etag = [cursor.etag]

        def pages() -> Iterator[list[Deployment]]:
            # API: https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
            responses = self._rest_pages(
                f"repos/{repo}/actions/runs",
                {"status": "completed", "per_page": self.rest_page_size},
                cursor.etag,
                "runs",
            )
            for index, response in enumerate(responses):
                if response.not_modified:
                    return
                if index == 0:
                    first_etag[0] = response.etag
                records, reached = [], False
                for item in response.data["workflow_runs"]:
                    created, updated = parse_time(item["created_at"]), _updated_at(item)
                    if mark.old and created < mark.old - STATUS_LOOKBACK:
                        reached = True
                        break
                    run = parse_workflow_run(item, repo, self.workflow_pattern)
                    if run is None or mark.before(updated):
                        continue
                    if mark.already_read(updated, run.external_id):
                        continue
                    records.append(run)
                    mark.add(updated, run.external_id)
                yield records
                if reached:
                    return

        yield from _batches(
            pages(),
            lambda: mark.cursor(first_etag[0]),
        )

    def _read_incidents(self, repo: str, cursor: Cursor) -> Iterator[Batch]:
        etags: dict[str, str] = dict(cursor.state.get("etags") or {})
        changed: list[str] = []
        for label in self.incident_labels:
            # The most recently updated issue with the label: changes with any of them.
            # API: https://docs.github.com/en/rest/issues/issues#list-repository-issues
            probe = self._probe(
                f"repos/{repo}/issues",
                {
                    "state": "all",
                    "labels": label,
                    "sort": "updated",
                    "direction": "desc",
                    "per_page": 1,
                },
                etags.get(label, ""),
                "issues",
            )
            if not probe.not_modified:
                etags[label] = probe.etag
                changed.append(label)
        if not changed:
            yield Batch((), cursor=cursor)
            return
        mark = _Watermark(cursor)
        seen: set[int] = set()

        def pages() -> Iterator[list[Incident]]:
            for label in changed:
                params: dict[str, Any] = {
                    "state": "all",
                    "labels": label,
                    "sort": "updated",
                    "direction": "desc",
                    "per_page": self.rest_page_size,
                }
                if mark.old:
                    params["since"] = mark.old.strftime("%Y-%m-%dT%H:%M:%SZ")
                # API: https://docs.github.com/en/rest/issues/issues#list-repository-issues
                for response in self._rest_pages(f"repos/{repo}/issues", params, "", "issues"):
                    records = []
                    for item in response.data:
                        incident = parse_incident(item, repo)
                        # Checked here too: `labels` is a filter GitHub applies, not a promise.
                        if incident is None or label.lower() not in {
                            name.lower() for name in incident.labels
                        }:
                            continue
                        updated = _updated_at(item)
                        if incident.number in seen or mark.before(updated):
                            continue
                        if mark.already_read(updated, incident.external_id):
                            continue
                        seen.add(incident.number)
                        records.append(incident)
                        mark.add(updated, incident.external_id)
                    yield records

        yield from _batches(
            pages(),
            lambda: mark.cursor(etags.get(self.incident_labels[0], ""), {"etags": etags}),
        )
