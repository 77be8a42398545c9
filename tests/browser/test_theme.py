"""Dark mode in a real browser: pages follow the device's prefers-color-scheme until the user
picks a theme in the header, which is kept for that user (any browser they sign in from); charts
take their colours from the theme; axe finds no violation in either theme."""

import pytest
from playwright.sync_api import Browser, Page, expect

from agiletrack.models import UserPreference
from tests.browser.conftest import DESKTOP_VIEWPORT, screenshot, sign_in
from tests.browser.test_dashboard import AXE, PAGES, PASSWORD, WIDE, team_url
from tests.browser.test_dashboard import _sandbox_allowed as _sandbox_allowed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LIGHT_BG = "rgb(246, 248, 250)"
DARK_BG = "rgb(13, 17, 23)"
DARK_CHART_1 = "#58a6ff"
AXE_RUN = """async () => (await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
})).violations.map(v => `${v.id} (${v.impact}): ${v.nodes.length} nodes: ${v.help}`)"""


def background(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def first_series_colour(page: Page, canvas: str) -> str:
    page.locator(f"canvas#{canvas}").wait_for()
    return page.evaluate(
        f"Chart.getChart(document.querySelector('#{canvas}')).data.datasets[0].borderColor"
    )


def test_pages_follow_the_device_theme_until_the_user_picks_one(
    page, browser: Browser, live_server, demo, member
):
    sign_in(page, live_server, member, PASSWORD)
    url = team_url(live_server, demo, "overview", **WIDE)
    page.emulate_media(color_scheme="light")
    page.goto(url)
    assert background(page) == LIGHT_BG
    page.emulate_media(color_scheme="dark")
    assert background(page) == DARK_BG
    page.goto(url)
    assert first_series_colour(page, "chart-throughput") == DARK_CHART_1
    screenshot(page, "overview-dark-system")

    # The user picks light: kept for them, whatever the device prefers.
    with page.expect_navigation():
        page.get_by_role("button", name="Light theme").click()
    assert page.url == url
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    expect(page.get_by_role("button", name="Light theme")).to_have_attribute("aria-pressed", "true")
    assert background(page) == LIGHT_BG
    assert UserPreference.objects.get(user=member).theme == "light"

    with page.expect_navigation():
        page.get_by_role("button", name="Dark theme").click()
    page.emulate_media(color_scheme="light")
    assert background(page) == DARK_BG
    screenshot(page, "overview-dark-chosen")

    # Another browser (a new context, nothing shared but the account) shows the user's choice.
    other = browser.new_context(viewport=DESKTOP_VIEWPORT, color_scheme="light")
    try:
        elsewhere = other.new_page()
        sign_in(elsewhere, live_server, member, PASSWORD)
        elsewhere.goto(url)
        assert background(elsewhere) == DARK_BG
        # Another member of the team still follows their device.
        someone = UserFactory()
        demo.members.add(someone)
        other.clear_cookies()
        sign_in(elsewhere, live_server, someone, PASSWORD)
        elsewhere.goto(url)
        assert background(elsewhere) == LIGHT_BG
    finally:
        other.close()


def axe_violations(page: Page, live_server, demo) -> dict:
    found = {}
    for name in [*PAGES, "integrations/new/"]:
        page.goto(team_url(live_server, demo, name, **WIDE))
        if result := page.evaluate(AXE_RUN):
            found[name] = result
    return found


def test_axe_finds_no_violation_in_the_dark_theme_either(page, live_server, demo, member):
    member.is_staff = True  # staff also see the integration form
    member.save()
    sign_in(page, live_server, member, PASSWORD)
    page.context.add_init_script(path=str(AXE))
    # The device prefers dark (theme "system")...
    page.emulate_media(color_scheme="dark")
    page.goto(team_url(live_server, demo, "overview", **WIDE))
    assert background(page) == DARK_BG
    assert axe_violations(page, live_server, demo) == {}
    # ...and the user chose dark on a light device.
    UserPreference.objects.create(user=member, theme="dark")
    page.emulate_media(color_scheme="light")
    page.goto(team_url(live_server, demo, "work-items", **WIDE))
    assert background(page) == DARK_BG
    screenshot(page, "work-items-dark")
    assert axe_violations(page, live_server, demo) == {}
    # Light, chosen, on a dark device.
    UserPreference.objects.filter(user=member).update(theme="light")
    page.emulate_media(color_scheme="dark")
    page.goto(team_url(live_server, demo, "overview", **WIDE))
    assert background(page) == LIGHT_BG
    assert axe_violations(page, live_server, demo) == {}
