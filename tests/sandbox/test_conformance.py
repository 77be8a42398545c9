"""One conformance test per file in ../shared/api-examples: every key of the example is present,
with the same JSON type, in the sandbox's answer for that endpoint.

Lists are compared as a union over their items (an open PR has `merged_at: null`, a merged one a
string, and together they cover the example). A null in the example only requires the key.
"""

from __future__ import annotations

import json

import pytest

from .paths import EXAMPLES, OPENAPI, validate_response

# Where an example contradicts the real service, the real service wins; each entry says why.
CONTRADICTIONS = {
    # The generated repositories are not mirrors; GitHub sends `mirror_url: null` for those.
    "github": {"head.repo.mirror_url", "base.repo.mirror_url"},
    # The Jira spec examples give `updated` as a number, `comment`/`worklog` as lists and
    # `description` as text; Jira Cloud v3 sends a date string, paged objects and an ADF document.
    "jira": {
        "fields.updated",
        "fields.comment",
        "fields.worklog",
        "fields.description",
        # bulkfetch: example `created` is an int, the schema (and /changelog) a date string.
        "issueChangeLogs[].changeHistories[].created",
    },
}


def _type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def _signature(value, path: str = "", out: dict | None = None) -> dict[str, set[str]]:
    """Map each key path (list items collapsed to []) to the JSON types seen there."""
    out = {} if out is None else out
    out.setdefault(path, set()).add(_type(value))
    if isinstance(value, dict):
        for key, item in value.items():
            _signature(item, f"{path}.{key}" if path else key, out)
    elif isinstance(value, list):
        for item in value:
            _signature(item, f"{path}[]", out)
    return out


def _mismatches(example, actual, ignore: set[str] = frozenset()) -> list[str]:
    expected, seen = _signature(example), {}
    if isinstance(actual, list) and not isinstance(example, list):
        for item in actual:  # several answers of one endpoint, compared with one example object
            _signature(item, "", seen)
    else:
        _signature(actual, "", seen)
    problems = []
    for path, types in sorted(expected.items()):
        if any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in ignore):
            continue
        if path not in seen:
            problems.append(f"missing {path}")
        elif types - {"null"} and not (types - {"null"}) & seen[path]:
            problems.append(f"{path}: example {sorted(types)}, sandbox {sorted(seen[path])}")
    return problems


def _load(api: str, name: str):
    body = json.loads((EXAMPLES / api / name).read_text())
    if isinstance(body, dict):
        body.pop("_comment", None)
    return body


def _prefixed(body, prefix: str) -> set[str]:
    return {f"{prefix}{p}" for p in body}


# ------------------------------------------------------------------ GitHub


def _gh_merged(sandbox) -> int:
    prs = sandbox.github(
        f"/repos/{sandbox.repo}/pulls", params={"state": "closed", "per_page": 100}
    ).json()
    return next(p["number"] for p in prs if p["merged_at"])


GITHUB_CASES = {
    "pulls_list.json": lambda s: s.github(
        f"/repos/{s.repo}/pulls", params={"state": "all", "per_page": 100}
    ).json(),
    "pull_get.json": lambda s: [
        s.github(f"/repos/{s.repo}/pulls/{n}").json()
        for n in range(1, 40)
        if s.github(f"/repos/{s.repo}/pulls/{n}").status_code == 200
    ],
    "pull_reviews_list.json": lambda s: s.github(
        f"/repos/{s.repo}/pulls/{_gh_merged(s)}/reviews"
    ).json(),
    "commits_list.json": lambda s: (
        s.github(f"/repos/{s.repo}/commits").json()
        + s.github(f"/repos/{s.repo}/pulls/{_gh_merged(s)}/commits").json()
    ),
    "deployments_list.json": lambda s: s.github(f"/repos/{s.repo}/deployments").json(),
    "deployment_statuses_list.json": lambda s: s.github(
        f"/repos/{s.repo}/deployments/{s.github(f'/repos/{s.repo}/deployments').json()[1]['id']}/statuses"
    ).json(),
    "releases_list.json": lambda s: s.github(f"/repos/{s.repo}/releases").json(),
    "issues_list.json": lambda s: s.github(
        f"/repos/{s.repo}/issues", params={"state": "all", "per_page": 100}
    ).json(),
    "workflow_runs_list.json": lambda s: s.github(
        f"/repos/{s.repo}/actions/runs", params={"per_page": 100}
    ).json(),
    "rate_limit.json": lambda s: s.github("/rate_limit").json(),
}


