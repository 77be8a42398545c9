"""How a GitHub stream remembers where it read up to, and how its pages become batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from integrations.providers.github.parse import parse_time
from integrations.providers.records import (
    Batch,
    Cursor,
)


def updated_at_of(item: dict) -> datetime:
    return parse_time(item["updated_at"])


class Watermark:
    """The newest change time seen, and which records changed at exactly that time.

    GitHub's times have whole seconds, so the next read includes the watermark's second (a
    record changed later in that second is not lost) and skips the records already read then.
    """

    def __init__(self, cursor: Cursor) -> None:
        self.old = cursor.watermark
        self.old_keys = set(cursor.state.get("at_watermark") or ())
        self.newest = self.old
        self.keys = set(self.old_keys)

    def before(self, when: datetime) -> bool:
        """True for changes older than the stored watermark."""
        return self.old is not None and when < self.old

    def already_read(self, when: datetime, key: str) -> bool:
        return when == self.old and key in self.old_keys

    def add(self, when: datetime, key: str) -> None:
        if self.newest is None or when > self.newest:
            self.newest, self.keys = when, {key}
        elif when == self.newest:
            self.keys.add(key)

    def cursor(self, etag: str, state: dict[str, Any] | None = None) -> Cursor:
        return Cursor(
            watermark=self.newest,
            etag=etag,
            state={**(state or {}), "at_watermark": sorted(self.keys)},
        )


def batches(pages: Iterator[list[Any]], finish: Callable[[], Cursor]) -> Iterator[Batch]:
    """One Batch per page; only the last carries the new cursor (computed once all are read)."""
    previous: list[Any] | None = None
    for records in pages:
        if previous is not None:
            yield Batch(tuple(previous))
        previous = records
    yield Batch(tuple(previous or ()), cursor=finish())
