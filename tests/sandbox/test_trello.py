"""Trello REST 1 as the Trello provider sees it."""

from __future__ import annotations

import time


def _board(sandbox) -> str:
    return sandbox.info["trello"]["boards"][0]["id"]


def test_board_lists_cards_and_member(sandbox):
    board = _board(sandbox)
    lists = sandbox.trello_get(f"/1/boards/{board}/lists").json()
    cards = sandbox.trello_get(f"/1/boards/{board}/cards").json()
    assert [x["name"] for x in lists] == ["Backlog", "To Do", "Doing", "Review", "Done"]
    assert cards and {c["idList"] for c in cards} <= {x["id"] for x in lists}
    assert sandbox.trello_get("/1/members/me").json()["username"] == "agiletracksandbox"
    assert sandbox.trello_get(f"/1/boards/{board}").json()["id"] == board


def test_actions_page_backwards_with_before_newest_first_each_once(sandbox):
    board = _board(sandbox)
    filt = "createCard,updateCard:idList"
    seen, before = [], None
    while True:
        params = {"filter": filt, "limit": 25} | ({"before": before} if before else {})
        page = sandbox.trello_get(f"/1/boards/{board}/actions", params=params).json()
        if not page:
            break
        dates = [a["date"] for a in page]
        assert dates == sorted(dates, reverse=True)
        seen += [a["id"] for a in page]
        before = page[-1]["id"]
    everything = sandbox.trello_get(
        f"/1/boards/{board}/actions", params={"filter": filt, "limit": 1000}
    ).json()
    assert len(seen) == len(set(seen)) == len(everything) > 25
    assert {a["type"] for a in everything} == {"createCard", "updateCard"}
    moves = [a for a in everything if a["type"] == "updateCard"]
    assert all(a["data"]["old"]["idList"] == a["data"]["listBefore"]["id"] for a in moves)


def test_actions_since_by_id_and_by_date(sandbox):
    board = _board(sandbox)
    everything = sandbox.trello_get(f"/1/boards/{board}/actions", params={"limit": 1000}).json()
    pivot = everything[10]
    newer = sandbox.trello_get(
        f"/1/boards/{board}/actions", params={"since": pivot["id"], "limit": 1000}
    ).json()
    assert [a["id"] for a in newer] == [a["id"] for a in everything[:10]]
    by_date = sandbox.trello_get(
        f"/1/boards/{board}/actions", params={"since": "2026-10-01T00:00:00Z", "limit": 1000}
    ).json()
    assert by_date and all(a["date"] >= "2026-10-01" for a in by_date)


def test_limit_above_1000_is_rejected(sandbox):
    response = sandbox.trello_get(f"/1/boards/{_board(sandbox)}/actions", params={"limit": 1001})
    assert response.status_code == 400
    assert response.text == "invalid value for limit"


def test_key_and_token_are_checked(sandbox):
    board = _board(sandbox)
    assert (
        sandbox.get(f"/1/boards/{board}", params={"key": sandbox.trello["key"], "token": "x"}).text
        == "invalid token"
    )
    assert (
        sandbox.get(f"/1/boards/{board}", params={"token": sandbox.trello["token"]}).status_code
        == 401
    )
    header = 'OAuth oauth_consumer_key="{key}", oauth_token="{token}"'.format(**sandbox.trello)
    assert sandbox.get(f"/1/boards/{board}", headers={"Authorization": header}).status_code == 200


def test_token_window_answers_429_with_documented_body_and_recovers(fresh_sandbox):
    box = fresh_sandbox("--trello-token-limit", "3", "--trello-window-seconds", "1")
    codes = [box.trello_get("/1/members/me").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = box.trello_get("/1/members/me")
    assert limited.json() == {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}
    time.sleep(1.1)
    assert box.trello_get("/1/members/me").status_code == 200
