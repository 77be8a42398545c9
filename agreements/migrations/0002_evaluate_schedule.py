"""The evaluation schedule's beat row (seeded by the evaluation's own migration)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
