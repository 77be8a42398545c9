"""One read of the Jira issues stream: which issues were seen when, and the pages held back
until the histories that search truncated have been bulkfetched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from integrations.providers.jira.parse import (
    BULKFETCH_ISSUES,
    IssueContext,
    changelog_is_truncated,
    parse_issue,
    required_time,
)
from integrations.providers.records import WorkItem


@dataclass
class IssueRead:
    """What the pages read so far said, and what still waits for its histories."""

    # Issue id -> `updated` delivered by the last sync (the overlap re-reads them).
    delivered: dict[str, str]
    newest: datetime | None
    latest: dict[str, datetime] = field(default_factory=dict)
    rewind: datetime | None = None
    # Pages wait here until the histories search truncated are fetched: parsed WorkItems,
    # or raw issues that still need their bulkfetched histories.
    held: list[list[WorkItem | dict]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # truncated, not bulkfetched, page order
    fetched: dict[str, list[dict]] = field(default_factory=dict)

    def fresh_issues(self, issues: list[dict]) -> list[dict]:
        """The page's issues that changed since the last sync; notes what each page showed."""
        fresh: list[dict] = []
        for raw in issues:
            issue_id = str(raw["id"])
            updated = required_time(raw["fields"]["updated"])
            if issue_id in self.latest:
                # Seen twice: it moved to the end while we paged, which may have pushed an
                # unseen issue back onto a page already read. Re-read from here next time.
                self.rewind = min(self.rewind or self.latest[issue_id], self.latest[issue_id])
            self.latest[issue_id] = updated
            self.newest = updated if self.newest is None else max(self.newest, updated)
            if self.delivered.get(issue_id) != updated.isoformat():
                fresh.append(raw)  # else: the overlap again, unchanged since the last sync
        return fresh

    def hold(self, fresh: list[dict], context: IssueContext) -> None:
        """Hold a page: issues whose history is complete are parsed now, the rest wait."""
        kept: list[WorkItem | dict] = []
        for raw in fresh:
            if changelog_is_truncated(raw):
                if str(raw["id"]) not in self.pending and str(raw["id"]) not in self.fetched:
                    self.pending.append(str(raw["id"]))  # once, even if paging shows it twice
                kept.append(raw)
            else:
                kept.append(parse_issue(raw, context))
        self.held.append(kept)

    def due_histories(self, last: bool) -> Iterator[list[str]]:
        """Issue ids to bulkfetch now: 1000 a request, so wait for a full one unless at the end."""
        while self.pending and (last or len(self.pending) >= BULKFETCH_ISSUES):
            chunk, self.pending = self.pending[:BULKFETCH_ISSUES], self.pending[BULKFETCH_ISSUES:]
            yield chunk

    def ready_pages(self, context: IssueContext) -> Iterator[tuple[WorkItem, ...]]:
        """The held pages, oldest first, whose every issue has its history."""
        while self.held and all(
            isinstance(item, WorkItem) or str(item["id"]) in self.fetched for item in self.held[0]
        ):
            yield tuple(
                item
                if isinstance(item, WorkItem)
                else parse_issue(item, context, self.fetched[str(item["id"])])
                for item in self.held.pop(0)
            )
