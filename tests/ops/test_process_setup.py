"""A fresh AgileTrack process counts into the shared folder and refuses a bad log format."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, clean_env
from tests.ops.conftest import parse_exposition, sample_value

COUNT_ONE_REQUEST = """
import django
django.setup()
from agiletrack.observability import metrics
metrics.count_api_request("Trello", 429)
"""


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = clean_env(DJANGO_SETTINGS_MODULE="agiletrack.settings", **env)
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db
def test_a_new_process_writes_its_series_where_metrics_reads_them(client, settings, tmp_path):
    settings.AGILETRACK_PROMETHEUS_DIR = tmp_path

    done = run_python(COUNT_ONE_REQUEST, AGILETRACK_PROMETHEUS_DIR=str(tmp_path))

    assert done.returncode == 0, done.stderr
    # One folder per host, files named by process id.
    assert [path.name for path in (tmp_path / socket.gethostname()).glob("counter_*.db")]
    families = parse_exposition(client.get("/metrics").content.decode())
    assert (
        sample_value(
            families, "agiletrack_provider_api_requests_total", provider="trello", status="429"
        )
        == 1
    )


def test_an_unknown_log_format_stops_start_up_with_a_message():
    done = run_python("import django; django.setup()", AGILETRACK_LOG_FORMAT="xml")

    assert done.returncode != 0
    assert "AGILETRACK_LOG_FORMAT must be kv or json" in done.stderr
