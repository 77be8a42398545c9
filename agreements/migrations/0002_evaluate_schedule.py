"""Seed the agreements' evaluation schedule as a PeriodicTask row; from then on the admin owns it."""

import json

from django.db import migrations
from django.utils import timezone

NAME = "Evaluate working agreements"


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    every, _ = IntervalSchedule.objects.get_or_create(every=900, period="seconds")
    PeriodicTask.objects.create(
        name=NAME,
        task="agreements.tasks.evaluate_agreements_task",
        interval=every,
        kwargs=json.dumps({}),
        # A run that could not start before the next one is replaced by it.
        expire_seconds=840,
        description="Evaluates every active working agreement (a backstop: a sync that "
        "changed a team's data queues its evaluation at once).",
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
