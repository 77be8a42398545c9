"""The dashboard in a real browser, over the demo data: the sandbox's GitHub repositories, Jira
board and Trello boards synced into one team.

Every page opens without a console error, its charts are drawn with data points, filters in the
URL change the numbers, "sync now" runs on a real Celery worker until the page shows the finished
run, and a non-member cannot open the team's pages. Screenshots of each page land in the test
output folder (see tests/browser/conftest.py).
"""

import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from integrations.models import SyncRun
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import CeleryProcesses
from tests.factories import UserFactory
from tests.metrics.test_sandbox_metrics import SANDBOX_NOW

# serialized_rollback: the suite's other transactional tests (tests/e2e) rely on the rows the
# migrations seed; restoring them after each test keeps every later test's database the same.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"
# The sandbox's generated history ends on SANDBOX_NOW; this window covers all of it.
WIDE = {"since": "2026-07-01", "until": SANDBOX_NOW.date().isoformat()}
PAGES = {
    "overview": "",
    "pull-requests": "pull-requests/",
    "work-items": "work-items/",
    "sprints": "sprints/",
    "deployments": "deployments/",
    "incidents": "incidents/",
    "integrations": "integrations/",
}


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    settings.AGILETRACK_HTTP_OPTIONS = {"transient_backoff": 0.01, "read_timeout": 5}
    # Tasks queued by these tests (initial syncs, "sync now") go to queues of their own, never
    # to the queues a running AgileTrack worker on this machine reads.
    queue = f"agiletrack-browser-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    settings.AGILETRACK_PRIORITY_QUEUE = f"{queue}-priority"


def team_url(live_server, team, page: str = "", **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{live_server.url}/teams/{team.slug}/{PAGES.get(page, page)}" + (
        f"?{query}" if query else ""
    )


def drawn_points(page: Page) -> list[int]:
    """Data points of every chart on the page, as counted by Chart.js itself."""
    return page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-chart]')].map(canvas => {
            const chart = Chart.getChart(canvas);
            return chart ? chart.data.datasets.reduce((n, set) => n + set.data.length, 0) : -1;
        })"""
    )


def metric(page: Page, name: str) -> str:
    return page.locator(f"[data-metric='{name}']").first.inner_text().strip()


def test_every_page_opens_with_the_demo_data_and_draws_its_charts(
    page, phone_page, live_server, demo, member
):
    sign_in(page, live_server, member, PASSWORD)
    expected_charts = {"overview": 2, "work-items": 3, "sprints": 2}
    for name in PAGES:
        response = page.goto(team_url(live_server, demo, name, **WIDE))
        assert response is not None and response.status == 200, name
        expect(page.get_by_role("heading", level=1)).to_contain_text(demo.name)
        points = drawn_points(page)
        assert len(points) >= expected_charts.get(name, 0), (name, points)
        assert all(n > 0 for n in points), (name, points)
        screenshot(page, f"dashboard-{name}")

    sign_in(phone_page, live_server, member, PASSWORD)
    for name in ("overview", "pull-requests", "integrations"):
        phone_page.goto(team_url(live_server, demo, name, **WIDE))
        # Readable on a phone: nothing wider than the screen but the scrollable tables.
        overflow = phone_page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (name, overflow)
        screenshot(phone_page, f"dashboard-{name}-phone")


def test_the_date_filter_changes_the_numbers_and_stays_in_the_url(page, live_server, demo, member):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "overview"))
    recent = int(metric(page, "merged"))

    page.get_by_label("From").fill(WIDE["since"])
    page.get_by_label("To").fill(WIDE["until"])
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()

    assert f"since={WIDE['since']}" in page.url
    wide = int(metric(page, "merged"))
    assert wide > recent
    # The section links carry the window: the pull requests page shows the same count.
    page.get_by_role("link", name="Pull requests", exact=True).click()
    assert f"since={WIDE['since']}" in page.url
    assert int(metric(page, "merged")) == wide

    # One integration only: the pull requests of the GitHub integration, no Trello cards.
    page.goto(team_url(live_server, demo, "work-items", **WIDE))
    all_done = int(metric(page, "done"))
    trello = next(i for i in demo.integrations.all() if i.kind == "trello")
    page.get_by_label(trello.name).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    assert f"integration={trello.pk}" in page.url
    assert 0 < int(metric(page, "done")) < all_done


def test_sync_now_shows_progress_until_the_run_has_finished(
    page, live_server, demo, member, tmp_path, settings
):
    celery = CeleryProcesses(tmp_path)
    settings.CELERY_TASK_DEFAULT_QUEUE = celery.queue
    settings.AGILETRACK_PRIORITY_QUEUE = celery.priority_queue
    celery.start_worker()
    try:
        sign_in(page, live_server, member, PASSWORD)
        page.goto(team_url(live_server, demo, "integrations"))
        github = next(i for i in demo.integrations.all() if i.kind == "github")
        section = page.locator(f"section[data-integration='{github.pk}']")

        section.get_by_role("button", name="Sync now").click()

        progress = section.locator("[data-role=progress]")
        expect(progress).to_have_attribute("data-run-status", "succeeded", timeout=90_000)
        expect(progress).to_contain_text(re.compile(r"Sync succeeded in [\d.]+ s: \d+ requests"))
        run = SyncRun.objects.filter(integration=github, trigger="manual").get()
        assert run.status == "succeeded" and run.finished_at is not None
        screenshot(page, "dashboard-integrations-after-sync")
        # A reload lists the finished run in the table.
        page.reload()
        expect(section.locator(f"tr[data-run='{run.pk}']")).to_contain_text("Succeeded")
    finally:
        celery.stop()


def test_a_non_member_cannot_open_the_teams_pages(page, live_server, demo):
    outsider = UserFactory()
    sign_in(page, live_server, outsider, PASSWORD)
    for name in PAGES:
        response = page.goto(team_url(live_server, demo, name))
        assert response is not None and response.status == 404, name
    page.console_errors.clear()  # the 404 answers are logged by the browser as failed loads


def test_pages_are_usable_with_the_keyboard_and_every_control_has_a_label(
    page, live_server, demo, member
):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "pull-requests", **WIDE))
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name)"""
    )
    assert unlabeled == []
    # The team switcher opens from the keyboard.
    page.get_by_text(demo.name, exact=True).first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".team-switcher ul")).to_be_visible()


