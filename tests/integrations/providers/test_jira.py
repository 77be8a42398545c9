"""The Jira Cloud provider against the sandbox's Jira, and its parsers on real payload shapes."""

import itertools
import json
import math
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import requests

from integrations.providers.errors import (
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from integrations.providers.http import HttpOptions
from integrations.providers.jira.client import JiraProvider
from integrations.providers.jira.parse import (
    IssueContext,
    board_estimation_field,
    jql_date,
    parse_bulkfetch,
    parse_changelog,
    parse_changelog_page,
    parse_fields,
    parse_issue,
    parse_sprint,
    parse_time,
)
from integrations.providers.records import Cursor, Sprint, WorkItem
from tests.conftest import SHARED_DIR
from tests.sandbox_server import start_sandbox, stop_sandbox

EXAMPLES = SHARED_DIR / "api-examples" / "jira"
CATEGORIES = {"10000": "todo", "3": "in_progress", "10001": "in_progress", "10002": "done"}


@pytest.fixture(autouse=True)
def _allow_loopback(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


@pytest.fixture(scope="module")
def faulty():
    """A private sandbox whose faults each test sets (and clears) for itself."""
    box = start_sandbox("--seed", "11", "--issues-per-project", "30")
    yield box
    stop_sandbox(box)


def no_sleep(seconds: float) -> None:
    pass


def make_provider(box, *, token=None, options=None, **config) -> JiraProvider:
    info = box.info["jira"]
    settings = {
        "site_url": info["site_url"],
        "board_id": info["boards"][0]["id"],
        "project_keys": [],
        "story_points_field": None,
        "status_mapping": {},
        **config,
    }
    credentials = {"email": info["email"], "api_token": token or info["api_token"]}
    return JiraProvider(settings, credentials, options or HttpOptions(sleep=no_sleep))


def read(provider: JiraProvider, stream: str, cursor: Cursor | None = None):
    """Every record of a stream and the cursor it ends with; checks the cursor rule on the way."""
    batches = list(provider.fetch(stream, cursor or Cursor()))
    assert batches, "a fetch always yields at least one batch"
    assert all(batch.cursor is None for batch in batches[:-1])
    assert batches[-1].cursor is not None
    return [record for batch in batches for record in batch.records], batches[-1].cursor


def issues_stream(provider: JiraProvider) -> str:
    return next(name for name in provider.streams() if name.startswith("issues:"))


def search_all(box, jql: str, fields: list[str]) -> list[dict]:
    issues, token = [], None
    while True:
        body = {"jql": jql, "maxResults": 100, "fields": fields}
        if token:
            body["nextPageToken"] = token
        page = box.jira("/rest/api/3/search/jql", "POST", json=body).json()
        issues += page["issues"]
        token = page.get("nextPageToken")
        if not token:
            return issues


def full_status_walk(box, key: str) -> list[str]:
    """The issue's statuses from the sandbox's own complete changelog, oldest first."""
    walk, start = [], 0
    while True:
        page = box.jira(f"/rest/api/3/issue/{key}/changelog", params={"startAt": start}).json()
        walk += [
            i["toString"] for v in page["values"] for i in v["items"] if i["field"] == "status"
        ]
        if page["isLast"]:
            return walk
        start += len(page["values"])


def set_faults(box, *faults: dict) -> None:
    requests.post(box.base + "/_sandbox/faults", json={"faults": list(faults)}, timeout=5)


# --- Full and incremental sync ------------------------------------------------------------


def test_full_sync_returns_every_board_issue_once_with_complete_histories(sandbox):
    board = sandbox.info["jira"]["boards"][0]
    provider = make_provider(sandbox)
    sprints, sprint_cursor = read(provider, f"sprints:{board['id']}")
    issues, cursor = read(provider, issues_stream(provider))

    truth = search_all(
        sandbox,
        f"project = {board['project_key']}",
        ["status", sandbox.info["jira"]["story_points_field"], "customfield_10020"],
    )
    count = sandbox.jira(
        "/rest/api/3/search/approximate-count",
        "POST",
        json={"jql": f"project = {board['project_key']}"},
    ).json()["count"]
    keys = [item.key for item in issues]
    assert len(keys) == len(set(keys)) == count == len(truth)
    assert set(keys) == {raw["key"] for raw in truth}
    assert all(
        isinstance(item, WorkItem) and item.container == board["project_key"] for item in issues
    )
    assert cursor.watermark == max(item.updated_at for item in issues)

    by_key = {raw["key"]: raw["fields"] for raw in truth}
    truncated = []
    reopened = 0
    for item in issues:
        walk = [c for c in item.changes if c.field == "status"]
        assert [c.changed_at for c in item.changes] == sorted(c.changed_at for c in item.changes)
        for before, after in itertools.pairwise(walk):
            assert before.to_value == after.from_value, item.key
        assert (
            (walk[-1].to_value if walk else "To Do")
            == item.status
            == by_key[item.key]["status"]["name"]
        )
        assert item.status_category == CATEGORIES[by_key[item.key]["status"]["id"]]
        assert all(c.to_category in ("todo", "in_progress", "done") for c in walk)
        reopened += "Done" in [c.to_value for c in walk[:-1]]
        if len(walk) > 20:
            truncated.append(item)
        assert item.story_points == by_key[item.key]["customfield_10016"]
        sprint_field = by_key[item.key]["customfield_10020"] or []
        assert item.sprint_ids == tuple(str(s["id"]) for s in sprint_field)
        assert item.url == f"{sandbox.info['jira']['site_url']}/browse/{item.key}"
    # Search keeps only the newest 20 histories: these came back whole through bulkfetch.
    assert truncated
    for item in truncated[:3]:
        assert [c.to_value for c in item.changes if c.field == "status"] == full_status_walk(
            sandbox, item.key
        )
    assert reopened
    assert any(item.story_points for item in issues)
    assert {item.kind for item in issues} >= {"story", "bug", "task"}
    assert any(c.field == "sprint" and c.to_value for item in issues for c in item.changes)

    assert all(isinstance(s, Sprint) for s in sprints)
    assert {s.state for s in sprints} == {"closed", "active", "future"}
    assert all(s.completed_at for s in sprints if s.state == "closed")
    assert sprint_cursor == Cursor()
    member_of = {sprint_id for item in issues for sprint_id in item.sprint_ids}
    assert member_of and member_of <= {s.external_id for s in sprints}


def test_full_sync_stays_in_budget_and_an_unchanged_resync_returns_nothing(fresh_sandbox):
    box = fresh_sandbox("--seed", "7")
    board = box.info["jira"]["boards"][0]
    requests.delete(box.base + "/_sandbox/stats", timeout=5)
    provider = make_provider(box)
    read(provider, f"sprints:{board['id']}")
    issues, cursor = read(provider, issues_stream(provider))
    spent = box.stats()
    sprint_pages = spent["endpoints"]["GET /rest/agile/1.0/board/{board_id}/sprint"]["200"]
    budget = math.ceil(len(issues) / 100) + math.ceil(len(issues) / 1000) + sprint_pages + 5
    assert spent["requests"] == provider.stats.total <= budget
    assert "POST /rest/api/3/search" not in spent["endpoints"]

    requests.delete(box.base + "/_sandbox/stats", timeout=5)
    again = make_provider(box)
    records, same = read(again, issues_stream(again), cursor)
    assert records == []
    assert same.watermark == cursor.watermark
    # The site settings kept in the cursor spare /myself, /field and the board configuration:
    # nothing new costs the one search.
    assert list(box.stats()["endpoints"]) == ["POST /rest/api/3/search/jql"]
    assert box.stats()["requests"] == again.stats.total == 1


SETTINGS_READS = {
    "GET /rest/api/3/myself",
    "GET /rest/api/3/field",
    "GET /rest/agile/1.0/board/{board_id}/configuration",
}


def test_kept_site_settings_are_read_again_when_a_day_old_or_the_settings_changed(fresh_sandbox):
    box = fresh_sandbox("--seed", "7")
    provider = make_provider(box)
    stream = issues_stream(provider)
    _, cursor = read(provider, stream)
    kept = cursor.state["site"]
    assert kept["scope"] == cursor.state["scope"]
    assert kept["time_zone"] == provider._myself()["timeZone"]

    def reads_with(state: dict, **config) -> set[str]:
        requests.delete(box.base + "/_sandbox/stats", timeout=5)
        later = make_provider(box, **config)
        records, _ = read(later, issues_stream(later), replace(cursor, state=state))
        assert records == []
        return set(box.stats()["endpoints"])

    assert not reads_with(cursor.state) & SETTINGS_READS
    day_old = (datetime.now(UTC) - timedelta(hours=24, minutes=1)).isoformat()
    assert reads_with({**cursor.state, "site": {**kept, "read_at": day_old}}) >= SETTINGS_READS
    # Another story points field: the kept field ids no longer apply.
    assert reads_with(cursor.state, story_points_field="customfield_99999") >= SETTINGS_READS
    assert reads_with({**cursor.state, "site": "not an object"}) >= SETTINGS_READS


def test_incremental_sync_returns_a_transitioned_issue_with_its_new_status(fresh_sandbox):
    box = fresh_sandbox("--seed", "7")
    provider = make_provider(box)
    stream = issues_stream(provider)
    _, cursor = read(provider, stream)

    moved = requests.post(
        box.base + "/_sandbox/mutate", json={"kind": "transition", "key": "PAY-3"}, timeout=5
    ).json()
    later = make_provider(box)
    records, newer = read(later, stream, cursor)

    assert [item.key for item in records] == ["PAY-3"]
    item = records[0]
    assert item.status == moved["status"]
    last = [c for c in item.changes if c.field == "status"][-1]
    assert last.to_value == moved["status"]
    assert last.changed_at == parse_time(moved["updated"])
    assert newer.watermark == item.updated_at > cursor.watermark
    assert later.stats.total <= 6


def test_an_issue_updated_during_a_full_sync_makes_no_other_issue_go_missing(fresh_sandbox):
    box = fresh_sandbox("--seed", "7")
    oldest = box.jira(
        "/rest/api/3/search/jql",
        "POST",
        json={"jql": "project = PAY ORDER BY updated ASC, key ASC", "maxResults": 1},
    ).json()["issues"][0]["key"]
    provider = make_provider(box)
    edits = []

    def someone_edits_after_the_first_page(response, *args, **kwargs):
        # Another user moves an already-read issue to the end of `updated` order, which shifts
        # every later issue back one place between our first and second page.
        if response.url.endswith("/search/jql") and not edits:
            edits.append(
                requests.post(
                    box.base + "/_sandbox/mutate",
                    json={"kind": "transition", "key": oldest},
                    timeout=5,
                ).json()
            )

    provider.http.session.hooks["response"].append(someone_edits_after_the_first_page)
    stream = issues_stream(provider)
    first, cursor = read(provider, stream)
    records, _ = read(make_provider(box), stream, cursor)

    assert edits and provider.stats.by_endpoint["search/jql"] == 2
    everything = {raw["key"] for raw in search_all(box, "project = PAY", ["key"])}
    assert {item.key for item in first} | {item.key for item in records} == everything


def test_project_scope_reads_only_those_projects_without_a_board(sandbox):
    provider = make_provider(sandbox, board_id=None, project_keys=["WEB"])
    assert provider.streams() == ["issues:WEB"]
    issues, _ = read(provider, "issues:WEB")
    assert issues and {item.container for item in issues} == {"WEB"}
    assert any(item.story_points for item in issues)  # detected from /rest/api/3/field
    assert provider.stats.by_endpoint["board/configuration"] == 0


# --- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": "status", "status": 503}, TransientError),
        ({"kind": "status", "status": 500}, TransientError),
        ({"kind": "rate_limit", "retry_after": 120}, RateLimitedError),
        ({"kind": "malformed"}, MalformedResponseError),
        ({"kind": "drop"}, TransientError),
    ],
)
def test_search_faults_map_to_the_provider_error_family(faulty, fault, error):
    set_faults(faulty, {**fault, "path": "/rest/api/3/search/jql"})
    try:
        provider = make_provider(faulty)
        with pytest.raises(error) as raised:
            list(provider.fetch(issues_stream(provider), Cursor()))
    finally:
        set_faults(faulty)
    if error is RateLimitedError:
        assert raised.value.retry_after == 120
    assert faulty.info["jira"]["api_token"] not in raised.value.message


