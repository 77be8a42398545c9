"""Content-Security-Policy in a real browser: every main page (the dashboard, the admin, the
API's browsable pages and the schema UI) runs its scripts without a single CSP violation, an
inline script injected into a page does not run, and a provider's `javascript:` link never
reaches a page."""

import pytest
from playwright.sync_api import Page, expect

from metrics.ingest import ingest
from tests.browser.conftest import sign_in
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_ingest import pull_request

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"
HOSTILE = "javascript:document.title='pwned'"
WINDOW = "since=2026-09-15&until=2026-10-15"  # around the pull requests' T0


@pytest.fixture
def admin_user():
    user = UserFactory(is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def team(admin_user):
    team = TeamFactory(members=[admin_user])
    integration = make_integration(team)
    ingest(integration, [pull_request(1, url=HOSTILE), pull_request(2)])
    return team


def pages(team) -> list[str]:
    base = f"/teams/{team.slug}/"
    return [
        "/",
        "/about/",
        base,
        f"{base}pull-requests/?{WINDOW}",
        f"{base}work-items/",
        f"{base}sprints/",
        f"{base}integrations/",
        f"{base}integrations/new/",
        "/admin/",
        "/admin/integrations/integration/",
        "/api/",
        "/api/pull-requests/",
        "/api/docs/",
    ]


def test_main_pages_load_without_a_csp_violation(page: Page, live_server, admin_user, team):
    sign_in(page, live_server, admin_user, PASSWORD)

    for path in pages(team):
        response = page.goto(live_server.url + path)
        assert response is not None and response.ok, path
        policy = response.headers["content-security-policy"]
        assert (
            "script-src 'self'" in policy
            and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        ), path
        page.wait_for_load_state("networkidle")
        # The console errors the conftest collects include every "Refused to ..." CSP report.
        assert page.console_errors == [], path  # type: ignore[attr-defined]

    # The schema UI's own script (served as a file) ran: the operations are listed.
    page.goto(live_server.url + "/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()


def test_an_inline_script_injected_into_a_page_does_not_run(
    page: Page, live_server, admin_user, team, console_errors
):
    sign_in(page, live_server, admin_user, PASSWORD)
    page.goto(f"{live_server.url}/teams/{team.slug}/pull-requests/?{WINDOW}")

    ran = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injectedRan = true";
            document.body.appendChild(script);
            return window.injectedRan === true;
        }"""
    )

    assert ran is False
    assert any("Content Security Policy" in error for error in console_errors)
    console_errors.clear()  # provoked on purpose


def test_a_javascript_link_from_a_provider_never_reaches_the_page(
    page: Page, live_server, admin_user, team
):
    sign_in(page, live_server, admin_user, PASSWORD)
    page.goto(f"{live_server.url}/teams/{team.slug}/pull-requests/?{WINDOW}")

    expect(page.get_by_text("acme/web#1").first).to_be_visible()  # listed, without its link
    assert page.locator('a[href^="javascript:" i]').count() == 0
    assert page.locator("a[href*='/pull/2']").count() >= 1  # the http link is there
    assert page.title() != "pwned"
