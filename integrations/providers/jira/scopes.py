"""The Jira boards an account can see, for the integration form's picker: searched by name on
the server (`GET /rest/agile/1.0/board?name=`), paged by startAt; the cursor is the next startAt."""

from __future__ import annotations

from integrations.providers.errors import ConfigurationError, MalformedResponseError
from integrations.providers.http import HttpClient
from integrations.providers.records import Scope, ScopePage

PAGE_SIZE = 50  # Jira's largest board page


def list_boards(http: HttpClient, query: str, cursor: str | None) -> ScopePage:
    """Boards whose name contains `query` (Jira matches case-insensitively), from `cursor`."""
    if cursor and not (cursor.isdigit() and len(cursor) < 8):
        raise ConfigurationError("The list cannot go on from there: search again.")
    start = int(cursor or 0)
    params: dict[str, str | int] = {"startAt": start, "maxResults": PAGE_SIZE}
    if query.strip():
        params["name"] = query.strip()
    # API: https://developer.atlassian.com/cloud/jira/software/rest/api-group-board/#api-rest-agile-1-0-board-get
    data = http.get("rest/agile/1.0/board", endpoint="boards", params=params).data
    try:
        values = data["values"]
        items = tuple(_scope(board) for board in values)
        last = data.get("isLast")
        if last is None:  # older answers carry only total
            last = start + len(values) >= int(data.get("total", 0))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise MalformedResponseError("Jira listed the boards in an unexpected shape.") from None
    next_cursor = None if last or not values else str(start + len(values))
    return ScopePage(items, next_cursor, searched_on_server=True)


def _scope(board: dict) -> Scope:
    location = board.get("location") or {}
    facts = [f"{board.get('type') or 'board'} board"]
    if location.get("projectKey"):
        facts.append(f"project {location['projectKey']}")
    facts.append(f"id {board['id']}")
    return Scope(str(board["id"]), str(board["name"]), " · ".join(facts))
