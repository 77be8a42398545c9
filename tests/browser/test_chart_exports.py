"""Charts and tables in a real browser, over the demo data: every chart downloads its numbers as
CSV and itself as PNG, every table downloads its rows as CSV (the files are read back), time axes
step by round units, a chart with nothing to draw says so, and durations and dates never wrap."""

import csv
import io
import itertools
import struct
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dashboard import PASSWORD, WIDE, metric, team_url
from tests.browser.test_dashboard import _sandbox_allowed as _sandbox_allowed

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HOUR = 3600 * 1000
DAY = 24 * HOUR
WEEK = 7 * DAY
ROUND_STEPS = {HOUR, 6 * HOUR, DAY, 2 * DAY, WEEK}
MONDAY = 4 * DAY  # 1970-01-01 was a Thursday


def download(page: Page, button) -> Path:
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path())


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG file (no image library needed)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            chunks.append(data[at + 8 : at + 8 + length])
        at += 12 + length
    return width, height, zlib.decompress(b"".join(chunks))


def test_a_chart_downloads_its_numbers_as_csv_and_itself_as_png(page, live_server, demo, member):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "overview", **WIDE))
    figure = page.locator("figure", has=page.locator("canvas#chart-throughput"))

    rows = read_csv(download(page, figure.get_by_role("button", name="Download chart data (CSV)")))
    assert rows[0] == ["Period", "Pull requests merged", "Work items done", "Partial"]
    labels = page.evaluate(
        "Chart.getChart(document.querySelector('#chart-throughput')).data.labels"
    )
    assert [row[0] for row in rows[1:]] == labels
    assert sum(int(row[1]) for row in rows[1:]) == int(metric(page, "merged"))
    assert sum(int(row[2]) for row in rows[1:]) == int(metric(page, "done"))

    width, height, pixels = png_pixels(
        download(page, figure.get_by_role("button", name="Download chart (PNG)"))
    )
    box = page.locator("canvas#chart-throughput").bounding_box()
    assert box and (width, height) == (round(box["width"]), round(box["height"]))
    # Drawn bars and text on the card's background, not an empty or transparent image.
    assert len(set(pixels)) > 20


def test_time_charts_export_one_row_per_point(page, live_server, demo, member):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "work-items", **WIDE))
    figure = page.locator("figure", has=page.locator("canvas#chart-scatter"))
    rows = read_csv(download(page, figure.get_by_role("button", name="Download chart data (CSV)")))
    assert rows[0] == ["Series", "Time", "Value (minutes)", "Item"]
    points = [row for row in rows[1:] if row[0] == "Finished work items"]
    assert len(points) == int(page.locator("canvas#chart-scatter").get_attribute("data-points")) - 6
    assert all(row[3] and len(row[1]) == 16 for row in points)
    assert {"median", "p75", "p90"} <= {row[0] for row in rows[1:]}


def test_every_table_downloads_its_rows_as_csv(page, live_server, demo, member):
    sign_in(page, live_server, member, PASSWORD)
    for name in ("work-items", "pull-requests", "sprints", "overview"):
        page.goto(team_url(live_server, demo, name, **WIDE))
        if name == "overview":
            page.get_by_text("Table of the chart").click()
        tables = page.locator("main table:not(.explain-bands)")  # data, not explanations
        assert tables.count() >= 1, name
        buttons = page.get_by_role("button", name="Download table (CSV)")
        assert buttons.count() == tables.count(), name
        for i in range(tables.count()):
            table = tables.nth(i)
            rows = read_csv(download(page, buttons.nth(i)))
            shown = table.evaluate(
                "t => [...t.rows].map(r => [...r.cells].map(c =>"
                " c.textContent.replace(/\\s+/g, ' ').trim()))"
            )
            assert rows == shown, (name, i)
            assert len(rows) == table.locator("tr").count() >= 2, (name, i)


MINUTE_STEPS = {5, 15, 30, 60, 360, 1440, 2880, 10080}


def axis_ticks(page: Page, canvas: str, axis: str = "x") -> list[float]:
    page.locator(f"canvas#{canvas}").wait_for()
    return page.evaluate(
        f"Chart.getChart(document.querySelector('#{canvas}')).scales.{axis}.ticks.map(t => t.value)"
    )


def assert_round_durations(ticks: list[float]) -> int:
    """Duration axes (minutes) step by 5, 15, 30 minutes, 1 h, 6 h, 1 d, 2 d, 1 w or weeks."""
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and ticks[0] == 0, ticks
    step = steps.pop()
    assert step in MINUTE_STEPS or step % 10080 == 0, ticks
    return int(step)


def assert_round(ticks: list[float]) -> int:
    steps = {round(b - a) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1, ticks
    step = steps.pop()
    assert step in ROUND_STEPS or step % WEEK == 0, step
    anchor = MONDAY if step >= WEEK else 0
    # The demo team's time zone is UTC: ticks fall on whole hours, midnights or Mondays.
    assert all((tick - anchor) % step == 0 for tick in ticks), ticks
    return step


def test_time_and_duration_axes_step_by_round_units(page, live_server, demo, member):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "work-items", **WIDE))
    assert assert_round(axis_ticks(page, "chart-scatter")) >= WEEK
    assert assert_round_durations(axis_ticks(page, "chart-scatter", "y")) >= 60
    page.goto(team_url(live_server, demo, "overview", **WIDE))
    assert_round_durations(axis_ticks(page, "chart-stages", "y"))
    page.goto(team_url(live_server, demo, "sprints", **WIDE))
    burndown = page.locator("canvas[id^=chart-burndown]").first.get_attribute("id")
    assert assert_round(axis_ticks(page, burndown or "")) in {DAY, 2 * DAY, WEEK}


def test_a_chart_with_nothing_to_draw_says_so_instead_of_bare_axes(page, live_server, demo, member):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "overview", since="2020-01-01", until="2020-01-31"))
    for chart in ("chart-stages", "chart-throughput"):
        expect(page.locator(f"[data-chart-empty={chart}]")).to_have_text(
            "Nothing to draw: no value in this window."
        )
        expect(page.locator(f"canvas#{chart}")).to_have_count(0)
    screenshot(page, "overview-empty-charts")


def wrapped_cells(page: Page) -> list[str]:
    """Table cells holding a duration or a date whose text runs over more than one line."""
    return page.evaluate(
        r"""() => [...document.querySelectorAll('table.data td')].filter(td => {
            const text = td.textContent.trim();
            if (!/^(\d+[dhm]( \d+[hm])?|\d{4}-\d\d-\d\d)$/.test(text)) return false;
            const range = document.createRange();
            range.selectNodeContents(td);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
        }).map(td => td.textContent.trim())"""
    )


def test_durations_and_dates_stay_on_one_line_and_aging_gets_a_full_row(
    page, phone_page, live_server, demo, member
):
    sign_in(phone_page, live_server, member, PASSWORD)
    for name in ("pull-requests", "work-items"):
        phone_page.goto(team_url(live_server, demo, name, **WIDE))
        assert phone_page.locator("table.data td").count() > 0, name
        assert wrapped_cells(phone_page) == [], name

    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "work-items", **WIDE))
    card = page.locator("[data-card=aging]").bounding_box()
    row = page.locator("[data-card=aging]").locator("xpath=..").bounding_box()
    assert card and row and card["width"] >= row["width"] - 1
    assert wrapped_cells(page) == []
    screenshot(page, "work-items-aging-full-width")
