"""Structured log lines: logfmt (key=value) or JSON, with context and without secrets.

Every record, from our code, Django, Celery or gunicorn, goes through one formatter built on
structlog's ProcessorFormatter. It adds the time, level, logger, the service (web, worker, beat),
what `bind_context` holds (the request id on the web; the integration of a sync) and the id and
name of the Celery task being run, then redacts secrets and renders one line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import structlog
from celery._state import get_current_task
from structlog.typing import EventDict, WrappedLogger

REDACTED = "[redacted]"
# Field names whose values are secrets, wherever they appear (extra fields, nested dicts).
SECRET_KEY_NAMES = re.compile(
    r"(token|password|passwd|secret|authorization|api_?key|cookie|signature|credential)", re.I
)
SECRET_EXACT_KEYS = {"key"}  # Trello's API key is called just "key"
# key=value / "key": "value" / key: value in free text, for the same names.
SECRET_PAIR = re.compile(
    r"""(?P<name>\b(?:[\w-]*(?:token|password|passwd|secret|api_?key)|authorization|key)\b["']?"""
    r"""\s*[=:]\s*["']?)(?P<value>(?:bearer|basic|token)\s+[^\s"',;&}]+|[^\s"',;&}]+)""",
    re.I,
)
# An Authorization header value on its own: "Bearer <token>", "Basic <base64>".
SCHEME_VALUE = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}")
# user:password@ in URLs (database and broker URLs).
URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.I)

KEY_ORDER = ["ts", "level", "service", "logger", "request_id", "task_id", "task_name", "message"]

_service = {"name": "app"}


def set_service(name: str) -> None:
    """Name this process in every line: web, worker or beat."""
    _service["name"] = name


@contextmanager
def bind_context(**values: Any) -> Iterator[None]:
    """Add these fields to every line logged inside the block (this thread or task only)."""
    with structlog.contextvars.bound_contextvars(**values):
        yield


def context_value(name: str) -> Any:
    """A field bound by `bind_context` around the current code, or None."""
    return structlog.contextvars.get_contextvars().get(name)


def redact_text(text: str) -> str:
    """Replace secret values in free text (messages, tracebacks) with [redacted]."""
    text = URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED + "@", text)
    text = SCHEME_VALUE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return SECRET_PAIR.sub(lambda m: m.group("name") + REDACTED, text)


def _is_secret_key(name: str) -> bool:
    return name.lower() in SECRET_EXACT_KEYS or bool(SECRET_KEY_NAMES.search(name))


def redact(value: Any, key: str = "") -> Any:
    """A copy of a field value with every secret replaced (recursing into dicts and lists)."""
    if key and _is_secret_key(key) and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def redact_secrets(logger: WrappedLogger, name: str, event: EventDict) -> EventDict:
    """structlog processor: redact every field, the message and the traceback included."""
    return {key: redact(value, "" if key in KEY_ORDER else key) for key, value in event.items()}


def add_context(logger: WrappedLogger, name: str, event: EventDict) -> EventDict:
    """structlog processor: the service, and the Celery task this line belongs to."""
    event.setdefault("service", _service["name"])
    args = event.pop("positional_args", None)
    task = get_current_task()
    if task is not None and task.request.id:
        event.setdefault("task_id", task.request.id)
        event.setdefault("task_name", task.name)
    elif isinstance(args, Mapping) and "id" in args and "name" in args:
        # Celery's own lines about a task ("received", "succeeded in") carry it in their arguments.
        event.setdefault("task_id", args["id"])
        event.setdefault("task_name", args["name"])
    if isinstance(event.get("data"), Mapping) and "id" in event["data"]:
        # Celery repeats those arguments (the task's args and kwargs too) as `data`.
        del event["data"]
    return event


def _rename_event(logger: WrappedLogger, name: str, event: EventDict) -> EventDict:
    event["message"] = event.pop("event", "")
    return event


def _known_keys_first(logger: WrappedLogger, name: str, event: EventDict) -> EventDict:
    ordered = {key: event[key] for key in KEY_ORDER if key in event}
    return ordered | {key: value for key, value in event.items() if key not in ordered}


def structured_formatter(log_format: str = "kv") -> logging.Formatter:
    """The logging.Formatter of every handler: `kv` (logfmt) or `json` lines."""
    renderer: Any
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer(default=str)
    else:
        renderer = structlog.processors.LogfmtRenderer(key_order=KEY_ORDER, drop_missing=True)
    return structlog.stdlib.ProcessorFormatter(
        pass_foreign_args=True,
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            add_context,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
            structlog.processors.format_exc_info,
            _rename_event,
            redact_secrets,
            _known_keys_first,
            renderer,
        ],
    )
