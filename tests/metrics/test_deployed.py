"""Which deployments count (attempts of one commit are one deployment) and which deployment
shipped a pull request (the commits GitHub's compare lists between consecutive successful
production deployments, stored once)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from integrations.providers.records import CommitRange, DefaultBranch
from metrics import deployed, derived
from metrics.ingest import ingest
from metrics.models import PullRequest
from metrics.scope import metric_scope
from metrics.selectors import dora
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_derived import deployment
from tests.metrics.test_ingest import pull_request

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _dora(integration):
    scope = metric_scope(
        integration.team,
        since=(T0 - timedelta(days=3)).date(),
        until=(T0 + timedelta(days=3)).date(),
        now=T0 + timedelta(days=4),
    )
    return dora.dora_metrics(scope)


def test_a_failure_then_a_successful_retry_of_one_commit_is_one_successful_deployment():
    integration = make_integration(TeamFactory())
    ingest(
        integration,
        [
            deployment("try-1", T0, status="failure", sha="c1"),
            deployment("try-2", T0 + timedelta(minutes=30), sha="c1"),
            deployment("other", T0 + timedelta(hours=5), sha="c2"),
        ],
    )
    derived.refresh(integration)

    report = _dora(integration)

    assert report["deployment_frequency"]["deployments"] == 2
    assert report["change_failure_rate"]["deployments"] == 2
    assert report["change_failure_rate"]["failed"] == 0


def test_a_redeploy_of_an_older_commit_after_another_is_a_deployment_of_its_own():
    integration = make_integration(TeamFactory())
    ingest(
        integration,
        [
            deployment("a", T0, sha="c1"),
            deployment("b", T0 + timedelta(hours=1), status="failure", sha="c2"),
            deployment("rollback", T0 + timedelta(hours=2), sha="c1"),
        ],
    )
    derived.refresh(integration)

    report = _dora(integration)

    assert report["deployment_frequency"]["deployments"] == 2
    assert report["change_failure_rate"]["deployments"] == 3
    assert report["change_failure_rate"]["failed"] == 1


def test_a_pr_is_deployed_by_the_first_deployment_whose_compare_lists_its_merge_commit():
    integration = make_integration(TeamFactory())
    ingest(
        integration,
        [
            deployment("base", T0 - timedelta(days=1), sha="c0"),
            pull_request(1, commits=()),  # merged at +5 h as abc123
            # Deployed at +6 h, a commit without the merge; then at +8 h one with it.
            deployment("without", T0 + timedelta(hours=6), sha="c1"),
            deployment("with", T0 + timedelta(hours=8), sha="c2"),
        ],
    )

    assert deployed.ranges_to_read(integration) == [
        ("acme/web", "c0", "c1"),
        ("acme/web", "c1", "c2"),
    ]
    ingest(
        integration,
        [
            CommitRange("acme/web", "c0", "c1", "ahead", ("x1",)),
            CommitRange("acme/web", "c1", "c2", "ahead", ("x2", "abc123")),
        ],
    )
    derived.refresh(integration)

    pr = PullRequest.objects.get(integration=integration, number=1)
    assert pr.deployed_at == T0 + timedelta(hours=8, minutes=10)
    assert deployed.ranges_to_read(integration) == []


def test_a_rollback_deploys_nothing_and_the_next_deployment_ships_only_what_is_new():
    integration = make_integration(TeamFactory())
    ingest(
        integration,
        [
            deployment("old", T0 - timedelta(days=1), sha="c0"),
            pull_request(1, commits=()),
            deployment("ships", T0 + timedelta(hours=6), sha="c1"),
            deployment("rollback", T0 + timedelta(hours=7), sha="c0"),
            deployment("again", T0 + timedelta(hours=9), sha="c1"),
            CommitRange("acme/web", "c0", "c1", "ahead", ("abc123",)),
            CommitRange("acme/web", "c1", "c0", "behind", ()),
        ],
    )
    derived.refresh(integration)

    pr = PullRequest.objects.get(integration=integration, number=1)
    assert pr.deployed_at == T0 + timedelta(hours=6, minutes=10)
    # The rollback's compare is stored; the redeploy after it is read once (c0...c1 again is
    # the same range, already stored).
    assert deployed.ranges_to_read(integration) == []


def test_a_pr_merged_into_another_branch_than_the_default_is_not_deployed():
    integration = make_integration(TeamFactory())
    ingest(
        integration,
        [
            DefaultBranch("acme/web", "main"),
            deployment("base", T0 - timedelta(days=1), sha="c0"),
            pull_request(1, base_branch="main"),
            pull_request(2, base_branch="release/1.x", merge_commit_sha="def456"),
            deployment("ships", T0 + timedelta(hours=6), sha="c1"),
            # The release branch was merged back: its merge commit is in the deployed range.
            CommitRange("acme/web", "c0", "c1", "ahead", ("def456", "abc123")),
        ],
    )
    derived.refresh(integration)

    into_main = PullRequest.objects.get(integration=integration, number=1)
    into_release = PullRequest.objects.get(integration=integration, number=2)
    assert into_main.deployed_at == T0 + timedelta(hours=6, minutes=10)
    assert into_release.deployed_at is None
    assert into_release.deploy_time_minutes is None
    assert into_main.deploy_time_minutes is not None


def test_a_compare_the_provider_could_not_answer_is_asked_again_a_day_later():
    integration = make_integration(TeamFactory())
    ingest(
        integration,
        [
            deployment("base", T0 - timedelta(days=1), sha="c0"),
            deployment("gone", T0, sha="c1"),
            CommitRange("acme/web", "c0", "c1", "unknown"),
        ],
    )
    asked = timezone.now()

    assert deployed.ranges_to_read(integration, now=asked + timedelta(hours=23)) == []
    assert deployed.ranges_to_read(integration, now=asked + timedelta(hours=25)) == [
        ("acme/web", "c0", "c1")
    ]
    # Once GitHub answers, the stored compare is final.
    ingest(integration, [CommitRange("acme/web", "c0", "c1", "ahead", ("abc123",))])
    assert deployed.ranges_to_read(integration, now=asked + timedelta(days=30)) == []
