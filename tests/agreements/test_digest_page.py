"""The weekly digest previewed on its page: the same content agreements.digest builds and
agreements.messages sends (the email text, and the same values as a page), for members only."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from agreements import messages
from agreements.digest import build_digest
from agreements.models import Alert, Channel, WorkingAgreement
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 23)  # the digest sent that Monday covers 16 to 22 November


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agreements(team):
    broken = WorkingAgreement.objects.create(
        team=team, name="No PR open over 7 days", metric="pr_open_days", operator="<=", threshold=7
    )
    WorkingAgreement.objects.create(
        team=team, name="WIP at most 8", metric="wip", operator="<=", threshold=8
    )
    Alert.objects.create(
        agreement=broken, opened_at=datetime(2026, 11, 18, 9, tzinfo=UTC), value=1, details={}
    )


def test_the_page_shows_what_the_digest_sends_for_the_week(team, member, agreements):
    response = client_of(member).get(f"/teams/{team.slug}/alerts/digest/?week=2026-11-25")

    assert response.status_code == 200
    built = build_digest(team, WEEK, timezone.now())
    email = messages.digest_payload(built, Channel(team=team, kind=Channel.Kind.EMAIL))
    assert response.context["digest"] == built
    assert response.context["email"] == email
    html = response.content.decode()
    assert escape(email["subject"]) in html
    assert escape(email["body"]) in html
    # The readable page carries the same values: DORA with the week before, the agreements,
    # the oldest open work.
    assert "Weekly digest of" in email["subject"] and "2026-11-16 to 2026-11-22" in email["body"]
    for row in built["dora"]:
        assert f'data-metric="{row["metric"]}"' in html and escape(row["label"]) in html
    assert "Kept: WIP at most 8" in html
    assert "Broken: No PR open over 7 days (1 alert)" in html
    assert built["oldest_open_pull_requests"][0]["label"] == "acme/web#4 Change 4"
    assert escape("acme/web#4 Change 4") in html
    assert built["oldest_in_progress_items"][0]["label"] == "B Item B"
    assert "B Item B" in html
    assert "Agreements broken: No PR open over 7 days (1 alert)" in email["body"]
    # Worked out by hand: no deployment that week, one the week before; PR #4 open 16.5 days.
    assert "- Deployments per week: 0 per week ↓ from 1" in email["body"]
    assert "acme/web#4 Change 4 (16.50 days)" in email["body"]
    assert "↓ down (worse)" in html


def test_without_a_week_the_page_shows_the_digest_of_this_monday(team, member):
    response = client_of(member).get(f"/teams/{team.slug}/alerts/digest/")

    today = timezone.now().astimezone(UTC).date()  # the team is in UTC
    monday = today - timedelta(days=today.weekday())
    assert response.context["week_start"] == monday
    assert response.context["digest"]["week"]["until"] == (monday - timedelta(days=1)).isoformat()


def test_the_alerts_page_links_to_it_and_other_teams_are_404(team, member):
    alerts = client_of(member).get(f"/teams/{team.slug}/alerts/")
    assert f'href="/teams/{team.slug}/alerts/digest/"' in alerts.content.decode()

    outsider = UserFactory()
    other = TeamFactory(members=[outsider])
    assert client_of(outsider).get(f"/teams/{other.slug}/alerts/digest/").status_code == 200
    assert client_of(outsider).get(f"/teams/{team.slug}/alerts/digest/").status_code == 404
    assert client_of(member).get(f"/teams/{other.slug}/alerts/digest/").status_code == 404
