"""Trello REST 1: key and token auth, rate limits, members, boards, lists, cards and actions.

Actions come newest first; `before`/`since` take an action id or a date; `limit` is 0..1000.
Key and token are read from the query string or an `Authorization: OAuth ...` header.
"""

# Seeded generators and hashes here make stable fake data and ids, not secrets.
# ruff: noqa: S324

from __future__ import annotations

import bisect
import hashlib
import re
import time
from functools import lru_cache

from .model import TrelloAction, TrelloBoard, TrelloCard, TrelloList, TrelloMember
from .routing import ROUTES, Api, ApiError, Reply
from .timefmt import object_id_time, parse_iso, trello_time


def credentials_from(request) -> tuple[str | None, str | None]:
    key, token = request.args.get("key"), request.args.get("token")
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("oauth "):
        parts = dict(re.findall(r'(\w+)="([^"]*)"', header))
        key = key or parts.get("oauth_consumer_key")
        token = token or parts.get("oauth_token")
    return key, token


class TrelloApi(Api):
    """Everything under /1/; errors are plain text, limits count per token and per key."""

    def error_body(self, status: int, message: str):
        return message

    def authenticate(self, ctx):
        creds = ctx.org.credentials["trello"]
        key, token = credentials_from(ctx.request)
        if key != creds["key"]:
            return Reply("invalid key", 401)
        if token != creds["token"]:
            return Reply("invalid token", 401)
        ctx.user = token
        return None

    def limit(self, ctx, endpoint):
        s = ctx.app.settings
        now = time.time()
        key, token = credentials_from(ctx.request)
        tok = ctx.app.window(("trello-token", token), s.trello_token_limit, s.trello_window_seconds)
        keyw = ctx.app.window(("trello-key", key), s.trello_key_limit, s.trello_window_seconds)
        if tok.remaining(now) <= 0:
            return Reply(dict(_TOKEN_LIMIT), 429)
        if keyw.remaining(now) <= 0:
            return Reply({"error": "API_KEY_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}, 429)
        tok.spend(now)
        keyw.spend(now)
        return None

    def limited(self, fault, org, headers):
        if fault.kind == "secondary":
            return super().limited(fault, org, headers)
        return Reply(dict(_TOKEN_LIMIT), fault.status, headers)


_TOKEN_LIMIT = {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}
TRELLO = ROUTES.add_api(TrelloApi("trello", "/1/"))


def _reply(body, status: int = 200):
    return Reply(body, status)


def _error(status: int, message: str):
    return ApiError(status, message)


def _board(ctx, board_id: str) -> TrelloBoard:
    board = ctx.org.trello_boards.get(board_id)
    if board is None:
        board = next((b for b in ctx.org.trello_boards.values() if b.short_link == board_id), None)
    if board is None:
        if not re.fullmatch(r"[0-9a-fA-F]{24}|[A-Za-z0-9]{8}", board_id):
            raise _error(400, "invalid id")
        raise _error(404, "The requested resource was not found.")
    return board


def member_obj(m: TrelloMember) -> dict:
    return _member_obj(m.id, m.username, m.full_name)


@lru_cache(maxsize=256)
def _member_obj(mid: str, username: str, full_name: str) -> dict:
    m = TrelloMember(mid, username, full_name)
    initials = "".join(p[0] for p in m.full_name.split()[:2]).upper()
    avatar = hashlib.md5(m.id.encode()).hexdigest()
    return {
        "id": m.id,
        "activityBlocked": False,
        "avatarHash": avatar,
        "avatarUrl": f"https://trello-members.s3.amazonaws.com/{m.id}/{avatar}",
        "fullName": m.full_name,
        "idMemberReferrer": f"{0x5C78D2AEC015E41E6F71C6D2:024x}",
        "initials": initials,
        "nonPublic": {},
        "nonPublicAvailable": True,
        "username": m.username,
    }


def list_obj(lst: TrelloList, board: TrelloBoard) -> dict:
    return {
        "id": lst.id,
        "name": lst.name,
        "closed": False,
        "color": None,
        "idBoard": board.id,
        "pos": lst.pos,
        "subscribed": False,
        "softLimit": None,
        "type": None,
        "datasource": {"filter": False},
        "limits": {
            "cards": {
                "openPerList": {"status": "ok", "disableAt": 5000, "warnAt": 4500},
                "totalPerList": {"status": "ok", "disableAt": 1000000, "warnAt": 900000},
            }
        },
        "creationMethod": None,
    }


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def label_objs(card: TrelloCard, board: TrelloBoard) -> list[dict]:
    colours = {"Task": "blue", "Bug": "red", "Feature": "green"}
    return [
        {
            "id": board.id[:16] + f"{sorted(colours).index(n):08x}",
            "idBoard": board.id,
            "name": n,
            "color": colours[n],
            "uses": 1,
        }
        for n in card.labels
    ]


def _card_badges() -> dict:
    return {
        "attachmentsByType": {"trello": {"board": 0, "card": 0}},
        "externalSource": None,
        "location": False,
        "votes": 0,
        "viewingMemberVoted": False,
        "subscribed": False,
        "fogbugz": "",
        "checkItems": 0,
        "checkItemsChecked": 0,
        "checkItemsEarliestDue": None,
        "comments": 0,
        "attachments": 0,
        "description": False,
        "due": None,
        "dueComplete": False,
        "lastUpdatedByAi": False,
        "start": None,
    }


def _card_limits() -> dict:
    return {
        "attachments": {"perCard": {"status": "ok", "disableAt": 1000, "warnAt": 900}},
        "checklists": {"perCard": {"status": "ok", "disableAt": 500, "warnAt": 450}},
        "stickers": {"perCard": {"status": "ok", "disableAt": 70, "warnAt": 63}},
    }


def card_obj(card: TrelloCard, board: TrelloBoard) -> dict:
    labels = label_objs(card, board)
    return {
        "id": card.id,
        "address": None,
        "badges": _card_badges(),
        "checkItemStates": [],
        "closed": False,
        "coordinates": None,
        "creationMethod": None,
        "dueComplete": False,
        "dateLastActivity": trello_time(card.last_activity),
        "desc": "",
        "descData": {"emoji": {}},
        "due": None,
        "dueReminder": None,
        "email": None,
        "idBoard": board.id,
        "idChecklists": [],
        "idLabels": [x["id"] for x in labels],
        "idList": card.list.id,
        "idMembers": [m.id for m in card.members],
        "idMembersVoted": [],
        "idShort": card.id_short,
        "idAttachmentCover": None,
        "labels": labels,
        "limits": _card_limits(),
        "locationName": None,
        "manualCoverAttachment": False,
        "name": card.name,
        "pinned": False,
        "pos": card.id_short * 16384,
        "shortLink": card.short_link,
        "shortUrl": f"https://trello.com/c/{card.short_link}",
        "start": None,
        "subscribed": False,
        "url": f"https://trello.com/c/{card.short_link}/{card.id_short}-{_slug(card.name)}",
        "cover": {
            "idAttachment": None,
            "color": None,
            "idUploadedBackground": None,
            "size": "normal",
            "brightness": "dark",
            "idPlugin": None,
        },
        "isTemplate": False,
        "cardRole": None,
    }


def _created(action, card, card_ref, board_ref, entity_member) -> tuple[dict, dict]:
    """The data and display of a createCard action."""
    data = {
        "card": card_ref,
        "list": {"id": action.list_after.id, "name": action.list_after.name},
        "board": board_ref,
    }
    display = {
        "translationKey": "action_create_card",
        "entities": {
            "card": {
                "type": "card",
                "id": card.id,
                "shortLink": card.short_link,
                "text": card.name,
            },
            "list": {
                "type": "list",
                "id": action.list_after.id,
                "text": action.list_after.name,
            },
            "memberCreator": entity_member,
        },
    }
    return data, display


def _moved(action, card, card_ref, board_ref, entity_member) -> tuple[dict, dict]:
    """The data and display of an updateCard action moving the card between lists."""
    before, after = action.list_before, action.list_after
    data = {
        "old": {"idList": before.id},
        "card": card_ref | {"idList": after.id},
        "board": board_ref,
        "listBefore": {"id": before.id, "name": before.name},
        "listAfter": {"id": after.id, "name": after.name},
    }
    display = {
        "translationKey": "action_move_card_from_list_to_list",
        "entities": {
            "card": {
                "type": "card",
                "idList": after.id,
                "id": card.id,
                "shortLink": card.short_link,
                "text": card.name,
            },
            "listBefore": {"type": "list", "id": before.id, "text": before.name},
            "listAfter": {"type": "list", "id": after.id, "text": after.name},
            "memberCreator": entity_member,
        },
    }
    return data, display


def action_obj(action: TrelloAction, board: TrelloBoard, cards: dict[str, TrelloCard]) -> dict:
    card = cards[action.card_id]
    member = member_obj(action.member)
    board_ref = {"id": board.id, "name": board.name, "shortLink": board.short_link}
    card_ref = {
        "id": card.id,
        "name": card.name,
        "idShort": card.id_short,
        "shortLink": card.short_link,
    }
    entity_member = {
        "type": "member",
        "id": member["id"],
        "username": member["username"],
        "text": member["fullName"],
    }
    if action.type == "createCard":
        data, display = _created(action, card, card_ref, board_ref, entity_member)
    else:
        data, display = _moved(action, card, card_ref, board_ref, entity_member)
    return {
        "id": action.id,
        "idMemberCreator": action.member.id,
        "data": data,
        "appCreator": None,
        "type": action.type,
        "date": trello_time(action.date),
        "limits": {},
        "display": display,
        "memberCreator": member,
    }


@TRELLO.route("/1/members/me", "me")
def me(ctx):
    m = ctx.org.trello_me
    body = dict(member_obj(m))
    body.update(
        {
            "email": "sandbox@acme-eng.example",
            "url": f"https://trello.com/u/{m.username}",
            "idBoards": list(ctx.org.trello_boards),
            "idOrganizations": [],
            "memberType": "normal",
            "confirmed": True,
            "status": "disconnected",
        }
    )
    return _reply(body)


BOARD_FILTERS = {"all", "closed", "members", "open", "organization", "public", "starred"}


def _select_fields(ctx, body: dict) -> dict:
    """`fields`: all (the default) or a comma-separated list of board fields; `id` always."""
    wanted = ctx.args.get("fields", "all")
    if wanted == "all":
        return body
    names = {f.strip() for f in wanted.split(",") if f.strip()}
    if not names <= set(body):
        raise _error(400, "invalid value for fields")
    return {k: v for k, v in body.items() if k in names or k == "id"}


@TRELLO.route("/1/members/me/boards", "my_boards")
def my_boards(ctx):
    """The member's boards, unpaged (Trello pages none of a member's board lists)."""
    wanted = {f.strip() for f in ctx.args.get("filter", "all").split(",")}
    if not wanted <= BOARD_FILTERS:
        raise _error(400, "invalid value for filter")
    boards = list(ctx.org.trello_boards.values())
    # Every generated board is open, private and unstarred, and the member belongs to each.
    if not wanted & {"all", "open", "members"}:
        boards = []
    return _reply([_select_fields(ctx, _board_body(b)) for b in boards])


def _board_body(board: TrelloBoard) -> dict:
    return {
        "id": board.id,
        "name": board.name,
        "desc": "",
        "descData": None,
        "closed": False,
        "idOrganization": None,
        "pinned": False,
        "shortLink": board.short_link,
        "url": f"https://trello.com/b/{board.short_link}/{_slug(board.name)}",
        "shortUrl": f"https://trello.com/b/{board.short_link}",
        "dateLastActivity": trello_time(board.actions[-1].date if board.actions else board.created),
        "prefs": {"permissionLevel": "private", "background": "blue"},
        "labelNames": {"green": "Feature", "red": "Bug", "blue": "Task"},
    }


@TRELLO.route("/1/boards/<board_id>", "board")
def get_board(ctx, board_id):
    return _reply(_board_body(_board(ctx, board_id)))


@TRELLO.route("/1/boards/<board_id>/lists", "lists")
def board_lists(ctx, board_id):
    board = _board(ctx, board_id)
    if ctx.args.get("filter", "open") == "closed":
        return _reply([])
    return _reply([list_obj(lst, board) for lst in board.lists])


@TRELLO.route("/1/boards/<board_id>/cards", "cards")
def board_cards(ctx, board_id):
    board = _board(ctx, board_id)
    return _reply([card_obj(c, board) for c in board.cards])


@TRELLO.route("/1/boards/<board_id>/cards/<card_filter>", "cards_filtered")
def board_cards_filtered(ctx, board_id, card_filter):
    if card_filter not in ("all", "closed", "none", "open", "visible"):
        raise _error(400, "invalid value for filter")
    board = _board(ctx, board_id)
    cards = [] if card_filter in ("closed", "none") else board.cards
    return _reply([card_obj(c, board) for c in cards])


def _bound(value: str) -> str:
    """An action id, or a date turned into the smallest id of that second (ids sort like dates)."""
    if object_id_time(value) is not None and re.fullmatch(r"[0-9a-f]{24}", value):
        return value
    try:
        return f"{parse_iso(value):08x}" + "0" * 16
    except ValueError as exc:
        raise _error(400, f"invalid date: {value}") from exc


@TRELLO.route("/1/boards/<board_id>/actions", "actions")
def board_actions(ctx, board_id):
    board = _board(ctx, board_id)
    try:
        limit = int(ctx.args.get("limit", 50))
    except ValueError as exc:
        raise _error(400, "invalid value for limit") from exc
    if not 0 <= limit <= 1000:
        raise _error(400, "invalid value for limit")
    wanted = [f for f in ctx.args.get("filter", "all").split(",") if f]
    actions = board.actions
    if wanted != ["all"]:
        names = set()
        for f in wanted:
            names.add("updateCard" if f.startswith("updateCard") else f)
        actions = [a for a in actions if a.type in names]
    ids = [a.id for a in actions]
    hi = len(actions)
    lo = 0
    if ctx.args.get("before"):
        hi = bisect.bisect_left(ids, _bound(ctx.args["before"]))
    if ctx.args.get("since"):
        bound = _bound(ctx.args["since"])
        lo = bisect.bisect_right(ids, bound) if bound in ids else bisect.bisect_left(ids, bound)
    selected = actions[max(lo, hi - limit) : hi][::-1]
    if ctx.args.get("format") == "count":
        return _reply({"_value": len(actions[lo:hi])})
    cards = {c.id: c for c in board.cards}
    return _reply([action_obj(a, board, cards) for a in selected])
