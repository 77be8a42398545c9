"""The demo team's working agreements: three rules on the sandbox's data, one of them broken
(its change failure rate runs well above 15 %), and a Slack channel on the sandbox's
incoming-webhook stand-in. The alert comes from evaluating them after the first sync."""

from __future__ import annotations

from agreements.channels import channel_secrets, set_secrets
from agreements.models import Channel, WorkingAgreement
from integrations.models import Team

# (name, metric, operator, threshold, window days). On the sandbox's data (seed 1) the change
# failure rate over 30 days is 20-29 %, deployments run about twice a day and no pull request
# stays open for two weeks: the first rule is broken, the other two are kept.
DEMO_AGREEMENTS = [
    ("Change failure rate at most 15 %", "change_failure_rate", "<=", 15.0, 30),
    ("Deploy at least daily", "deployment_frequency", ">=", 1.0, 30),
    ("No pull request open over 14 days", "pr_open_days", "<=", 14.0, 30),
]


def demo_slack_channel(team: Team, url: str) -> Channel:
    """The team's Slack channel for `url`, created once. Stored without the live check that
    agreements.channels.save_channel makes: the sandbox starts after the demo is seeded."""
    for channel in Channel.objects.filter(team=team, kind=Channel.Kind.SLACK):
        if channel_secrets(channel).get("url") == url:
            return channel
    channel = Channel(team=team, kind=Channel.Kind.SLACK)
    set_secrets(channel, url)
    return channel


def seed_demo_agreements(team: Team, slack_url: str) -> int:
    """Give the demo team its agreements and Slack channel; returns how many agreements were
    created (0 when they exist: seeding twice makes nothing twice)."""
    channel = demo_slack_channel(team, slack_url)
    created = 0
    for name, metric, operator, threshold, window_days in DEMO_AGREEMENTS:
        agreement, new = WorkingAgreement.objects.get_or_create(
            team=team,
            name=name,
            defaults={
                "metric": metric,
                "operator": operator,
                "threshold": threshold,
                "window_days": window_days,
            },
        )
        if new:
            agreement.channels.add(channel)
            created += 1
    return created
