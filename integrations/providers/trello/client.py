"""Trello REST 1 client: a board's cards as work items, with list moves as status changes.

One stream per board (`cards:<board id>`). A run reads the board's lists and cards (one request
each) and its card actions (`createCard`, `updateCard:idList`) newest first, paging backwards.
Incremental runs first ask only for actions newer than the last one seen; when they touch a card
(or a card's `dateLastActivity` passed the watermark) they read on into the older history, so each
emitted card carries its complete move history. A run with nothing new costs three requests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

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
from integrations.providers.http import HttpClient, HttpOptions, Throttle
from integrations.providers.records import Batch, ConnectionCheck, Cursor, ScopePage
from integrations.providers.trello.parse import (
    ACTION_FILTER,
    ACTION_PAGE_LIMIT,
    BATCH_SIZE,
    BOARD_IN_PATH,
    OBJECT_ID,
    PARSE_ERRORS,
    THROTTLE_LIMIT,
    THROTTLE_WINDOW,
    action_card_id,
    parse_card,
    parse_lists,
    parse_time,
)
from integrations.providers.trello.scopes import list_boards

# --- Error mapping -------------------------------------------------------------------------------


def _board_in(url: str) -> str | None:
    match = BOARD_IN_PATH.search(urlsplit(url).path)
    return match.group(1) if match else None


def board_not_found(board_id: str) -> NotFoundError:
    return NotFoundError(f"Trello board {board_id} was not found or is not shared with this token.")


def classify(response: requests.Response) -> ProviderError | None:
    """Trello's own error answers: plain-text 400/401 bodies and JSON 429 bodies."""
    status = response.status_code
    text = response.text.strip()[:200].lower()
    board = _board_in(response.url)
    if status == 429:
        code = ""
        try:
            body = response.json()
            code = str(body.get("error", "")) if isinstance(body, dict) else ""
        except ValueError:
            pass
        scope = "API key" if code == "API_KEY_LIMIT_EXCEEDED" else "token"
        # Trello documents no Retry-After: its limits are 10 s windows.
        retry = response.headers.get("Retry-After", "")
        retry_after = float(retry) if retry.strip().isdigit() else THROTTLE_WINDOW
        return RateLimitedError(
            f"Trello rate limit for this {scope} reached (100 requests per 10 s per token, "
            f"300 per key); retry in {retry_after:g} s.",
            retry_after,
        )
    if status == 401:
        if board and "unauthorized permission" in text:
            return board_not_found(board)
        if "invalid key" in text:
            return AuthenticationError("Trello rejected the API key (invalid key).")
        if "token" in text:
            return AuthenticationError("Trello rejected the token (invalid or expired token).")
        return AuthenticationError("Trello rejected the credentials (HTTP 401).")
    if board and (status == 404 or (status == 400 and "invalid id" in text)):
        return board_not_found(board)
    return None


# --- Client --------------------------------------------------------------------------------------


