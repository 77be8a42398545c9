"""Bulk-inserted activity for the latency benchmark: a year of pull requests (with reviews,
commits, deployments) and work items (with status history and sprints), derived spans filled
in as metrics.derived would store them. Deterministic (one seeded generator)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from bench import harness
from integrations.models import Integration, Team
from metrics import calculations as calc
from metrics import derived
from metrics.models import (
    Commit,
    Deployment,
    Incident,
    PullRequest,
    Review,
    Sprint,
    SprintMembership,
    WorkItem,
    WorkItemChange,
    WorkItemFinish,
)

CHUNK = 10_000
BATCH = 2_000
REPOS = [f"acme-eng/service-{i:02d}" for i in range(20)]
PROJECTS = ["PAY", "WEB", "OPS", "MOB"]
PEOPLE = [f"dev-{i}" for i in range(40)]
YEAR = timedelta(days=365)


def _minutes(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def seed(
    team: Team, pull_requests: int, work_items: int, seed_value: int = 7, vacuum: bool = True
) -> dict[str, int]:
    """Insert the activity of one GitHub and one Jira integration of `team`; rows per table
    (`vacuum=False`: the caller runs vacuum_analyze once after seeding several teams)."""
    rng = random.Random(seed_value)  # noqa: S311 (fake data, not secrets)
    now = timezone.now()
    github_id, jira_id = harness.add_integrations(
        team,
        [
            (
                "github",
                "seeded GitHub",
                {"api_url": "http://127.0.0.1:9", "repositories": REPOS},
                {"token": "unused"},
            ),
            (
                "jira",
                "seeded Jira",
                {"site_url": "http://127.0.0.1:9", "project_keys": PROJECTS},
                {"email": "bench@example.com", "api_token": "unused"},
            ),
        ],
    )
    github = Integration.objects.get(pk=github_id)
    jira = Integration.objects.get(pk=jira_id)
    counts = _seed_pull_requests(github, pull_requests, rng, now)
    counts |= _seed_work_items(jira, work_items, rng, now)
    if vacuum:
        vacuum_analyze()
    return counts


def vacuum_analyze() -> None:
    """What autovacuum does on a live database after a bulk load (it vacuums tables that grew by
    inserts, PostgreSQL 13+): planner statistics, and the visibility map that lets a query read
    an index alone. VACUUM cannot run in a transaction (as in a test). Nothing on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


