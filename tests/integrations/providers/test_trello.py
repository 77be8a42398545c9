"""The Trello provider against the sandbox's Trello stand-in and recorded Trello payloads."""

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from integrations.providers.errors import (
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    TransientError,
)
from integrations.providers.http import HttpOptions, Throttle
from integrations.providers.records import Cursor, WorkItem
from integrations.providers.trello.client import TrelloProvider, classify
from integrations.providers.trello.parse import (
    category_for,
    parse_card,
    parse_list_move,
    parse_lists,
)
from tests.sandbox.paths import EXAMPLES
from tests.sandbox_server import start_sandbox, stop_sandbox

TRELLO = EXAMPLES / "trello"
UNKNOWN_BOARD = "0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def _allow_loopback(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


class Sleeps(list):
    """Records the waits the client asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_provider(box, *, board_ids=None, creds=None, sleeps=None, throttle=None, **kwargs):
    trello = box.info["trello"]
    page_limit = kwargs.pop("action_page_limit", 1000)
    options = HttpOptions(sleep=sleeps if sleeps is not None else Sleeps(), **kwargs)
    return TrelloProvider(
        {
            "api_url": trello["api_url"],
            "board_ids": board_ids or [board["id"] for board in trello["boards"]],
            "list_mapping": {},
        },
        creds or {"key": trello["key"], "token": trello["token"]},
        options,
        throttle=throttle,
        action_page_limit=page_limit,
    )


def sync(provider, stream, cursor=None):
    batches = list(provider.fetch(stream, cursor or Cursor()))
    records = [record for batch in batches for record in batch.records]
    return records, batches


def truth(box, board_id):
    """The sandbox's own view of a board: cards and all card actions (one big page)."""
    cards = box.trello_get(f"/1/boards/{board_id}/cards").json()
    actions = box.trello_get(
        f"/1/boards/{board_id}/actions",
        params={"filter": "createCard,updateCard:idList", "limit": 1000},
    ).json()
    lists = {
        item["id"]: item["name"] for item in box.trello_get(f"/1/boards/{board_id}/lists").json()
    }
    return cards, actions, lists


def set_faults(box, *faults):
    requests.post(box.base + "/_sandbox/faults", json={"faults": list(faults)}, timeout=5)


def assert_no_secrets(box, *texts):
    for secret in (box.info["trello"]["key"], box.info["trello"]["token"]):
        for text in texts:
            assert secret not in text


def load(name):
    return json.loads((TRELLO / name).read_text())


# --- Full and incremental sync ----------------------------------------------------------------


def test_full_sync_returns_every_card_once_with_complete_move_history(sandbox):
    provider = make_provider(sandbox, action_page_limit=20)
    for stream in provider.streams():
        board_id = stream.removeprefix("cards:")
        cards, actions, lists = truth(sandbox, board_id)
        before = provider.stats.by_endpoint["boards/{id}/actions"]

        records, batches = sync(provider, stream)

        assert all(batch.cursor is None for batch in batches[:-1])
        assert batches[-1].cursor.state["last_action_id"] == actions[0]["id"]
        # More than 20 actions per board: the history came in several backward pages.
        assert len(actions) > 60
        assert provider.stats.by_endpoint["boards/{id}/actions"] - before >= len(actions) // 20
        assert sorted(r.external_id for r in records) == sorted(c["id"] for c in cards)
        by_id = {r.external_id: r for r in records}
        for card in cards:
            item = by_id[card["id"]]
            moves = sorted(
                (
                    a
                    for a in actions
                    if a["type"] == "updateCard" and a["data"]["card"]["id"] == card["id"]
                ),
                key=lambda a: a["date"],
            )
            assert [c.external_id for c in item.changes] == [a["id"] for a in moves]
            assert [c.to_value for c in item.changes] == [
                a["data"]["listAfter"]["name"] for a in moves
            ]
            assert item.status == lists[card["idList"]]
            assert item.key == card["shortLink"] and item.url == card["url"]
            assert item.container == board_id and item.kind == "card"
            created = next(
                a
                for a in actions
                if a["type"] == "createCard" and a["data"]["card"]["id"] == card["id"]
            )
            assert item.created_at.isoformat().startswith(created["date"][:19])
            expected = {"Backlog": "todo", "To Do": "todo", "Doing": "in_progress"}
            expected |= {"Review": "in_progress", "Done": "done"}
            assert item.status_category == expected[item.status]
            if item.status == "Done":
                assert item.resolved_at == item.changes[-1].changed_at
                assert item.changes[-1].to_category == "done"
            else:
                assert item.resolved_at is None
    provider.close()


