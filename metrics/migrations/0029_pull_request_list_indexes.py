"""The pull request page's default list (merged newest first) and its slowest merged ones are
read in order from indexes that start with the integration."""

from django.db import migrations, models

import metrics.indexes


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_webhook_deliveries"),
        ("metrics", "0028_deployment_repository_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="pullrequest",
            name="metrics_pr_merged_idx",
        ),
        migrations.AddIndex(
            model_name="pullrequest",
            index=metrics.indexes.ListIndex(
                models.F("integration"),
                models.OrderBy(models.F("merged_at"), descending=True, nulls_last=True),
                models.OrderBy(models.F("id"), descending=True),
                include=(
                    "author_is_bot",
                    "coding_time_minutes",
                    "pickup_time_minutes",
                    "review_time_minutes",
                    "deploy_time_minutes",
                    "cycle_time_minutes",
                    "additions",
                    "deletions",
                    "reviewed_before_merge",
                    "created_at",
                    "closed_at",
                    "deployed_at",
                ),
                name="metrics_pr_merged_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="pullrequest",
            index=models.Index(
                fields=["integration", "-cycle_time_minutes", "-id"],
                include=("merged_at", "author_is_bot"),
                name="metrics_pr_slowest_idx",
            ),
        ),
    ]
