"""The overview's DORA family of a window and of the window before it, computed from one read of
both (DoraReads), equals each window computed from its own reads: on hand-worked data where a
failure, an incident and a recovery cross the boundary between the two windows."""

import dataclasses
from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache

from integrations.providers import records
from metrics import derived, selectors
from metrics.ingest import ingest
from metrics.models import Deployment
from metrics.selectors.dora import DoraReads, dora_metrics, list_deployment_facts
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_derived import deployment

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def scope():
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team)
    # Each deployment finishes 10 minutes after it was created (tests.metrics.test_derived).
    ingest(
        integration,
        [
            deployment("d0", utc(2026, 10, 30, 10)),  # the last success before both windows
            deployment("d1", utc(2026, 11, 3, 10), status="failure"),
            deployment("d1b", utc(2026, 11, 4, 10)),  # fixes d1: 1 day
            deployment("d2", utc(2026, 11, 6, 10)),  # blamed for I1
            deployment("d3", utc(2026, 11, 7, 20), status="failure"),  # fixed in the window
            deployment("d4", utc(2026, 11, 9, 8)),  # fixes d3: 36 hours
            deployment("d5", utc(2026, 11, 12, 12)),  # blamed for I2
            # Opened in the previous window (after d2), resolved in this one: 3 days.
            records.Incident("I1", "acme/web", 1, "Outage", "", utc(2026, 11, 6, 12),
                             utc(2026, 11, 9, 12)),
            records.Incident("I2", "acme/web", 2, "Slow", "", utc(2026, 11, 12, 13),
                             utc(2026, 11, 12, 15)),
        ],
    )  # fmt: skip
    derived.refresh(integration)
    # Nov 8-14; the window before it is Nov 1-7.
    return selectors.metric_scope(
        team, since=date(2026, 11, 8), until=date(2026, 11, 14), now=utc(2026, 11, 20)
    )


def test_both_windows_from_one_read_equal_each_window_read_alone(scope):
    before = scope.previous()
    reads = DoraReads([scope, before])

    assert dora_metrics(scope, reads) == dora_metrics(scope)
    assert dora_metrics(before, reads) == dora_metrics(before)


def test_the_numbers_that_cross_the_boundary_are_the_hand_worked_ones(scope):
    cache.clear()
    now, previous = selectors.dora_with_previous(scope)

    # This window: d3 (failed Nov 7 20:10) fixed by d4 (Nov 9 08:10): 2,160 minutes; d2 linked
    # to I1, recovered at I1's resolution (Nov 6 10:10 -> Nov 9 12:00): 4,430; d5 linked to I2
    # (12:10 -> 15:00): 170.
    recovery = now["failed_deployment_recovery_time"]["summary"]
    assert (recovery["count"], recovery["median"]) == (3, 2160)
    restore = now["time_to_restore"]["summary"]
    assert (restore["count"], restore["min"], restore["max"]) == (2, 120, 3 * 24 * 60)
    failure = now["change_failure_rate"]
    assert (failure["deployments"], failure["failed"]) == (2, 1)  # d4, d5; d5 blamed
    assert now["deployment_frequency"]["deployments"] == 2

    # The window before: d1 failed, d2 blamed for I1, d3 failed, of d1, d1b, d2, d3; only d1's
    # recovery (by d1b, 1,440 minutes) happened in it; no incident was resolved in it.
    failure = previous["change_failure_rate"]
    assert (failure["deployments"], failure["failed"], failure["rate"]) == (4, 3, 0.75)
    recovery = previous["failed_deployment_recovery_time"]["summary"]
    assert (recovery["count"], recovery["median"]) == (1, 1440)
    assert previous["time_to_restore"]["summary"]["count"] == 0
    assert previous["deployment_frequency"]["deployments"] == 2  # d1b, d2


def test_only_the_deployments_a_window_needs_are_read():
    """Per repository: the last success before the window and what follows it; a repository
    that never succeeded before keeps all its failures; older rows are not read."""
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team)

    def at(name, repository, when, status="success"):
        return dataclasses.replace(deployment(name, when, status), repository=repository)

    ingest(
        integration,
        [
            at("a-old-failure", "acme/a", utc(2026, 9, 1), "failure"),
            at("a-old", "acme/a", utc(2026, 10, 1)),
            at("a-last", "acme/a", utc(2026, 10, 30)),  # the last success before Nov 8
            at("a-failed", "acme/a", utc(2026, 11, 5), "failure"),  # not recovered before
            at("a-window", "acme/a", utc(2026, 11, 9)),
            at("b-failed-1", "acme/b", utc(2026, 9, 10), "failure"),  # b never succeeded
            at("b-failed-2", "acme/b", utc(2026, 10, 20), "error"),
            at("b-pending", "acme/b", utc(2026, 10, 25), "in_progress"),
            at("c-window", "acme/c", utc(2026, 11, 10), "failure"),  # nothing before
            at("d-old", "acme/d", utc(2026, 9, 1)),
            at("d-last", "acme/d", utc(2026, 10, 2)),
        ],
    )
    derived.refresh(integration)
    scope = selectors.metric_scope(
        team, since=date(2026, 11, 8), until=date(2026, 11, 14), now=utc(2026, 11, 20)
    )
    read = {Deployment.objects.get(pk=fact.id).external_id for fact in list_deployment_facts(scope)}

    assert read == {
        "a-last", "a-failed", "a-window", "b-failed-1", "b-failed-2", "c-window", "d-last"
    }  # fmt: skip


def test_many_repositories_that_never_succeeded_are_read_with_one_condition():
    """Their failures before the window are one `repository IN (...)` term, not one term per
    repository (SQLite refuses an expression deeper than 1,000)."""
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team)
    failed = [
        dataclasses.replace(
            deployment(f"f{i}", utc(2026, 10, 1), "failure"), repository=f"acme/repo-{i}"
        )
        for i in range(1100)
    ]
    ingest(integration, [*failed, deployment("window", utc(2026, 11, 9))])
    scope = selectors.metric_scope(
        team, since=date(2026, 11, 8), until=date(2026, 11, 14), now=utc(2026, 11, 20)
    )

    assert len(list_deployment_facts(scope)) == 1101
