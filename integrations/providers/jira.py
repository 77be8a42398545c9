"""Jira Cloud provider: issues with their status, sprint and story-point histories, and sprints.

Platform REST v3 for issues (`/search/jql`, nextPageToken paging; the old `/search` is gone) and
changelogs (`/changelog/bulkfetch` for the histories search truncates); Jira Software (Agile) 1.0
for the board's configuration and sprints. Parsing is pure functions over the JSON payloads; the
provider class only sends requests and stitches pages together.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.providers.base import (
    AuthenticationError,
    Batch,
    ConfigurationError,
    ConnectionCheck,
    Cursor,
    MalformedResponseError,
    NotFoundError,
    Provider,
    ProviderError,
    Sprint,
    WorkItem,
    WorkItemChange,
)
from integrations.providers.http import HttpClient, HttpOptions

PLATFORM_DOCS = "https://developer.atlassian.com/cloud/jira/platform/rest/v3"
SEARCH_PAGE = 100
BULKFETCH_ISSUES = 1000  # the endpoint's limit of issue ids per request
BULKFETCH_PAGE = 10000  # histories per bulkfetch page (the endpoint's maximum)
SPRINT_PAGE = 50
# JQL dates have minute precision: re-read the last minute so nothing updated in it is lost.
OVERLAP = timedelta(minutes=1)
# Without the account's time zone the JQL date may be read up to a day off: widen the window.
UNKNOWN_ZONE_OVERLAP = timedelta(hours=24)
# How long the site settings a sync reads (the account's time zone, the board's filter, the story
# points and sprint field ids) are kept in the issues cursor and reused instead of read again.
SITE_SETTINGS_MAX_AGE = timedelta(hours=24)
CATEGORIES = {"new": "todo", "indeterminate": "in_progress", "done": "done"}
CATEGORY_VALUES = frozenset(CATEGORIES.values())
STORY_POINTS_TYPE = "com.pyxis.greenhopper.jira:jsw-story-points"
STORY_POINTS_NAMES = ("story points", "story point estimate")
SPRINT_TYPE = "com.pyxis.greenhopper.jira:gh-sprint"
ISSUE_FIELDS = (
    "summary",
    "issuetype",
    "status",
    "created",
    "updated",
    "resolutiondate",
    "assignee",
    "project",
)
LEGACY_SPRINT_ID = re.compile(r"\bid=(\d+)")
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


# --- Pure parsing -------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueContext:
    """What parsing an issue needs beyond its JSON: the site, field ids and status categories."""

    site_url: str
    story_points_field: str | None = None
    sprint_field: str | None = None
    # status id -> todo | in_progress | done, from /rest/api/3/status
    categories: dict[str, str] = field(default_factory=dict)
    # status name (casefolded) -> category, the integration's own overrides
    status_mapping: dict[str, str] = field(default_factory=dict)


def parse_time(value: Any) -> datetime | None:
    """A Jira timestamp (ISO 8601, `+0000` or `Z` offsets, or epoch seconds/ms) as aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("a timestamp cannot be a boolean")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC)
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _required_time(value: Any) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise ValueError("a required timestamp is missing")
    return parsed


def parse_statuses(raw: list[dict]) -> dict[str, str]:
    """/rest/api/3/status as {status id: todo | in_progress | done}."""
    return {
        str(status["id"]): CATEGORIES.get(status["statusCategory"]["key"], "todo") for status in raw
    }


def parse_fields(raw: list[dict]) -> tuple[str | None, str | None]:
    """/rest/api/3/field as (story points field id, sprint field id); None when absent."""
    by_type: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for entry in raw:
        custom_type = (entry.get("schema") or {}).get("custom")
        if custom_type:
            by_type.setdefault(custom_type, entry["id"])
        if entry.get("custom"):
            by_name.setdefault(str(entry.get("name", "")).casefold(), entry["id"])
    story_points = by_type.get(STORY_POINTS_TYPE) or next(
        (by_name[name] for name in STORY_POINTS_NAMES if name in by_name), None
    )
    return story_points, by_type.get(SPRINT_TYPE) or by_name.get("sprint")


def board_estimation_field(configuration: dict) -> str | None:
    """The story points field a board estimates with, from its /configuration."""
    estimation = configuration.get("estimation") or {}
    field_id = (estimation.get("field") or {}).get("fieldId")
    # Boards may estimate in original time estimate (seconds) instead: not story points.
    if estimation.get("type") != "field" or not str(field_id).startswith("customfield_"):
        return None
    return str(field_id)


def category_of(status_id: Any, name: str | None, context: IssueContext) -> str | None:
    """A status's category: the integration's mapping by name first, then Jira's own."""
    if name and name.casefold() in context.status_mapping:
        return context.status_mapping[name.casefold()]
    if status_id is None:
        return None
    return context.categories.get(str(status_id))