def test_a_hung_search_times_out_as_transient(faulty):
    set_faults(faulty, {"kind": "hang", "path": "/rest/api/3/search/jql", "hang_seconds": 5})
    try:
        options = HttpOptions(sleep=no_sleep, read_timeout=0.3, transient_retries=1)
        provider = make_provider(faulty, options=options)
        with pytest.raises(TransientError, match="did not answer within"):
            list(provider.fetch(issues_stream(provider), Cursor()))
    finally:
        set_faults(faulty)


def test_bad_credentials_are_an_authentication_error_without_the_token(faulty):
    provider = make_provider(faulty, token="not-the-token-xyz")
    for stream in provider.streams():
        with pytest.raises(AuthenticationError) as raised:
            list(provider.fetch(stream, Cursor()))
        assert "not-the-token-xyz" not in raised.value.message


def test_an_unknown_board_is_not_found_by_its_number(faulty):
    provider = make_provider(faulty, board_id=99)
    for stream in provider.streams():
        with pytest.raises(NotFoundError, match="board 99 not found"):
            list(provider.fetch(stream, Cursor()))


def test_a_search_answer_missing_issue_fields_is_malformed_not_a_crash():
    answers = {
        "/rest/api/3/myself": {"displayName": "Ann", "timeZone": "Europe/Paris"},
        "/rest/api/3/field": [],
        "/rest/api/3/status": [],
        "/rest/api/3/search/jql": {"issues": [{"id": "1", "key": "ENG-1"}], "isLast": True},
    }

    class Jira(BaseHTTPRequestHandler):
        def answer(self):
            body = json.dumps(answers[self.path]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jira)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        site = f"http://127.0.0.1:{server.server_address[1]}"
        provider = JiraProvider(
            {"site_url": site, "board_id": None, "project_keys": ["ENG"]},
            {"email": "ann@example.com", "api_token": "tok-123"},
            HttpOptions(sleep=no_sleep),
        )
        with pytest.raises(MalformedResponseError, match="cannot read"):
            list(provider.fetch("issues:ENG", Cursor()))
    finally:
        server.shutdown()