class TrelloProvider(Provider):
    """Trello boards' cards as work items, with their list moves as status changes."""

    kind = "trello"

    def __init__(
        self,
        config: dict,
        credentials: dict,
        options: HttpOptions | None = None,
        *,
        throttle: Throttle | None = None,
        action_page_limit: int = ACTION_PAGE_LIMIT,
    ) -> None:
        try:
            api_url = str(config["api_url"])
            # None while the form's picker lists boards to choose from (list_scopes).
            self.board_ids = [str(board) for board in config.get("board_ids") or ()]
            key, token = str(credentials["key"]), str(credentials["token"])
        except (KeyError, TypeError) as exc:
            raise ConfigurationError(f"Trello integration is missing a setting: {exc}.") from None
        self.list_mapping = dict(config.get("list_mapping") or {})
        if not 1 <= action_page_limit <= ACTION_PAGE_LIMIT:
            raise ConfigurationError("Trello action pages hold 1 to 1000 actions.")
        self.action_page_limit = action_page_limit
        self.throttle = throttle or Throttle(THROTTLE_LIMIT, THROTTLE_WINDOW)
        # Credentials travel only in this header, never in a URL, so they never reach a log.
        auth = f'OAuth oauth_consumer_key="{key}", oauth_token="{token}"'
        self.http = HttpClient(
            base_url=api_url,
            provider="Trello",
            headers={"Authorization": auth},
            secrets=[key, token],
            options=options,
            throttle=self.throttle,
            classify=classify,
        )

    @property
    def rate_limit(self) -> dict:
        """The client-side throttle's state (Trello sends no rate-limit headers)."""
        now = time.monotonic()
        recent = sum(1 for sent in self.throttle.sent if now - sent < self.throttle.window)
        return {
            "limit": self.throttle.limit,
            "window_seconds": self.throttle.window,
            "used_in_window": recent,
            **self.http.rate_limit,
        }

    def check_connection(self) -> ConnectionCheck:
        """Check the key and token (/members/me) and that every configured board is visible."""
        try:
            # API: https://developer.atlassian.com/cloud/trello/rest/api-group-members/#api-members-id-get
            me = self._get("members/me", "members/me", {"fields": "username,fullName"})
            username = str(me["username"])
        except ProviderError as exc:
            message = self.http.redact(exc.message)
            return ConnectionCheck(False, message, {"category": exc.category}, exc.category)
        except PARSE_ERRORS:
            return ConnectionCheck(
                False, "Trello answered /members/me with an unexpected body.", error="malformed"
            )
        names: dict[str, str] = {}
        for board_id in self.board_ids:
            try:
                # API: https://developer.atlassian.com/cloud/trello/rest/api-group-boards/#api-boards-id-get
                board = self._get(f"boards/{board_id}", "boards/{id}", {"fields": "name"})
                names[board_id] = str(board["name"])
            except NotFoundError:
                return ConnectionCheck(
                    False,
                    f"Signed in to Trello as {username}, but board {board_id} was not found or "
                    "is not shared with this token.",
                    {"member": username, "board": board_id, "category": "not_found"},
                    "not_found",
                )
            except ProviderError as exc:
                message = self.http.redact(exc.message)
                return ConnectionCheck(False, message, {"board": board_id}, exc.category)
            except PARSE_ERRORS:
                return ConnectionCheck(
                    False, f"Trello answered board {board_id} unexpectedly.", error="malformed"
                )
        listed = ", ".join(names.values())
        return ConnectionCheck(
            True,
            f"Signed in to Trello as {username}; {len(names)} board(s) reachable: {listed}.",
            {"member": username, "boards": names},
        )

    def list_scopes(self, query: str, cursor: str | None) -> ScopePage:
        """The member's open boards, for the form's picker (one request; see scopes.py)."""
        return list_boards(self._get_list, query, cursor)

    def streams(self) -> list[str]:
        """One stream per configured board: "cards:<board id>"."""
        return [f"cards:{board_id}" for board_id in self.board_ids]

    def fetch(self, stream: str, cursor: Cursor) -> Iterator[Batch]:
        """Yield the board's cards (all, or those changed since `cursor`) in batches."""
        board_id = self._board_of(stream)
        since = str(cursor.state.get("last_action_id") or "")
        if not OBJECT_ID.match(since):
            since = ""  # no usable cursor: full sync
        # API: https://developer.atlassian.com/cloud/trello/rest/api-group-boards/#api-boards-id-lists-get
        raw_lists = self._get_list(
            f"boards/{board_id}/lists", "boards/{id}/lists", {"filter": "all", "fields": "name"}
        )
        # Archived cards count too: a card archived from "Done" was still delivered.
        # API: https://developer.atlassian.com/cloud/trello/rest/api-group-boards/#api-boards-id-cards-filter-get
        cards = self._get_list(f"boards/{board_id}/cards/all", "boards/{id}/cards", None)
        actions = self._actions(board_id, since=since)
        try:
            lists = parse_lists(raw_lists)
            card_by_id = {str(card["id"]): card for card in cards}
            chosen = list(card_by_id.values())
            if since:
                chosen = self._changed_cards(cards, actions, cursor.watermark)
                if chosen:
                    # Emitted cards carry their whole move history (and so a right resolved_at):
                    # read on past the cursor, one request per 1000 older actions.
                    before = min(str(action["id"]) for action in actions) if actions else ""
                    actions += self._actions(board_id, since="", before=before)
            by_card: dict[str, list[dict]] = {}
            for action in actions:
                card_id = action_card_id(action)
                if card_id is not None:
                    by_card.setdefault(card_id, []).append(action)
            records = [
                parse_card(
                    card,
                    lists=lists,
                    actions=by_card.get(str(card["id"]), ()),
                    list_mapping=self.list_mapping,
                    board_id=board_id,
                )
                for card in chosen
            ]
            next_cursor = self._next_cursor(cursor, since, cards, actions)
        except PARSE_ERRORS as exc:
            raise MalformedResponseError(
                f"Trello sent board {board_id} data in an unexpected shape "
                f"({type(exc).__name__}: {self.http.redact(str(exc))[:120]})."
            ) from None
        for start in range(0, len(records), BATCH_SIZE):
            chunk = tuple(records[start : start + BATCH_SIZE])
            last = start + BATCH_SIZE >= len(records)
            yield Batch(chunk, next_cursor if last else None)
        if not records:
            yield Batch((), next_cursor)

    # --- internals --------------------------------------------------------------------------

    def _board_of(self, stream: str) -> str:
        kind, _, board_id = stream.partition(":")
        if kind != "cards" or board_id not in self.board_ids:
            raise ConfigurationError(f"Trello has no stream {stream!r} in this integration.")
        return board_id

    def _get(self, path: str, endpoint: str, params: dict | None) -> Any:
        return self.http.get(path, endpoint=endpoint, params=params).data

    def _get_list(self, path: str, endpoint: str, params: dict | None) -> list[dict]:
        data = self._get(path, endpoint, params)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise MalformedResponseError(f"Trello answered {endpoint} without a list of objects.")
        return data

    def _actions(self, board_id: str, *, since: str, before: str = "") -> list[dict]:
        """Card actions newer than `since` (all if empty), newest first, paging backwards."""
        seen: set[str] = set()
        actions: list[dict] = []
        while True:
            params = {"filter": ACTION_FILTER, "limit": self.action_page_limit}
            if before:
                params["before"] = before
            if since:
                params["since"] = since
            # API: https://developer.atlassian.com/cloud/trello/rest/api-group-boards/#api-boards-id-actions-get
            page = self._get_list(f"boards/{board_id}/actions", "boards/{id}/actions", params)
            try:
                fresh = [a for a in page if str(a["id"]) not in seen and str(a["id"]) > since]
            except PARSE_ERRORS:
                raise MalformedResponseError("Trello sent an action without an id.") from None
            actions += fresh
            seen.update(str(action["id"]) for action in fresh)
            # Ids start with their creation time, so the oldest on a page has the smallest id.
            reached_since = len(fresh) < len(page)
            if len(page) < self.action_page_limit or reached_since or not fresh:
                return actions
            before = min(str(action["id"]) for action in fresh)

    def _changed_cards(
        self,
        cards: list[dict],
        actions: list[dict],
        watermark: datetime | None,
    ) -> list[dict]:
        touched = {action_card_id(action) for action in actions}
        chosen = []
        for card in cards:
            activity = card.get("dateLastActivity")
            newer = bool(watermark and activity and parse_time(activity) > watermark)
            if str(card["id"]) in touched or newer:
                chosen.append(card)
        return chosen

    def _next_cursor(
        self, cursor: Cursor, since: str, cards: list[dict], actions: list[dict]
    ) -> Cursor:
        times = [parse_time(c["dateLastActivity"]) for c in cards if c.get("dateLastActivity")]
        times += [parse_time(action["date"]) for action in actions]
        if cursor.watermark:
            times.append(cursor.watermark)
        newest_id = max([str(action["id"]) for action in actions] + [since])
        state = {"last_action_id": newest_id} if newest_id else {}
        return Cursor(watermark=max(times) if times else None, etag="", state=state)
