"""The sandbox's 'now': fixed by default, 'today', or kept in a file so the demo stays recent and
its ids stay the same across restarts."""

import argparse
from datetime import UTC, datetime

import pytest

from sandbox.__main__ import build_parser, make_app
from sandbox.control import info
from sandbox.generate import generate
from sandbox.model import Scale
from sandbox.timefmt import DEFAULT_NOW, now_from_file, parse_iso, resolve_now


def test_today_is_the_latest_utc_midnight():
    today = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00Z")
    assert resolve_now("today") == today
    assert resolve_now(DEFAULT_NOW) == DEFAULT_NOW
    with pytest.raises(ValueError):
        resolve_now("someday")


def test_a_now_file_is_written_once_and_then_read(tmp_path):
    path = tmp_path / "var" / "sandbox-now"
    first = now_from_file(path)
    assert path.read_text().strip() == first == resolve_now("today")
    path.write_text("2026-03-01T00:00:00Z\n")
    assert now_from_file(path) == "2026-03-01T00:00:00Z"


def test_two_sandboxes_reading_one_now_file_serve_the_same_ids(tmp_path):
    path = tmp_path / "sandbox-now"
    app = make_app(build_parser().parse_args(["--now-file", str(path)]))
    again = generate(1, Scale.named("small"), parse_iso(now_from_file(path)))
    assert info(app.org, "http://x")["trello"] == info(again, "http://x")["trello"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--now", "bogus"])
    assert isinstance(build_parser().parse_args([]), argparse.Namespace)
