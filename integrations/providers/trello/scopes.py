"""The Trello boards a member belongs to, for the integration form's picker.

`GET /members/me/boards` pages nothing: one request loads every open board, and the query
filters what it loaded. The answer is complete in one call, so there is never a cursor.
"""

from __future__ import annotations

from collections.abc import Callable

from integrations.providers.errors import ConfigurationError, MalformedResponseError
from integrations.providers.records import Scope, ScopePage

BOARD_FIELDS = "name,url,shortLink,closed"


def list_boards(
    get_list: Callable[[str, str, dict | None], list[dict]], query: str, cursor: str | None
) -> ScopePage:
    """Open boards of the token's member whose name contains `query` (all at once)."""
    if cursor:
        raise ConfigurationError("The list cannot go on from there: search again.")
    # API: https://developer.atlassian.com/cloud/trello/rest/api-group-members/#api-members-id-boards-get
    boards = get_list(
        "members/me/boards", "members/me/boards", {"filter": "open", "fields": BOARD_FIELDS}
    )
    try:
        scopes = [
            Scope(str(b["id"]), str(b["name"]), str(b.get("url") or b.get("shortLink") or ""))
            for b in boards
            if not b.get("closed")
        ]
    except KeyError:
        raise MalformedResponseError("Trello listed the boards without ids or names.") from None
    return ScopePage(tuple(s for s in scopes if s.matches(query)), None, searched_on_server=False)
