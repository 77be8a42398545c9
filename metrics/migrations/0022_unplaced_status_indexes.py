"""Indexes the work items page's reading notes read: the statuses a provider gave no category,
a handful of rows, found without reading every work item and status change."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("metrics", "0021_list_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="workitem",
            index=models.Index(
                condition=models.Q(source_category=""),
                fields=["integration", "status"],
                name="metrics_item_unplaced_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="workitemchange",
            index=models.Index(
                condition=models.Q(field="status", to_source_category=""),
                fields=["integration", "to_value"],
                name="metrics_change_unplaced_idx",
            ),
        ),
    ]
