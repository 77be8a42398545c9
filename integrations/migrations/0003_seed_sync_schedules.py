"""Seed the sync schedules as PeriodicTask rows; from then on the admin owns them."""

import json

from django.db import migrations
from django.utils import timezone

SCHEDULES = [
    {
        "name": "Hourly sync of all integrations",
        "task": "integrations.tasks.periodic_sync_all_integrations_metrics_task",
        "every": 3600,
        "kwargs": {"trigger": "scheduled"},
        # A fan-out that could not start within its hour is replaced by the next one.
        "expire_seconds": 3300,
        "description": "Queues one incremental sync per active integration.",
    },
    {
        "name": "Weekly full reconcile",
        "task": "integrations.tasks.periodic_sync_all_integrations_metrics_task",
        "every": 7 * 86400,
        "kwargs": {"trigger": "reconcile"},
        "expire_seconds": 86400,
        "description": "Re-reads everything to catch deletions and edits incremental sync misses.",
    },
    {
        "name": "Sync sweep",
        "task": "integrations.tasks.sweep_sync_state_task",
        "every": 600,
        "kwargs": {},
        "expire_seconds": 540,
        "description": "Frees dead leases and re-queues integrations whose first sync never ran.",
    },
]


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for schedule in SCHEDULES:
        if PeriodicTask.objects.filter(name=schedule["name"]).exists():
            continue
        every, _ = IntervalSchedule.objects.get_or_create(every=schedule["every"], period="seconds")
        PeriodicTask.objects.create(
            name=schedule["name"],
            task=schedule["task"],
            interval=every,
            kwargs=json.dumps(schedule["kwargs"]),
            expire_seconds=schedule["expire_seconds"],
            description=schedule["description"],
        )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[s["name"] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_sync_lease"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
