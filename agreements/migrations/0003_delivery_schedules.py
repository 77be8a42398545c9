"""Seed the alert delivery schedules as PeriodicTask rows; from then on the admin owns them."""

import json

from django.db import migrations
from django.utils import timezone

SCHEDULES = [
    {
        "name": "Send alert deliveries",
        "task": "agreements.tasks.send_deliveries_task",
        "every": 60,
        "expire_seconds": 55,
        "description": "Backstop: sends deliveries due (retries, the end of quiet hours); new "
        "deliveries are also sent as soon as they are committed.",
    },
    {
        "name": "Weekly digest",
        "task": "agreements.tasks.weekly_digest_task",
        "every": 3600,
        "expire_seconds": 3300,
        "description": "Queues each team's weekly digest once per week, after Monday 09:00 in "
        "the team's time zone.",
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
            kwargs=json.dumps({}),
            expire_seconds=schedule["expire_seconds"],
            description=schedule["description"],
        )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[s["name"] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0002_evaluate_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
