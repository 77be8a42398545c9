"""Pure parsing of Jira Cloud payloads (issues, changelogs, fields, statuses, sprints) into
records, and the JQL date format: no HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from integrations.providers.records import (
    Sprint,
    WorkItem,
    WorkItemChange,
)

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
# Jira's own status category keys, as AgileTrack's categories.
CATEGORIES = {"new": "todo", "indeterminate": "in_progress", "done": "done"}
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


def required_time(value: Any) -> datetime:
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
    return jira_category_of(status_id, context)


def jira_category_of(status_id: Any, context: IssueContext) -> str | None:
    """Jira's own category of a status (by id), before the integration's mapping."""
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
        changed_at = required_time(history["created"])
        author = (history.get("author") or {}).get("displayName") or ""
        for item in history.get("items") or ():
            tracked = _tracked_field(item, context)
            if tracked is None:
                continue
            from_value, to_value = item.get("fromString"), item.get("toString")
            from_category = to_category = from_source = to_source = None
            if tracked == "status":
                from_category = category_of(item.get("from"), from_value, context)
                to_category = category_of(item.get("to"), to_value, context)
                from_source = jira_category_of(item.get("from"), context)
                to_source = jira_category_of(item.get("to"), context)
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
                    from_source_category=from_source,
                    to_source_category=to_source,
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
    source = CATEGORIES.get(status["statusCategory"]["key"], "todo")
    category = category_of(None, status_name, context) or source
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
        source_category=source,
        url=f"{context.site_url.rstrip('/')}/browse/{key}",
        created_at=required_time(fields["created"]),
        updated_at=required_time(fields["updated"]),
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