def test_incremental_fetch_returns_a_moved_card_and_an_idle_resync_is_cheap(fresh_sandbox):
    box = fresh_sandbox("--seed", "3")
    board_id = box.info["trello"]["boards"][0]["id"]
    provider = make_provider(box, board_ids=[board_id])
    stream = f"cards:{board_id}"
    first, batches = sync(provider, stream)
    waiting = next(r for r in first if r.status_category != "done")

    moved = box.post(
        "/_sandbox/mutate",
        {"kind": "move_card", "board": board_id, "card": waiting.external_id, "list": "Done"},
    ).json()
    spent = provider.stats.total
    changed, batches = sync(provider, stream, batches[-1].cursor)

    assert [r.external_id for r in changed] == [waiting.external_id]
    card = changed[0]
    assert card.status == "Done" and card.status_category == "done"
    assert card.changes[-1].external_id == moved["action_id"]
    assert (card.changes[-1].from_value, card.changes[-1].to_value) == (waiting.status, "Done")
    assert card.changes[:-1] == waiting.changes  # the whole history, not just the new move
    assert card.resolved_at == datetime(2026, 11, 1, 0, 1, tzinfo=UTC)
    assert provider.stats.total - spent <= 5

    spent = provider.stats.total
    idle, idle_batches = sync(provider, stream, batches[-1].cursor)
    assert idle == [] and len(idle_batches) == 1
    assert idle_batches[0].cursor == batches[-1].cursor
    assert provider.stats.total - spent == 3  # lists, cards, one empty actions page


# --- Rate limits ----------------------------------------------------------------------------------


def test_the_throttle_keeps_a_burst_inside_the_token_window(fresh_sandbox):
    box = fresh_sandbox("--trello-token-limit", "5", "--trello-window-seconds", "1")
    provider = make_provider(box, throttle=Throttle(4, 1.0), action_page_limit=25)

    started = time.monotonic()
    for stream in provider.streams():
        records, _ = sync(provider, stream)
        assert records

    assert provider.stats.total > 10  # twice the window's allowance
    assert not any("429" in statuses for statuses in box.stats()["endpoints"].values())
    assert all(status == 200 for status in provider.stats.by_status)
    assert time.monotonic() - started >= (provider.stats.total - 4) // 4 * 0.9


def test_a_burst_past_the_token_window_is_rate_limited_with_a_retry_hint(fresh_sandbox):
    box = fresh_sandbox("--trello-token-limit", "3", "--trello-window-seconds", "10")
    sleeps = Sleeps()
    provider = make_provider(box, throttle=Throttle(1000, 10), sleeps=sleeps, action_page_limit=10)

    with pytest.raises(RateLimitedError) as caught:
        sync(provider, provider.streams()[0])

    assert caught.value.retry_after == 10
    assert "rate limit" in caught.value.message and "token" in caught.value.message
    assert 10 in sleeps  # waited out in place before giving up
    assert_no_secrets(box, caught.value.message)


def test_both_documented_429_bodies_are_rate_limits():
    for code, body in load("error_429_bodies.json").items():
        response = requests.Response()
        response.status_code = 429
        response._content = json.dumps(body).encode()
        response.url = "https://api.trello.com/1/boards/5f0c0c0c0c0c0c0c0c0c0c0c/actions"

        error = classify(response)

        assert isinstance(error, RateLimitedError) and error.retry_after == 10
        assert ("API key" in error.message) == (code == "API_KEY_LIMIT_EXCEEDED")


# --- Errors ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def faulty():
    """A private sandbox whose faults the tests below set."""
    box = start_sandbox("--seed", "5")
    yield box
    stop_sandbox(box)


@pytest.fixture
def clear_faults(faulty):
    yield faulty
    requests.delete(faulty.base + "/_sandbox/faults", timeout=5)


def test_server_errors_become_transient_errors_after_quick_retries(clear_faults):
    box = clear_faults
    set_faults(box, {"kind": "status", "status": 502, "path": "/1/boards/*/cards/all"})
    provider = make_provider(box, transient_retries=1)

    with pytest.raises(TransientError, match="502") as caught:
        sync(provider, provider.streams()[0])

    assert provider.stats.by_status[502] == 2
    assert_no_secrets(box, caught.value.message)


