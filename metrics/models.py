"""Activity synced from providers: one row per provider object, unique per integration.

Every model has (integration, external_id) unique, so a repeated or retried sync upserts instead
of duplicating (metrics.ingest).
"""

from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce

from integrations.models import Integration
from metrics.indexes import PULL_REQUEST_INDEXES


class ActivityModel(models.Model):
    # No index of its own: the unique (integration, external_id) constraint starts with it, and
    # every index a table needs adds to the cost of each row a sync writes.
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    external_id = models.CharField(max_length=255)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def unique_per_integration(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["integration", "external_id"], name=name)


class PullRequest(ActivityModel):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        MERGED = "merged", "Merged"

    repository = models.CharField(max_length=200)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    author = models.CharField(max_length=200)
    author_is_bot = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices)
    is_draft = models.BooleanField(default=False)
    url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    merged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    first_commit_at = models.DateTimeField(null=True, blank=True)
    additions = models.PositiveIntegerField(null=True, blank=True)
    deletions = models.PositiveIntegerField(null=True, blank=True)
    changed_files = models.PositiveIntegerField(null=True, blank=True)
    merge_commit_sha = models.CharField(max_length=64, blank=True, default="")
    base_branch = models.CharField(max_length=255, blank=True, default="")
    head_branch = models.CharField(max_length=255, blank=True, default="")
    # When it was marked ready for review (left draft), oldest first, as ISO 8601 strings.
    ready_for_review_times = models.JSONField(default=list, blank=True)
    # Derived (metrics.derived): DevLake's per-PR spans in whole minutes, None when undefined.
    first_review_at = models.DateTimeField(null=True, blank=True)
    # Another human reviewed it before the merge (calculations.reviewed_before_merge); None
    # while unmerged.
    reviewed_before_merge = models.BooleanField(null=True, blank=True)
    deployed_at = models.DateTimeField(null=True, blank=True)
    coding_time_minutes = models.PositiveIntegerField(null=True, blank=True)
    pickup_time_minutes = models.PositiveIntegerField(null=True, blank=True)
    review_time_minutes = models.PositiveIntegerField(null=True, blank=True)
    deploy_time_minutes = models.PositiveIntegerField(null=True, blank=True)
    cycle_time_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [unique_per_integration("unique_pull_request")]
        indexes = PULL_REQUEST_INDEXES

    def __str__(self) -> str:
        return f"{self.repository}#{self.number}"


