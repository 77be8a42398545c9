"""An index the finished work items list reads in order: newest first, or oldest first for its
last page, without sorting every finish of the window."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("metrics", "0020_review_counts_for_load")]

    operations = [
        migrations.AddIndex(
            model_name="workitemfinish",
            index=models.Index(fields=["done_at", "id"], name="metrics_finish_done_id"),
        ),
    ]
