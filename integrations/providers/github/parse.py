"""Pure parsing of GitHub payloads (GraphQL nodes and REST items) into records: no HTTP."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import re2

from integrations.providers.errors import ConfigurationError
from integrations.providers.records import (
    Comment,
    Commit,
    Deployment,
    Incident,
    PullRequest,
    Review,
)

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


def is_thread_reply(state: str, body: str | None) -> bool:
    """Whether a review is a reply in a review thread rather than a submitted review.

    GitHub records a reply made outside a pending review, and a single line comment ("Add
    single comment"), as a review of its own: COMMENTED with an empty body. A submitted review
    is approved, changes requested, dismissed, or COMMENTED with a body. (Asking each review's
    comments for `replyTo` would cost a request per review.)"""
    return state.upper() == "COMMENTED" and not (body or "").strip()


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
        is_reply=is_thread_reply(node["state"], node.get("body")),
    )


# Conversation comments kept per pull request: the first few by others than its author are
# enough to find the first response whatever the bot patterns say.
KEPT_COMMENTS = 5


def parse_timeline(
    nodes: Iterable[dict], repo: str, number: int, author: str, bot_patterns: Iterable[str]
) -> tuple[tuple[Review, ...], tuple[Comment, ...], tuple[datetime, ...]]:
    """(reviews, comments, ready-for-review times) of a pull request's timeline items.

    Pending reviews are left out; of the comments, the author's own (which never answer the
    pull request) are dropped and only the first KEPT_COMMENTS others kept."""
    patterns = tuple(bot_patterns)
    reviews: list[Review] = []
    comments: list[Comment] = []
    ready: list[datetime] = []
    for node in nodes:
        kind = node.get("__typename")
        if kind == "PullRequestReview":
            review = parse_review(node, repo, number, patterns)
            if review is not None:
                reviews.append(review)
        elif kind == "IssueComment":
            login, actor_type = _actor(node.get("author"))
            if login != author and len(comments) < KEPT_COMMENTS:
                comments.append(
                    Comment(
                        external_id=f"comment:{node['databaseId']}",
                        author=login,
                        author_is_bot=is_bot(login, patterns, actor_type),
                        created_at=parse_time(node["createdAt"]),
                    )
                )
        elif kind == "ReadyForReviewEvent":
            ready.append(parse_time(node["createdAt"]))
    return tuple(reviews), tuple(comments), tuple(sorted(ready))


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
    """A GraphQL pull request node with its nested timeline items and commits."""
    number = int(node["number"])
    patterns = tuple(bot_patterns)
    login, kind = _actor(node.get("author"))
    reviews, comments, ready = parse_timeline(
        node["timelineItems"]["nodes"], repo, number, login, patterns
    )
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
        reviews=reviews,
        commits=commits,
        comments=comments,
        ready_for_review_times=ready,
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
        is_reply=is_thread_reply(item["state"], item.get("body")),
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


WORKFLOW_PATTERN_MAX = 200  # characters


@functools.lru_cache(maxsize=64)
def workflow_matcher(pattern: str) -> Any:
    """The workflow pattern compiled by RE2, whose matching time grows with the name only (no
    backtracking); ValueError saying why for a pattern it refuses or one over the length cap."""
    if len(pattern) > WORKFLOW_PATTERN_MAX:
        raise ValueError(f"At most {WORKFLOW_PATTERN_MAX} characters.")
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ValueError(
            f"Not a regular expression AgileTrack can match safely ({reason}): lookarounds and "
            "backreferences are not supported."
        ) from None


def parse_workflow_run(item: dict, repo: str, pattern: str) -> Deployment | None:
    """A completed run whose name matches `pattern` (a regex; empty matches every run)."""
    if item.get("status") != "completed":
        return None
    if pattern:
        try:
            matcher = workflow_matcher(pattern)
        except ValueError as exc:  # stored before patterns were checked this way
            raise ConfigurationError(f"deployment_workflow_pattern: {exc}") from None
        if not matcher.search(item.get("name") or ""):
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