@pytest.mark.parametrize("name", sorted(GITHUB_CASES))
def test_github_example_keys_and_types_are_served(sandbox, name):
    ignore = CONTRADICTIONS["github"] | {f"[].{p}" for p in CONTRADICTIONS["github"]}
    assert _mismatches(_load("github", name), GITHUB_CASES[name](sandbox), ignore) == []


def test_github_pagination_headers_match_the_recorded_ones(sandbox):
    recorded = _load("github", "recorded_pagination_headers.json")["responses"][1]
    names = {n.lower() for n, _ in recorded["headers"]}
    response = sandbox.github(f"/repos/{sandbox.repo}/issues", params={"per_page": 3, "page": 2})
    wanted = {
        "link",
        "etag",
        "cache-control",
        "vary",
        "content-type",
        "x-github-media-type",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-used",
        "x-ratelimit-resource",
    }
    assert wanted <= names
    assert wanted <= {n.lower() for n in response.headers}
    ours = sorted(part.split("rel=")[1] for part in response.headers["Link"].split(", "))
    theirs = sorted(part.split("rel=")[1] for part in dict(recorded["headers"])["Link"].split(", "))
    assert ours == theirs


def test_github_422_body_matches_the_recorded_validation_error(sandbox):
    recorded = _load("github", "error_422_validation_failed.json")["body"]
    response = sandbox.github(f"/repos/{sandbox.repo}/pulls", params={"state": "bogus"})
    assert response.status_code == 422
    assert _mismatches(recorded, response.json()) == []


# ------------------------------------------------------------------ Jira


def _jira_key(s) -> str:
    return s.info["jira"]["project_keys"][0]


def _sprint_id(s, state="closed") -> int:
    board = s.info["jira"]["boards"][0]["id"]
    sprints = s.jira(f"/rest/agile/1.0/board/{board}/sprint", params={"state": state}).json()[
        "values"
    ]
    return sprints[0]["id"]


JIRA_CASES = {
    "search_jql.json": lambda s: s.jira(
        "/rest/api/3/search/jql", params={"jql": f"project = {_jira_key(s)}", "fields": "*all"}
    ).json(),
    "SYNTHETIC_search_jql_page_with_changelog.json": lambda s: s.jira(
        "/rest/api/3/search/jql",
        "POST",
        json={
            "jql": f"project = {_jira_key(s)}",
            "fields": ["*all"],
            "expand": "changelog",
            "maxResults": 50,
        },
    ).json(),
    "issue_get.json": lambda s: s.jira(f"/rest/api/3/issue/{_jira_key(s)}-3").json(),
    "issue_changelog_page.json": lambda s: s.jira(
        f"/rest/api/3/issue/{_jira_key(s)}-3/changelog", params={"maxResults": 1}
    ).json(),
    "changelog_bulkfetch.json": lambda s: s.jira(
        "/rest/api/3/changelog/bulkfetch",
        "POST",
        json={"issueIdsOrKeys": [f"{_jira_key(s)}-{n}" for n in range(1, 20)], "maxResults": 5},
    ).json(),
    "fields_list.json": lambda s: s.jira("/rest/api/3/field").json(),
    "myself.json": lambda s: s.jira("/rest/api/3/myself").json(),
    "approximate_count.json": lambda s: s.jira(
        "/rest/api/3/search/approximate-count", "POST", json={"jql": f"project = {_jira_key(s)}"}
    ).json(),
    "agile_boards_list.json": lambda s: s.jira(
        "/rest/agile/1.0/board", params={"maxResults": 1}
    ).json(),
    "agile_board_sprints_list.json": lambda s: s.jira(
        f"/rest/agile/1.0/board/{s.info['jira']['boards'][0]['id']}/sprint",
        params={"maxResults": 3},
    ).json(),
    "agile_sprint_get.json": lambda s: s.jira(f"/rest/agile/1.0/sprint/{_sprint_id(s)}").json(),
    "agile_board_sprint_issues.json": lambda s: s.jira(
        f"/rest/agile/1.0/board/{s.info['jira']['boards'][0]['id']}"
        f"/sprint/{_sprint_id(s, 'active')}/issue",
        params={"maxResults": 50},
    ).json(),
    "agile_sprint_issue_example_AS_IN_SPEC.json": lambda s: s.jira(
        f"/rest/agile/1.0/sprint/{_sprint_id(s, 'active')}/issue"
    ).json()["issues"],
    "agile_board_configuration.json": lambda s: s.jira(
        f"/rest/agile/1.0/board/{s.info['jira']['boards'][0]['id']}/configuration"
    ).json(),
}

