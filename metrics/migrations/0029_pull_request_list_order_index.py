"""The pull request page's lists in their default order (merged newest first, then the unmerged
ones) read a page at either end as the first 50 rows of an index, forward or backward, not as a
sort of every pull request of the window. PostgreSQL only: SQLite cannot index NULLS LAST, and
orders a few thousand demo rows quickly without it."""

from django.db import migrations

INDEX = "metrics_pr_merged_order_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON metrics_pullrequest "
            "(merged_at DESC NULLS LAST, id DESC)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0028_deployment_repository_index"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
