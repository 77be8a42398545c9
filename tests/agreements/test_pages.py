"""The Agreements and Alerts pages of a team: the list, a back-test before saving, bad input that
stores nothing, secrets never in the HTML, members read and staff write, other teams' pages 404,
acknowledge, snooze and resolve, and the nav badge of unresolved alerts."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agreements.models import Alert, Channel, WorkingAgreement
from agreements.services import evaluate_agreement
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cret-signing-value"
HOOK = "http://127.0.0.1:9/hooks/secret-path-token"


@pytest.fixture
def staff(team):
    user = UserFactory(is_staff=True)
    team.members.add(user)
    return user


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**changes) -> dict:
    return {
        "name": "PRs stay small",
        "metric": "pr_size_lines",
        "operator": "<=",
        "threshold": "400",
        "window_days": "30",
        "email": "team@example.com",
        "webhook_url": HOOK,
        "webhook_secret": SECRET,
        "since": "2026-11-02",
        "until": "2026-11-22",
        **changes,
    }


def nothing_stored() -> bool:
    return not WorkingAgreement.objects.exists() and not Channel.objects.exists()


def open_alert(team) -> Alert:
    agreement = WorkingAgreement.objects.create(
        team=team, name="Open PRs", metric="pr_open_days", operator="<=", threshold=7
    )
    agreement.channels.add(Channel.objects.create(team=team, kind="email", address="a@example.com"))
    # PR #4 has been open since 2026-11-06: more than 7 days by now.
    _, alert = evaluate_agreement(agreement)
    assert alert is not None
    return alert


def test_backtest_shows_each_week_and_stores_nothing_then_save_stores_it(team, staff, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    url = f"/teams/{team.slug}/agreements/"
    page = client_of(staff).post(url, {**form(), "action": "backtest"})
    assert page.status_code == 200
    html = page.content.decode()
    # Weeks of 11-02, 11-09, 11-16: only PR #2 (600 lines, merged 11-11) breaks "at most 400".
    assert '<strong data-metric="breached-weeks">1</strong> of 3 weeks' in html
    assert 'id="chart-backtest-data"' in html and "agiletrack/charts.js" in html
    assert "acme/web#2 Change 2</a> (600 lines)" in html
    assert nothing_stored()
    # The secrets typed are not rendered back, even on the back-test's page.
    assert SECRET not in html and "secret-path-token" not in html

    saved = client_of(staff).post(url, {**form(), "action": "save"})
    assert saved.status_code == 302
    agreement = WorkingAgreement.objects.get()
    assert (agreement.metric, agreement.operator, agreement.threshold) == (
        "pr_size_lines",
        "<=",
        400,
    )
    assert sorted(agreement.channels.values_list("kind", flat=True)) == ["email", "webhook"]
    listing = client_of(staff).get(url).content.decode()
    assert "Pull request size at most 400 lines, on each item" in listing
    assert "team@example.com" in listing and "http://127.0.0.1/…" in listing
    assert SECRET not in listing and "secret-path-token" not in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"metric": "happiness"}, "Select a valid choice"),
        ({"threshold": "lots"}, "Enter a number"),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"webhook_url": "http://10.0.0.1/hook"}, "10.0.0.1"),
    ],
)
def test_bad_input_says_why_and_stores_nothing(team, staff, settings, changes, message):
    settings.AGILETRACK_ALLOWED_API_HOSTS = []
    page = client_of(staff).post(
        f"/teams/{team.slug}/agreements/", {**form(**changes), "action": "save"}
    )
    assert page.status_code == 400
    assert message in page.content.decode()
    assert nothing_stored()


def test_members_read_and_evaluate_but_only_staff_change_agreements(team, member, staff):
    agreement = WorkingAgreement.objects.create(
        team=team, name="Small PRs", metric="pr_size_lines", operator="<=", threshold=400
    )
    page = client_of(member).get(f"/teams/{team.slug}/agreements/")
    html = page.content.decode()
    assert page.status_code == 200 and "Small PRs" in html
    assert "Save agreement" not in html and "Only staff can add or change agreements" in html
    base = f"/teams/{team.slug}/agreements/"
    assert client_of(member).post(base, {**form(), "action": "save"}).status_code == 403
    assert client_of(member).get(f"{base}{agreement.pk}/edit/").status_code == 403
    assert (
        client_of(member).post(f"{base}{agreement.pk}/pause/", {"paused": "1"}).status_code == 403
    )
    assert WorkingAgreement.objects.count() == 1 and not WorkingAgreement.objects.get().paused
    # Running an evaluation is an operational action, open to members (as in the API).
    assert client_of(member).post(f"{base}{agreement.pk}/evaluate/").status_code == 302
    assert WorkingAgreement.objects.get().last_evaluated_at is not None

    assert client_of(staff).post(f"{base}{agreement.pk}/pause/", {"paused": "1"}).status_code == 302
    assert WorkingAgreement.objects.get().paused
    assert "Resume" in client_of(staff).get(base).content.decode()


def test_editing_keeps_the_channels_unless_new_ones_are_typed(team, staff, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    base = f"/teams/{team.slug}/agreements/"
    client_of(staff).post(base, {**form(), "action": "save"})
    agreement = WorkingAgreement.objects.get()
    edit = client_of(staff).get(f"{base}{agreement.pk}/edit/").content.decode()
    assert 'value="PRs stay small"' in edit and SECRET not in edit and "secret-path" not in edit
    changed = {**form(name="PRs stay tiny", threshold="200"), "action": "save"}
    changed.update(email="", webhook_url="", webhook_secret="")
    assert client_of(staff).post(f"{base}{agreement.pk}/edit/", changed).status_code == 302
    agreement.refresh_from_db()
    assert (agreement.name, agreement.threshold) == ("PRs stay tiny", 200)
    assert agreement.channels.count() == 2


def test_other_teams_pages_and_rows_are_404(team, member):
    alert = open_alert(team)
    outsider = UserFactory(is_staff=True)
    TeamFactory(members=[outsider])
    client = client_of(outsider)
    assert client.get(f"/teams/{team.slug}/agreements/").status_code == 404
    assert client.get(f"/teams/{team.slug}/alerts/").status_code == 404
    assert client.post(f"/teams/{team.slug}/alerts/{alert.pk}/resolve/").status_code == 404
    # A team of theirs cannot reach this team's alert through its own URL either.
    own = outsider.teams.get()
    assert client.post(f"/teams/{own.slug}/alerts/{alert.pk}/resolve/").status_code == 404
    assert Alert.objects.get().status == "open"


def test_the_alerts_page_lists_the_alert_its_items_and_deliveries(team, member):
    alert = open_alert(team)
    page = client_of(member).get(f"/teams/{team.slug}/alerts/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-alert="{alert.pk}"' in html and "Open PRs" in html
    assert 'href="https://github.example/acme/web/pull/4"' in html
    assert "a@example.com" in html and "Pending" in html
    # The nav badge counts the team's unresolved alert.
    assert 'data-role="alert-badge">1<' in html
    assert (
        "No acknowledged alert."
        in client_of(member).get(f"/teams/{team.slug}/alerts/?status=acknowledged").content.decode()
    )


def test_members_acknowledge_snooze_and_resolve(team, member):
    alert = open_alert(team)
    base = f"/teams/{team.slug}/alerts/{alert.pk}/"
    client = client_of(member)
    assert client.post(base + "snooze/", {"for": "1d"}).status_code == 302
    alert.refresh_from_db()
    assert alert.snoozed_until > timezone.now() + timedelta(hours=23)
    assert client.post(base + "acknowledge/").status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", member)
    page = client.get(f"/teams/{team.slug}/alerts/?status=acknowledged").content.decode()
    assert f"by {member.username}" in page
    assert client.post(base + "resolve/").status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by) == ("resolved", member)
    # Once resolved, acting again says so and changes nothing.
    again = client.post(base + "acknowledge/", follow=True).content.decode()
    assert "already resolved" in again
    overview = client.get(f"/teams/{team.slug}/").content.decode()
    assert 'data-role="alert-badge"' not in overview
