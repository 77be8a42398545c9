"""Known activity for the API tests: a team with a GitHub and a Jira integration."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from integrations.providers import records
from metrics import derived
from metrics.ingest import ingest
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment
from tests.metrics.test_ingest import pull_request

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def team(member):
    return TeamFactory(members=[member])


@pytest.fixture
def client(member):
    api = APIClient()
    api.force_authenticate(member)
    return api


def merged(number: int, at: datetime, repository: str = "acme/web", **changes):
    return pull_request(
        number,
        external_id=f"{repository}#{number}",
        repository=repository,
        created_at=at - timedelta(hours=5),
        merged_at=at,
        closed_at=at,
        merge_commit_sha=f"sha-{repository}-{number}",
        **changes,
    )


@pytest.fixture
def github(team):
    integration = make_integration(team)
    ingest(
        integration,
        [
            deployment("d0", T0 - timedelta(days=2)),
            merged(1, T0),
            merged(2, T0 + timedelta(days=1)),
            merged(3, T0 + timedelta(days=2), repository="acme/api"),
            pull_request(4, external_id="open-4", state="open", merged_at=None, closed_at=None),
            deployment("d1", T0 + timedelta(days=3)),
            deployment("d2", T0 + timedelta(days=4), status="failure"),
            # What GitHub's compare said d1 shipped after d0: acme/web's two merges.
            records.CommitRange(
                "acme/web", "sha-d0", "sha-d1", "ahead", ("sha-acme/web-1", "sha-acme/web-2")
            ),
        ],
    )
    derived.refresh(integration)
    return integration


@pytest.fixture
def jira(team):
    integration = make_integration(team, kind="jira")
    change = records.WorkItemChange(
        "h1", "1", "status", "To Do", "Done", T0 + timedelta(hours=8), "ana", "todo", "done"
    )
    done = T0 + timedelta(hours=8)
    end = T0 + timedelta(days=7)
    ingest(
        integration,
        [
            records.Sprint("10", "1", "Sprint 10", "closed", T0, end, end),
            records.WorkItem(
                "1", "ENG-1", "Ship it", "story", "Done", "done", "", T0, T0, done,
                story_points=3.0, sprint_ids=("10",), changes=(change,),
            ),
            records.WorkItem("2", "ENG-2", "Next", "bug", "To Do", "todo", "", T0, T0, None),
        ],
    )  # fmt: skip
    derived.refresh(integration)
    return integration
