"""The Agreements and Alerts pages in a real browser: staff type a rule, back-test it (a chart
drawn by Chart.js, no CSP violation), save it, evaluate it; the alert it opens shows on the
alerts page and in the nav badge, and a member acknowledges it. axe finds no violation on
either page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agreements.models import Alert, WorkingAgreement
from metrics import derived
from metrics.ingest import ingest
from tests.agreements.conftest import pull_request
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dashboard import AXE
from tests.browser.test_dashboard import _sandbox_allowed as _sandbox_allowed
from tests.browser.test_theme import AXE_RUN
from tests.factories import TeamFactory, UserFactory, make_integration

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"


def user(**fields):
    person = UserFactory(**fields)
    person.set_password(PASSWORD)
    person.save()
    return person


@pytest.fixture(autouse=True)
def _factory_hosts(_sandbox_allowed, settings):
    # The factories' integrations point at api.sandbox.test; nothing here calls it.
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*", "api.sandbox.test"]


@pytest.fixture
def staff():
    return user(is_staff=True)


@pytest.fixture
def team(staff):
    """A team whose last week merged a 600-line pull request (and, weeks ago, a small one)."""
    now = timezone.now().replace(microsecond=0)
    team = TeamFactory(time_zone="UTC", members=[staff])
    github = make_integration(team, kind="github")
    ingest(
        github,
        [
            pull_request(1, now - timedelta(days=40), now - timedelta(days=39), lines=(50, 10)),
            pull_request(2, now - timedelta(days=3), now - timedelta(days=2), lines=(500, 100)),
        ],
    )
    derived.refresh(github)
    return team


def test_staff_back_test_save_and_evaluate_then_a_member_acknowledges(
    page: Page, live_server, staff, team
):
    sign_in(page, live_server, staff, PASSWORD)
    page.goto(f"{live_server.url}/teams/{team.slug}/agreements/")
    expect(page.get_by_text("No agreement yet.")).to_be_visible()
    page.get_by_label("Name").fill("PRs stay small")
    page.get_by_label("Metric").select_option("pr_size_lines")
    page.get_by_label("Operator").select_option("<=")
    page.get_by_label("Threshold").fill("400")
    page.get_by_role("button", name="Back-test").click()

    backtest = page.locator('[data-role="backtest"]')
    expect(backtest).to_contain_text("1 of")
    expect(backtest).to_contain_text("acme/web#2 Change 2")
    page.locator("canvas#chart-backtest").wait_for()
    bars = page.evaluate(
        "Chart.getChart(document.querySelector('#chart-backtest')).data.datasets[0].data"
    )
    assert sum(value or 0 for value in bars) == 1  # one week broke it, by one pull request
    assert not WorkingAgreement.objects.exists()  # a back-test stores nothing
    screenshot(page, "agreements-backtest")

    page.get_by_role("button", name="Save agreement").click()
    expect(page.locator("ul.messages")).to_contain_text("Agreement “PRs stay small” created.")
    row = page.locator("tr[data-agreement]")
    expect(row).to_contain_text("Pull request size at most 400 lines, on each item")
    row.get_by_role("button", name="Evaluate now").click()
    expect(page.locator("ul.messages")).to_contain_text("is broken: an alert is open")
    badge = page.locator('[data-role="alert-badge"]')
    expect(badge).to_contain_text("1")

    member = user()
    team.members.add(member)
    page.context.clear_cookies()
    sign_in(page, live_server, member, PASSWORD)
    page.goto(f"{live_server.url}/teams/{team.slug}/")
    page.locator('[data-role="alerts-link"]').click()
    alert = page.locator("section.alert")
    expect(alert).to_contain_text("PRs stay small")
    expect(alert.get_by_role("link", name="acme/web#2 Change 2")).to_have_attribute(
        "href", "https://github.example/acme/web/pull/2"
    )
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("ul.messages")).to_contain_text("acknowledged")
    page.get_by_role("link", name="Acknowledged").click()
    expect(page.locator("section.alert")).to_contain_text(f"by {member.username}")
    assert Alert.objects.get().status == "acknowledged"


def test_both_pages_pass_axe_without_a_csp_violation(page: Page, live_server, staff, team):
    agreement = WorkingAgreement.objects.create(
        team=team, name="PRs stay small", metric="pr_size_lines", operator="<=", threshold=400
    )
    from agreements.services import evaluate_agreement

    evaluate_agreement(agreement)
    sign_in(page, live_server, staff, PASSWORD)
    page.context.add_init_script(path=str(AXE))
    found = {}
    base = f"{live_server.url}/teams/{team.slug}/"
    for path in ["agreements/", "alerts/", f"agreements/{agreement.pk}/edit/"]:
        response = page.goto(base + path)
        assert response is not None and response.ok, path
        if result := page.evaluate(AXE_RUN):
            found[path] = result
    # The back-test's page, with its chart.
    page.goto(base + "agreements/")
    page.get_by_label("Name").fill("Deploy daily")
    page.get_by_label("Metric").select_option("deployment_frequency")
    page.get_by_label("Operator").select_option(">=")
    page.get_by_label("Threshold").fill("1")
    page.get_by_role("button", name="Back-test").click()
    expect(page.locator('[data-role="backtest"]')).to_be_visible()
    if result := page.evaluate(AXE_RUN):
        found["backtest"] = result
    assert found == {}
    assert page.console_errors == []  # type: ignore[attr-defined]
