"""The pull request page's five oldest open pull requests are read in index order: a partial
index of the open human non-draft ones by when they were opened."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_webhook_deliveries"),
        ("metrics", "0025_covering_window_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pullrequest",
            index=models.Index(
                condition=models.Q(
                    ("author_is_bot", False), ("is_draft", False), ("state", "open")
                ),
                fields=["created_at"],
                name="metrics_pr_open_idx",
            ),
        ),
    ]
