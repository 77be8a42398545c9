"""The structured formatter: one parseable line, with its request or task, never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from agiletrack.celery import app as celery_app
from agiletrack.observability.logs import structured_formatter

SENTINEL = "ghp_SENTINEL0000secret0000TOKEN"


class Captured:
    """Lines written through the structured formatter while the fixture is active."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[str]:
        return [line for line in self.stream.getvalue().splitlines() if line]

    def json(self) -> list[dict]:
        return [json.loads(line) for line in self.lines()]


def _capture(log_format: str) -> Iterator[Captured]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structured_formatter(log_format))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield Captured(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


@pytest.fixture
def json_logs() -> Iterator[Captured]:
    yield from _capture("json")


@pytest.fixture
def kv_logs() -> Iterator[Captured]:
    yield from _capture("kv")


@celery_app.task(name="tests.ops.logs_inside_a_task")
def logs_inside_a_task() -> str:
    logging.getLogger("integrations.sync").info("sync started integration=1 run=2")
    return "logged"


@pytest.mark.django_db
def test_a_request_keeps_the_callers_request_id_in_its_log_line_and_answer(client, kv_logs):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-1234.abc")

    assert response["X-Request-ID"] == "req-1234.abc"
    line = next(line for line in kv_logs.lines() if "logger=agiletrack.request" in line)
    assert "request_id=req-1234.abc" in line
    assert "path=/healthz" in line and f"status={response.status_code}" in line
    assert line.startswith("ts=") and " level=info " in line


@pytest.mark.django_db
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_generated_one(client, json_logs):
    plain = client.get("/healthz")
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='x" level=error')

    ids = [plain["X-Request-ID"], forged["X-Request-ID"]]
    assert all(len(value) == 32 and value.isalnum() for value in ids)
    assert ids[0] != ids[1]
    logged = [
        line["request_id"] for line in json_logs.json() if line["logger"] == "agiletrack.request"
    ]
    assert logged == ids


def test_json_lines_redact_secret_fields_headers_urls_and_query_strings(json_logs):
    logger = logging.getLogger("integrations.providers")
    logger.warning(
        "call failed Authorization: Bearer %s url=https://api.example.com/1/boards?key=k123&token=%s"
        " broker=redis://agiletrack:%s@redis:6379/0",
        SENTINEL,
        SENTINEL,
        SENTINEL,
        extra={"api_token": SENTINEL, "headers": {"Authorization": f"Token {SENTINEL}"}, "run": 7},
    )

    (line,) = json_logs.json()
    assert SENTINEL not in json.dumps(line)
    assert "k123" not in line["message"]
    assert line["api_token"] == "[redacted]"
    assert line["headers"] == {"Authorization": "[redacted]"}
    assert line["run"] == 7  # other fields are kept
    assert line["level"] == "warning" and line["logger"] == "integrations.providers"
    assert "redis://agiletrack:[redacted]@redis:6379/0" in line["message"]


def test_a_traceback_stays_on_one_line_without_the_secret(kv_logs):
    try:
        raise ValueError(f"password={SENTINEL}")
    except ValueError:
        logging.getLogger("integrations.sync").exception("sync crashed run=3")

    (line,) = kv_logs.lines()
    assert SENTINEL not in line
    assert "ValueError: password=[redacted]" in line
    assert 'message="sync crashed run=3"' in line


def test_lines_logged_inside_a_celery_task_carry_its_id_and_name(json_logs):
    result = logs_inside_a_task.apply(task_id="task-abc-123")

    assert result.get() == "logged"
    line = next(line for line in json_logs.json() if line["logger"] == "integrations.sync")
    assert line["task_id"] == "task-abc-123"
    assert line["task_name"] == "tests.ops.logs_inside_a_task"


def test_celerys_own_task_lines_take_the_task_from_their_arguments(json_logs):
    logging.getLogger("celery.worker.strategy").info(
        "Task %(name)s[%(id)s] received",
        {"id": "id-42", "name": "integrations.tasks.sync_integration_task"},
        extra={"data": {"id": "id-42", "args": "(1,)"}},
    )

    (line,) = json_logs.json()
    assert line["task_id"] == "id-42"
    assert line["task_name"] == "integrations.tasks.sync_integration_task"
    assert "data" not in line


@pytest.mark.django_db
def test_djangos_own_error_line_after_the_middleware_carries_the_request_id(client, json_logs):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404")
    logging.getLogger("later").info("after the response was closed")

    lines = json_logs.json()
    of_request = [
        line for line in lines if line["logger"] in ("django.request", "agiletrack.request")
    ]
    assert {line["logger"] for line in of_request} == {"django.request", "agiletrack.request"}
    assert {line["request_id"] for line in of_request} == {"req-404"}
    (later,) = [line for line in lines if line["logger"] == "later"]
    assert "request_id" not in later
