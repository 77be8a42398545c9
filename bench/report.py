"""Plain-text tables and the machine description every benchmark prints."""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Sequence

from django.conf import settings
from django.db import connection


def short_by(excess: float, decimals: int = 0) -> str:
    """How far a number missed its target, rounded up to `decimals`: a miss by 0.04 reads
    "1", never "0"."""
    steps = math.ceil(round(excess * 10**decimals, 6))
    return f"{steps / 10**decimals:.{decimals}f}"


def machine() -> str:
    """One line: where the numbers were measured."""
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return (
        f"{platform.node()} · {platform.system()} {platform.machine()} · {_cpu()} · "
        f"{os.cpu_count()} cores · {_memory_gib():.1f} GiB RAM · "
        f"Python {platform.python_version()} · database {connection.vendor} "
        f"{_database_version()} · cache {cache}"
    )


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float:
    try:
        with open("/proc/meminfo") as meminfo:
            return int(meminfo.readline().split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        return 0.0


def _database_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return str(cursor.fetchone()[0]).split()[0]
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    return ""


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (0..100) of the values."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return (
        statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]
        if q < 100
        else ordered[-1]
    )


def table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[object]], notes: Sequence[str] = ()
) -> str:
    """A titled, aligned text table with notes under it."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return (
            "| "
            + " | ".join(
                value.ljust(width) if i == 0 else value.rjust(width)
                for i, (value, width) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )

    out = [f"## {title}", "", line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(row) for row in cells[1:]]
    out += [""] + [f"- {note}" for note in notes]
    return "\n".join(out) + "\n"


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