# --- Connection check -----------------------------------------------------------------------


def test_check_connection_names_the_account_and_counts_the_issues(sandbox):
    result = make_provider(sandbox).check_connection()
    me = sandbox.jira("/rest/api/3/myself").json()["displayName"]
    assert result.ok
    assert me in result.message
    assert result.details["issues"] == 150


def test_check_connection_with_a_bad_token_says_so_plainly(sandbox):
    result = make_provider(sandbox, token="wrong-token-123").check_connection()
    assert not result.ok
    assert "API token" in result.message and "wrong-token-123" not in result.message


def test_check_connection_reports_an_unknown_board_or_project(sandbox):
    board = make_provider(sandbox, board_id=8).check_connection()
    assert not board.ok and "board 8 not found" in board.message
    project = make_provider(sandbox, board_id=None, project_keys=["NOPE"]).check_connection()
    assert not project.ok and "NOPE" in project.message


# --- Parsers over the example payloads ---------------------------------------------------


def example(name: str):
    return json.loads((EXAMPLES / name).read_text())


def test_search_page_issue_parses_into_a_work_item_with_its_history():
    page = example("SYNTHETIC_search_jql_page_with_changelog.json")
    context = IssueContext(
        site_url="https://acme.atlassian.net",
        story_points_field="customfield_10016",
        sprint_field="customfield_10020",
        categories=CATEGORIES,
    )
    item = parse_issue(page["issues"][0], context)
    assert (item.external_id, item.key, item.kind) == ("10002", "ED-1", "story")
    assert (item.status, item.status_category) == ("Done", "done")
    assert item.url == "https://acme.atlassian.net/browse/ED-1"
    assert item.story_points == 5.0 and item.sprint_ids == ("37",)
    assert item.resolved_at == datetime(2025, 1, 9, 16, 40, 12, 345000, tzinfo=UTC)
    assert [(c.from_value, c.to_value) for c in item.changes] == [
        ("To Do", "In Progress"),
        ("In Progress", "Done"),
    ]
    assert [c.to_category for c in item.changes] == ["in_progress", "done"]
    assert item.changes[0].author == "Mia Krystof"
    assert page["nextPageToken"] == "CAEaAggD" and page["isLast"] is False