def test_a_hung_request_times_out_as_a_transient_error(clear_faults):
    box = clear_faults
    set_faults(box, {"kind": "hang", "hang_seconds": 5, "path": "/1/boards/*/lists"})
    provider = make_provider(box, read_timeout=0.3, transient_retries=0)

    started = time.monotonic()
    with pytest.raises(TransientError, match="did not answer within"):
        sync(provider, provider.streams()[0])
    assert time.monotonic() - started < 3


def test_malformed_json_becomes_a_malformed_response_error(clear_faults):
    box = clear_faults
    set_faults(box, {"kind": "malformed", "path": "/1/boards/*/actions"})
    provider = make_provider(box)

    with pytest.raises(MalformedResponseError, match="not valid JSON"):
        sync(provider, provider.streams()[0])


def test_a_wrong_key_or_token_is_an_authentication_error(sandbox):
    trello = sandbox.info["trello"]
    bad_token = make_provider(sandbox, creds={"key": trello["key"], "token": "f" * 64})
    bad_key = make_provider(sandbox, creds={"key": "0" * 32, "token": trello["token"]})

    with pytest.raises(AuthenticationError, match="token") as caught:
        sync(bad_token, bad_token.streams()[0])
    check = bad_key.check_connection()

    assert not check.ok and "API key" in check.message and check.details["category"] == "auth"
    assert_no_secrets(sandbox, caught.value.message, check.message)


def test_an_unknown_board_is_not_found_and_named(sandbox):
    provider = make_provider(sandbox, board_ids=[UNKNOWN_BOARD, "bad-id!!"])

    for stream in provider.streams():
        board = stream.removeprefix("cards:")
        with pytest.raises(NotFoundError) as caught:  # 404, and 400 "invalid id"
            sync(provider, stream)
        assert board in caught.value.message and "not shared" in caught.value.message
    check = provider.check_connection()

    assert not check.ok
    assert UNKNOWN_BOARD in check.message and "not found or is not shared" in check.message
    assert check.message.startswith("Signed in to Trello as agiletracksandbox")


def test_check_connection_names_the_member_and_every_board(sandbox):
    check = make_provider(sandbox).check_connection()

    assert check.ok
    assert "agiletracksandbox" in check.message
    assert "Design Board" in check.message and "Marketing Launch" in check.message


class ShapeServer(BaseHTTPRequestHandler):
    """Valid JSON of the wrong shape, as an API change or a proxy might send."""

    bodies: dict = {}

    def do_GET(self):
        path = self.path.split("?")[0]
        body = next((v for k, v in self.bodies.items() if path.endswith(k)), [])
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    "bodies",
    [
        {"/lists": {"unexpected": True}},
        {"/lists": [{"id": "a"}]},
        {"/cards/all": [{"id": UNKNOWN_BOARD, "name": "no list"}]},
        {"/cards/all": [{"id": "x", "idList": "a", "name": "n", "dateLastActivity": "soon"}]},
        {"/actions": [{"type": "updateCard", "data": {"listAfter": {}}}]},
    ],
)
def test_unexpected_shapes_become_malformed_response_errors(bodies):
    handler = type("Handler", (ShapeServer,), {"bodies": bodies})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        provider = TrelloProvider(
            {"api_url": f"http://127.0.0.1:{server.server_port}/1", "board_ids": [UNKNOWN_BOARD]},
            {"key": "k" * 32, "token": "t" * 64},
            HttpOptions(sleep=Sleeps()),
        )
        with pytest.raises(MalformedResponseError) as caught:
            sync(provider, provider.streams()[0])
        assert isinstance(caught.value, ProviderError)
        assert "k" * 32 not in caught.value.message and "t" * 64 not in caught.value.message
    finally:
        server.shutdown()
        server.server_close()


def test_key_and_token_travel_only_in_the_authorization_header(sandbox):
    trello = sandbox.info["trello"]
    provider = make_provider(sandbox, board_ids=[trello["boards"][0]["id"], UNKNOWN_BOARD])
    sent = []
    provider.http.session.hooks["response"].append(lambda r, *a, **k: sent.append(r.request))

    provider.check_connection()
    sync(provider, provider.streams()[0])
    with pytest.raises(NotFoundError) as caught:
        sync(provider, provider.streams()[1])

    assert len(sent) >= 6
    assert_no_secrets(sandbox, caught.value.message, *(request.url for request in sent))
    expected = f'OAuth oauth_consumer_key="{trello["key"]}", oauth_token="{trello["token"]}"'
    assert all(request.headers["Authorization"] == expected for request in sent)


