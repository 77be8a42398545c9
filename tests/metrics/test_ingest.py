"""Ingest upserts provider records: storing the same batch twice duplicates nothing."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from integrations.providers import records
from metrics.ingest import ingest
from metrics.models import (
    Commit,
    PullRequest,
    Review,
    SprintMembership,
    WorkItem,
    WorkItemChange,
)
from tests.factories import TeamFactory, make_integration

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def pull_request(number: int, **changes) -> records.PullRequest:
    repo = "acme/web"
    pr = records.PullRequest(
        external_id=f"PR_{number}",
        repository=repo,
        number=number,
        title=f"Change {number}",
        author="ana",
        author_is_bot=False,
        state="merged",
        is_draft=False,
        url=f"https://github.com/{repo}/pull/{number}",
        created_at=T0,
        updated_at=T0 + timedelta(hours=5),
        merged_at=T0 + timedelta(hours=5),
        closed_at=T0 + timedelta(hours=5),
        first_commit_at=T0 - timedelta(hours=2),
        additions=10,
        deletions=2,
        changed_files=1,
        merge_commit_sha="abc123",
        reviews=(
            records.Review(f"R_{number}", repo, number, "bo", False, "APPROVED", T0 + timedelta(1)),
        ),
        commits=(records.Commit(f"sha{number}", repo, "ana", "Fix it\n\nbody", T0, T0, number),),
    )
    return replace(pr, **changes)


def work_item(sprints=("10",)) -> list:
    sprint = records.Sprint("10", "1", "Sprint 10", "active", T0, T0 + timedelta(14), None)
    other = records.Sprint("11", "1", "Sprint 11", "future", None, None, None)
    change = records.WorkItemChange(
        "h1-0", "1001", "status", "To Do", "In Progress", T0, "ana", "todo", "in_progress"
    )
    item = records.WorkItem(
        external_id="1001",
        key="ENG-1",
        title="Do it",
        kind="story",
        status="In Progress",
        status_category="in_progress",
        url="https://acme.atlassian.net/browse/ENG-1",
        created_at=T0,
        updated_at=T0,
        resolved_at=None,
        story_points=3.0,
        sprint_ids=tuple(sprints),
        changes=(change,),
    )
    return [sprint, other, item]


@pytest.fixture
def integration():
    return make_integration(TeamFactory())


def test_first_ingest_creates_and_second_updates_without_duplicates(integration):
    batch = [pull_request(1), pull_request(2)]

    first = ingest(integration, batch)
    stored = dict(PullRequest.objects.values_list("external_id", "synced_at"))
    again = ingest(integration, batch)
    second = ingest(integration, [pull_request(1), pull_request(2, title="Renamed")])

    assert first.by_kind()["pull_request"] == {"created": 2, "updated": 0}
    assert first.by_kind()["review"] == {"created": 2, "updated": 0}
    # The same records again write nothing: no row counts as updated, none is touched.
    assert sum(again.created.values()) == sum(again.updated.values()) == 0
    # Only the record that differs is written.
    assert second.by_kind()["pull_request"] == {"created": 0, "updated": 1}
    synced = dict(PullRequest.objects.values_list("external_id", "synced_at"))
    renamed = pull_request(2).external_id
    assert {k: v for k, v in synced.items() if k != renamed} == {
        k: v for k, v in stored.items() if k != renamed
    }
    assert synced[renamed] > stored[renamed]
    assert PullRequest.objects.filter(integration=integration).count() == 2
    assert Review.objects.filter(integration=integration).count() == 2
    assert Commit.objects.filter(integration=integration).count() == 2


def test_changed_fields_are_written_and_children_stay_linked(integration):
    ingest(integration, [pull_request(1, state="open", merged_at=None)])

    ingest(integration, [pull_request(1, title="Renamed")])

    pr = PullRequest.objects.get(integration=integration, number=1)
    assert (pr.title, pr.state) == ("Renamed", "merged")
    assert pr.reviews.get().state == "APPROVED"
    assert pr.commits.get().message == "Fix it"


def test_the_same_record_twice_in_one_batch_is_stored_once(integration):
    result = ingest(integration, [pull_request(1), pull_request(1, title="Later copy")])

    assert result.created["pull_request"] == 1
    assert PullRequest.objects.get(integration=integration).title == "Later copy"


def test_integrations_do_not_share_rows(integration):
    other = make_integration(integration.team, name="second")

    ingest(integration, [pull_request(1)])
    ingest(other, [pull_request(1)])

    assert PullRequest.objects.count() == 2


def test_work_items_keep_changes_and_current_sprint_membership(integration):
    ingest(integration, work_item(sprints=("10",)))
    ingest(integration, work_item(sprints=("11",)))

    item = WorkItem.objects.get(integration=integration, key="ENG-1")
    assert [s.name for s in item.sprints.all()] == ["Sprint 11"]
    assert SprintMembership.objects.count() == 1
    change = WorkItemChange.objects.get(work_item=item)
    assert (change.from_category, change.to_category) == ("todo", "in_progress")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/pull/1",
    ],
)
def test_a_provider_link_that_is_not_http_is_not_stored(integration, url):
    *_, item = work_item()

    ingest(integration, [pull_request(1, url=url), replace(item, url=url)])

    assert PullRequest.objects.get().url == ""
    assert WorkItem.objects.get().url == ""


def test_http_and_https_provider_links_are_kept(integration):
    ingest(integration, [pull_request(1, url="HTTPS://github.com/acme/web/pull/1")])

    assert PullRequest.objects.get().url == "HTTPS://github.com/acme/web/pull/1"


def test_the_upgrade_migration_blanks_non_http_links_stored_before_the_check(integration):
    ingest(integration, [pull_request(1, url="https://github.com/acme/web/pull/1")])
    ingest(integration, [pull_request(2, url="https://github.com/acme/web/pull/2")])
    # As stored before the ingest checked the scheme.
    PullRequest.objects.filter(number=2).update(url=" JavaScript:alert(1)")
    name = "0018_blank_non_http_links"
    frozen = MigrationLoader(connection).project_state(("metrics", name)).apps

    import_module(f"metrics.migrations.{name}").blank_non_http_links(frozen, None)

    links = dict(PullRequest.objects.values_list("number", "url"))
    assert links == {1: "https://github.com/acme/web/pull/1", 2: ""}
