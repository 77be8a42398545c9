"""Settings read from the environment that fail with a message naming their variable (and never
echoing a value that may carry a password): used by agiletrack.settings."""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured


def database(env: environ.Env, sqlite_path: Path) -> dict:
    """DATABASE_URL (PostgreSQL or SQLite) as Django's DATABASES entry; unset: SQLite at
    `sqlite_path`."""
    url = env.str("DATABASE_URL", default="")
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path)}
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        # Never echo the URL itself: it usually carries a password.
        raise ImproperlyConfigured(
            f"DATABASE_URL must look like postgres://user:password@host:5432/name or "
            f"sqlite:////absolute/path.sqlite3; got a URL with scheme {scheme or '(none)'!r}."
        )
    config = environ.Env.db_url_config(url)
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL has no database name (the path after the host).")
    return config


def seconds(env: environ.Env, name: str) -> int:
    """A whole number of seconds, 0 when unset or empty."""
    text = env.str(name, default="").strip()
    try:
        value = int(text or 0)
    except ValueError:
        value = -1
    if value < 0:
        raise ImproperlyConfigured(f"{name} must be a whole number of seconds, not {text!r}.")
    return value


def positive(env: environ.Env, name: str, default: int) -> int:
    """A whole number of 1 or more, `default` when unset or empty."""
    text = env.str(name, default="").strip()
    try:
        value = int(text) if text else default
    except ValueError:
        value = 0
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of 1 or more, not {text!r}.")
    return value
