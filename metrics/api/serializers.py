"""Serializers of the activity lists and of the metric reports (so the schema describes them)."""

from rest_framework import serializers

from metrics.calculations import BAND_TABLES, say_do
from metrics.models import Deployment, PullRequest, Sprint, WorkItem


class PullRequestSerializer(serializers.ModelSerializer):
    size = serializers.SerializerMethodField(help_text="Lines changed: additions + deletions.")

    class Meta:
        model = PullRequest
        fields = [
            "id", "integration", "repository", "number", "title", "author", "author_is_bot",
            "state", "is_draft", "url", "created_at", "merged_at", "closed_at", "additions",
            "deletions", "changed_files", "size", "first_review_at", "deployed_at",
            "coding_time_minutes", "pickup_time_minutes", "review_time_minutes",
            "deploy_time_minutes", "cycle_time_minutes",
        ]  # fmt: skip

    def get_size(self, pr: PullRequest) -> int | None:
        if pr.additions is None or pr.deletions is None:
            return None
        return pr.additions + pr.deletions


class DeploymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deployment
        fields = [
            "id", "integration", "repository", "source", "environment", "name", "status", "sha",
            "created_at", "finished_at", "url",
        ]  # fmt: skip


class WorkItemSerializer(serializers.ModelSerializer):
    sprints = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name", help_text="Sprints it is in now."
    )

    class Meta:
        model = WorkItem
        fields = [
            "id", "integration", "key", "title", "kind", "status", "status_category",
            "story_points", "assignee", "url", "created_at", "started_at", "resolved_at",
            "done_at", "lead_time_minutes", "cycle_time_minutes", "sprints",
        ]  # fmt: skip


class SprintSerializer(serializers.ModelSerializer):
    say_do = serializers.SerializerMethodField(
        help_text="Completed points over committed points; null when nothing was committed."
    )
    completed_outside = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Ids of the work items in it at close but done before it started (not counted).",
    )

    class Meta:
        model = Sprint
        fields = [
            "id", "integration", "board_id", "name", "state", "start_at", "end_at",
            "completed_at", "goal", "committed_points", "added_points", "removed_points",
            "completed_points", "remaining_points", "completed_items", "scope_read_at",
            "say_do", "carry_over_items", "carry_over_points", "completed_outside",
        ]  # fmt: skip

    def get_say_do(self, sprint: Sprint) -> float | None:
        return say_do(sprint.completed_points, sprint.committed_points)


# --- Metric reports ------------------------------------------------------------------------


class SummarySerializer(serializers.Serializer):
    """Count, median, p75, p90, mean, min and max (minutes unless said otherwise)."""

    count = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True)
    p75 = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)


BANDS = ["elite", "high", "medium", "low"]
REASONS = ["no_deployments_configured", "no_incidents_labelled", "nothing_in_window"]


def reason_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=REASONS,
        allow_null=True,
        help_text=(
            "Why band is null (n/a): no production deployment stored for the scope, no incident "
            "stored for it, or nothing the metric counts in the window. Null when banded."
        ),
    )


class DeploymentFrequencySerializer(serializers.Serializer):
    deployments = serializers.IntegerField()
    deployment_days = serializers.IntegerField()
    per_day = serializers.FloatField(help_text="Per day of the window elapsed by now.")
    per_week = serializers.FloatField(help_text="Per 7 days of the window elapsed by now.")
    median_deployment_days_per_week = serializers.FloatField()
    median_deployment_days_per_month = serializers.FloatField()
    band = serializers.ChoiceField(choices=BANDS, allow_null=True)
    reason = reason_field()


class BandedSummarySerializer(serializers.Serializer):
    summary = SummarySerializer()
    band = serializers.ChoiceField(choices=BANDS, allow_null=True)
    reason = reason_field()


class ChangeFailureRateSerializer(serializers.Serializer):
    deployments = serializers.IntegerField()
    failed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    band = serializers.ChoiceField(choices=BANDS, allow_null=True)
    reason = reason_field()
    unlinked_incidents = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=(
            "Ids of incidents opened in the window linked to no deployment: none finished before "
            "them within AGILETRACK_INCIDENT_LINK_WINDOW_DAYS."
        ),
    )


class TimeToRestoreSerializer(BandedSummarySerializer):
    summary = SummarySerializer(help_text="Incident opened -> resolved, whole minutes truncated.")
    failed_deployment_recovery = SummarySerializer(
        help_text="Alias of failed_deployment_recovery_time.summary (its former place), kept for "
        "existing clients."
    )


class DoraSerializer(serializers.Serializer):
    deployment_frequency = DeploymentFrequencySerializer()
    lead_time_for_changes = BandedSummarySerializer()
    change_failure_rate = ChangeFailureRateSerializer()
    time_to_restore = TimeToRestoreSerializer()
    failed_deployment_recovery_time = BandedSummarySerializer(
        help_text="A failed deployment to the next successful production deployment of its "
        "repository, or an incident-linked deployment to the incident's resolution; whole "
        "minutes truncated."
    )
    bands_table = serializers.ChoiceField(
        choices=sorted(BAND_TABLES), help_text="The team's band table (Team.dora_bands)."
    )
    bands_source = serializers.CharField(help_text="The report the band table comes from.")


class StagesSerializer(serializers.Serializer):
    coding = SummarySerializer()
    pickup = SummarySerializer()
    review = SummarySerializer()
    deploy = SummarySerializer()
    cycle = SummarySerializer()


class ReviewLoadSerializer(serializers.Serializer):
    reviewer = serializers.CharField()
    reviews = serializers.IntegerField()
    pull_requests = serializers.IntegerField()


class PullRequestThroughputSerializer(serializers.Serializer):
    merged = serializers.IntegerField()
    per_week = serializers.FloatField()


