"""Fixtures shared by the whole suite."""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# The sandbox API server as fixtures (`sandbox`: shared, read-only; `fresh_sandbox`: private).
from tests.sandbox_server import fresh_sandbox, sandbox  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent
# Cached values of one test run never meet another's (or a running AgileTrack's) in a shared
# Redis: test ids restart at 1 in every run. Worker subprocesses inherit the variable.
os.environ["AGILETRACK_CACHE_KEY_PREFIX"] = f"agiletrack-test-{os.getpid()}"
# Likewise the /metrics files: this run's worker subprocesses write beside this process, not into
# the folder of a running AgileTrack. (Labelled series create their files when first used, so
# this process follows the new folder too.)
PROMETHEUS_DIR = Path(tempfile.mkdtemp(prefix="agiletrack-test-prometheus-"))
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(PROMETHEUS_DIR)
atexit.register(shutil.rmtree, PROMETHEUS_DIR, ignore_errors=True)


def pytest_configure(config):
    from django.conf import settings

    settings.AGILETRACK_PROMETHEUS_DIR = PROMETHEUS_DIR
    if "KEY_PREFIX" in settings.CACHES["default"]:
        settings.CACHES["default"]["KEY_PREFIX"] = os.environ["AGILETRACK_CACHE_KEY_PREFIX"]


# shared/ (schemas, API examples, fixtures) sits beside the clone.
SHARED_DIR = REPO_ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file of ../shared: its tests skip on a lone clone; under CI=true a missing one fails."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: the official schemas and examples sit beside the clone"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# Variables that choose the services; tests that start processes set them explicitly.
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_DEFAULT_QUEUE")


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without service selection, plus the given variables."""
    env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(overrides)
    return env


def manage_check(python: str, var_dir, **env: str) -> subprocess.CompletedProcess:
    """`manage.py check` in a fresh process with var/ at `var_dir` and the given variables
    (returned, not raised, when it fails)."""
    return subprocess.run(
        [python, "manage.py", "check"],
        cwd=REPO_ROOT,
        env=clean_env(AGILETRACK_VAR_DIR=str(var_dir), **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def python() -> str:
    """The interpreter of the virtualenv running the tests."""
    return sys.executable


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    """Serve static files from the apps, as a fresh clone has not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _allowlisted_test_api_host(settings):
    """Integrations in tests point at a name that needs no DNS (see tests.factories.API_HOST)."""
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["api.sandbox.test"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness buys nothing in tests that create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