class Review(ActivityModel):
    pull_request = models.ForeignKey(PullRequest, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.CharField(max_length=200)
    reviewer_is_bot = models.BooleanField(default=False)
    state = models.CharField(max_length=20)
    submitted_at = models.DateTimeField()
    # A reply in a review thread (COMMENTED, no body): a response for pickup, not a review.
    is_reply = models.BooleanField(default=False)
    # Review load counts it (calculations.counts_in_review_load), stored at ingest.
    counts_for_load = models.BooleanField(default=False)

    class Meta:
        constraints = [unique_per_integration("unique_review")]
        indexes = [
            # Review load of a window reads this index alone (PostgreSQL: covering).
            models.Index(
                fields=["integration", "submitted_at"],
                include=["reviewer", "pull_request"],
                condition=models.Q(counts_for_load=True),
                name="review_load_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.state} on {self.pull_request_id}"


class Comment(ActivityModel):
    """A conversation comment on a pull request by someone other than its author (the first
    few: enough to find the pull request's first response); external_id is "comment:<id>"."""

    pull_request = models.ForeignKey(PullRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.CharField(max_length=200)
    author_is_bot = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [unique_per_integration("unique_comment")]

    def __str__(self) -> str:
        return f"{self.author} commented on {self.pull_request_id}"


class Commit(ActivityModel):
    """A commit of a pull request; external_id is "<repository>@<sha>"."""

    pull_request = models.ForeignKey(
        PullRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="commits"
    )
    repository = models.CharField(max_length=200)
    sha = models.CharField(max_length=64)
    author = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500, blank=True)
    authored_at = models.DateTimeField()
    committed_at = models.DateTimeField()

    class Meta:
        constraints = [unique_per_integration("unique_commit")]

    def __str__(self) -> str:
        return f"{self.repository}@{self.sha[:7]}"


class Deployment(ActivityModel):
    repository = models.CharField(max_length=200)
    source = models.CharField(max_length=20)
    environment = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20)
    sha = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    # Derived (metrics.deployed): a later production attempt of the same commit followed it
    # with no other deployment between, so only that last attempt counts (its outcome wins).
    superseded = models.BooleanField(default=False)

    class Meta:
        constraints = [unique_per_integration("unique_deployment")]
        indexes = [
            models.Index(fields=["integration", "created_at"]),
            # When a deployment counts as happened (finished, else created: the `at` of
            # selectors.common.production_deployments): DORA reads its windows by it.
            models.Index(
                F("integration"),
                Coalesce("finished_at", "created_at"),
                name="metrics_deploy_at_idx",
            ),
            # Before a DORA window, each repository's deployments since its last success
            # (selectors.dora.list_deployment_facts): a short range per repository.
            models.Index(
                F("integration"),
                F("repository"),
                Coalesce("finished_at", "created_at"),
                name="metrics_deploy_repo_at_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.repository} {self.environment} {self.status} at {self.created_at}"


class DeployedRange(ActivityModel):
    """What the provider's compare said lies between two consecutive successful production
    deployments of a repository: read once per new deployment and kept (external_id
    "repository:base...head")."""

    repository = models.CharField(max_length=200)
    base_sha = models.CharField(max_length=64)
    head_sha = models.CharField(max_length=64)
    status = models.CharField(max_length=20)  # ahead | behind | identical | diverged | unknown
    shas = models.JSONField(default=list, blank=True)  # oldest first; empty unless ahead

    class Meta:
        constraints = [unique_per_integration("unique_deployed_range")]

    def __str__(self) -> str:
        return f"{self.repository} {self.base_sha[:7]}...{self.head_sha[:7]} {self.status}"


class DefaultBranch(ActivityModel):
    """A repository's default branch, as its deployments stream last read it (external_id: the
    repository): pull requests merged into another branch are not deployed."""

    repository = models.CharField(max_length=200)
    name = models.CharField(max_length=255)

    class Meta:
        constraints = [unique_per_integration("unique_default_branch")]

    def __str__(self) -> str:
        return f"{self.repository} {self.name}"


class Incident(ActivityModel):
    repository = models.CharField(max_length=200)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    labels = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [unique_per_integration("unique_incident")]

    def __str__(self) -> str:
        return f"{self.repository}#{self.number} {self.title}"


class Sprint(ActivityModel):
    board_id = models.CharField(max_length=100)
    name = models.CharField(max_length=255)
    state = models.CharField(max_length=10)
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    goal = models.TextField(blank=True, default="")
    # Derived (metrics.derived) from the history of its items, as docs/metrics.md defines them;
    # an active sprint is read as of the last sync.
    committed_points = models.FloatField(null=True, blank=True)
    added_points = models.FloatField(null=True, blank=True)
    removed_points = models.FloatField(null=True, blank=True)
    completed_points = models.FloatField(null=True, blank=True)
    remaining_points = models.FloatField(null=True, blank=True)
    completed_items = models.PositiveIntegerField(null=True, blank=True)
    # Not done at close and moved into another sprint from then on (Jira's carry-over).
    carry_over_items = models.PositiveIntegerField(null=True, blank=True)
    carry_over_points = models.FloatField(null=True, blank=True)
    # Work item ids in the sprint at close but done since before its start: listed, not counted.
    completed_outside = models.JSONField(default=list, blank=True)
    # The moment the stored scope was read at: the sprint's close (completed, else its planned
    # end) once it has closed, else the refresh time. Metrics use the stored scope of a closed
    # sprint only when it was read at its close.
    scope_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [unique_per_integration("unique_sprint")]

    def __str__(self) -> str:
        return self.name


class WorkItem(ActivityModel):
    """A Jira issue or a Trello card."""

    class Category(models.TextChoices):
        TODO = "todo", "To do"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        # A Trello card archived outside done: off the board (no WIP, aging or flow band).
        ARCHIVED = "archived", "Archived"

    key = models.CharField(max_length=100)
    title = models.CharField(max_length=500)
    kind = models.CharField(max_length=50)
    status = models.CharField(max_length=100)
    status_category = models.CharField(max_length=12, choices=Category.choices)
    # The provider's own category of the status (Jira's status category, Trello's guess from the
    # list name; "" when the guess cannot place it), kept so a mapping change re-derives
    # status_category without a re-sync.
    source_category = models.CharField(max_length=12, blank=True, default="")
    url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    story_points = models.FloatField(null=True, blank=True)
    assignee = models.CharField(max_length=200, blank=True, default="")
    container = models.CharField(max_length=100, blank=True, default="")
    sprints = models.ManyToManyField(Sprint, through="SprintMembership", related_name="work_items")
    # Derived (metrics.derived) from the status history: first entry into in progress, last
    # entry into done (items done now), the category it was created in, and the two spans.
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    initial_category = models.CharField(max_length=12, blank=True, default="")
    lead_time_minutes = models.PositiveIntegerField(null=True, blank=True)
    cycle_time_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Derived: of a kind the integration leaves out of flow metrics (Jira epics by default).
    left_out = models.BooleanField(default=False)

    class Meta:
        constraints = [unique_per_integration("unique_work_item")]
        indexes = [
            models.Index(fields=["integration", "resolved_at"]),
            # Aging WIP ages the items in progress from the index alone on PostgreSQL (of the
            # items flow metrics count: left-out kinds are not in it).
            models.Index(
                fields=["integration", "status_category"],
                include=["started_at", "created_at", "id"],
                condition=models.Q(left_out=False),
                name="metrics_item_aging_idx",
            ),
            models.Index(fields=["integration", "done_at"]),
            # Items created per day by initial category (the cumulative flow), from the index
            # alone on PostgreSQL.
            models.Index(
                fields=["integration", "created_at"],
                include=["initial_category"],
                name="metrics_item_created_idx",
            ),
            # The statuses the provider gave no category (the work items page's reading notes):
            # a handful of rows, found without reading every item.
            models.Index(
                fields=["integration", "status"],
                condition=models.Q(source_category=""),
                name="metrics_item_unplaced_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"


class SprintMembership(models.Model):
    """A work item currently in a sprint (history is in WorkItemChange with field "sprint")."""

    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE)
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sprint", "work_item"], name="unique_sprint_membership")
        ]

    def __str__(self) -> str:
        return f"{self.work_item_id} in {self.sprint_id}"


class WorkItemChange(ActivityModel):
    """One change of a work item's status, sprint or story points, from its history.

    An empty from_value means the field had no value before (e.g. the first sprint)."""

    # Indexed by (work_item, changed_at) below.
    work_item = models.ForeignKey(
        WorkItem, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    field = models.CharField(max_length=20)
    from_value = models.CharField(max_length=255, blank=True, default="")
    to_value = models.CharField(max_length=255, blank=True, default="")
    from_category = models.CharField(max_length=12, blank=True, default="")
    to_category = models.CharField(max_length=12, blank=True, default="")
    # The provider's own categories of both statuses (see WorkItem.source_category).
    from_source_category = models.CharField(max_length=12, blank=True, default="")
    to_source_category = models.CharField(max_length=12, blank=True, default="")
    # Derived (metrics.derived): the category the item left, read from the history itself (the
    # previous change's to_category), so day-by-day flow sums never drift from the timeline.
    previous_category = models.CharField(max_length=12, blank=True, default="")
    changed_at = models.DateTimeField()
    author = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [unique_per_integration("unique_work_item_change")]
        indexes = [
            models.Index(fields=["work_item", "changed_at"]),
            models.Index(fields=["field", "changed_at"]),
            # The cumulative flow counts an integration's status moves per day; on PostgreSQL the
            # index also holds both categories, so the count reads the index alone.
            models.Index(
                fields=["integration", "field", "changed_at"],
                include=["previous_category", "to_category"],
                name="metrics_change_flow_idx",
            ),
            # The statuses moved to that the provider gave no category (reading notes).
            models.Index(
                fields=["integration", "to_value"],
                condition=models.Q(field="status", to_source_category=""),
                name="metrics_change_unplaced_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.from_value} → {self.to_value}"


class WorkItemFinish(models.Model):
    """Derived (metrics.derived): one stretch a work item spent in done, from its move into done
    to its move out (None: done now), with the lead and cycle minutes of that finish. A window
    counts the finishes in it whose item is still done at its end (calculations.finish_in)."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="finishes")
    done_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    lead_time_minutes = models.PositiveIntegerField(null=True, blank=True)
    cycle_time_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            # Throughput, lead and cycle time read the window's finishes from the index alone.
            models.Index(
                fields=["integration", "done_at"],
                include=["left_at", "lead_time_minutes", "cycle_time_minutes"],
                name="metrics_finish_window_idx",
            ),
            # The finished work items list, newest first (or oldest: its last page), read in
            # index order from either end instead of sorting every finish of the window.
            models.Index(fields=["done_at", "id"], name="metrics_finish_done_id"),
            # The few finishes since left done, which throughput adds to the daily rollup
            # (FinishDay) when the window ended before they left.
            models.Index(
                fields=["integration", "done_at"],
                condition=models.Q(left_at__isnull=False),
                name="metrics_finish_left_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_item_id} done {self.done_at:%Y-%m-%d %H:%M}"


class FlowDay(models.Model):
    """How many work items of an integration entered a status category on one local day of
    `time_zone` (its team's zone when the rows were built), per category left: creations (left
    = "") and status moves (WorkItemChange.previous_category -> to_category). metrics.derived
    rebuilds an integration's rows with its derived values; the cumulative flow of a window in
    the same zone is summed from here instead of counting every row.
    """

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    time_zone = models.CharField(max_length=64, default="UTC")
    left_category = models.CharField(max_length=12, blank=True, default="")
    entered_category = models.CharField(max_length=12, blank=True, default="")
    items = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "day", "left_category", "entered_category"],
                name="unique_flow_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.items} {self.left_category or 'new'} -> {self.entered_category}"


class FinishDay(models.Model):
    """How many finishes (WorkItemFinish) of an integration whose item is still done moved into
    done on one local day of `time_zone` (its team's zone when the rows were built). Rebuilt
    with the finishes (metrics.derived); throughput per period over whole local days in the same
    zone is summed from here, plus the few finishes since left done, instead of counting every
    finish of the window."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    time_zone = models.CharField(max_length=64, default="UTC")
    finishes = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "day"], name="unique_finish_day")
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.finishes} done"
