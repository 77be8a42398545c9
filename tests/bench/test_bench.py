"""The benchmarks' helpers and one benchmark at tiny size, so `make bench` cannot rot unseen."""

import pytest

from bench import ingest, sync_requests
from bench.report import percentile, short_by, table
from metrics.models import PullRequest, Review


def rows_of(text: str) -> list[list[str]]:
    """The body rows of a printed table, cells stripped."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]


def rows_by_column(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """The body rows of the requests table by (provider, sync), each cell by its column's name."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    names = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [dict(zip(names, row, strict=True)) for row in rows_of(text)]
    return {(row["Provider"], row["Sync"]): row for row in rows}


def test_percentile_interpolates_between_ranks():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_table_aligns_columns_and_keeps_notes():
    text = table("Title", ["name", "ms"], [["a", 1.25], ["longer name", 100]], ["a note"])
    lines = text.splitlines()
    assert lines[0] == "## Title"
    grid = [line for line in lines if line.startswith("|")]
    assert len({len(line) for line in grid}) == 1
    assert rows_of(text) == [["a", "1.2"], ["longer name", "100"]]
    assert lines[-1] == "- a note"


@pytest.mark.django_db
def test_ingest_benchmark_stores_and_updates_every_record():
    result = ingest.measure(30)
    assert result["records"] == 90
    assert result["insert"]["per_second"] > 0
    assert result["update"]["per_second"] > 0
    # New rows, every row rewritten with its edit, then nothing to write.
    assert result["insert"]["written"] == 90
    assert result["update"]["written"] == 90
    assert result["unchanged"]["written"] == 0
    # Its team and rows are gone afterwards, so benchmarks do not feed each other.
    assert not PullRequest.objects.exists()
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_requests_benchmark_counts_syncs_and_compares_against_the_targets(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    rows = rows_by_column(sync_requests.run("small"))
    assert len(rows) == 9
    full = rows[("github", "full sync")]
    requests, target = int(full["requests"]), int(full["target"].removeprefix("≤ ").split(":")[0])
    assert 0 < requests <= target
    assert full["target"].endswith(": met")
    assert requests < int(full["naive REST"])
    unchanged = rows[("github", "re-sync, nothing changed")]
    assert int(unchanged["requests"]) == int(unchanged["of them 304"])  # only 304s
    assert unchanged["budget spent"] == "0"
    assert all(row["runs"] == "succeeded" for row in rows.values())
    # A page of 50 pull requests with its timeline and commits costs 1 GraphQL point; nothing
    # changed costs none.
    assert 0 < int(full["GraphQL points"]) < requests
    assert unchanged["GraphQL points"] == "0"
    _assert_compares_within_one_per_new_deployment(rows)


def _compares(cell: str) -> tuple[int, int, str]:
    """'12 ≤ 40: met' -> (12, 40, 'met')."""
    counts, verdict = cell.split(": ")
    compares, budget = counts.split(" ≤ ")
    return int(compares), int(budget), verdict


def _assert_compares_within_one_per_new_deployment(rows: dict) -> None:
    column = "compare ≤ new deployments"
    full = _compares(rows[("github", "full sync")][column])
    unchanged = _compares(rows[("github", "re-sync, nothing changed")][column])
    changed = _compares(
        next(r for k, r in rows.items() if k[0] == "github" and "%" in k[1])[column]
    )

    # Every repository's deployments after its first need a compare each, once.
    assert 0 < full[0] <= full[1] and full[2] == "met"
    assert unchanged == (0, 0, "met")
    # The mutation deployed each repository once more: one compare each.
    assert 0 < changed[0] == changed[1] and changed[2] == "met"
    assert rows[("jira", "full sync")][column] == "—"


@pytest.mark.django_db
def test_seeded_pull_requests_carry_the_review_flag_their_reviews_give():
    from bench import harness, seed
    from metrics import calculations as calc
    from metrics.derived import pull_request_facts

    counts = seed.seed(harness.make_team("seeded"), 300, 20)
    assert counts["pull_requests"] == 300
    rows = PullRequest.objects.prefetch_related("reviews", "comments", "commits").order_by("pk")
    flags = [row.reviewed_before_merge for row in rows]
    expected = [calc.reviewed_before_merge(facts) for facts in pull_request_facts(rows)]
    assert flags == expected
    assert {True, False, None} <= set(flags)


def test_raw_floor_verdict_agrees_with_the_ratio_shown():
    from bench.ingest import _versus_raw

    def cells(ratio):
        return _versus_raw({"raw_per_second": 20_000.4, "of_raw": ratio})

    assert cells(0.698) == [20_000, "0.69x", "≥ 0.7x raw: missed by 0.01"]
    assert cells(0.7) == [20_000, "0.70x", "≥ 0.7x raw: met"]
    assert cells(0.9149) == [20_000, "0.91x", "≥ 0.7x raw: met"]
    assert cells(0.57) == [20_000, "0.57x", "≥ 0.7x raw: missed by 0.13"]
    assert _versus_raw({"per_second": 5.0}) == ["—", "—", "—"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ingest_table_sets_the_raw_floor_beside_each_postgresql_row():
    from django.db import connection

    from bench.ingest_raw import PULL_REQUEST_COLUMNS, REVIEW_COLUMNS

    # The raw upsert writes every column metrics.ingest writes, no more and no fewer.
    assert (
        tuple(f.column for f in PullRequest._meta.concrete_fields if not f.primary_key)
        == PULL_REQUEST_COLUMNS
    )
    assert (
        tuple(f.column for f in Review._meta.concrete_fields if not f.primary_key) == REVIEW_COLUMNS
    )
    rows = rows_of(ingest.run_all(20))
    postgres = [row for row in rows if row[0] == "postgresql"]
    if connection.vendor != "postgresql":
        # The raw floor is PostgreSQL's (execute_values); SQLite rows say so with a dash.
        assert postgres == []
        assert all(row[-3:] == ["—", "—", "—"] for row in rows)
        return
    for row in postgres:
        raw, of_raw, verdict = row[-3:]
        if row[2] == "unchanged":
            assert (raw, of_raw, verdict) == ("—", "—", "—")
            continue
        ratio = float(of_raw.removesuffix("x"))
        assert int(raw) > 0 and ratio > 0
        # The ratio is shown rounded down: at most 0.01 under the exact one, never over it.
        exact = int(row[7]) / int(raw)
        assert exact - 0.011 <= ratio <= exact + 0.001
        assert verdict == "≥ 0.7x raw: " + (
            "met" if ratio >= 0.7 else f"missed by {0.7 - ratio:.2f}"
        )
    # Both runs dropped their teams: nothing left behind.
    assert not PullRequest.objects.exists()


@pytest.mark.django_db
def test_seeded_work_items_carry_the_finishes_and_flow_days_a_sync_derives():
    from bench import harness, seed
    from metrics.models import FinishDay, FlowDay, WorkItem, WorkItemFinish

    counts = seed.seed(harness.make_team("seeded-items"), 10, 300)
    done = WorkItem.objects.filter(status_category="done")
    stored = set(
        WorkItemFinish.objects.values_list(
            "work_item_id", "done_at", "left_at", "lead_time_minutes", "cycle_time_minutes"
        )
    )
    assert counts["finishes"] == done.count() == len(stored) > 0
    assert stored == {
        (item.pk, item.done_at, None, item.lead_time_minutes, item.cycle_time_minutes)
        for item in done
    }
    # The daily rollup the cumulative flow sums before a window: every creation counted once.
    created = FlowDay.objects.filter(left_category="").values_list("items", flat=True)
    assert sum(created) == counts["work_items"]
    # The daily finish rollup throughput sums: every finish (all still done) counted once.
    assert sum(FinishDay.objects.values_list("finishes", flat=True)) == counts["finishes"]


def test_the_lists_benchmark_finds_the_last_page_a_first_page_links_to():
    from bench.lists import last_page

    first = "/teams/t/deployments/?since=2026-01-01&show=failed"
    pager = '<a href="?since=2026-01-01&amp;show=failed&amp;page=7" data-page="last">Last</a>'
    assert last_page(pager, first) == "/teams/t/deployments/?since=2026-01-01&show=failed&page=7"
    assert last_page("<span>Page 1 of 4</span>", first) == f"{first}&page=4"
    assert last_page("<span>Page 1 of 1</span>", first) is None


def test_cpu_ticks_count_the_cpu_time_a_process_used():
    import os
    import time

    from bench import harness

    before = harness.cpu_ticks(os.getpid())
    deadline = time.process_time() + 0.1
    while time.process_time() < deadline:  # 0.1 s of CPU: 10 ticks at 100 a second
        pass
    assert harness.cpu_ticks(os.getpid()) >= before + 5
    assert harness.cpu_ticks(2**22 + 1) == 0  # above pid_max: no such process


def test_a_miss_is_shown_rounded_up_never_as_zero():
    assert short_by(0.04) == "1"
    assert short_by(21.0) == "21"
    assert short_by(20.3) == "21"
    assert short_by(0.04, 1) == "0.1"
    assert short_by(2.0, 1) == "2.0"
    assert short_by(0.30000000000000004, 1) == "0.3"  # float noise is not a miss