# --- Parsing recorded payloads ----------------------------------------------------------------


def test_a_recorded_list_move_becomes_a_status_change():
    move = load("board_actions_updateCard_idList_createCard.json")[0]

    change = parse_list_move(move)

    assert change.external_id == "6094fcdb3e934963bc95c146"
    assert change.work_item_external_id == "60940be5986d6c0bca3637d6"
    assert (change.field, change.from_value, change.to_value) == ("status", "To Do", "Doing")
    assert (change.from_category, change.to_category) == ("todo", "in_progress")
    assert change.changed_at == datetime(2021, 5, 7, 8, 39, 55, 364000, tzinfo=UTC)
    assert change.author == "embbnuxji1"


def test_a_webhook_move_parses_like_a_rest_action_and_other_actions_are_no_moves():
    webhook_move = load("webhooks/updateCard-moved.json")["action"]

    assert parse_list_move(webhook_move).to_value == webhook_move["data"]["listAfter"]["name"]
    assert parse_list_move(load("action_object_official_docs.json")) is None  # due date change
    assert parse_list_move(load("webhooks/updateCard-archived.json")["action"]) is None
    assert parse_list_move(load("webhooks/createCard.json")["action"]) is None


def test_recorded_cards_become_work_items_in_their_lists():
    lists = parse_lists(load("board_lists.json"))

    items = [parse_card(card, lists=lists) for card in load("board_cards.json")]

    first = items[0]
    assert isinstance(first, WorkItem)
    assert (first.external_id, first.key, first.kind) == (
        "5d6d628345ed1d475cf23aa4",
        "h3b7Ktl3",
        "card",
    )
    assert first.title == "(5) Prepare a demo for new service"
    assert (first.status, first.status_category, first.resolved_at) == ("To Do", "todo", None)
    assert first.url == "https://trello.com/c/h3b7Ktl3/11-5-prepare-a-demo-for-new-service"
    assert first.container == "5d6d608eae2eee3e21940dc6"
    assert first.updated_at == datetime(2019, 9, 2, 18, 42, 13, 490000, tzinfo=UTC)
    # No createCard action at hand: the id's first 8 hex digits are its creation time.
    assert first.created_at == datetime.fromtimestamp(0x5D6D6283, UTC)
    assert [item.key for item in items] == ["h3b7Ktl3", "yBRMArmp", "e4MV0SoT"]


def test_a_card_created_then_moved_into_a_done_list_is_resolved_at_the_move():
    create_and_move = load("board_actions_updateCard_idList_createCard.json")
    card = {
        "id": "60940be5986d6c0bca3637d6",
        "idShort": 1,
        "shortLink": "p51YToTZ",
        "name": "hi12",
        "idList": "609402807c6be98b8289c560",
        "idBoard": "609402807c6be98b8289c55e",
        "dateLastActivity": "2021-05-09T10:00:00.000Z",  # a comment after the move
        "url": "https://trello.com/c/p51YToTZ/1-hi12",
    }
    lists = {"609402807c6be98b8289c55f": "To Do", "609402807c6be98b8289c560": "Doing"}

    item = parse_card(card, lists=lists, actions=create_and_move, list_mapping={"doing": "done"})

    assert item.created_at == datetime(2021, 5, 6, 15, 31, 50, 11000, tzinfo=UTC)
    assert (item.status, item.status_category) == ("Doing", "done")
    assert item.updated_at == datetime(2021, 5, 9, 10, 0, tzinfo=UTC)
    assert item.resolved_at == datetime(2021, 5, 7, 8, 39, 55, 364000, tzinfo=UTC)
    assert [(c.from_value, c.to_value, c.to_category) for c in item.changes] == [
        ("To Do", "Doing", "done")
    ]


def test_recorded_list_names_get_guessed_categories_unless_mapped():
    names = [item["name"] for item in load("board_lists.json")]

    guessed = {name: category_for(name) for name in names}
    mapped = {
        name: category_for(name, {"blocked": "todo", "To Validate": "done"}) for name in names
    }

    assert guessed == {
        "To Do": "todo",
        "Doing": "in_progress",
        "Blocked": "in_progress",
        "To Validate": "in_progress",
        "Done #2": "done",
        "Done #1": "done",
        "Done #3": "done",
    }
    assert (mapped["Blocked"], mapped["To Validate"], mapped["Doing"]) == (
        "todo",
        "done",
        "in_progress",
    )
