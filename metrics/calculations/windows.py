"""The window presets beside the date filters: the last 7, 30 and 90 days, this quarter and the
last one, as local dates (both inclusive) counted from the team's today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class WindowPreset:
    key: str
    label: str
    since: date
    until: date


def quarter_start(day: date) -> date:
    """The first day of the calendar quarter `day` is in."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def window_presets(today: date) -> list[WindowPreset]:
    """The presets for a team whose local date is `today`: the last N days end today; this
    quarter runs from its first day to today; the last quarter is the whole quarter before."""
    this_quarter = quarter_start(today)
    last_quarter_end = this_quarter - timedelta(days=1)
    return [
        *(
            WindowPreset(f"last-{n}", f"Last {n} days", today - timedelta(days=n - 1), today)
            for n in (7, 30, 90)
        ),
        WindowPreset("this-quarter", "This quarter", this_quarter, today),
        WindowPreset(
            "last-quarter", "Last quarter", quarter_start(last_quarter_end), last_quarter_end
        ),
    ]
