"""Scope listers (the integration form's pickers) against the sandbox: what each provider's
credentials can see, searched and paged the way the provider pages it."""

import pytest

from integrations.providers.errors import AuthenticationError, ConfigurationError
from integrations.providers.github.client import GitHubProvider
from integrations.providers.http import HttpOptions
from integrations.providers.jira.client import JiraProvider
from integrations.providers.records import SCOPE_PAGES_PER_CALL, ScopePage
from integrations.providers.trello.client import TrelloProvider


@pytest.fixture(autouse=True)
def _loopback_sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


def github(box, token=None, page_size=None) -> GitHubProvider:
    info = box.info["github"]
    provider = GitHubProvider(
        {"api_url": info["api_url"]},
        {"token": token or info["token"]},
        HttpOptions(transient_retries=0),
    )
    if page_size:
        provider.scope_page_size = page_size
    return provider


def jira(box, token=None) -> JiraProvider:
    info = box.info["jira"]
    return JiraProvider(
        {"site_url": info["site_url"]},
        {"email": info["email"], "api_token": token or info["api_token"]},
        HttpOptions(transient_retries=0),
    )


def trello(box, token=None) -> TrelloProvider:
    info = box.info["trello"]
    return TrelloProvider(
        {"api_url": info["api_url"]},
        {"key": info["key"], "token": token or info["token"]},
        HttpOptions(transient_retries=0),
    )


def load_all(provider, query="") -> list[ScopePage]:
    pages = [provider.list_scopes(query, None)]
    while pages[-1].next_cursor:
        pages.append(provider.list_scopes(query, pages[-1].next_cursor))
    return pages


def values(pages: list[ScopePage]) -> list[str]:
    return [scope.value for page in pages for scope in page.items]


def test_github_lists_the_tokens_repositories_as_owner_slash_name(sandbox):
    page = github(sandbox).list_scopes("", None)

    assert sorted(s.value for s in page.items) == sorted(sandbox.info["github"]["repositories"])
    assert all(s.label == s.value and "private" in s.detail for s in page.items)
    assert (page.next_cursor, page.searched_on_server) == (None, False)


def test_github_loads_more_page_by_page_and_filters_what_it_loaded(fresh_sandbox):
    box = fresh_sandbox("--repos", "8", "--prs-per-repo", "2")
    every = sorted(box.info["github"]["repositories"])
    provider = github(box, page_size=2)

    pages = load_all(provider)

    assert [len(p.items) for p in pages] == [2, 2, 2, 2]
    assert values(pages) == every  # sorted by full name, each once
    # A query nothing matches reads at most SCOPE_PAGES_PER_CALL pages, then offers "load more".
    before = provider.stats.total
    missing = provider.list_scopes("no-such-repository", None)
    assert missing.items == () and missing.next_cursor is not None
    assert provider.stats.total - before == SCOPE_PAGES_PER_CALL
    wanted = every[-1].split("/")[1].upper()
    assert values(load_all(provider, wanted)) == [every[-1]]


def test_an_installation_token_lists_the_installations_repositories(sandbox):
    info = sandbox.info["github"]
    page = github(sandbox, token=info["installation_token"]).list_scopes("", None)

    assert sorted(s.value for s in page.items) == sorted(info["repositories"])


def test_github_refuses_a_cursor_it_did_not_make(sandbox):
    with pytest.raises(ConfigurationError, match="search again"):
        github(sandbox).list_scopes("", "https://elsewhere.example/repos")


def test_github_bad_token_is_an_authentication_error(sandbox):
    with pytest.raises(AuthenticationError):
        github(sandbox, token="ghp_not_a_token").list_scopes("", None)


def test_jira_searches_boards_by_name_on_the_server(sandbox):
    boards = sandbox.info["jira"]["boards"]
    provider = jira(sandbox)

    found = provider.list_scopes(boards[1]["name"].lower(), None)

    assert [(s.value, s.label) for s in found.items] == [(str(boards[1]["id"]), boards[1]["name"])]
    assert f"project {boards[1]['project_key']}" in found.items[0].detail
    assert found.searched_on_server is True and found.next_cursor is None
    assert values([provider.list_scopes("", None)]) == [str(b["id"]) for b in boards]


def test_jira_pages_with_startat_as_the_cursor(sandbox):
    boards = sandbox.info["jira"]["boards"]
    provider = jira(sandbox)
    first = provider.list_scopes("", None)
    assert first.next_cursor is None
    # The cursor is where the next page starts.
    rest = provider.list_scopes("", "1")
    assert values([rest]) == [str(b["id"]) for b in boards[1:]]


def test_jira_bad_token_is_an_authentication_error(sandbox):
    with pytest.raises(AuthenticationError):
        jira(sandbox, token="wrong").list_scopes("", None)


def test_trello_lists_open_boards_at_once_and_filters_them(sandbox):
    boards = sandbox.info["trello"]["boards"]
    provider = trello(sandbox)

    every = provider.list_scopes("", None)
    one = provider.list_scopes(boards[0]["name"][:4].upper(), None)

    assert [(s.value, s.label) for s in every.items] == [(b["id"], b["name"]) for b in boards]
    assert all(s.detail.startswith("https://trello.com/b/") for s in every.items)
    assert (every.next_cursor, every.searched_on_server) == (None, False)
    assert [s.value for s in one.items] == [boards[0]["id"]]


def test_trello_bad_token_is_an_authentication_error(sandbox):
    with pytest.raises(AuthenticationError, match="token"):
        trello(sandbox, token="0" * 64).list_scopes("", None)