def test_staff_add_an_integration_with_the_apis_validation(page, live_server, demo, member):
    member.is_staff = True
    member.save()
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "integrations/new/"))
    page.get_by_label("Name").fill("Broken")
    page.get_by_label("Settings as JSON (advanced)").fill('{"api_url": "https://api.sandbox.test"}')
    page.get_by_label("Token (GitHub or Trello)").fill("ghp_example_token_value")
    page.get_by_role("button", name="Add integration").click()
    expect(page.get_by_text("repositories: This field is required.")).to_be_visible()
    page.console_errors.clear()  # the 400 answer is logged as a failed load
    assert demo.integrations.filter(name="Broken").count() == 0
    assert "ghp_example_token_value" not in page.content()


def test_an_empty_team_is_told_what_to_do_next(page, live_server, member):
    from tests.factories import TeamFactory

    team = TeamFactory(members=[member])
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, team, "overview"))
    expect(page.get_by_role("heading", name="Connect an integration")).to_be_visible()
    screenshot(page, "dashboard-empty-team")


def test_recent_window_defaults_to_the_last_30_days(page, live_server, demo, member):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "overview"))
    until = date.fromisoformat(page.get_by_label("To").input_value())
    since = date.fromisoformat(page.get_by_label("From").input_value())
    assert until - since == timedelta(days=29)


def test_the_running_period_of_a_window_ending_today_is_drawn_partial(
    page, live_server, demo, member
):
    sign_in(page, live_server, member, PASSWORD)
    # From the start of the demo's history (a window with nothing in it draws no chart) to today.
    today = date.today().isoformat()
    page.goto(team_url(live_server, demo, "overview", since=WIDE["since"], until=today))
    chart = page.locator("canvas#chart-throughput")
    chart.wait_for()
    page.wait_for_function("document.querySelector('#chart-throughput').dataset.points")
    # The last week (today's) is still running, and the first one the window cuts.
    assert int(chart.get_attribute("data-partial") or 0) >= 1
    assert "partial week" in page.locator("#chart-throughput-title").inner_text()


AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"


def test_every_page_passes_the_axe_accessibility_checks(page, live_server, demo, member):
    """axe-core (installed by `make assets`) finds no WCAG 2 A/AA violation: labels, contrast,
    landmarks, names of links and buttons."""
    sign_in(page, live_server, member, PASSWORD)
    # An init script, not a <script> tag: the pages' Content-Security-Policy refuses inline ones.
    page.context.add_init_script(path=str(AXE))
    found = {}
    for name in [*PAGES, "integrations/new/", "docs"]:
        if name == "integrations/new/":
            member.is_staff = True
            member.save()
        if name == "docs":
            page.goto(f"{live_server.url}/docs/metrics/")
        else:
            page.goto(team_url(live_server, demo, name, **WIDE))
        # Open every metric explanation: their contents are checked too.
        page.evaluate(
            "document.querySelectorAll('details.explain').forEach(d => { d.open = true; })"
        )
        result = page.evaluate(
            """async () => (await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
            })).violations.map(v => `${v.id} (${v.impact}): ${v.nodes.length} nodes: ${v.help}`)"""
        )
        if result:
            found[name] = result
    assert found == {}
    # The same check does fail on a page with an unlabeled field and grey-on-white text.
    page.set_content(
        '<html lang="en"><title>x</title><main><input type="text">'
        '<p style="color:#bbb;background:#fff">faint</p></main></html>'
    )
    ids = page.evaluate("async () => (await axe.run()).violations.map(v => v.id)")
    assert {"label", "color-contrast"} <= set(ids)
