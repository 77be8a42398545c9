"""Pure parsing of Trello payloads (boards' lists, cards and card actions) into work items and
their list moves, and how a list name maps to a status category: no HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from integrations.providers.records import STATUS_CATEGORIES, WorkItem, WorkItemChange

# List moves, and archiving (updateCard:closed), which takes a card off the board.
ACTION_FILTER = "createCard,updateCard:idList,updateCard:closed"
ACTION_PAGE_LIMIT = 1000  # Trello's maximum `limit` for actions
# Trello allows 100 requests / 10 s per token (300 per key); stay under it with some headroom.
THROTTLE_LIMIT = 90
THROTTLE_WINDOW = 10.0
BATCH_SIZE = 500
OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")
BOARD_IN_PATH = re.compile(r"/boards/([^/?#]+)")
# Whole words (or phrases of them) of a list's name, checked in this order: "Not done yet",
# "Undone" and "Things to be done" are not done; "Preview env" is not in review.
NOT_YET_PHRASES = ("not", "undone", "to be", "yet")
DONE_WORDS: tuple[str, ...] = ("done", "complete", "completed", "finished", "closed", "shipped")
DONE_WORDS += ("released", "resolved", "deployed")
IN_PROGRESS_WORDS: tuple[str, ...] = ("doing", "progress", "review", "reviewing", "testing")
IN_PROGRESS_WORDS += ("qa", "wip", "validate", "validation", "validating", "blocked", "started")
TODO_WORDS = ("to do", "todo", "backlog", "next", "ideas", "inbox", "planned", "ready", "icebox")
ARCHIVED = "archived"  # a card archived outside done: off the board
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


# --- Pure parsing -------------------------------------------------------------------------------


def parse_time(value: str) -> datetime:
    """A Trello timestamp (2026-10-31T12:00:00.000Z) as an aware UTC datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def id_time(object_id: str) -> datetime:
    """Creation time hidden in a Trello id: its first 8 hex digits are Unix seconds."""
    if not OBJECT_ID.match(object_id):
        raise ValueError(f"not a Trello id: {object_id!r}")
    return datetime.fromtimestamp(int(object_id[:8], 16), UTC)


def guess_category(list_name: str) -> str | None:
    """todo, in_progress or done, guessed from whole words of a list's name; None when no word
    places it (the page lists such lists for the user to map)."""
    text = " " + " ".join(re.findall(r"[a-z0-9]+", list_name.casefold())) + " "

    def has(phrases: tuple[str, ...]) -> bool:
        return any(f" {phrase} " in text for phrase in phrases)

    if has(NOT_YET_PHRASES):
        return "todo"
    if has(DONE_WORDS):
        return "done"
    if has(IN_PROGRESS_WORDS):
        return "in_progress"
    if has(TODO_WORDS):
        return "todo"
    return None


def mapped_category(list_name: str, list_mapping: Mapping[str, str] | None) -> str | None:
    """The configured category of a list (exact name, then case-insensitive), if any."""
    mapping = list_mapping or {}
    if mapping.get(list_name) in STATUS_CATEGORIES:
        return mapping[list_name]
    folded = list_name.strip().casefold()
    for name, category in mapping.items():
        if name.strip().casefold() == folded and category in STATUS_CATEGORIES:
            return category
    return None


def category_for(list_name: str, list_mapping: Mapping[str, str] | None = None) -> str:
    """The configured category of a list, else a guess, else to do."""
    return mapped_category(list_name, list_mapping) or guess_category(list_name) or "todo"


def parse_lists(payload: Iterable[dict]) -> dict[str, str]:
    """`GET /boards/{id}/lists` as {list id: name}."""
    return {str(item["id"]): str(item["name"]) for item in payload}


def _author(action: dict) -> str:
    member = action.get("memberCreator") or {}
    return str(member.get("username") or action.get("idMemberCreator") or "")


def parse_list_move(
    action: dict,
    list_mapping: Mapping[str, str] | None = None,
    lists: Mapping[str, str] | None = None,
) -> WorkItemChange | None:
    """An `updateCard` list move as a status change; None for any other action.

    Values are the list names at the time of the move; categories follow the list's current name
    when `lists` knows it, as the configured mapping speaks of today's names.
    """
    data = action.get("data") or {}
    if action.get("type") != "updateCard" or "listAfter" not in data:
        return None
    before, after = data.get("listBefore") or {}, data["listAfter"]
    current = lists or {}

    def category(ref: dict) -> str | None:
        name = current.get(str(ref.get("id")), ref.get("name"))
        return category_for(str(name), list_mapping) if name is not None else None

    def guessed(ref: dict) -> str | None:
        name = current.get(str(ref.get("id")), ref.get("name"))
        return guess_category(str(name)) if name is not None else None

    return WorkItemChange(
        external_id=str(action["id"]),
        work_item_external_id=str(data["card"]["id"]),
        field="status",
        from_value=before.get("name"),
        to_value=after.get("name"),
        changed_at=parse_time(action["date"]),
        author=_author(action),
        from_category=category(before) if before else None,
        to_category=category(after),
        from_source_category=guessed(before) if before else None,
        to_source_category=guessed(after),
    )


