"""The repositories a GitHub token can read, for the integration form's picker.

A user's token (personal access, OAuth) lists `GET /user/repos`; a GitHub App installation token
lists `GET /installation/repositories`, the only list GitHub answers it with. Installation tokens
are recognised by their documented `ghs_` prefix; a token without it that /user/repos refuses
with GitHub's "Resource not accessible by integration" (403) is tried as one too. Both lists are
read page by page (100 a page, at most SCOPE_PAGES_PER_CALL pages a call) and filtered here:
GitHub has no name search on them. The cursor is "<list>:<page>", never a URL, so what a browser
sends back can only ask for a further page of the same two lists.
"""

from __future__ import annotations

import re

from integrations.providers.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedResponseError,
)
from integrations.providers.http import HttpClient, HttpResponse
from integrations.providers.records import SCOPE_PAGES_PER_CALL, Scope, ScopePage

# GitHub's documented prefix of installation tokens (not a secret).
INSTALLATION_TOKEN_PREFIX = "ghs_"  # noqa: S105
PAGE_SIZE = 100
CURSOR = re.compile(r"^(user|installation):([1-9][0-9]{0,5})$")


def is_installation_token(token: str) -> bool:
    return token.startswith(INSTALLATION_TOKEN_PREFIX)


def list_repositories(
    http: HttpClient,
    installation: bool,
    query: str,
    cursor: str | None,
    page_size: int = PAGE_SIZE,
) -> ScopePage:
    """Repositories the token can read whose "owner/name" contains `query`, from `cursor`:
    pages are read until one page's worth matched or SCOPE_PAGES_PER_CALL pages were read."""
    source, page = _start(installation, cursor)
    items: list[Scope] = []
    next_page: int | None = page
    read = 0
    while next_page is not None and read < SCOPE_PAGES_PER_CALL and len(items) < page_size:
        try:
            response = _page(http, source, next_page, page_size)
        except AuthenticationError as exc:
            if source == "user" and read == 0 and "by integration" in exc.message:
                source = "installation"  # an installation token in an older format
                continue
            raise
        items += [scope for scope in _scopes(response, source) if scope.matches(query)]
        read += 1
        next_page = next_page + 1 if "next" in response.links() else None
    cursor_out = f"{source}:{next_page}" if next_page is not None else None
    return ScopePage(tuple(items), cursor_out, searched_on_server=False)


def _start(installation: bool, cursor: str | None) -> tuple[str, int]:
    if not cursor:
        return ("installation" if installation else "user"), 1
    match = CURSOR.match(cursor)
    if match is None:
        raise ConfigurationError("The list cannot go on from there: search again.")
    return match.group(1), int(match.group(2))


def _page(http: HttpClient, source: str, page: int, page_size: int) -> HttpResponse:
    params: dict[str, str | int] = {"per_page": page_size, "page": page}
    if source == "installation":
        # API: https://docs.github.com/en/rest/apps/installations#list-repositories-accessible-to-the-app-installation
        return http.get(
            "installation/repositories", endpoint="installation repositories", params=params
        )
    # API: https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user
    params |= {"affiliation": "owner,collaborator,organization_member", "sort": "full_name"}
    return http.get("user/repos", endpoint="user repositories", params=params)


def _scopes(response: HttpResponse, source: str) -> list[Scope]:
    data = response.data
    try:
        repos = data["repositories"] if source == "installation" else data
        return [_scope(repo) for repo in repos]
    except (KeyError, TypeError, AttributeError):
        raise MalformedResponseError(
            "GitHub listed the repositories in an unexpected shape."
        ) from None


def _scope(repo: dict) -> Scope:
    facts = ["private" if repo.get("private") else "public"]
    if repo.get("archived"):
        facts.append("archived")
    description = str(repo.get("description") or "").strip()
    if description:
        facts.append(description[:120])
    return Scope(str(repo["full_name"]), str(repo["full_name"]), " · ".join(facts))