# Keys these examples have that the real Jira Cloud answer does not.
JIRA_EXAMPLE_ONLY = {
    # The board configuration example puts project key/name in `location`; the schema (and Jira)
    # use `type` + `projectKeyOrId` there (README quirk 6).
    "agile_board_configuration.json": {
        "location.key",
        "location.id",
        "location.name",
        "location.self",
    },
}
# The generated site has no attachments, sub-tasks or issue links: those keys are served as empty
# lists, so the example's item keys inside them cannot be compared.
EMPTY_COLLECTIONS = {"fields.attachment", "fields.sub-tasks", "fields.issuelinks"}


@pytest.mark.parametrize("name", sorted(JIRA_CASES))
def test_jira_example_keys_and_types_are_served(sandbox, name):
    ignore = set()
    for path in CONTRADICTIONS["jira"] | EMPTY_COLLECTIONS:
        ignore |= {path, f"issues[].{path}", f"[].{path}"}
    ignore |= JIRA_EXAMPLE_ONLY.get(name, set())
    assert _mismatches(_load("jira", name), JIRA_CASES[name](sandbox), ignore) == []


def test_jira_removed_search_example_is_answered_with_410(sandbox):
    assert _load("jira", "search_legacy_deprecated.json")["issues"]  # the old page shape, now gone
    assert sandbox.jira("/rest/api/3/search", params={"jql": "project = PAY"}).status_code == 410


# ------------------------------------------------------------------ Trello


def _trello_board(s) -> str:
    return s.info["trello"]["boards"][0]["id"]


TRELLO_CASES = {
    "board_lists.json": lambda s: s.trello_get(f"/1/boards/{_trello_board(s)}/lists").json(),
    "board_cards.json": lambda s: s.trello_get(f"/1/boards/{_trello_board(s)}/cards").json(),
    "board_actions_updateCard_idList_createCard.json": lambda s: s.trello_get(
        f"/1/boards/{_trello_board(s)}/actions", params={"filter": "createCard,updateCard:idList"}
    ).json(),
}


@pytest.mark.parametrize("name", sorted(TRELLO_CASES))
def test_trello_example_keys_and_types_are_served(sandbox, name):
    assert _mismatches(_load("trello", name), TRELLO_CASES[name](sandbox)) == []


def test_trello_action_object_matches_the_documented_one_apart_from_its_due_date_data(sandbox):
    example = _load("trello", "action_object_official_docs.json")
    actions = TRELLO_CASES["board_actions_updateCard_idList_createCard.json"](sandbox)
    moves = [a for a in actions if a["type"] == "updateCard"]
    # The documented example is a due-date change; a list move carries list data instead.
    ignore = {
        "data.list",
        "data.card.due",
        "data.old.due",
        "display.entities.date",
        "display.entities.card.due",
    }
    assert _mismatches(example, moves, ignore) == []


