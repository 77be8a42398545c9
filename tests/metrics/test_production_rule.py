"""Issue 19 point 10: `deployment_environments` decides what is production, in the Python path
(the derived values) and the SQL path (the selectors) alike."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from integrations.services import update_integration
from metrics import derived, selectors
from metrics.ingest import ingest
from metrics.models import Deployment
from metrics.production import is_production, production_environments, production_only
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_derived import deployment


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_the_default_counts_production_and_prod_and_not_an_empty_environment():
    environments = production_environments({})
    assert is_production("deployments", "Production", environments)
    assert is_production("deployments", "prod", environments)
    assert not is_production("deployments", "", environments)
    assert not is_production("deployments", "staging", environments)
    # Releases and workflow runs name no environment: they count whatever the setting.
    assert is_production("releases", "", environments)
    assert is_production("workflow_runs", "main", environments)


def test_an_empty_environment_counts_when_the_setting_lists_it():
    environments = production_environments({"deployment_environments": ["live", ""]})
    assert is_production("deployments", "", environments)
    assert is_production("deployments", "LIVE", environments)
    assert not is_production("deployments", "production", environments)


def test_an_empty_list_counts_every_environment():
    assert is_production(
        "deployments", "staging", production_environments({"deployment_environments": []})
    )


@pytest.mark.django_db
def test_each_integrations_setting_decides_in_sql_and_in_python_alike():
    team = TeamFactory(time_zone="UTC")
    live = make_integration(team, name="live", deployment_environments=["live"])
    default = make_integration(team, name="default")
    rows = [
        deployment("to-live", at(2)),
        replace(deployment("to-production", at(3)), environment="production"),
        replace(deployment("no-environment", at(4)), environment=""),
    ]
    rows[0] = replace(rows[0], environment="Live")
    ingest(live, rows)
    ingest(default, [replace(r, external_id=f"d-{r.external_id}") for r in rows])

    counted = production_only(
        Deployment.objects.all(), [(live.pk, live.config), (default.pk, default.config)]
    )
    by_sql = sorted((row.integration_id, row.external_id) for row in counted)
    assert by_sql == [(live.pk, "to-live"), (default.pk, "d-to-production")]
    by_python = sorted(
        (integration.pk, Deployment.objects.get(pk=int(fact.id)).external_id)
        for integration in (live, default)
        for fact in derived.deployment_facts(integration)
        if fact.is_production
    )
    assert by_python == by_sql

    window = selectors.metric_scope(
        team, since=date(2026, 3, 1), until=date(2026, 3, 7), integrations=[live]
    )
    assert selectors.dora_metrics(window)["deployment_frequency"]["deployments"] == 1


@pytest.mark.django_db
def test_listing_an_empty_environment_counts_stored_rows_without_a_re_sync():
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team)
    ingest(integration, [replace(deployment("no-environment", at(4)), environment="")])
    window = selectors.metric_scope(team, since=date(2026, 3, 1), until=date(2026, 3, 7))
    assert selectors.dora_metrics(window)["deployment_frequency"]["deployments"] == 0

    update_integration(
        integration, config={**integration.config, "deployment_environments": ["production", ""]}
    )

    # The next request's scope reads the new setting (a scope reads its settings once).
    window = selectors.metric_scope(team, since=date(2026, 3, 1), until=date(2026, 3, 7))
    assert selectors.dora_metrics(window)["deployment_frequency"]["deployments"] == 1