def parse_card(
    card: dict,
    *,
    lists: Mapping[str, str],
    actions: Iterable[dict] = (),
    list_mapping: Mapping[str, str] | None = None,
    board_id: str = "",
) -> WorkItem:
    """A card (from `GET /boards/{id}/cards`) and its own actions as a WorkItem."""
    card_id = str(card["id"])
    created_action = archived_action = None
    moves: list[tuple[WorkItemChange, dict]] = []
    for action in actions:
        if action.get("type") == "createCard":
            created_action = action
        elif _archives(action):
            archived_action = action
        else:
            change = parse_list_move(action, list_mapping, lists)
            if change is not None:
                moves.append((change, action))
    moves.sort(key=lambda pair: (pair[0].changed_at, pair[0].external_id))
    changes = tuple(change for change, _ in moves)

    list_id = str(card["idList"])
    status = lists.get(list_id) or (changes[-1].to_value if changes else None) or list_id
    category = category_for(status, list_mapping)
    created_at = parse_time(created_action["date"]) if created_action else id_time(card_id)
    last_activity = card.get("dateLastActivity")
    updated_at = parse_time(last_activity) if last_activity else created_at

    resolved_at = None
    if category == "done":
        resolved_at = _done_at(list_id, moves, created_action, created_at, updated_at)

    source = guess_category(status) or ""
    if card.get("closed") and category != "done":
        # Archived outside done: it leaves the board (WIP, aging, the flow) when archived. A card
        # archived from done stays done: it was delivered.
        archive = _archive_change(card_id, status, category, source, archived_action, updated_at)
        archive = replace(archive, changed_at=max([archive.changed_at, *_times(changes)]))
        changes, category, source = (*changes, archive), ARCHIVED, ARCHIVED

    return WorkItem(
        external_id=card_id,
        key=str(card.get("shortLink") or card["idShort"]),
        title=str(card["name"]),
        kind="card",
        status=status,
        status_category=category,
        source_category=source,
        url=str(card.get("url") or card.get("shortUrl") or ""),
        created_at=created_at,
        updated_at=updated_at,
        resolved_at=resolved_at,
        container=str(card.get("idBoard") or board_id),
        changes=changes,
    )


def _done_at(
    list_id: str,
    moves: list[tuple[WorkItemChange, dict]],
    created_action: dict | None,
    created_at: datetime,
    updated_at: datetime,
) -> datetime:
    """When a card in a done list got there: its last move into it, its creation in it, else
    its last activity."""
    into_current = [
        change for change, action in moves if str(action["data"]["listAfter"].get("id")) == list_id
    ]
    created_in = bool(created_action and str(created_action["data"]["list"]["id"]) == list_id)
    if into_current:
        return into_current[-1].changed_at
    if created_in:
        return created_at
    # The move into this list is not in the board's history (e.g. the card came from another
    # board): its last activity is the best estimate there is.
    return updated_at


def _times(changes: tuple[WorkItemChange, ...]) -> list[datetime]:
    return [change.changed_at for change in changes]


def _archive_change(
    card_id: str,
    status: str,
    category: str,
    source: str,
    action: dict | None,
    last_activity: datetime,
) -> WorkItemChange:
    """Archiving as a status change off the board: at the archive action, else (the action is
    not in the history read) at the card's last activity."""
    return WorkItemChange(
        external_id=str(action["id"]) if action else f"{card_id}:archived",
        work_item_external_id=card_id,
        field="status",
        from_value=status,
        to_value=status,
        changed_at=parse_time(action["date"]) if action else last_activity,
        author=_author(action) if action else "",
        from_category=category,
        to_category=ARCHIVED,
        from_source_category=source,
        to_source_category=ARCHIVED,
    )


def _archives(action: dict) -> bool:
    """Whether an action is a card being archived (`updateCard` setting `closed`)."""
    data = action.get("data") or {}
    return (
        action.get("type") == "updateCard"
        and (data.get("old") or {}).get("closed") is False
        and bool((data.get("card") or {}).get("closed"))
    )


def action_card_id(action: dict) -> str | None:
    """The id of the card an action is about, if any."""
    card = (action.get("data") or {}).get("card") or {}
    return str(card["id"]) if card.get("id") else None
