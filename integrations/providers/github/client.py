"""GitHub provider: pull requests and deployments through GraphQL, incidents through REST issues.

Every stream starts with a cheap conditional REST request (ETag / If-None-Match); GitHub does not
charge a 304 against the rate limit, so a re-sync with nothing changed costs no budget at all.
Pull requests and deployments are then read newest-first through GraphQL in pages of 50 with
their timeline (reviews, conversation comments, ready-for-review events), commits and
statuses nested, instead of one REST request per object.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from integrations.providers.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedResponseError,
    NotFoundError,
    ProviderError,
)
from integrations.providers.github.deployments import DeploymentStreams
from integrations.providers.github.parse import (
    lacks_repo_scope,
    parse_pull_request,
    parse_time,
)
from integrations.providers.github.queries import (
    COMMITS_QUERY,
    PULLS_QUERY,
    TIMELINE_QUERY,
)
from integrations.providers.github.scopes import list_repositories
from integrations.providers.github.watermark import Watermark, batches
from integrations.providers.records import (
    Batch,
    ConnectionCheck,
    Cursor,
    PullRequest,
    ScopePage,
)


class GitHubProvider(DeploymentStreams):
    """Reads pull requests, deployments and incidents of the configured repositories."""

    def check_connection(self) -> ConnectionCheck:
        """Check the token (GET /user), then that every repository is visible to it."""
        try:
            # API: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
            user = self.http.get("user", endpoint="user")
            login = str(user.data["login"])
        except AuthenticationError:
            return ConnectionCheck(False, "GitHub rejected the token", error="auth")
        except ProviderError as exc:
            return ConnectionCheck(False, exc.message, error=exc.category)
        except (KeyError, TypeError):
            return ConnectionCheck(
                False, "GitHub sent an unexpected answer for the token's user", error="malformed"
            )
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
                return ConnectionCheck(
                    False, f"repository {repo}: {exc.message}", details, error=exc.category
                )
            else:
                details["repositories"][repo] = "ok"
        if missing:
            message = "; ".join(
                f"repository {repo} not found or the token cannot see it" for repo in missing
            )
            if lacks_repo_scope(scopes):
                message = f"token lacks repo scope: {message}"
            return ConnectionCheck(False, message, details, error="not_found")
        count = len(self.repositories)
        return ConnectionCheck(
            True,
            f"Connected to GitHub as {login}; {count} repositor{'y' if count == 1 else 'ies'} "
            "reachable.",
            details,
        )

    def list_scopes(self, query: str, cursor: str | None) -> ScopePage:
        """Repositories the token can read, for the form's picker (see scopes.py)."""
        return list_repositories(
            self.http, self.installation_token, query, cursor, self.scope_page_size
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
        mark = Watermark(cursor)

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

        yield from batches(pages(), lambda: mark.cursor(probe.etag))

    def _complete_pull_request(self, node: dict, owner: str, name: str, repo: str) -> dict:
        """Page timeline items (reviews, comments, ready events) and commits that did not fit in
        the nested first page."""
        extra: dict[str, Any] = {}
        for field, query in (("timelineItems", TIMELINE_QUERY), ("commits", COMMITS_QUERY)):
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
