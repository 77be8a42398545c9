"""Derived per-PR and per-work-item values are stored by every sync that changed data."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations import services, sync
from integrations.providers.records import CommitRange
from metrics import derived
from metrics.ingest import ingest
from metrics.models import PullRequest, WorkItem, WorkItemChange
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_ingest import pull_request

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def deployment(external_id: str, created_at: datetime, status: str = "success", sha: str = ""):
    from integrations.providers import records

    return records.Deployment(
        external_id=external_id,
        repository="acme/web",
        source="deployments",
        environment="production",
        name="deploy",
        status=status,
        sha=sha or f"sha-{external_id}",
        created_at=created_at,
        finished_at=created_at + timedelta(minutes=10),
    )


def test_a_merged_pr_gets_devlake_spans_and_the_deployment_that_shipped_it():
    integration = make_integration(TeamFactory())
    # PR 1: first commit 2 h before opening, reviewed after a day, merged 5 h after opening.
    ingest(
        integration,
        [
            deployment("baseline", T0 - timedelta(days=1)),
            pull_request(1, commits=()),  # first_commit_at (2 h before opening) is used
            deployment("after-merge", T0 + timedelta(hours=6)),
            # What GitHub's compare said the second deployment shipped.
            CommitRange("acme/web", "sha-baseline", "sha-after-merge", "ahead", ("abc123",)),
        ],
    )

    derived.refresh(integration)

    pr = PullRequest.objects.get(integration=integration, number=1)
    assert pr.coding_time_minutes == 120
    assert pr.deploy_time_minutes == 60 + 10  # merged at +5 h, deployment finished at +6 h 10
    assert pr.deployed_at == T0 + timedelta(hours=6, minutes=10)
    assert pr.cycle_time_minutes == 120 + 300 + 70
    # The only review came a day after opening, after the merge: a pickup, no review span.
    assert pr.pickup_time_minutes == 24 * 60
    assert pr.review_time_minutes is None


def test_stored_pickup_runs_from_ready_for_review_to_the_first_comment_by_another_human():
    from integrations.providers import records

    integration = make_integration(TeamFactory())
    comments = (
        records.Comment("comment:1", "codecov[bot]", True, T0 + timedelta(minutes=90)),
        records.Comment("comment:2", "cy", False, T0 + timedelta(hours=3)),
    )
    # Opened as a draft, ready after 2 h, first human answer (a comment) an hour later; the
    # review came a day after opening.
    ingest(
        integration,
        [pull_request(1, comments=comments, ready_for_review_times=(T0 + timedelta(hours=2),))],
    )

    derived.refresh(integration)

    pr = PullRequest.objects.get(integration=integration, number=1)
    assert pr.first_review_at == T0 + timedelta(hours=3)
    assert pr.pickup_time_minutes == 60
    assert pr.review_time_minutes == 120  # merged at +5 h
    assert pr.reviewed_before_merge is False  # a comment is not a review
    assert pr.comments.count() == 2


def test_a_first_deployment_has_no_baseline_and_ships_nothing():
    integration = make_integration(TeamFactory())
    ingest(integration, [pull_request(1, commits=()), deployment("first", T0 + timedelta(hours=6))])

    derived.refresh(integration)

    pr = PullRequest.objects.get(integration=integration, number=1)
    assert pr.deployed_at is None and pr.deploy_time_minutes is None
    assert pr.cycle_time_minutes == 120 + 300


def test_refresh_writes_only_what_changed():
    integration = make_integration(TeamFactory())
    ingest(integration, [pull_request(1), pull_request(2)])

    first = derived.refresh(integration)
    second = derived.refresh(integration)

    assert first["pull_requests"] == 2
    assert second["pull_requests"] == 0


def synced_repo_and_boards(box) -> tuple:
    """A team's first sandbox repository and its Trello boards, each synced once."""
    github, trello = box.info["github"], box.info["trello"]
    team = TeamFactory()
    repo = services.create_integration(
        team=team,
        kind="github",
        name="repo",
        config={"api_url": github["api_url"], "repositories": github["repositories"][:1]},
        credentials={"token": github["token"]},
    )
    boards = services.create_integration(
        team=team,
        kind="trello",
        name="boards",
        config={"api_url": trello["api_url"], "board_ids": [b["id"] for b in trello["boards"]]},
        credentials={"key": trello["key"], "token": trello["token"]},
    )
    for integration in (repo, boards):
        assert sync.sync_integration(integration.pk, "initial").run.status == "succeeded"
    return repo, boards