def _seed_pull_requests(integration, total: int, rng: random.Random, now: datetime) -> dict:
    counts = dict.fromkeys(["pull_requests", "reviews", "commits", "deployments"], 0)
    for start in range(0, total, CHUNK):
        pulls, shapes = [], []
        for number in range(start + 1, min(total, start + CHUNK) + 1):
            created = now - YEAR * rng.random()
            first_commit = created - timedelta(hours=rng.uniform(1, 72))
            review = created + timedelta(hours=rng.uniform(0.2, 30))
            merged = review + timedelta(hours=rng.uniform(0.5, 48))
            deployed = merged + timedelta(hours=rng.uniform(0.1, 24))
            roll = rng.random()
            state = "merged" if roll < 0.85 else ("open" if roll < 0.95 else "closed")
            is_merged = state == "merged" and merged < now
            state = state if is_merged or state != "merged" else "open"
            done = deployed < now and is_merged
            author = rng.choice(PEOPLE)
            # The reviews stored below: (reviewer, submitted at) before now.
            reviews_of = [
                (PEOPLE[(number + index + 1) % len(PEOPLE)], at)
                for index in range(1 + (number % 2))
                if (at := review + timedelta(minutes=index * 30)) < now
            ]
            pulls.append(
                PullRequest(
                    integration=integration,
                    external_id=f"pr-{number}",
                    repository=REPOS[number % len(REPOS)],
                    number=number,
                    title=f"Change {number}",
                    author=author,
                    state=state,
                    url=f"https://github.example/pull/{number}",
                    created_at=created,
                    updated_at=merged if is_merged else created,
                    merged_at=merged if is_merged else None,
                    closed_at=merged if is_merged else None,
                    first_commit_at=first_commit,
                    additions=rng.randint(1, 800),
                    deletions=rng.randint(0, 300),
                    changed_files=rng.randint(1, 30),
                    merge_commit_sha=f"{number:040x}" if is_merged else "",
                    first_review_at=review if review < now else None,
                    reviewed_before_merge=(
                        any(who != author and at <= merged for who, at in reviews_of)
                        if is_merged
                        else None
                    ),
                    deployed_at=deployed if done else None,
                    coding_time_minutes=_minutes(first_commit, created),
                    pickup_time_minutes=_minutes(created, review) if review < now else None,
                    review_time_minutes=_minutes(review, merged) if is_merged else None,
                    deploy_time_minutes=_minutes(merged, deployed) if done else None,
                    cycle_time_minutes=_minutes(first_commit, deployed) if done else None,
                )
            )
            shapes.append((reviews_of, deployed, done, first_commit))
        PullRequest.objects.bulk_create(pulls, batch_size=BATCH)
        reviews, commits, deployments = [], [], []
        for pr, (reviews_of, deployed, done, first_commit) in zip(pulls, shapes, strict=True):
            for index, (reviewer, at) in enumerate(reviews_of):
                reviews.append(
                    Review(
                        integration=integration,
                        external_id=f"review-{pr.number}-{index}",
                        pull_request=pr,
                        reviewer=reviewer,
                        state="APPROVED" if index else "COMMENTED",
                        submitted_at=at,
                        counts_for_load=calc.counts_in_review_load(
                            reviewer, False, False, pr.author, pr.author_is_bot
                        ),
                    )
                )
            commits.append(
                Commit(
                    integration=integration,
                    external_id=f"{pr.repository}@{pr.number:040x}c",
                    pull_request=pr,
                    repository=pr.repository,
                    sha=f"{pr.number:039x}c",
                    author=pr.author,
                    message=pr.title,
                    authored_at=first_commit,
                    committed_at=first_commit,
                )
            )
            if done and pr.number % 5 == 0:
                deployments.append(
                    Deployment(
                        integration=integration,
                        external_id=f"deployment-{pr.number}",
                        repository=pr.repository,
                        source="deployments",
                        environment="production",
                        status="failure" if pr.number % 35 == 0 else "success",
                        sha=pr.merge_commit_sha,
                        created_at=deployed,
                        finished_at=deployed + timedelta(minutes=5),
                    )
                )
        Review.objects.bulk_create(reviews, batch_size=BATCH)
        Commit.objects.bulk_create(commits, batch_size=BATCH)
        Deployment.objects.bulk_create(deployments, batch_size=BATCH)
        counts["pull_requests"] += len(pulls)
        counts["reviews"] += len(reviews)
        counts["commits"] += len(commits)
        counts["deployments"] += len(deployments)
    incidents = [
        Incident(
            integration=integration,
            external_id=f"incident-{i}",
            repository=REPOS[i % len(REPOS)],
            number=i,
            title=f"Outage {i}",
            created_at=now - YEAR * (i / 200),
            resolved_at=now - YEAR * (i / 200) + timedelta(hours=3),
            labels=["incident"],
        )
        for i in range(1, 200)
    ]
    Incident.objects.bulk_create(incidents, batch_size=BATCH)
    counts["incidents"] = len(incidents)
    return counts


