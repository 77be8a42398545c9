"""Metric explanations and window presets in a real browser: each explanation is reached with
Tab and opened with the keyboard (and announced as a disclosure that expands), its docs link
leads to the section it names, and a preset link changes the window in the URL."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from metrics.definitions import DEFINITIONS
from metrics.ingest import ingest
from tests.browser.conftest import screenshot, sign_in
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"


@pytest.fixture
def team_member():
    member = UserFactory()
    team = TeamFactory(members=[member], time_zone="UTC")
    integration = make_integration(team)
    now = datetime.now(UTC)
    ingest(integration, [deployment(f"d{n}", now - timedelta(days=n)) for n in range(1, 12)])
    return team, member


def focused_explanation(page: Page) -> str | None:
    return page.evaluate(
        """() => { const el = document.activeElement;
            return el && el.tagName === 'SUMMARY' && el.parentElement.matches('details.explain')
                ? el.parentElement.dataset.explain : null; }"""
    )


def announced(page: Page, element: Locator) -> tuple[str, str, bool]:
    """What chromium tells a screen reader about `element`: role, name and expanded state."""
    cdp = page.context.new_cdp_session(page)
    element.evaluate("el => { window.__announced = el; }")
    handle = cdp.send("Runtime.evaluate", {"expression": "window.__announced"})["result"]
    nodes = cdp.send("Accessibility.getPartialAXTree", {"objectId": handle["objectId"]})["nodes"]
    node = next(n for n in nodes if not n.get("ignored"))
    expanded = {p["name"]: p["value"]["value"] for p in node.get("properties", [])}.get("expanded")
    cdp.detach()
    return node["role"]["value"], node["name"]["value"], bool(expanded)


def open_each_explanation_with_the_keyboard(page: Page) -> list[str]:
    """Tab through the page, opening each explanation reached (Space and Enter in turn)."""
    opened: list[str] = []
    for _ in range(150):
        page.keyboard.press("Tab")
        key = focused_explanation(page)
        if key and key not in opened:
            details = page.locator(f'details.explain[data-explain="{key}"]')
            summary = details.locator("summary")
            name = f"About {DEFINITIONS[key].name.lower()}"
            expect(summary).to_have_accessible_name(name)
            assert announced(page, summary) == ("DisclosureTriangle", name, False)
            expect(details.locator(".explain-body")).to_be_hidden()
            page.keyboard.press("Enter" if len(opened) % 2 else "Space")
            expect(details.locator(".explain-body")).to_be_visible()
            assert announced(page, summary) == ("DisclosureTriangle", name, True)
            opened.append(key)
    assert opened == page.eval_on_selector_all(
        "details.explain", "els => els.map(el => el.dataset.explain)"
    )
    return opened


def test_every_explanation_is_reached_with_tab_and_opened_with_the_keyboard(
    page, live_server, team_member
):
    team, member = team_member
    make_integration(team, "jira")
    sign_in(page, live_server, member, PASSWORD)
    opened = []
    for path in ("", "pull-requests/", "work-items/"):
        page.goto(f"{live_server.url}/teams/{team.slug}/{path}")
        opened += open_each_explanation_with_the_keyboard(page)
    assert sorted(set(opened)) == sorted(DEFINITIONS)
    page.goto(f"{live_server.url}/teams/{team.slug}/")
    page.locator('details.explain[data-explain="lead_time"] summary').click()  # the mouse too
    # The band table of a DORA metric is in the open explanation; its docs link reaches the section.
    lead = page.locator('details.explain[data-explain="lead_time"]')
    expect(lead.get_by_role("table")).to_contain_text("Bands from DORA 2023")
    screenshot(page, "overview-explanation-open")
    lead.get_by_role("link", name="Full definition in the metric docs").click()
    anchor = DEFINITIONS["lead_time"].anchor
    expect(page).to_have_url(f"{live_server.url}/docs/metrics/#{anchor}")
    expect(page.locator(f"#{anchor}")).to_contain_text("Lead time for changes")


def test_a_preset_sets_the_window_in_the_url(page, live_server, team_member):
    team, member = team_member
    sign_in(page, live_server, member, PASSWORD)
    page.goto(f"{live_server.url}/teams/{team.slug}/?since=2026-01-01&until=2026-01-31")
    presets = page.get_by_role("navigation", name="Window presets")
    presets.get_by_role("link", name="Last 7 days").click()
    today = datetime.now(UTC).date()
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"since": [str(today - timedelta(days=6))], "until": [str(today)]}
    expect(page.get_by_label("From")).to_have_value(str(today - timedelta(days=6)))
    expect(presets.get_by_role("link", name="Last 7 days")).to_have_attribute(
        "aria-current", "true"
    )
    # The window reaches before the first deployment (11 days ago) only with a longer preset.
    expect(page.get_by_text("Data starts on")).to_have_count(0)
    presets.get_by_role("link", name="Last 30 days").click()
    first = today - timedelta(days=11)
    expect(page.get_by_role("note")).to_have_text(
        f"Data starts on {first.day} {first:%B %Y}: the window counts from there."
    )
