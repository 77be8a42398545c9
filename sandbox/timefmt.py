"""Time and identifier helpers shared by the generator and the API modules.

Generated data keeps times as integer seconds since the Unix epoch (UTC); each API formats them
the way the real service does.
"""

# Seeded generators and hashes here make stable fake data and ids, not secrets.
# ruff: noqa: S324

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_NOW = "2026-11-01T00:00:00Z"


def resolve_now(text: str) -> str:
    """The sandbox's 'now' as ISO 8601: 'today' is the latest UTC midnight (a demo stays current
    and is the same all day); anything else must parse as ISO 8601."""
    if text.strip().lower() == "today":
        return datetime.now(UTC).strftime("%Y-%m-%dT00:00:00Z")
    parse_iso(text)
    return text


def now_from_file(path: Path) -> str:
    """The 'now' stored in `path`, storing today's UTC midnight there first if it is missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(resolve_now("today") + "\n")
    return resolve_now(path.read_text().strip())


def parse_iso(text: str) -> int:
    """Parse an ISO 8601 timestamp (Z, +00:00 or +0000 offsets, or a bare date) to epoch seconds."""
    text = text.strip()
    if len(text) == 10:
        text += "T00:00:00+00:00"
    text = text.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def github_time(ts: int | None) -> str | None:
    """GitHub REST and GraphQL: 2026-10-31T12:00:00Z."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def jira_time(ts: int | None) -> str | None:
    """Jira platform REST: 2026-10-31T12:00:00.000+0000 (offset without a colon)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def agile_time(ts: int | None) -> str | None:
    """Jira Agile sprint dates: 2026-10-31T12:00:00.000Z."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def trello_time(ts: int | None) -> str | None:
    """Trello: 2026-10-31T12:00:00.000Z."""
    return agile_time(ts)


def sha(*parts: object) -> str:
    """A stable 40-hex git-like SHA for the given parts."""
    return hashlib.sha1(":".join(str(p) for p in parts).encode()).hexdigest()


def object_id(ts: int, *parts: object) -> str:
    """A Trello (MongoDB ObjectId) style id: 4 bytes of creation time, then 8 stable bytes.

    Sorting these ids sorts by creation time, which `before`/`since` paging relies on.
    """
    return f"{ts:08x}" + hashlib.sha1(":".join(str(p) for p in parts).encode()).hexdigest()[:16]


def object_id_time(value: str) -> int | None:
    """Creation time of an ObjectId-shaped id, or None when it is not one."""
    if len(value) == 24:
        try:
            return int(value[:8], 16)
        except ValueError:
            return None
    return None
