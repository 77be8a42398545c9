"""Jira Cloud provider: issues with their status, sprint and story-point histories, and sprints.

Platform REST v3 for issues (`/search/jql`, nextPageToken paging; the old `/search` is gone) and
changelogs (`/changelog/bulkfetch` for the histories search truncates); Jira Software (Agile) 1.0
for the board's configuration and sprints. Parsing is pure functions over the JSON payloads
(parse.py); the provider class only sends requests and stitches pages together.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.providers.base import Provider
from integrations.providers.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedResponseError,
    NotFoundError,
    ProviderError,
)
from integrations.providers.http import HttpClient, HttpOptions
from integrations.providers.jira.issue_read import IssueRead
from integrations.providers.jira.parse import (
    BULKFETCH_PAGE,
    ISSUE_FIELDS,
    OVERLAP,
    PARSE_ERRORS,
    SEARCH_PAGE,
    SITE_SETTINGS_MAX_AGE,
    SPRINT_PAGE,
    UNKNOWN_ZONE_OVERLAP,
    IssueContext,
    board_estimation_field,
    jql_date,
    parse_bulkfetch,
    parse_fields,
    parse_sprint,
    parse_statuses,
)
from integrations.providers.jira.scopes import list_boards
from integrations.providers.records import (
    STATUS_CATEGORIES,
    Batch,
    ConnectionCheck,
    Cursor,
    ScopePage,
)

# --- The client ---------------------------------------------------------------------------


class JiraProvider(Provider):
    """Reads one Jira Cloud board's (or some projects') issues and the board's sprints."""

    kind = "jira"

    def __init__(self, config: dict, credentials: dict, options: HttpOptions | None = None):
        self.site_url = str(config["site_url"]).rstrip("/")
        self.board_id: int | None = config.get("board_id")
        self.project_keys: list[str] = list(config.get("project_keys") or [])
        self.configured_story_points: str | None = config.get("story_points_field") or None
        self.status_mapping = {
            str(name).casefold(): category
            for name, category in (config.get("status_mapping") or {}).items()
            if category in STATUS_CATEGORIES
        }
        email = credentials.get("email") or ""
        token = credentials.get("api_token") or ""
        basic = base64.b64encode(f"{email}:{token}".encode()).decode()
        self.http = HttpClient(
            base_url=self.site_url,
            provider="Jira",
            headers={"Authorization": f"Basic {basic}"},
            secrets=[token, basic],
            options=options,
        )
        self._account: dict | None = None
        self._board_configuration: dict | None = None
        self._field_ids: tuple[str | None, str | None] | None = None
        self._categories: dict[str, str] | None = None
        # Site settings kept from an earlier sync (see _reuse_site_settings).
        self._kept_zone: tuple[str | None] | None = None
        self._kept_scope: str | None = None
        self._site_read_at: datetime | None = None

    # --- Provider interface ---------------------------------------------------------------

    def check_connection(self) -> ConnectionCheck:
        """Check the credentials, the board and the projects, in words a user can act on."""
        try:
            account = self._myself()
            name = account.get("displayName") or account.get("emailAddress") or "this account"
            details: dict[str, Any] = {"account": name}
            if self.board_id is not None:
                configuration = self._board_config()
                board_name = configuration.get("name")
                details["board"] = (
                    f"{self.board_id} ({board_name})" if board_name else str(self.board_id)
                )
            details["issues"] = self._count_in_scope()
        except AuthenticationError:
            return ConnectionCheck(
                False,
                "Jira refused the email and API token. Check both, and that the token has not "
                "expired or been revoked.",
                error="auth",
            )
        except ProviderError as exc:
            return ConnectionCheck(False, exc.message, {"category": exc.category}, exc.category)
        except PARSE_ERRORS:
            return ConnectionCheck(
                False, "Jira answered with something AgileTrack cannot read.", error="malformed"
            )
        where = [f"board {details['board']}"] if "board" in details else []
        if self.project_keys:
            where.append("projects " + ", ".join(self.project_keys))
        return ConnectionCheck(
            True,
            f"Connected to Jira as {name}; {' and '.join(where)}: "
            f"about {details['issues']} issues.",
            details,
        )

    def list_scopes(self, query: str, cursor: str | None) -> ScopePage:
        """Boards the account can see, searched by name on Jira, for the form's picker."""
        return list_boards(self.http, query, cursor)

    def streams(self) -> list[str]:
        """The board's sprints (when a board is configured), then the issues of the scope."""
        names = [f"sprints:{self.board_id}"] if self.board_id is not None else []
        return [*names, self._issues_stream()]

    def fetch(self, stream: str, cursor: Cursor) -> Iterator[Batch]:
        """Yield the stream's records page by page; only the last batch carries the cursor."""
        if self.board_id is not None and stream == f"sprints:{self.board_id}":
            pages = self._fetch_sprints()
        elif stream == self._issues_stream():
            pages = self._fetch_issues(cursor)
        else:
            raise ConfigurationError(f"Jira has no stream {stream!r} in this integration.")
        try:
            yield from pages
        except ProviderError:
            raise
        except PARSE_ERRORS as exc:
            raise MalformedResponseError(
                f"Jira sent data AgileTrack cannot read while reading {stream} "
                f"({type(exc).__name__})."
            ) from exc

    # --- Streams --------------------------------------------------------------------------

    def _issues_stream(self) -> str:
        parts = [f"board-{self.board_id}"] if self.board_id is not None else []
        if self.project_keys:
            parts.append(",".join(self.project_keys))
        return "issues:" + "+".join(parts)

    def _fetch_sprints(self) -> Iterator[Batch]:
        start = 0
        while True:
            # API: https://developer.atlassian.com/cloud/jira/software/rest/api-group-board/#api-rest-agile-1-0-board-boardid-sprint-get
            page = self._board_get(
                f"/rest/agile/1.0/board/{self.board_id}/sprint",
                "board/sprint",
                {"startAt": start, "maxResults": SPRINT_PAGE},
            )
            values = page["values"]
            records = tuple(parse_sprint(raw, str(self.board_id)) for raw in values)
            if page.get("isLast", True) or not values:
                # Sprints are few and change in place: always read them all, store no cursor.
                yield Batch(records, cursor=Cursor())
                return
            yield Batch(records)
            start += len(values)

    def _settings_key(self) -> dict:
        """The integration settings the kept site settings were read for."""
        return {
            "board_id": self.board_id,
            "project_keys": self.project_keys,
            "story_points_field": self.configured_story_points,
        }

    def _reuse_site_settings(self, state: dict) -> None:
        """Take the site settings an earlier sync kept in the cursor, when they were read for
        the same settings less than SITE_SETTINGS_MAX_AGE ago: a sync with nothing new then
        costs one search (Jira has no conditional requests)."""
        kept = state.get("site")
        if not isinstance(kept, dict) or kept.get("settings") != self._settings_key():
            return
        try:
            read_at = datetime.fromisoformat(kept["read_at"])
            zone, scope = kept["time_zone"], kept["scope"]
            story_points, sprint = kept["fields"]
        except (KeyError, TypeError, ValueError):
            return
        now = datetime.now(UTC)
        if read_at.tzinfo is None or not now - SITE_SETTINGS_MAX_AGE < read_at <= now:
            return
        if not isinstance(scope, str) or not (zone is None or isinstance(zone, str)):
            return
        self._kept_zone = (zone,)
        self._kept_scope = scope
        self._field_ids = (story_points, sprint)
        self._site_read_at = read_at

    def _site_settings(self, zone: ZoneInfo | None, scope: str) -> dict:
        story_points, sprint = self._detected_fields()
        return {
            "settings": self._settings_key(),
            "read_at": (self._site_read_at or datetime.now(UTC)).isoformat(),
            "time_zone": zone.key if zone is not None else None,
            "scope": scope,
            "fields": [story_points, sprint],
        }

    def _fetch_issues(self, cursor: Cursor) -> Iterator[Batch]:
        self._reuse_site_settings(cursor.state)
        zone, overlap = self._zone()
        scope = self._scope_jql()
        full = cursor.watermark is None or cursor.state.get("scope") != scope
        jql = scope
        delivered: dict[str, str] = {}
        if not full and cursor.watermark is not None:
            since = jql_date(cursor.watermark - overlap, zone)
            jql = f'({scope}) AND updated >= "{since}"'
            delivered = dict(cursor.state.get("recent") or {})
        jql += " ORDER BY updated ASC, key ASC"
        context = self._context()
        read = IssueRead(delivered, newest=None if full else cursor.watermark)
        token: str | None = None
        while True:
            page = self._search_page(jql, token, context)
            fresh = read.fresh_issues(page["issues"])
            if fresh and not context.categories:
                # Status categories are needed only once there is history to classify.
                context = replace(context, categories=self._status_categories())
            read.hold(fresh, context)
            token = page.get("nextPageToken") or None
            last = bool(page.get("isLast")) or token is None
            for chunk in read.due_histories(last):
                read.fetched.update({issue_id: [] for issue_id in chunk})
                read.fetched.update(self._bulkfetch(chunk, context))
            for records in read.ready_pages(context):
                if last and not read.held:
                    site = self._site_settings(zone if overlap == OVERLAP else None, scope)
                    yield Batch(
                        records,
                        cursor=self._issues_cursor(
                            scope, read.newest, read.rewind, read.latest, overlap, site
                        ),
                    )
                    return
                yield Batch(records)

    def _issues_cursor(
        self,
        scope: str,
        newest: datetime | None,
        rewind: datetime | None,
        latest: dict[str, datetime],
        overlap: timedelta,
        site: dict,
    ) -> Cursor:
        watermark = newest if rewind is None or newest is None else min(newest, rewind)
        if watermark is None:
            return Cursor(state={"scope": scope, "site": site})
        # What the next sync's overlap returns again (the JQL date is rounded down to the
        # minute, hence one more), so unchanged issues can be skipped instead of re-sent.
        window = watermark - overlap - timedelta(minutes=1)
        recent = {
            issue_id: updated.isoformat()
            for issue_id, updated in latest.items()
            if updated >= window
        }
        return Cursor(watermark=watermark, state={"scope": scope, "recent": recent, "site": site})

    # --- Requests ---------------------------------------------------------------------------

    def _myself(self) -> dict:
        if self._account is None:
            # API: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get
            self._account = self.http.get("/rest/api/3/myself", endpoint="myself").data
            if not isinstance(self._account, dict):
                raise MalformedResponseError("Jira sent an account that is not an object.")
        return self._account

    def _zone(self) -> tuple[ZoneInfo, timedelta]:
        """The account's time zone, which JQL dates are read in, and the overlap to use."""
        name = self._kept_zone[0] if self._kept_zone else self._myself().get("timeZone")
        try:
            return ZoneInfo(str(name)), OVERLAP
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC"), UNKNOWN_ZONE_OVERLAP

    def _board_get(self, path: str, endpoint: str, params: dict | None = None) -> Any:
        try:
            return self.http.get(path, endpoint=endpoint, params=params).data
        except NotFoundError:
            raise NotFoundError(
                f"Jira board {self.board_id} not found, or this account cannot see it."
            ) from None

    def _board_config(self) -> dict:
        if self._board_configuration is None:
            # API: https://developer.atlassian.com/cloud/jira/software/rest/api-group-board/#api-rest-agile-1-0-board-boardid-configuration-get
            data = self._board_get(
                f"/rest/agile/1.0/board/{self.board_id}/configuration", "board/configuration"
            )
            if not isinstance(data, dict):
                raise MalformedResponseError("Jira sent a board configuration that is not JSON.")
            self._board_configuration = data
        return self._board_configuration

    def _scope_jql(self) -> str:
        """The issues to read: the board's saved filter and/or the configured projects."""
        if self._kept_scope is not None:
            return self._kept_scope
        clauses = []
        if self.board_id is not None:
            filter_id = self._board_config()["filter"]["id"]
            clauses.append(f"filter = {int(filter_id)}")
        if self.project_keys:
            # Quoted: a key such as AND or IS would otherwise read as a JQL keyword.
            keys = ", ".join(f'"{key}"' for key in self.project_keys)
            clauses.append(f"project in ({keys})")
        return " AND ".join(clauses)

    def _count_in_scope(self) -> int:
        try:
            # API: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-approximate-count-post
            data = self.http.post(
                "/rest/api/3/search/approximate-count",
                endpoint="search/approximate-count",
                json_body={"jql": self._scope_jql()},
            ).data
        except ConfigurationError as exc:
            if not self.project_keys:
                raise
            raise ConfigurationError(
                f"Jira cannot search projects {', '.join(self.project_keys)}; one may not exist "
                f"or be hidden from this account. {exc.message}"
            ) from None
        return int(data["count"])

    def _detected_fields(self) -> tuple[str | None, str | None]:
        if self._field_ids is None:
            # API: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-fields/#api-rest-api-3-field-get
            raw = self.http.get("/rest/api/3/field", endpoint="field").data
            story_points, sprint = parse_fields(raw)
            if self.board_id is not None:
                story_points = board_estimation_field(self._board_config()) or story_points
            self._field_ids = (self.configured_story_points or story_points, sprint)
        return self._field_ids

    def _status_categories(self) -> dict[str, str]:
        if self._categories is None:
            # API: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-workflow-statuses/#api-rest-api-3-status-get
            self._categories = parse_statuses(
                self.http.get("/rest/api/3/status", endpoint="status").data
            )
        return self._categories

    def _context(self) -> IssueContext:
        story_points, sprint = self._detected_fields()
        return IssueContext(
            site_url=self.site_url,
            story_points_field=story_points,
            sprint_field=sprint,
            status_mapping=self.status_mapping,
        )

    def _search_page(self, jql: str, token: str | None, context: IssueContext) -> dict:
        fields = [*ISSUE_FIELDS]
        fields += [f for f in (context.story_points_field, context.sprint_field) if f]
        body: dict[str, Any] = {
            "jql": jql,
            "maxResults": SEARCH_PAGE,
            "fields": fields,
            "expand": "changelog",
        }
        if token:
            body["nextPageToken"] = token
        # API: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post
        return self.http.post("/rest/api/3/search/jql", endpoint="search/jql", json_body=body).data

    def _bulkfetch(self, issue_ids: list[str], context: IssueContext) -> dict[str, list[dict]]:
        """Every tracked history of these issues (search keeps only the newest few)."""
        field_ids = ["status"]
        field_ids += [f for f in (context.sprint_field, context.story_points_field) if f]
        histories: dict[str, list[dict]] = {}
        token: str | None = None
        while True:
            body: dict[str, Any] = {
                "issueIdsOrKeys": issue_ids,
                "fieldIds": field_ids,
                "maxResults": BULKFETCH_PAGE,
            }
            if token:
                body["nextPageToken"] = token
            # API: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-changelog-bulkfetch-post
            page = self.http.post(
                "/rest/api/3/changelog/bulkfetch", endpoint="changelog/bulkfetch", json_body=body
            ).data
            chunk, token = parse_bulkfetch(page)
            for issue_id, values in chunk.items():
                histories.setdefault(issue_id, []).extend(values)
            if token is None:
                return histories
