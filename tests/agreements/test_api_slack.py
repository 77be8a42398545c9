"""POST /api/working-agreements/ checks a Slack channel against Slack itself (the sandbox's
stand-in): a hook Slack does not know is a 400 on the channel's URL and nothing is stored."""

import pytest
from rest_framework.test import APIClient

from agreements.models import Channel, WorkingAgreement
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/working-agreements/"


def test_a_slack_url_that_answers_404_is_a_400_on_that_url_and_stores_nothing(
    team, sandbox, settings
):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    staff = UserFactory(is_staff=True)
    team.members.add(staff)
    client = APIClient()
    client.force_authenticate(staff)
    hooks = sandbox.get("/_sandbox/slack/hooks").json()["hooks"]
    unknown = "T0000GONE/B0000GONE/revoked-token"
    assert unknown not in hooks

    response = client.post(
        URL,
        {
            "team": team.pk,
            "name": "No PR open over 7 days",
            "metric": "pr_open_days",
            "operator": "<=",
            "threshold": 7,
            "channels": [
                {"kind": "email", "address": "team@example.com"},
                {"kind": "slack", "url": f"{sandbox.base}/services/{unknown}"},
            ],
        },
        format="json",
    )

    assert response.status_code == 400, response.content
    errors = response.json()["fields"]["channels"]
    assert errors[0] == {}
    assert errors[1]["url"] == [
        "Slack answered 404: this incoming webhook does not exist (revoked or mistyped)."
    ]
    assert not WorkingAgreement.objects.exists()
    assert not Channel.objects.exists()
