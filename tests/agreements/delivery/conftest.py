"""Fixtures of the alert delivery tests: a team with a broken agreement and its open alert, and
a private sandbox whose Slack stand-in and webhook receiver get the messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from agreements.channels import save_channel
from agreements.models import Alert, Channel, WorkingAgreement
from tests.factories import TeamFactory
from tests.sandbox_server import Sandbox, start_sandbox, stop_sandbox

NOW = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # a Wednesday
SLACK_HOOK = "/services/T0000DEMO/B0000DEMO/demo-token"
ITEMS = [
    {
        "id": f"pr-{n}",
        "label": f"acme/web#{n} Change {n}",
        "url": f"https://github.com/acme/web/pull/{n}",
        "value": 30.0 + n,
    }
    for n in range(1, 13)
]


@pytest.fixture(scope="module")
def receiver() -> Sandbox:
    """A private sandbox (its receivers keep state), stopped after the module."""
    box = start_sandbox("--seed", "11")
    yield box
    stop_sandbox(box)


@pytest.fixture(autouse=True)
def _alert_delivery_settings(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*", "api.sandbox.test"]
    settings.AGILETRACK_ALERT_RETRY_BASE_SECONDS = 30
    settings.AGILETRACK_ALERT_RETRY_MAX_SECONDS = 3600
    settings.AGILETRACK_ALERT_MAX_ATTEMPTS = 6
    settings.AGILETRACK_PUBLIC_URL = "https://agiletrack.example.com"


@pytest.fixture
def alert_team():
    return TeamFactory(name="Platform", slug="platform")


@pytest.fixture
def breached_agreement(alert_team):
    return WorkingAgreement.objects.create(
        team=alert_team,
        name="First review within a day",
        metric="first_review_hours",
        operator="<=",
        threshold=24,
    )


@pytest.fixture
def open_alert(breached_agreement):
    return Alert.objects.create(
        agreement=breached_agreement, opened_at=NOW, value=42.5, details={"items": ITEMS}
    )


def hook_name(request) -> str:
    """A receiver name of this test alone."""
    return request.node.name.replace("[", "-").replace("]", "")[:60]


def webhook(agreement, box: Sandbox, name: str, secret: str = "s1gning-secret") -> Channel:  # noqa: S107
    """A webhook channel of the agreement to the sandbox receiver `name`."""
    url = f"{box.base}/hooks/{name}"
    channel = save_channel(agreement.team, "webhook", url=url, secret=secret)
    agreement.channels.add(channel)
    return channel


def received(box: Sandbox, name: str) -> dict:
    return box.get(f"/_sandbox/hooks/{name}").json()


def fail_next(box: Sandbox, name: str, status: int, times: int, retry_after: int = 1) -> None:
    answer = requests.post(
        f"{box.base}/_sandbox/hooks/{name}/fail",
        json={"status": status, "times": times, "retry_after": retry_after},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
