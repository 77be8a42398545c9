"""The sprints page in a real browser: the running sprint's burndown drawn from its start at the
committed points, with the ideal line, the sprint end and the scope added on its day; the
velocity table with say/do and carry-over."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page

from metrics import derived
from metrics.ingest import ingest
from tests.browser.conftest import screenshot, sign_in
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_sprint_outcomes import S2_START, board_items

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def datasets(page: Page) -> dict[str, list[dict]]:
    """The burndown's datasets as Chart.js holds them: label to its {x, y} points."""
    return page.evaluate(
        """() => {
            const canvas = document.querySelector("canvas[data-chart^='chart-burndown']");
            const chart = Chart.getChart(canvas);
            return Object.fromEntries(chart.data.datasets.map(set => [set.label, set.data]));
        }"""
    )


def test_the_burndown_starts_at_the_commitment_with_ideal_line_end_and_scope_added(
    page, live_server
):
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team, kind="jira")
    ingest(integration, board_items())
    derived.refresh(integration)
    member = UserFactory(password=PASSWORD)
    team.members.add(member)

    sign_in(page, live_server, member, PASSWORD)
    page.goto(f"{live_server.url}/teams/{team.slug}/sprints/?since=2026-10-01&until=2026-10-22")
    drawn = datasets(page)
    end = S2_START + timedelta(days=14)  # Sprint 2's planned end
    assert drawn["Points remaining"][0] == {"x": ms(S2_START), "y": 5}
    assert drawn["Ideal"] == [{"x": ms(S2_START), "y": 5}, {"x": ms(end), "y": 0}]
    assert {point["x"] for point in drawn["Sprint end"]} == {ms(end)}
    noon_oct_21 = ms(datetime(2026, 10, 21, 12, tzinfo=UTC))
    assert drawn["Scope added"] == [{"x": noon_oct_21, "y": 2}]
    assert drawn["Scope removed"] == []
    velocity = page.locator("table[data-table='velocity'] tbody tr").first
    assert velocity.locator("[data-metric='say-do']").inner_text() == "80%"
    assert velocity.locator("[data-metric='carry-over']").inner_text() == "1 item (5 points)"
    screenshot(page, "sprints-burndown")
