"""The weekly digest: DORA with its trend, agreements kept and broken, the oldest open work,
read through metrics.selectors; queued once per team, week and channel after Monday 09:00."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from agreements import delivery, digest
from agreements.channels import save_channel
from agreements.models import Alert, AlertPolicy, Delivery, WorkingAgreement
from integrations.providers import records
from metrics import derived, selectors
from metrics.ingest import ingest
from tests.factories import make_integration
from tests.metrics.test_derived import deployment
from tests.metrics.test_ingest import pull_request

pytestmark = pytest.mark.django_db

WEEK_START = date(2026, 11, 9)  # a Monday: the digest covers 2 to 8 November
SENT_AT = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)


def day(month: int, day_: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day_, hour, tzinfo=UTC)


@pytest.fixture
def busy_team(alert_team, breached_agreement):
    github = make_integration(alert_team, "github")
    ingest(
        github,
        [
            deployment("d0", day(10, 27)),  # the week before: one
            *(deployment(f"d{n}", day(11, 2 + n)) for n in range(1, 4)),  # this week: three
            replace(
                pull_request(7),
                created_at=day(10, 20),
                updated_at=day(10, 20),
                state="open",
                merged_at=None,
                closed_at=None,
                reviews=(),
                commits=(),
            ),
        ],
    )
    jira = make_integration(alert_team, "jira")
    started = records.WorkItemChange(
        "c1", "5001", "status", "To Do", "In Progress", day(10, 25), "ana", "todo", "in_progress"
    )
    ingest(
        jira,
        [
            records.WorkItem(
                external_id="5001",
                key="ENG-5",
                title="Slow thing",
                kind="story",
                status="In Progress",
                status_category="in_progress",
                url="https://acme.atlassian.net/browse/ENG-5",
                created_at=day(10, 24),
                updated_at=day(10, 25),
                resolved_at=None,
                changes=(started,),
            )
        ],
    )
    derived.refresh(github)
    derived.refresh(jira)
    Alert.objects.create(agreement=breached_agreement, opened_at=day(11, 4), value=30)
    WorkingAgreement.objects.create(
        team=alert_team, name="Small PRs", metric="pr_size_lines", operator="<=", threshold=400
    )
    return alert_team


def test_the_digest_reads_dora_and_its_trend_through_the_selectors(busy_team):
    built = digest.build_digest(busy_team, WEEK_START, SENT_AT)

    assert built["week"] == {"since": "2026-11-02", "until": "2026-11-08", "time_zone": "UTC"}
    frequency = next(row for row in built["dora"] if row["metric"] == "deployment_frequency")
    assert (frequency["value"], frequency["previous"]) == (3.0, 1.0)
    assert (frequency["trend"], frequency["better"]) == ("up", True)
    scope = selectors.metric_scope(
        busy_team, since=date(2026, 11, 2), until=date(2026, 11, 8), now=SENT_AT
    )
    same = selectors.dora_metrics(scope)["deployment_frequency"]["per_week"]
    assert frequency["value"] == round(same, 2)


def test_the_digest_lists_agreements_kept_and_broken_and_the_oldest_open_work(busy_team):
    built = digest.build_digest(busy_team, WEEK_START, SENT_AT)

    assert [(a["name"], a["kept"], a["alerts_opened"]) for a in built["agreements"]] == [
        ("First review within a day", False, 1),
        ("Small PRs", True, 0),
    ]
    (pr,) = built["oldest_open_pull_requests"]
    assert pr["label"] == "acme/web#7 Change 7"
    assert pr["age_days"] == 19.5  # opened 20 October 12:00, read at the end of 8 November
    (item,) = built["oldest_in_progress_items"]
    assert (item["label"], item["url"]) == (
        "ENG-5 Slow thing",
        "https://acme.atlassian.net/browse/ENG-5",
    )


def test_the_digest_is_queued_once_per_week_after_monday_nine_team_time(busy_team):
    busy_team.time_zone = "America/New_York"
    busy_team.save()
    channel = save_channel(busy_team, "email", address="team@example.com")
    monday_nine_new_york = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)

    early = delivery.queue_due_digests(monday_nine_new_york - timedelta(minutes=1))
    first = delivery.queue_due_digests(monday_nine_new_york)
    again = delivery.queue_due_digests(monday_nine_new_york + timedelta(hours=5))

    assert (early, first, again) == (0, 1, 0)
    row = Delivery.objects.get(kind="digest")
    assert row.idempotency_key == f"digest:{busy_team.pk}:2026-11-09:{channel.pk}"
    # New York's week before had 169 hours (summer time ended on 1 November): 1 * 7 / 7.04.
    assert "Deployments per week: 3 per week ↑ from 0.99" in row.payload["body"]
    assert "Agreements broken: First review within a day (1 alert)" in row.payload["body"]


def test_a_team_that_turned_the_digest_off_gets_none(busy_team):
    save_channel(busy_team, "email", address="team@example.com")
    AlertPolicy.objects.create(team=busy_team, weekly_digest=False)

    assert delivery.queue_due_digests(SENT_AT) == 0
    assert not Delivery.objects.exists()