def test_trello_429_body_matches_the_documented_one(fresh_sandbox):
    box = fresh_sandbox("--trello-token-limit", "1")
    box.trello_get("/1/members/me")
    limited = box.trello_get("/1/members/me")
    assert limited.status_code == 429
    assert limited.json() == _load("trello", "error_429_bodies.json")["API_TOKEN_LIMIT_EXCEEDED"]


# ------------------------------------------------------------------ Pickers (issue 18)
# What the integration form lists to choose from: the viewer's repositories (or an app
# installation's), Jira boards searched by name and the member's Trello boards.

GITHUB_SPEC = str(OPENAPI / "github.json")
JIRA_SOFTWARE_SPEC = str(OPENAPI / "jira-software.json")


def _rels(response) -> set[str]:
    return {part.split("rel=")[1].strip('"') for part in response.headers["Link"].split(", ")}


def test_user_repos_validate_against_the_openapi_description_and_page_with_links(sandbox):
    """GET /user/repos as ../shared/openapi/github.json describes it (an array of `repository`,
    `Link` header): `per_page`, `page`, `affiliation` and `sort` are accepted."""
    every = sandbox.github("/user/repos", params={"per_page": 100})
    assert every.status_code == 200
    names = [r["full_name"] for r in every.json()]
    assert sorted(names) == sorted(sandbox.info["github"]["repositories"])
    assert names == sorted(names, key=str.lower)  # sort=full_name, asc, is the default
    assert validate_response(GITHUB_SPEC, "GET", "/user/repos", every.json()) == []

    params = {"per_page": 2, "affiliation": "owner,collaborator,organization_member"}
    first = sandbox.github("/user/repos", params={**params, "sort": "full_name"})
    assert [r["full_name"] for r in first.json()] == names[:2]
    assert _rels(first) == {"next", "last"}
    second = sandbox.github("/user/repos", params={**params, "sort": "full_name", "page": 2})
    assert [r["full_name"] for r in second.json()] == names[2:4]
    assert {"prev", "first"} <= _rels(second)
    for page in (first, second):
        assert validate_response(GITHUB_SPEC, "GET", "/user/repos", page.json()) == []

    newest = sandbox.github("/user/repos", params={"sort": "created", "direction": "desc"})
    created = [r["created_at"] for r in newest.json()]
    assert created == sorted(created, reverse=True)
    # The organisation owns every repository: the viewer owns none of them.
    assert sandbox.github("/user/repos", params={"affiliation": "owner"}).json() == []
    bogus = sandbox.github("/user/repos", params={"sort": "stars"})
    assert bogus.status_code == 422
    assert validate_response(GITHUB_SPEC, "SCHEMA", "validation-error", bogus.json()) == []


def _installation(sandbox) -> dict:
    return {
        "Authorization": f"Bearer {sandbox.info['github']['installation_token']}",
        "X-GitHub-Api-Version": "2022-11-28",
    }


def test_installation_repositories_answer_installation_tokens_as_github_documents(sandbox):
    """GET /installation/repositories is not in ../shared/openapi/github.json (and has no file in
    ../shared/api-examples): checked against GitHub's documentation, "List repositories
    accessible to the app installation" (docs.github.com/en/rest/apps/installations), whose
    answer is {total_count, repository_selection, repositories[]}, paged with per_page and page;
    each repository is validated against the `repository` schema of github.json. A token that
    is not an installation's is refused with 403, and /user and /user/repos refuse installation
    tokens ("Resource not accessible by integration")."""
    headers = _installation(sandbox)
    first = sandbox.get("/installation/repositories", headers=headers, params={"per_page": 2})
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"total_count", "repository_selection", "repositories"}
    assert body["total_count"] == len(sandbox.info["github"]["repositories"])
    assert body["repository_selection"] in ("all", "selected")
    assert len(body["repositories"]) == 2 and _rels(first) == {"next", "last"}
    rest = sandbox.get(
        "/installation/repositories", headers=headers, params={"per_page": 2, "page": 2}
    ).json()["repositories"]
    listed = {r["full_name"] for r in body["repositories"] + rest}
    assert listed == set(sandbox.info["github"]["repositories"])
    for repository in body["repositories"] + rest:
        assert validate_response(GITHUB_SPEC, "SCHEMA", "repository", repository) == []

    refused = sandbox.github("/installation/repositories")
    assert refused.status_code == 403
    assert validate_response(GITHUB_SPEC, "SCHEMA", "basic-error", refused.json()) == []
    for path in ("/user", "/user/repos"):
        answer = sandbox.get(path, headers=headers)
        assert answer.status_code == 403
        assert answer.json()["message"] == "Resource not accessible by integration"
    # An installation token reads repositories like any other token.
    assert sandbox.get(f"/repos/{sandbox.repo}", headers=headers).status_code == 200


