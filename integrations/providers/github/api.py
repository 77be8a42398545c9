"""The GitHub API as the GitHub client's streams use it: the authenticated session, conditional
REST probes and pages, GraphQL calls, and the mapping of GitHub's answers onto provider errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, ClassVar

import requests

from integrations.providers.base import Provider
from integrations.providers.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedResponseError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
)
from integrations.providers.github.parse import (
    graphql_url,
)
from integrations.providers.github.scopes import is_installation_token
from integrations.providers.http import HttpClient, HttpOptions, retry_after_of

API_VERSION = "2022-11-28"
DEFAULT_API_URL = "https://api.github.com"
# A deployment or workflow run can finish after a later one started: look this far behind the
# watermark (by creation time) for ones whose status changed since the last sync.
STATUS_LOOKBACK = timedelta(days=1)


class GitHubApi(Provider):
    """The session and request helpers every GitHub stream reader shares."""

    kind: ClassVar[str] = "github"

    def __init__(self, config: dict, credentials: dict, options: HttpOptions | None = None) -> None:
        token = credentials.get("token") or ""
        self.installation_token = is_installation_token(token)
        self.api_url = (config.get("api_url") or DEFAULT_API_URL).rstrip("/")
        self.repositories: list[str] = list(config.get("repositories") or [])
        self.deployment_source = config.get("deployment_source") or "deployments"
        self.deployment_environments: list[str] = list(
            config.get("deployment_environments", ["production", "prod"]) or []
        )
        self.workflow_pattern: str = config.get("deployment_workflow_pattern") or ""
        self.deployment_branch: str = config.get("deployment_branch") or ""
        self.incident_labels: list[str] = list(config.get("incident_labels", ["incident"]) or [])
        self.bot_patterns: tuple[str, ...] = tuple(config.get("bot_patterns", ["*[bot]"]) or ())
        # Page sizes: GitHub allows up to 100 per connection; 50 pull requests with up to 100
        # reviews and 100 commits each is one GraphQL point.
        self.pull_page_size = 50
        self.nested_page_size = 100
        self.deployment_page_size = 50
        self.rest_page_size = 100
        self.scope_page_size = 100  # repositories a page when the form's picker lists them
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

    def _rest_pages(
        self, path: str, params: dict[str, Any], etag: str, endpoint: str
    ) -> Iterator[Any]:
        """GET a list and follow its `Link: rel="next"` URLs; the first page is conditional."""
        response = self.http.get(path, endpoint=endpoint, params=params, etag=etag)
        yield response
        while not response.not_modified and "next" in response.links():
            response = self.http.get(response.links()["next"], endpoint=endpoint)
            yield response
