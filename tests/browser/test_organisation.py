"""The organisation overview in a real browser: a column heading sorts the teams (and sorts them
back), and a team's name opens its overview for the same window, with the same numbers."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.dashboard.test_organisation_page import WINDOW, team_with_merges
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"


def team_order(page) -> list[str]:
    return page.locator("#organisation tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.team)"
    )


def test_sorting_by_a_column_and_following_a_team_link(page, live_server):
    member = UserFactory()
    team_with_merges("Payments", member, 2)
    team_with_merges("Search", member, 5)
    team_with_merges("Accounts", member, 3)
    sign_in(page, live_server, member, PASSWORD)

    # The header links to the page for a member of several teams.
    page.goto(f"{live_server.url}/teams/payments/")
    page.get_by_role("link", name="Organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisation overview")
    page.goto(f"{live_server.url}/organisation/?{WINDOW}")
    assert team_order(page) == ["accounts", "payments", "search"]

    heading = page.get_by_role("columnheader", name="PRs merged")
    heading.get_by_role("link").click()
    expect(heading).to_have_attribute("aria-sort", "ascending")
    assert team_order(page) == ["payments", "accounts", "search"]
    assert "since=2026-09-28" in page.url
    heading.get_by_role("link").click()
    expect(heading).to_have_attribute("aria-sort", "descending")
    assert team_order(page) == ["search", "accounts", "payments"]
    screenshot(page, "organisation")

    row = page.locator("#organisation tbody tr[data-team='accounts']")
    merged = row.locator("[data-metric='pull_requests_merged']").inner_text()
    row.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accounts")
    assert "/teams/accounts/?since=2026-09-28&until=2026-10-11" in page.url
    assert page.locator("[data-metric='merged']").first.inner_text() == merged == "3"