def test_jira_boards_are_searched_by_name_and_paged_as_the_jira_software_openapi_says(sandbox):
    """GET /rest/agile/1.0/board validated against ../shared/openapi/jira-software.json: `name`
    matches boards whose name contains it (case-insensitive); startAt, maxResults, total and
    isLast page the answer."""
    boards = sandbox.info["jira"]["boards"]
    wanted = boards[1]
    needle = wanted["name"][:3].swapcase()
    found = sandbox.jira("/rest/agile/1.0/board", params={"name": needle}).json()
    assert validate_response(JIRA_SOFTWARE_SPEC, "GET", "/rest/agile/1.0/board", found) == []
    assert [b["id"] for b in found["values"]] == [wanted["id"]]
    assert (found["total"], found["isLast"]) == (1, True)
    assert sandbox.jira("/rest/agile/1.0/board", params={"name": "no such"}).json()["values"] == []

    first = sandbox.jira("/rest/agile/1.0/board", params={"maxResults": 1}).json()
    second = sandbox.jira("/rest/agile/1.0/board", params={"maxResults": 1, "startAt": 1}).json()
    assert (first["startAt"], first["maxResults"], first["total"]) == (0, 1, len(boards))
    assert first["isLast"] is False and second["isLast"] is (len(boards) == 2)
    assert [first["values"][0]["id"], second["values"][0]["id"]] == [b["id"] for b in boards[:2]]
    for page in (first, second):
        assert validate_response(JIRA_SOFTWARE_SPEC, "GET", "/rest/agile/1.0/board", page) == []
        assert _mismatches(_load("jira", "agile_boards_list.json"), page) == []


def test_trello_member_boards_take_filter_and_fields_as_trello_documents(sandbox):
    """Trello has no official OpenAPI and ../shared/api-examples holds no board list: checked
    against Trello's REST reference, "Get Boards that Member belongs to"
    (developer.atlassian.com/cloud/trello/rest/api-group-members/#api-members-id-boards-get):
    an unpaged array of boards; `filter` is all or a list of closed, members, open,
    organization, public, starred; `fields` is all or a list of board fields (id always)."""
    every = sandbox.trello_get("/1/members/me/boards")
    assert every.status_code == 200
    assert [b["id"] for b in every.json()] == [b["id"] for b in sandbox.info["trello"]["boards"]]
    board = every.json()[0]
    for key, kind in {"id": str, "name": str, "closed": bool, "url": str, "shortLink": str}.items():
        assert isinstance(board[key], kind), key

    chosen = sandbox.trello_get(
        "/1/members/me/boards", params={"filter": "open", "fields": "name,url"}
    ).json()
    assert [set(b) for b in chosen] == [{"id", "name", "url"}] * len(every.json())
    assert sandbox.trello_get("/1/members/me/boards", params={"filter": "closed"}).json() == []
    bad = sandbox.trello_get("/1/members/me/boards", params={"filter": "everything"})
    assert (bad.status_code, bad.text) == (400, "invalid value for filter")