def _seed_work_items(integration, total: int, rng: random.Random, now: datetime) -> dict:
    sprints = []
    for board, project in enumerate(PROJECTS):
        for index in range(27):
            begins = now - YEAR + timedelta(days=14 * index)
            end = begins + timedelta(days=14)
            sprints.append(
                Sprint(
                    integration=integration,
                    external_id=f"sprint-{board}-{index}",
                    board_id=str(board + 1),
                    name=f"{project} sprint {index + 1}",
                    state="closed" if end < now else ("active" if begins < now else "future"),
                    start_at=begins,
                    end_at=end,
                    completed_at=end if end < now else None,
                )
            )
    Sprint.objects.bulk_create(sprints, batch_size=BATCH)
    counts = dict.fromkeys(["work_items", "status_changes", "memberships", "finishes"], 0)
    counts["sprints"] = len(sprints)
    for start in range(0, total, CHUNK):
        items, histories = [], []
        for number in range(start + 1, min(total, start + CHUNK) + 1):
            created = now - YEAR * rng.random()
            started = created + timedelta(hours=rng.uniform(1, 240))
            done = started + timedelta(hours=rng.uniform(2, 400))
            category = "done" if done < now else ("in_progress" if started < now else "todo")
            if category == "done" and rng.random() < 0.1:
                category = "in_progress"  # still open: old work in progress, for aging
            is_done = category == "done"
            project = PROJECTS[number % len(PROJECTS)]
            items.append(
                WorkItem(
                    integration=integration,
                    external_id=f"issue-{number}",
                    key=f"{project}-{number}",
                    title=f"Work item {number}",
                    kind="bug" if number % 4 == 0 else "story",
                    status={"todo": "To Do", "in_progress": "In Progress", "done": "Done"}[
                        category
                    ],
                    status_category=category,
                    source_category=category,  # Jira's statusCategory, as a sync stores it
                    url=f"https://jira.example/browse/{project}-{number}",
                    created_at=created,
                    updated_at=done if is_done else started if started < now else created,
                    resolved_at=done if is_done else None,
                    story_points=float(rng.choice([1, 2, 3, 5, 8])),
                    assignee=rng.choice(PEOPLE),
                    container=project,
                    started_at=started if started < now else None,
                    done_at=done if is_done else None,
                    initial_category="todo",
                    lead_time_minutes=_minutes(created, done) if is_done else None,
                    cycle_time_minutes=_minutes(started, done) if is_done else None,
                )
            )
            histories.append((started, done, category))
        WorkItem.objects.bulk_create(items, batch_size=BATCH)
        changes, memberships, finishes = [], [], []
        for item, (started, done, category) in zip(items, histories, strict=True):
            if item.done_at is not None:  # its one finish, done now (metrics.derived)
                finishes.append(
                    WorkItemFinish(
                        integration=integration,
                        work_item=item,
                        done_at=item.done_at,
                        lead_time_minutes=item.lead_time_minutes,
                        cycle_time_minutes=item.cycle_time_minutes,
                    )
                )
            steps = []
            if category != "todo":
                steps.append(("To Do", "In Progress", "todo", "in_progress", started))
            if category == "done":
                steps.append(("In Progress", "Done", "in_progress", "done", done))
            for index, (old, new, old_cat, new_cat, at) in enumerate(steps):
                changes.append(
                    WorkItemChange(
                        integration=integration,
                        external_id=f"change-{item.external_id}-{index}",
                        work_item=item,
                        field="status",
                        from_value=old,
                        to_value=new,
                        from_category=old_cat,
                        to_category=new_cat,
                        from_source_category=old_cat,
                        to_source_category=new_cat,
                        previous_category=old_cat,
                        changed_at=at,
                        author=item.assignee,
                    )
                )
            board = PROJECTS.index(item.container)
            sprint_index = min(26, max(0, int((item.created_at - (now - YEAR)).days // 14)))
            memberships.append(
                SprintMembership(sprint=sprints[board * 27 + sprint_index], work_item=item)
            )
        WorkItemChange.objects.bulk_create(changes, batch_size=BATCH)
        SprintMembership.objects.bulk_create(memberships, batch_size=BATCH)
        WorkItemFinish.objects.bulk_create(finishes, batch_size=BATCH)
        counts["work_items"] += len(items)
        counts["finishes"] += len(finishes)
        counts["status_changes"] += len(changes)
        counts["memberships"] += len(memberships)
    # Each sprint's scope and the daily flow rollup, stored as a sync stores them.
    derived.refresh_sprints(integration, now)
    derived.refresh_flow_days(integration)
    derived.refresh_finish_days(integration)
    return counts