def _sprint_ids(value: Any) -> tuple[str, ...]:
    """Sprint ids of the sprint field: objects with `id`, or legacy `...Sprint@1a[id=37,...]`."""
    if not value:
        return ()
    ids: list[str] = []
    for sprint in value:
        if isinstance(sprint, dict):
            ids.append(str(sprint["id"]))
        else:
            match = LEGACY_SPRINT_ID.search(str(sprint))
            if match is None:
                raise ValueError("sprint field entry without an id")
            ids.append(match.group(1))
    return tuple(ids)


def _points(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("story points cannot be a boolean")
    return float(value)


def _tracked_field(item: dict, context: IssueContext) -> str | None:
    field_id = item.get("fieldId")
    name = str(item.get("field", "")).casefold()
    if field_id == "status" or (field_id is None and name == "status"):
        return "status"
    if (context.sprint_field and field_id == context.sprint_field) or name == "sprint":
        return "sprint"
    if (
        context.story_points_field and field_id == context.story_points_field
    ) or name in STORY_POINTS_NAMES:
        return "story_points"
    return None


def parse_changelog(
    issue_id: str, histories: Iterable[dict], context: IssueContext
) -> tuple[WorkItemChange, ...]:
    """Status, sprint and story-point changes of one issue's histories, oldest first."""
    changes: dict[str, tuple[datetime, int, WorkItemChange]] = {}
    for history in histories:
        history_id = str(history["id"])
        changed_at = _required_time(history["created"])
        author = (history.get("author") or {}).get("displayName") or ""
        for item in history.get("items") or ():
            tracked = _tracked_field(item, context)
            if tracked is None:
                continue
            from_value, to_value = item.get("fromString"), item.get("toString")
            from_category = to_category = None
            if tracked == "status":
                from_category = category_of(item.get("from"), from_value, context)
                to_category = category_of(item.get("to"), to_value, context)
            elif tracked == "sprint":
                # Jira gives the sprint ids as comma-separated strings ("12, 13").
                from_value, to_value = item.get("from"), item.get("to")
            change_id = f"{history_id}:{tracked}"
            changes[change_id] = (
                changed_at,
                int(history_id) if history_id.isdigit() else 0,
                WorkItemChange(
                    external_id=change_id,
                    work_item_external_id=issue_id,
                    field=tracked,
                    from_value=from_value or None,
                    to_value=to_value or None,
                    changed_at=changed_at,
                    author=author,
                    from_category=from_category,
                    to_category=to_category,
                ),
            )
    return tuple(change for _at, _id, change in sorted(changes.values(), key=lambda c: c[:2]))


def changelog_is_truncated(raw_issue: dict) -> bool:
    """Whether search returned only part of the issue's changelog (it keeps the newest)."""
    changelog = raw_issue.get("changelog")
    if not changelog:
        return False
    return int(changelog.get("total", 0)) > len(changelog.get("histories") or ())


def _kind(issuetype: dict) -> str:
    name = str(issuetype["name"]).strip().lower()
    if issuetype.get("subtask") or name in ("sub-task", "subtask"):
        return "subtask"
    return name


def parse_issue(
    raw: dict, context: IssueContext, histories: Iterable[dict] | None = None
) -> WorkItem:
    """A search result issue as a WorkItem; `histories` adds the ones search truncated."""
    fields = raw["fields"]
    issue_id = str(raw["id"])
    key = raw["key"]
    status = fields["status"]
    status_name = status["name"]
    category = category_of(None, status_name, context) or CATEGORIES.get(
        status["statusCategory"]["key"], "todo"
    )
    embedded = (raw.get("changelog") or {}).get("histories") or []
    all_histories = [*embedded, *(histories or [])]
    points_field = context.story_points_field
    assignee = fields.get("assignee") or {}
    return WorkItem(
        external_id=issue_id,
        key=key,
        title=fields.get("summary") or "",
        kind=_kind(fields["issuetype"]),
        status=status_name,
        status_category=category,
        url=f"{context.site_url.rstrip('/')}/browse/{key}",
        created_at=_required_time(fields["created"]),
        updated_at=_required_time(fields["updated"]),
        resolved_at=parse_time(fields.get("resolutiondate")),
        story_points=_points(fields.get(points_field)) if points_field else None,
        assignee=assignee.get("displayName") or "",
        container=(fields.get("project") or {}).get("key") or key.rsplit("-", 1)[0],
        sprint_ids=_sprint_ids(fields.get(context.sprint_field)) if context.sprint_field else (),
        changes=parse_changelog(issue_id, all_histories, context),
    )


def parse_bulkfetch(raw: dict) -> tuple[dict[str, list[dict]], str | None]:
    """One /changelog/bulkfetch page as ({issue id: histories}, next page token)."""
    histories: dict[str, list[dict]] = {}
    for log in raw["issueChangeLogs"]:
        histories.setdefault(str(log["issueId"]), []).extend(log.get("changeHistories") or [])
    return histories, raw.get("nextPageToken") or None


def parse_changelog_page(raw: dict) -> tuple[list[dict], bool]:
    """One /issue/{key}/changelog page (oldest first) as (histories, is last page)."""
    values = raw["values"]
    is_last = raw.get("isLast")
    if is_last is None:
        is_last = int(raw["startAt"]) + len(values) >= int(raw["total"])
    return list(values), bool(is_last) or not values


def parse_sprint(raw: dict, board_id: int | str) -> Sprint:
    """A board's sprint (closed, active or future) as a Sprint record."""
    state = str(raw["state"]).lower()
    if state not in ("closed", "active", "future"):
        raise ValueError(f"unknown sprint state {state!r}")
    return Sprint(
        external_id=str(raw["id"]),
        board_id=str(board_id),
        name=raw["name"],
        state=state,
        start_at=parse_time(raw.get("startDate")),
        end_at=parse_time(raw.get("endDate")),
        completed_at=parse_time(raw.get("completeDate")),
        goal=raw.get("goal") or "",
    )


def jql_date(moment: datetime, zone: ZoneInfo) -> str:
    """A JQL date literal ("yyyy-MM-dd HH:mm") in the account's time zone, rounded down."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


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
            if category in CATEGORY_VALUES
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
            )
        except ProviderError as exc:
            return ConnectionCheck(False, exc.message, {"category": exc.category})
        except PARSE_ERRORS:
            return ConnectionCheck(False, "Jira answered with something AgileTrack cannot read.")
        where = [f"board {details['board']}"] if "board" in details else []
        if self.project_keys:
            where.append("projects " + ", ".join(self.project_keys))
        return ConnectionCheck(
            True,
            f"Connected to Jira as {name}; {' and '.join(where)}: "
            f"about {details['issues']} issues.",
            details,
        )

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
        newest = None if full else cursor.watermark
        latest: dict[str, datetime] = {}
        rewind: datetime | None = None
        # Pages wait here until the histories search truncated are fetched: parsed WorkItems,
        # or raw issues that still need their bulkfetched histories.
        held: list[list[WorkItem | dict]] = []
        pending: list[str] = []  # truncated issues not bulkfetched yet, in page order
        fetched: dict[str, list[dict]] = {}
        token: str | None = None
        while True:
            page = self._search_page(jql, token, context)
            fresh: list[dict] = []
            for raw in page["issues"]:
                issue_id = str(raw["id"])
                updated = _required_time(raw["fields"]["updated"])
                if issue_id in latest:
                    # Seen twice: it moved to the end while we paged, which may have pushed an
                    # unseen issue back onto a page already read. Re-read from here next time.
                    rewind = min(rewind or latest[issue_id], latest[issue_id])
                latest[issue_id] = updated
                newest = updated if newest is None else max(newest, updated)
                if delivered.get(issue_id) != updated.isoformat():
                    fresh.append(raw)  # else: the overlap again, unchanged since the last sync
            if fresh and not context.categories:
                # Status categories are needed only once there is history to classify.
                context = replace(context, categories=self._status_categories())
            kept: list[WorkItem | dict] = []
            for raw in fresh:
                if changelog_is_truncated(raw):
                    if str(raw["id"]) not in pending and str(raw["id"]) not in fetched:
                        pending.append(str(raw["id"]))  # once, even if paging shows it twice
                    kept.append(raw)
                else:
                    kept.append(parse_issue(raw, context))
            held.append(kept)
            token = page.get("nextPageToken") or None
            last = bool(page.get("isLast")) or token is None
            # Bulkfetch takes 1000 issues a request: wait for a full request unless at the end.
            while pending and (last or len(pending) >= BULKFETCH_ISSUES):
                chunk, pending = pending[:BULKFETCH_ISSUES], pending[BULKFETCH_ISSUES:]
                fetched.update({issue_id: [] for issue_id in chunk})
                fetched.update(self._bulkfetch(chunk, context))
            while held and all(
                isinstance(item, WorkItem) or str(item["id"]) in fetched for item in held[0]
            ):
                records = tuple(
                    item
                    if isinstance(item, WorkItem)
                    else parse_issue(item, context, fetched[str(item["id"])])
                    for item in held.pop(0)
                )
                if last and not held:
                    site = self._site_settings(zone if overlap == OVERLAP else None, scope)
                    yield Batch(
                        records,
                        cursor=self._issues_cursor(scope, newest, rewind, latest, overlap, site),
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
