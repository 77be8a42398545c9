"""Housekeeping of prometheus_client's multiprocess files (no prometheus_client import)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prune_dead_process_files(directory: Path | str | None = None) -> int:
    """Delete the files of processes on this host that are gone; return how many.

    Called when a process tree that writes metrics starts (gunicorn's master, the Celery worker,
    beat): live processes keep their files; the counters of dead ones restart from zero, which
    Prometheus reads as a counter reset."""
    folder = Path(directory or os.environ.get("PROMETHEUS_MULTIPROC_DIR") or "")
    if not str(folder) or not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("*.db"):
        pid_text = path.stem.rsplit("_", 1)[-1]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or _alive(int(pid_text)):
            continue
        path.unlink(missing_ok=True)
        removed += 1
    if removed:
        logger.info("metrics files pruned folder=%s removed=%s", folder, removed)
    return removed