class MergedWithoutReviewSerializer(serializers.Serializer):
    merged = serializers.IntegerField()
    without_review = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class OpenPullRequestsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    age = SummarySerializer()


class PullRequestMetricsSerializer(serializers.Serializer):
    stages = StagesSerializer()
    size = SummarySerializer(help_text="Lines changed, not minutes.")
    throughput = PullRequestThroughputSerializer()
    review_load = ReviewLoadSerializer(many=True)
    merged_without_review = MergedWithoutReviewSerializer()
    open = OpenPullRequestsSerializer()


class FlowDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    todo = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    done = serializers.IntegerField()


class WorkItemThroughputSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    per_week = serializers.FloatField()


class WipSerializer(serializers.Serializer):
    at_window_end = serializers.IntegerField()


class WorkItemMetricsSerializer(serializers.Serializer):
    lead_time = SummarySerializer()
    cycle_time = SummarySerializer()
    throughput = WorkItemThroughputSerializer()
    wip = WipSerializer()
    aging_wip = OpenPullRequestsSerializer()
    cumulative_flow = FlowDaySerializer(many=True)


class CompletedOutsideSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    story_points = serializers.FloatField(allow_null=True)


class SprintScopeSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    state = serializers.ChoiceField(
        choices=["closed", "active"], help_text="Jira's sprint state: it decides, not the dates."
    )
    start_at = serializers.DateTimeField()
    end_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    committed_points = serializers.FloatField()
    added_points = serializers.FloatField()
    removed_points = serializers.FloatField()
    completed_points = serializers.FloatField()
    remaining_points = serializers.FloatField()
    completed_items = serializers.IntegerField(help_text="Items in it and done during it.")
    say_do = serializers.FloatField(
        allow_null=True, help_text="Completed over committed points; null when none committed."
    )
    carry_over_items = serializers.IntegerField(
        help_text="Items not done at close and moved into another sprint from then on."
    )
    carry_over_points = serializers.FloatField()
    completed_outside = CompletedOutsideSerializer(
        many=True, help_text="Items in it at close but done before it started: not counted."
    )


class BurndownPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    remaining_points = serializers.FloatField()


class BurndownMomentSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    remaining_points = serializers.FloatField()


class ScopeChangeDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    added_points = serializers.FloatField()
    removed_points = serializers.FloatField()


class ActiveSprintSerializer(SprintScopeSerializer):
    burndown = BurndownPointSerializer(
        many=True, help_text="Points in it and not done at the end of each local day."
    )
    burndown_start = BurndownMomentSerializer(help_text="The start, at the committed points.")
    ideal = BurndownMomentSerializer(
        many=True, help_text="From the committed points at the start to 0 at the planned end."
    )
    scope_changes = ScopeChangeDaySerializer(
        many=True, help_text="Points that joined and left the sprint, per local day."
    )


class VelocitySerializer(serializers.Serializer):
    sprints = serializers.ListField(
        child=serializers.CharField(),
        help_text="Ids of the last `last` closed sprints, whatever the window, by complete date.",
    )
    names = serializers.ListField(child=serializers.CharField())
    completed_points = serializers.ListField(child=serializers.FloatField())
    mean = serializers.FloatField(allow_null=True)
    completed_items = serializers.ListField(child=serializers.IntegerField())
    mean_items = serializers.FloatField(allow_null=True)
    last = serializers.IntegerField()
    committed_points = serializers.ListField(child=serializers.FloatField())
    say_do = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="Each sprint's completed over committed points (null: none committed).",
    )
    carry_over_items = serializers.ListField(child=serializers.IntegerField())
    carry_over_points = serializers.ListField(child=serializers.FloatField())


class BoardSprintsSerializer(serializers.Serializer):
    integration = serializers.IntegerField()
    sprints = SprintScopeSerializer(many=True)
    velocity = VelocitySerializer()
    active_sprint = ActiveSprintSerializer(allow_null=True)


class SprintMetricsSerializer(serializers.Serializer):
    boards = BoardSprintsSerializer(many=True)


class WindowSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    time_zone = serializers.CharField()
    integrations = serializers.ListField(child=serializers.IntegerField())
    data_start = serializers.DateField(
        allow_null=True,
        help_text="The first local day with synced activity (null: none yet). A window starting "
        "before it counts from there: rates divide by the days from this date.",
    )


class MetricsSerializer(serializers.Serializer):
    """Every metric family of a team (or some of its integrations) for a window."""

    window = WindowSerializer()
    dora = DoraSerializer()
    pull_requests = PullRequestMetricsSerializer()
    work_items = WorkItemMetricsSerializer()
    sprints = SprintMetricsSerializer()


class StageMediansSerializer(serializers.Serializer):
    coding = serializers.FloatField(allow_null=True)
    pickup = serializers.FloatField(allow_null=True)
    review = serializers.FloatField(allow_null=True)
    deploy = serializers.FloatField(allow_null=True)
    cycle = serializers.FloatField(allow_null=True)


class TimeseriesPointSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="First local day of the day, week or month.")
    value = serializers.FloatField(
        allow_null=True, help_text="The count, rate or median minutes of the period."
    )
    count = serializers.IntegerField(
        allow_null=True, help_text="How many values the median or rate is over."
    )
    stages = StageMediansSerializer(
        allow_null=True, help_text="pull_request_stages only: the median of each stage."
    )
    partial = serializers.BooleanField(
        help_text="The period is not wholly inside the window up to now: a first or last period "
        "the window cuts, or one still running."
    )


class TimeseriesSerializer(serializers.Serializer):
    metric = serializers.CharField()
    interval = serializers.ChoiceField(choices=["day", "week", "month"])
    window = WindowSerializer()
    points = TimeseriesPointSerializer(many=True)
