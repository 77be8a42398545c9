"""Cached metric families: a hit serves the stored result, each family expires after its own TTL,
and anything that changes an integration's data (a sync, a webhook) makes its results stale."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from integrations import services, sync
from integrations.models import SyncRun
from metrics import selectors
from metrics.cache import data_version, invalidate_integration
from metrics.ingest import ingest
from metrics.models import WorkItem, WorkItemChange
from tests.factories import TeamFactory, make_integration
from tests.integrations.test_sync import trello_integration
from tests.metrics.test_derived import deployment
from tests.metrics.test_ingest import pull_request

pytestmark = pytest.mark.django_db

MERGED = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def integration():
    return make_integration(TeamFactory())


def scope_of(integration):
    return selectors.metric_scope(
        integration.team, since=date(2026, 10, 1), until=date(2026, 10, 14), now=NOW
    )


def merged_pr(number: int):
    return pull_request(
        number,
        external_id=f"PR_{number}",
        created_at=MERGED - timedelta(hours=3),
        merged_at=MERGED,
        closed_at=MERGED,
        reviews=(),
        commits=(),
    )


def merged_count(integration) -> int:
    return selectors.family_metrics(scope_of(integration), "pull_requests")["throughput"]["merged"]


def test_a_second_read_is_served_from_the_cache_until_the_data_version_changes(integration):
    ingest(integration, [merged_pr(1)])
    assert merged_count(integration) == 1

    # Stored behind the cache's back (no sync, no webhook): the cached result is still served.
    ingest(integration, [merged_pr(2)])
    assert merged_count(integration) == 1

    invalidate_integration(integration.pk)
    assert merged_count(integration) == 2


def test_each_family_expires_after_its_own_time_to_live(integration, settings):
    settings.AGILETRACK_METRICS_CACHE_TTL = 3600
    settings.AGILETRACK_METRICS_CACHE_TTLS = {"pull_requests": 1}
    scope = scope_of(integration)
    ingest(integration, [merged_pr(1), deployment("d1", MERGED)])
    assert selectors.family_metrics(scope, "pull_requests")["throughput"]["merged"] == 1
    assert selectors.family_metrics(scope, "dora")["deployment_frequency"]["deployments"] == 1

    ingest(integration, [merged_pr(2), deployment("d2", MERGED + timedelta(days=1))])
    time.sleep(1.5)

    assert selectors.family_metrics(scope, "pull_requests")["throughput"]["merged"] == 2
    assert selectors.family_metrics(scope, "dora")["deployment_frequency"]["deployments"] == 1


def test_scopes_do_not_share_results(integration):
    ingest(integration, [merged_pr(1)])
    team = integration.team
    october = selectors.metric_scope(team, since=date(2026, 10, 1), until=date(2026, 10, 14))
    september = selectors.metric_scope(team, since=date(2026, 9, 1), until=date(2026, 9, 30))
    other = make_integration(team, name="Second GitHub")
    only_other = selectors.metric_scope(
        team, since=date(2026, 10, 1), until=date(2026, 10, 14), integrations=[other]
    )

    assert selectors.family_metrics(october, "pull_requests")["throughput"]["merged"] == 1
    assert selectors.family_metrics(september, "pull_requests")["throughput"]["merged"] == 0
    assert selectors.family_metrics(only_other, "pull_requests")["throughput"]["merged"] == 0


def test_a_sync_that_changed_data_invalidates_and_one_that_changed_nothing_does_not(
    sandbox, settings, django_capture_on_commit_callbacks
):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    integration = trello_integration(sandbox)
    scope = selectors.metric_scope(integration.team, now=NOW)
    before = selectors.family_metrics(scope, "work_items")
    version = data_version(integration.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert sync.sync_integration(integration.pk, "initial").run.status == "succeeded"

    assert data_version(integration.pk) > version
    after = selectors.family_metrics(scope, "work_items")
    assert after["cumulative_flow"][-1] != before["cumulative_flow"][-1]
    version = data_version(integration.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert sync.sync_integration(integration.pk, "scheduled").run.records_created == 0
    assert data_version(integration.pk) == version


def test_an_unreachable_cache_still_gives_metrics(integration, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "agiletrack.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    ingest(integration, [merged_pr(1)])
    assert merged_count(integration) == 1


def test_editing_the_list_mapping_rederives_stored_rows_without_a_sync(
    sandbox, settings, django_capture_on_commit_callbacks
):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    integration = trello_integration(sandbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert sync.sync_integration(integration.pk, "initial").run.status == "succeeded"
    in_review = WorkItem.objects.filter(integration=integration, status="Review")
    assert in_review.exists()
    assert set(in_review.values_list("status_category", flat=True)) == {"in_progress"}
    scope = selectors.metric_scope(integration.team, now=datetime(2026, 11, 1, tzinfo=UTC))
    done_before = selectors.family_metrics(scope, "work_items")["cumulative_flow"][-1]["done"]

    version_before = data_version(integration.pk)
    requests_before = sandbox.stats()["requests"]

    with django_capture_on_commit_callbacks(execute=True):
        services.update_integration(
            integration, config={**integration.config, "list_mapping": {"Review": "done"}}
        )

    # Re-derived from the stored rows: no sync queued, not one request to Trello, cache stale.
    assert not SyncRun.objects.filter(integration=integration, trigger="reconcile").exists()
    assert sandbox.stats()["requests"] == requests_before
    assert data_version(integration.pk) > version_before

    assert set(in_review.values_list("status_category", flat=True)) == {"done"}
    moves_into_review = WorkItemChange.objects.filter(
        integration=integration, field="status", to_value="Review"
    )
    assert set(moves_into_review.values_list("to_category", flat=True)) == {"done"}
    assert all(item.done_at is not None for item in in_review)
    done_after = selectors.family_metrics(scope, "work_items")["cumulative_flow"][-1]["done"]
    assert done_after == done_before + in_review.count()


def test_saving_the_same_mapping_queues_nothing(integration, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        services.update_integration(integration, config=dict(integration.config), name="Renamed")
    assert queued == []
    assert not SyncRun.objects.filter(integration=integration, trigger="reconcile").exists()
