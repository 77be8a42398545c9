from collections import Counter
from datetime import UTC

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncDate


def fill(apps, schema_editor):
    """Build every integration's FlowDay rows from the work items and status moves stored so
    far (as metrics.derived.refresh_flow_days does)."""
    WorkItem = apps.get_model("metrics", "WorkItem")
    WorkItemChange = apps.get_model("metrics", "WorkItemChange")
    FlowDay = apps.get_model("metrics", "FlowDay")
    counts = Counter()
    created = (
        WorkItem.objects.annotate(day=TruncDate("created_at", tzinfo=UTC))
        .order_by()
        .values("integration_id", "day", "initial_category")
        .annotate(n=Count("pk"))
        .values_list("integration_id", "day", "initial_category", "n")
    )
    for integration_id, day, entered, n in created:
        counts[(integration_id, day, "", entered)] += n
    moves = (
        WorkItemChange.objects.filter(field="status")
        .annotate(day=TruncDate("changed_at", tzinfo=UTC))
        .order_by()
        .values("integration_id", "day", "previous_category", "to_category")
        .annotate(n=Count("pk"))
        .values_list("integration_id", "day", "previous_category", "to_category", "n")
    )
    for integration_id, day, left, entered, n in moves:
        counts[(integration_id, day, left, entered)] += n
    FlowDay.objects.bulk_create(
        [
            FlowDay(
                integration_id=integration_id,
                day=day,
                left_category=left,
                entered_category=entered,
                items=n,
            )
            for (integration_id, day, left, entered), n in counts.items()
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_seed_sync_schedules"),
        ("metrics", "0007_pull_request_reviewed_before_merge"),
    ]

    operations = [
        migrations.CreateModel(
            name="FlowDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("left_category", models.CharField(blank=True, default="", max_length=12)),
                ("entered_category", models.CharField(blank=True, default="", max_length=12)),
                ("items", models.PositiveIntegerField()),
                (
                    "integration",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="integrations.integration",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("integration", "day", "left_category", "entered_category"),
                        name="unique_flow_day",
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
