"""GET /api/metrics/teams/: every team of the user's side by side, each row the numbers the team's
own /api/metrics/?team= answer gives for the same window; other teams stay out."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from integrations.models import Integration, SyncRun
from metrics import derived
from metrics.ingest import ingest
from tests.api.conftest import T0, merged
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment

pytestmark = pytest.mark.django_db

WINDOW = "since=2026-09-28&until=2026-10-11"


@pytest.fixture
def second(member):
    """A second team of the member's, in another time zone and with another band table."""
    team = TeamFactory(
        name="Billing", members=[member], time_zone="America/New_York", dora_bands="dora-2021"
    )
    integration = make_integration(team)
    ingest(
        integration,
        [
            deployment("b0", T0 - timedelta(days=3)),
            merged(11, T0 + timedelta(hours=2)),
            merged(12, T0 + timedelta(days=5, hours=20)),
            deployment("b1", T0 + timedelta(days=6)),
            deployment("b2", T0 + timedelta(days=8)),
        ],
    )
    derived.refresh(integration)
    return team


@pytest.fixture
def stranger():
    """Someone else's team, with data of its own."""
    team = TeamFactory(name="Elsewhere", members=[UserFactory()])
    integration = make_integration(team)
    ingest(integration, [deployment("x0", T0), merged(99, T0 + timedelta(hours=1))])
    derived.refresh(integration)
    return team


def rows_by_team(client, query: str = WINDOW) -> dict[str, dict]:
    response = client.get(f"/api/metrics/teams/?{query}")
    assert response.status_code == 200, response.content
    return {row["team"]["name"]: row for row in response.json()["teams"]}


def test_a_member_sees_only_their_teams(client, team, github, second, stranger):
    assert sorted(rows_by_team(client)) == sorted([team.name, "Billing"])


def test_a_superuser_sees_every_team_and_staff_only_their_own(team, github, second, stranger):
    boss, staff = APIClient(), APIClient()
    boss.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    staff_user = UserFactory(is_staff=True)
    second.members.add(staff_user)
    staff.force_authenticate(staff_user)
    assert sorted(rows_by_team(boss)) == sorted([team.name, "Billing", "Elsewhere"])
    assert sorted(rows_by_team(staff)) == ["Billing"]


def test_each_row_equals_the_team_s_own_metrics_answer(client, team, github, jira, second):
    rows = rows_by_team(client)
    assert len(rows) == 2
    for row in rows.values():
        own = client.get(f"/api/metrics/?team={row['team']['id']}&{WINDOW}").json()
        dora = own["dora"]
        assert row["window"] == own["window"]
        assert row["dora"]["bands_table"] == dora["bands_table"]
        frequency = dora["deployment_frequency"]
        assert row["dora"]["deployment_frequency"] == {
            "value": frequency["per_week"],
            "band": frequency["band"],
            "reason": frequency["reason"],
        }
        for name in ("lead_time_for_changes", "time_to_restore", "failed_deployment_recovery_time"):
            assert row["dora"][name] == {
                "value": dora[name]["summary"]["median"],
                "band": dora[name]["band"],
                "reason": dora[name]["reason"],
            }
        failure = dora["change_failure_rate"]
        assert row["dora"]["change_failure_rate"] == {
            "value": failure["rate"],
            "band": failure["band"],
            "reason": failure["reason"],
        }
        assert row["pull_requests"] == {
            "cycle_time_median": own["pull_requests"]["stages"]["cycle"]["median"],
            "merged": own["pull_requests"]["throughput"]["merged"],
        }
        assert row["work_items"] == {
            "done": own["work_items"]["throughput"]["done"],
            "per_week": own["work_items"]["throughput"]["per_week"],
            "wip": own["work_items"]["wip"]["at_window_end"],
        }
    # The rows differ where the teams do: their own zone, band table and data.
    billing, first = rows["Billing"], rows[team.name]
    assert billing["window"]["time_zone"] == "America/New_York"
    assert billing["dora"]["bands_table"] == "dora-2021"
    assert (billing["pull_requests"]["merged"], first["pull_requests"]["merged"]) == (2, 3)
    assert (first["work_items"]["done"], first["work_items"]["wip"]) == (1, 0)


def test_teams_sort_by_a_column_with_missing_values_last(client, team, github, second, member):
    TeamFactory(name="Aardvark", members=[member])  # no data: no cycle time
    names = [
        row["team"]["name"] for row in client.get(f"/api/metrics/teams/?{WINDOW}").json()["teams"]
    ]
    assert names == sorted(names, key=str.casefold)
    for sort in ("cycle_time", "-cycle_time"):
        body = client.get(f"/api/metrics/teams/?{WINDOW}&sort={sort}").json()
        medians = [row["pull_requests"]["cycle_time_median"] for row in body["teams"]]
        assert medians[-1] is None
        assert medians[:-1] == sorted(medians[:-1], reverse=sort.startswith("-"))
    merged = client.get(f"/api/metrics/teams/?{WINDOW}&sort=-pull_requests_merged").json()
    assert [row["team"]["name"] for row in merged["teams"]] == [team.name, "Billing", "Aardvark"]


def test_sync_health_says_failing_stale_or_ok(client, team, github, second, member):
    now = datetime.now(UTC)
    Integration.objects.filter(pk=github.pk).update(status="error", last_success_at=now)
    Integration.objects.filter(team=second).update(
        status="ok", last_success_at=now - timedelta(hours=7)
    )
    quiet = TeamFactory(name="Quiet", members=[member])
    make_integration(quiet)
    Integration.objects.filter(team=quiet).update(status="ok", last_success_at=now)
    TeamFactory(name="Empty", members=[member])
    # The first syncs queued on creation are over (a sync queued or running is shown as such).
    SyncRun.objects.update(status="succeeded")
    rows = rows_by_team(client)
    assert rows[team.name]["sync"]["health"] == "failing"
    assert rows[team.name]["sync"]["failing"] == [github.name]
    assert rows["Billing"]["sync"]["health"] == "stale"
    assert rows["Quiet"]["sync"]["health"] == "ok"
    assert rows["Empty"]["sync"] == {
        "health": "none",
        "integrations": 0,
        "failing": [],
        "stale": [],
        "data_as_of": None,
    }
    by_sync = client.get(f"/api/metrics/teams/?{WINDOW}&sort=sync").json()["teams"]
    assert [row["sync"]["health"] for row in by_sync] == ["failing", "stale", "none", "ok"]


@pytest.mark.parametrize(
    "query",
    [
        "since=2026-10-12&until=2026-10-11",
        "since=2020-01-01&until=2026-10-11",
        "since=yesterday",
        "until=2026-02-30",
        "sort=nonsense",
    ],
)
def test_a_bad_window_or_sort_is_a_400(client, team, github, query):
    response = client.get(f"/api/metrics/teams/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_bad_window_is_a_400_even_without_a_team():
    lonely = APIClient()
    lonely.force_authenticate(UserFactory())
    assert lonely.get("/api/metrics/teams/").json() == {"teams": []}
    assert lonely.get("/api/metrics/teams/?since=2026-10-12&until=2026-10-11").status_code == 400


def test_signed_out_is_refused():
    assert APIClient().get("/api/metrics/teams/").status_code in (401, 403)


@pytest.mark.parametrize("name", ["since", "until", "sort"])
def test_a_parameter_sent_empty_is_a_400(client, team, name):
    response = client.get(f"/api/metrics/teams/?{name}=")
    assert response.status_code == 400
    assert name in response.json()["fields"]
