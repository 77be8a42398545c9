"""The window reads of the overview hold what they summarise: the merged pull requests' stage
times, size and review flag, the deployed ones' cycle time, and the finishes' times, beside the
keys they were indexed by, so PostgreSQL reads them from the index alone. Each replaces the plain
index on the same columns."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_webhook_deliveries"),
        ("metrics", "0024_aging_index_counted_items"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="pullrequest",
            name="metrics_pul_integra_2de1af_idx",
        ),
        migrations.RemoveIndex(
            model_name="pullrequest",
            name="metrics_pul_integra_8f03fb_idx",
        ),
        migrations.RemoveIndex(
            model_name="workitemfinish",
            name="metrics_wor_integra_7b3f52_idx",
        ),
        migrations.AddIndex(
            model_name="pullrequest",
            index=models.Index(
                fields=["integration", "merged_at"],
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
                ),
                name="metrics_pr_merged_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="pullrequest",
            index=models.Index(
                fields=["integration", "deployed_at"],
                include=("author_is_bot", "cycle_time_minutes"),
                name="metrics_pr_deployed_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="workitemfinish",
            index=models.Index(
                fields=["integration", "done_at"],
                include=("left_at", "lead_time_minutes", "cycle_time_minutes"),
                name="metrics_finish_window_idx",
            ),
        ),
    ]
