"""The Grafana dashboard and the alert rules use only series that /metrics exposes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import yaml

from tests.conftest import REPO_ROOT

GRAFANA = REPO_ROOT / "deploy" / "grafana" / "agiletrack.json"
ALERTS = REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"
SERIES = re.compile(r"\bagiletrack_[a-z0-9_]+\b")
# prometheus_client writes "# TYPE agiletrack_sync_runs_total counter" (the sample name).
TYPE_LINE = re.compile(r"^# TYPE (\S+) (\w+)$", re.M)
SUFFIXES = {"counter": [""], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}


def dashboard_expressions() -> list[str]:
    def walk(node) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("expr"), str):
                yield node["expr"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    return list(walk(json.loads(GRAFANA.read_text())))


def alert_rules() -> list[dict]:
    return [
        rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]
    ]


@pytest.fixture
def exposed_sample_names(client, settings, tmp_path) -> set[str]:
    """Every sample name /metrics can show (families are listed even before any sample)."""
    settings.AGILETRACK_PROMETHEUS_DIR = tmp_path
    response = client.get("/metrics")
    assert response.status_code == 200
    types = dict(TYPE_LINE.findall(response.content.decode()))
    assert types, "no # TYPE lines"
    return {family + suffix for family, kind in types.items() for suffix in SUFFIXES[kind]}


@pytest.mark.django_db
def test_every_series_in_the_dashboard_and_the_alerts_is_exposed(exposed_sample_names):
    used = {
        name
        for expression in dashboard_expressions() + [rule["expr"] for rule in alert_rules()]
        for name in SERIES.findall(expression)
    }

    assert len(used) >= 10, used
    assert used - exposed_sample_names == set()


@pytest.mark.django_db
def test_the_dashboard_charts_every_exposed_family(exposed_sample_names):
    charted = {
        name for expression in dashboard_expressions() for name in SERIES.findall(expression)
    }
    families = {re.sub(r"(_total|_bucket|_count|_sum)$", "", name) for name in exposed_sample_names}

    uncharted = {
        family
        for family in families
        if not any(re.sub(r"(_total|_bucket|_count|_sum)$", "", n) == family for n in charted)
    }
    assert uncharted == set()


def test_every_panel_has_a_title_a_query_and_its_own_place():
    dashboard = json.loads(GRAFANA.read_text())
    panels = dashboard["panels"]

    assert dashboard["uid"] == "agiletrack"
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        assert panel["title"] and panel["targets"], panel
        assert all(target["expr"].strip() for target in panel["targets"])
    places = [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in panels]
    assert len(set(places)) == len(places)


def test_every_alert_rule_says_how_bad_it_is_and_what_it_means():
    rules = alert_rules()

    assert {
        "AgileTrackBeatHeartbeatStale",
        "AgileTrackQueueBackingUp",
        "AgileTrackSyncFailureRatioHigh",
        "AgileTrackRateLimitNearlyExhausted",
        "AgileTrackTaskFailures",
        "AgileTrackAlertDeliveriesFailing",
    } <= {rule["alert"] for rule in rules}
    for rule in rules:
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]


def test_every_alert_is_explained_in_the_operations_guide():
    guide = (REPO_ROOT / "docs" / "operations.md").read_text()

    missing = {rule["alert"] for rule in alert_rules() if rule["alert"] not in guide}
    assert missing == set()
