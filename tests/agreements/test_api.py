"""The working agreements and alerts API: the POST contract, 400s that store nothing, secrets
never answered, team isolation, back-test and evaluation, alert actions, the schema."""

import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from agreements.models import Alert, Channel, Delivery, WorkingAgreement
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/working-agreements/"


@pytest.fixture
def staff(team):
    user = UserFactory(is_staff=True)
    team.members.add(user)
    return user


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(team, **changes):
    return {
        "team": team.pk,
        "name": "No PR open over 7 days",
        "metric": "pr_open_days",
        "operator": "<=",
        "threshold": 7,
        "channels": [
            {"kind": "email", "address": "team@example.com"},
            {"kind": "webhook", "url": "http://127.0.0.1:9/hooks/team", "secret": "s3cret-value"},
        ],
        **changes,
    }


def nothing_stored():
    return not WorkingAgreement.objects.exists() and not Channel.objects.exists()


def test_create_answers_201_with_the_id_and_never_the_channel_secrets(team, staff, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    response = api(staff).post(URL, body(team), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    agreement = WorkingAgreement.objects.get(pk=created["id"])
    assert (agreement.metric, agreement.threshold, agreement.created_by) == (
        "pr_open_days",
        7.0,
        staff,
    )
    assert agreement.channels.count() == 2
    text = json.dumps(api(staff).get(f"{URL}{agreement.pk}/").json())
    assert "s3cret-value" not in text and "/hooks/team" not in text
    assert {(c["kind"], c["address"], c["url_hint"]) for c in created["channels"]} == {
        ("email", "team@example.com", ""),
        ("webhook", "", "http://127.0.0.1/…"),
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"metric": "happiness"}, "metric"),
        ({"threshold": "seven"}, "threshold"),
        ({"threshold": "7"}, "threshold"),
        ({"threshold": True}, "threshold"),
        ({"operator": "<"}, "operator"),
        ({"window_days": 0}, "window_days"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(team, staff, changes, field):
    response = api(staff).post(URL, body(team, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert nothing_stored()


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://127.0.0.1:9/hook"])
def test_a_private_channel_url_is_a_400_and_stores_nothing(team, staff, settings, url):
    settings.AGILETRACK_ALLOWED_API_HOSTS = []
    channels = [
        {"kind": "email", "address": "team@example.com"},
        {"kind": "webhook", "url": url, "secret": "x"},
    ]
    response = api(staff).post(URL, body(team, channels=channels), format="json")
    assert response.status_code == 400
    errors = response.json()["fields"]["channels"]
    assert errors[0] == {} and errors[1]["url"]
    assert nothing_stored()


def test_members_read_staff_write_and_other_teams_are_404(team, member, staff):
    agreement = WorkingAgreement.objects.create(
        team=team, name="WIP", metric="wip", operator="<=", threshold=8
    )
    assert api(member).get(URL).json()["count"] == 1
    assert api(member).post(URL, body(team), format="json").status_code == 403
    assert api(member).delete(f"{URL}{agreement.pk}/").status_code == 403
    outsider = UserFactory(is_staff=True)
    TeamFactory(members=[outsider])
    assert api(outsider).get(URL).json()["count"] == 0
    assert api(outsider).get(f"{URL}{agreement.pk}/").status_code == 404
    assert api(outsider).post(f"{URL}{agreement.pk}/evaluate/").status_code == 404
    assert api(outsider).post(URL, body(team), format="json").status_code == 400
    assert api(member).get(f"{URL}?team={team.pk + 1000}").json()["count"] == 0
    changed = api(staff).patch(f"{URL}{agreement.pk}/", {"threshold": 5}, format="json")
    assert changed.status_code == 200 and changed.json()["threshold"] == 5.0


def test_the_metrics_list_names_each_metric_with_its_unit(member):
    listed = {m["name"]: m for m in api(member).get(f"{URL}metrics/").json()}
    assert listed["change_failure_rate"]["unit"] == "percent"
    assert listed["pr_size_lines"] == {**listed["pr_size_lines"], "unit": "lines", "kind": "item"}
    assert listed["deployment_frequency"]["unit"] == "per_day"
    assert listed["wip"]["unit"] == "items"


def test_backtest_answers_each_week_with_its_items(team, member):
    agreement = WorkingAgreement.objects.create(
        team=team, name="Review", metric="first_review_hours", operator="<=", threshold=24
    )
    response = api(member).get(
        f"{URL}{agreement.pk}/backtest/", {"since": "2026-11-02", "until": "2026-11-22"}
    )
    assert response.status_code == 200
    found = response.json()
    assert [(p["start"][:10], p["value"], p["breached"]) for p in found["periods"]] == [
        ("2026-11-02", 2.0, True),
        ("2026-11-09", 1.0, True),
        ("2026-11-16", 2.0, True),
    ]
    assert found["breached_periods"] == 3
    assert found["periods"][0]["items"][1]["url"] == "https://github.example/acme/web/pull/1"
    bad = api(member).get(
        f"{URL}{agreement.pk}/backtest/", {"since": "2026-12-01", "until": "2026-11-01"}
    )
    assert bad.status_code == 400


def test_evaluate_now_opens_the_alert_and_members_act_on_it(team, member, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    agreement = WorkingAgreement.objects.create(
        team=team, name="Open PRs", metric="pr_open_days", operator="<=", threshold=7
    )
    agreement.channels.add(Channel.objects.create(team=team, kind="email", address="a@example.com"))
    # PR #4 has been open since 2026-11-06: more than 7 days by now.
    answer = api(member).post(f"{URL}{agreement.pk}/evaluate/").json()
    assert answer["result"]["breached"] is True
    alert = answer["alert"]
    assert alert["status"] == "open" and alert["agreement"] == agreement.pk
    assert [(d["channel_kind"], d["kind"], d["status"]) for d in alert["deliveries"]] == [
        ("email", "alert", "pending")
    ]
    again = api(member).post(f"{URL}{agreement.pk}/evaluate/").json()
    assert again["alert"]["id"] == alert["id"] and Delivery.objects.count() == 1

    listed = api(member).get("/api/alerts/", {"status": "open", "team": team.pk}).json()
    assert [a["id"] for a in listed["results"]] == [alert["id"]]
    path = f"/api/alerts/{alert['id']}/"
    assert api(member).post(path + "snooze/", {"until": "2000-01-01T00:00:00Z"}).status_code == 400
    snoozed = api(member).post(path + "snooze/", {"until": "2099-01-01T00:00:00Z"}).json()
    assert snoozed["snoozed_until"].startswith("2099-01-01")
    acked = api(member).post(path + "acknowledge/").json()
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == member.username
    resolved = api(member).post(path + "resolve/").json()
    assert resolved["status"] == "resolved" and resolved["resolved_by"] == member.username
    assert api(member).post(path + "acknowledge/").status_code == 409
    outsider = UserFactory()
    TeamFactory(members=[outsider])
    assert api(outsider).get(path).status_code == 404
    assert api(outsider).post(path + "resolve/").status_code == 404
    assert api(outsider).get("/api/alerts/").json()["count"] == 0
    assert Alert.objects.get().status == "resolved"


def test_the_schema_documents_agreements_and_alerts(tmp_path):
    out = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(out),
    )
    schema = json.loads(out.read_text())
    assert {
        "/api/working-agreements/",
        "/api/working-agreements/{id}/",
        "/api/working-agreements/metrics/",
        "/api/working-agreements/{id}/backtest/",
        "/api/working-agreements/{id}/evaluate/",
        "/api/alerts/",
        "/api/alerts/{id}/",
        "/api/alerts/{id}/acknowledge/",
        "/api/alerts/{id}/snooze/",
        "/api/alerts/{id}/resolve/",
    } <= set(schema["paths"])
    components = schema["components"]["schemas"]
    assert "secret" in components["ChannelRequest"]["properties"]
    assert "secret" not in components["Channel"]["properties"]
    assert "url" not in components["Channel"]["properties"]
