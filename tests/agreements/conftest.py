"""Hand-worked data for working agreements: a team in UTC with pull requests, deployments and
work items over three weeks (Mondays 2026-11-02, 11-09 and 11-16), read at 2026-11-23 00:00.

What each week holds (worked out by hand from the records below):

| week of | merged PRs (pickup h, lines) | PR #4 open | in progress at the end | deployments |
|---|---|---|---|---|
| 11-02 | #1 (30, 350) | 2.5 days | A 7 days, B 3.5 days | success, failure, success |
| 11-09 | #2 (4, 600) | 9.5 days | B 10.5 days (A done 11-13) | success |
| 11-16 | #3 (48, 15) | 16.5 days | B 17.5 days (C back in to do) | none |
"""

from datetime import UTC, datetime

import pytest

from integrations.providers import records
from metrics import derived
from metrics.ingest import ingest
from tests.factories import TeamFactory, UserFactory, make_integration

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def pull_request(
    number, created, merged=None, *, answered=None, lines=(0, 0), draft=False, bot=False
):
    reviews = ()
    if answered is not None:
        reviews = (
            records.Review(f"r{number}", "acme/web", number, "bo", False, "APPROVED", answered),
        )
    return records.PullRequest(
        external_id=f"pr{number}",
        repository="acme/web",
        number=number,
        title=f"Change {number}",
        author="ana" if not bot else "dependabot[bot]",
        author_is_bot=bot,
        state="merged" if merged else "open",
        is_draft=draft,
        url=f"https://github.example/acme/web/pull/{number}",
        created_at=created,
        updated_at=merged or created,
        merged_at=merged,
        closed_at=merged,
        first_commit_at=None,
        additions=lines[0],
        deletions=lines[1],
        changed_files=1,
        merge_commit_sha=f"m{number}" if merged else None,
        reviews=reviews,
    )


def deployment(n, status, at):
    return records.Deployment(
        f"d{n}", "acme/web", "deployments", "production", f"deploy {n}", status, f"sha{n}", at, at
    )


def work_item(key, created, *moves, category="todo"):
    changes = tuple(
        records.WorkItemChange(f"{key}{n}", key, "status", frm, to, at, "ana", frm, to)
        for n, (at, frm, to) in enumerate(moves)
    )
    return records.WorkItem(
        external_id=key,
        key=key,
        title=f"Item {key}",
        kind="story",
        status=changes[-1].to_value if changes else category,
        status_category=changes[-1].to_category if changes else category,
        url=f"https://jira.example/browse/{key}",
        created_at=created,
        updated_at=created,
        resolved_at=None,
        changes=changes,
    )


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def team(member):
    team = TeamFactory(time_zone="UTC", members=[member])
    github = make_integration(team, kind="github")
    ingest(
        github,
        [
            pull_request(
                1,
                utc(2026, 11, 3, 9),
                utc(2026, 11, 5, 10),
                answered=utc(2026, 11, 4, 15),
                lines=(300, 50),
            ),
            pull_request(
                2,
                utc(2026, 11, 10, 9),
                utc(2026, 11, 11, 9),
                answered=utc(2026, 11, 10, 13),
                lines=(500, 100),
            ),
            pull_request(
                3,
                utc(2026, 11, 16, 8),
                utc(2026, 11, 18, 12),
                answered=utc(2026, 11, 18, 8),
                lines=(10, 5),
            ),
            pull_request(4, utc(2026, 11, 6, 12)),
            pull_request(5, utc(2026, 11, 1, 0), draft=True),
            pull_request(6, utc(2026, 11, 12, 9), utc(2026, 11, 12, 10), lines=(5000, 0), bot=True),
            deployment(1, "success", utc(2026, 11, 3, 10)),
            deployment(2, "failure", utc(2026, 11, 4, 10)),
            deployment(3, "success", utc(2026, 11, 5, 10)),
            deployment(4, "success", utc(2026, 11, 12, 10)),
        ],
    )
    derived.refresh(github)
    jira = make_integration(team, kind="jira")
    ingest(
        jira,
        [
            work_item(
                "A",
                utc(2026, 11, 1, 9),
                (utc(2026, 11, 2), "todo", "in_progress"),
                (utc(2026, 11, 13), "in_progress", "done"),
            ),
            work_item("B", utc(2026, 11, 5, 12), category="in_progress"),
            work_item(
                "C",
                utc(2026, 11, 10),
                (utc(2026, 11, 11), "todo", "in_progress"),
                (utc(2026, 11, 14), "in_progress", "todo"),
            ),
        ],
    )
    derived.refresh(jira)
    return team
