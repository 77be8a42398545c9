"""What an alert says in each channel's shape: Slack Block Kit, email, the webhook's JSON."""

from __future__ import annotations

import json

import pytest

from agreements import messages
from agreements.models import Channel

pytestmark = pytest.mark.django_db


def test_slack_lists_ten_items_as_links_and_links_the_teams_alerts_page(open_alert):
    message = messages.alert_payload(open_alert, "alert", Channel(kind="slack"))

    blocks = message["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Agreement broken: First review within a day"},
    }
    fields = [field["text"] for field in blocks[1]["fields"]]
    assert fields == ["*Agreement*\nfirst review hours at most 24", "*Value*\n42.50"]
    items = blocks[2]["text"]["text"].splitlines()
    assert len(items) == 11  # ten links, then how many more
    assert items[0] == "• <https://github.com/acme/web/pull/1|acme/web#1 Change 1 (31)>"
    assert items[-1] == "…and 2 more"
    link = blocks[-1]["elements"][0]["text"]
    assert link == "<https://agiletrack.example.com/teams/platform/alerts/|Alerts of Platform>"
    assert message["text"].startswith("Agreement broken: First review within a day")


def test_a_resolved_notice_says_so_without_the_items(open_alert):
    message = messages.alert_payload(open_alert, "resolved", Channel(kind="slack"))

    assert (
        message["blocks"][0]["text"]["text"] == "Agreement holds again: First review within a day"
    )
    assert "pull/1" not in json.dumps(message)


def test_email_has_a_subject_and_a_plain_text_body(open_alert):
    message = messages.alert_payload(open_alert, "reminder", Channel(kind="email"))

    assert message["subject"] == "[AgileTrack] Platform: Still broken: First review within a day"
    body = message["body"].splitlines()
    assert "Agreement: first review hours at most 24" in body
    assert "- acme/web#10 Change 10 (40) https://github.com/acme/web/pull/10" in body
    assert "- acme/web#11 Change 11 (41) https://github.com/acme/web/pull/11" not in body
    assert body[-1] == "Alerts: https://agiletrack.example.com/teams/platform/alerts/"


def test_the_webhook_body_has_stable_keys(open_alert):
    body = messages.alert_payload(open_alert, "alert", Channel(kind="webhook"))

    assert set(body) == {"event", "alert", "team"}
    assert body["event"] == "alert.opened"
    alert = body["alert"]
    assert {"id", "agreement", "status", "opened_at", "value", "items"} <= set(alert)
    assert alert["agreement"]["name"] == "First review within a day"
    assert (alert["status"], alert["value"], len(alert["items"])) == ("open", 42.5, 12)
    assert alert["opened_at"] == "2026-11-04T12:00:00+00:00"
    assert body["team"] == {
        "id": open_alert.agreement.team_id,
        "slug": "platform",
        "name": "Platform",
    }