def test_a_sandbox_sync_stores_derived_values(sandbox, settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    repo, boards = synced_repo_and_boards(sandbox)

    merged = PullRequest.objects.filter(integration=repo, state="merged")
    assert merged.exists()
    assert not merged.filter(cycle_time_minutes__isnull=True).exists()
    assert merged.filter(deploy_time_minutes__isnull=False).exists()
    assert (
        not PullRequest.objects.filter(integration=repo, state="open")
        .exclude(cycle_time_minutes__isnull=True)
        .exists()
    )
    done = WorkItem.objects.filter(integration=boards, resolved_at__isnull=False)
    assert done.exists()
    assert not done.filter(lead_time_minutes__isnull=True).exists()


def test_refresh_in_small_chunks_stores_what_one_chunk_stores(sandbox, settings, monkeypatch):
    """The refresh reads rows a chunk at a time (flat memory): with chunks of 7 every pull
    request and work item gets the values a single chunk gives, status moves included."""
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    repo, boards = synced_repo_and_boards(sandbox)

    def stored():
        prs = PullRequest.objects.order_by("pk").values_list("pk", *derived.DERIVED_PR_FIELDS)
        items = WorkItem.objects.order_by("pk").values_list("pk", *derived.WORK_ITEM_FIELDS)
        moves = WorkItemChange.objects.order_by("pk").values_list("pk", "previous_category")
        return list(prs), list(items), list(moves)

    whole = stored()
    assert len(whole[0]) > 7 and len(whole[1]) > 7
    PullRequest.objects.update(cycle_time_minutes=None, deployed_at=None, first_review_at=None)
    WorkItem.objects.update(started_at=None, done_at=None, lead_time_minutes=None)
    WorkItemChange.objects.update(previous_category="")
    monkeypatch.setattr(derived, "REFRESH_CHUNK", 7)

    for integration in (repo, boards):
        derived.refresh(integration)

    assert stored() == whole


def test_reviewed_before_merge_is_stored_and_the_migration_fills_it_by_the_same_rule():
    from importlib import import_module

    from django.apps import apps

    from integrations.providers import records

    integration = make_integration(TeamFactory())
    before_merge = T0 + timedelta(hours=1)

    def reviewed(number, reviewer="bo", state="APPROVED", at=before_merge):
        review = records.Review(f"R_{number}", "acme/web", number, reviewer, False, state, at)
        return pull_request(number, reviews=(review,))

    ingest(
        integration,
        [
            pull_request(1),  # its only review came a day after the merge
            reviewed(2),
            pull_request(3, state="open", merged_at=None, closed_at=None),
            reviewed(4, state="PENDING"),
            reviewed(5, reviewer="ana"),  # the author's own
        ],
    )
    derived.refresh(integration)
    stored = dict(PullRequest.objects.values_list("number", "reviewed_before_merge"))
    assert stored == {1: False, 2: True, 3: None, 4: False, 5: False}

    # Rows stored before the column existed get the same values from the migration.
    PullRequest.objects.update(reviewed_before_merge=None)
    migration = import_module("metrics.migrations.0007_pull_request_reviewed_before_merge")
    migration.fill(apps, None)
    assert dict(PullRequest.objects.values_list("number", "reviewed_before_merge")) == stored