def test_status_mapping_overrides_jiras_categories():
    raw = example("SYNTHETIC_search_jql_page_with_changelog.json")["issues"][0]
    context = IssueContext(
        site_url="https://acme.atlassian.net",
        categories=CATEGORIES,
        status_mapping={"in progress": "todo", "done": "in_progress"},
    )
    item = parse_issue(raw, context)
    assert item.status_category == "in_progress"
    assert [c.to_category for c in item.changes] == ["todo", "in_progress"]


def test_webhook_status_item_without_field_id_and_story_point_changes_are_tracked():
    hook = example("webhooks/issue_updated_status_change.json")
    history = {"id": "10000", "created": hook["timestamp"], "items": hook["changelog"]["items"]}
    points = {
        "id": "10001",
        "created": "2025-01-07T10:00:00.000+0100",
        "items": [
            {
                "field": "Story point estimate",
                "fieldId": "customfield_10016",
                "fromString": "3",
                "toString": "5",
                "from": None,
                "to": None,
            },
            {
                "field": "Sprint",
                "fieldId": "customfield_10020",
                "fromString": "S1",
                "toString": "S1, S2",
                "from": "12",
                "to": "12, 13",
            },
        ],
    }
    context = IssueContext(
        site_url="https://x", story_points_field="customfield_10016", categories=CATEGORIES
    )
    changes = parse_changelog("42", [points, history], context)
    assert [(c.field, c.from_value, c.to_value) for c in changes] == [
        ("status", "To Do", "In Progress"),
        ("story_points", "3", "5"),
        ("sprint", "12", "12, 13"),
    ]
    status = next(c for c in changes if c.field == "status")
    assert (status.from_category, status.to_category) == ("todo", "in_progress")
    assert status.changed_at == parse_time(hook["timestamp"])
    assert {c.external_id for c in changes} == {
        "10000:status",
        "10001:story_points",
        "10001:sprint",
    }


