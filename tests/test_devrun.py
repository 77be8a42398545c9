"""scripts/devrun.py, `make run`'s supervisor: the URL it prints and how it says to sign in.

Stopping and killing it are shown end to end in tests/e2e/test_make_run.py."""

from __future__ import annotations

import importlib.util
import os

import pytest

from tests.conftest import REPO_ROOT

_spec = importlib.util.spec_from_file_location("devrun", REPO_ROOT / "scripts" / "devrun.py")
devrun = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(devrun)


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000/"),
        ("0.0.0.0:8123", "http://127.0.0.1:8123/"),
        ("[::]:9000", "http://127.0.0.1:9000/"),
        ("localhost:8001", "http://localhost:8001/"),
        ("unix:/run/agiletrack.sock", "unix:/run/agiletrack.sock"),
    ],
)
def test_the_url_printed_is_the_one_gunicorn_binds(bind, url):
    assert devrun.local_url(bind) == url


def test_the_password_is_shown_on_the_first_run_and_the_reset_command_afterwards(tmp_path):
    (tmp_path / "admin-password").write_text("s3cret-pass\n")

    first = "\n".join(devrun.sign_in_lines(tmp_path))
    later = "\n".join(devrun.sign_in_lines(tmp_path))

    assert "Password: s3cret-pass" in first
    assert "s3cret-pass" not in later
    assert "manage.py changepassword admin" in later


def test_without_a_password_file_it_says_how_to_reset(tmp_path):
    lines = devrun.sign_in_lines(tmp_path)
    assert any("changepassword admin" in line for line in lines)


def test_the_guard_walks_up_to_the_runner_only():
    # From this process the runner is our parent: the chain is that one link.
    assert devrun.ancestors(os.getppid()) == [os.getppid()]
    # A runner that is not an ancestor: the guard watches its parent alone.
    assert devrun.ancestors(2**22 + 1) == [os.getppid()]
    assert devrun.alive(os.getpid())
    assert not devrun.alive(2**22 + 1)