def test_changelog_page_and_bulkfetch_payloads_parse():
    values, is_last = parse_changelog_page(example("issue_changelog_page.json"))
    assert [v["id"] for v in values] == ["10001", "10002"] and is_last is False
    # Label edits are not tracked fields.
    assert parse_changelog("1", values, IssueContext(site_url="https://x")) == ()

    histories, token = parse_bulkfetch(example("changelog_bulkfetch.json"))
    assert token == "UxAQBFRF"
    assert [h["id"] for h in histories["10100"]] == ["10001", "10002"]
    # The spec's example gives `created` as epoch seconds.
    assert parse_time(histories["10100"][0]["created"]) == datetime(
        2017, 4, 13, 8, 0, 29, tzinfo=UTC
    )


def test_board_sprints_parse_with_their_dates_in_utc():
    page = example("agile_board_sprints_list.json")
    closed, future = (parse_sprint(raw, 5) for raw in page["values"])
    assert (closed.external_id, closed.board_id, closed.state) == ("37", "5", "closed")
    assert closed.completed_at == datetime(2015, 4, 20, 1, 4, tzinfo=UTC)
    assert closed.goal == "sprint 1 goal"
    assert future.state == "future" and future.start_at is None and future.end_at is None


def test_story_points_field_is_detected_from_fields_or_board_configuration():
    assert parse_fields(example("fields_list.json")) == (None, None)
    assert board_estimation_field(example("agile_board_configuration.json")) == "customfield_10002"
    fields = [
        {
            "id": "customfield_10028",
            "name": "Story Points",
            "custom": True,
            "schema": {
                "type": "number",
                "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float",
            },
        },
        {
            "id": "customfield_10020",
            "name": "Sprint",
            "custom": True,
            "schema": {"type": "array", "custom": "com.pyxis.greenhopper.jira:gh-sprint"},
        },
    ]
    assert parse_fields(fields) == ("customfield_10028", "customfield_10020")


def test_incremental_jql_date_is_in_the_accounts_time_zone():
    zone = ZoneInfo(example("myself.json")["timeZone"])  # Australia/Sydney
    moment = datetime(2025, 1, 1, 0, 0, 59, tzinfo=UTC)
    assert jql_date(moment, zone) == "2025-01-01 11:00"
