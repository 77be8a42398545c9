"""Seed the beat heartbeat as a PeriodicTask row; from then on the admin owns it."""

from django.db import migrations
from django.utils import timezone

TASK = "agiletrack.tasks.beat_heartbeat_task"
NAME = "Beat heartbeat"
EVERY_SECONDS = 30


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    every, _ = IntervalSchedule.objects.get_or_create(every=EVERY_SECONDS, period="seconds")
    PeriodicTask.objects.create(
        name=NAME,
        task=TASK,
        interval=every,
        # A heartbeat that could not run in its own interval is worthless later.
        expire_seconds=EVERY_SECONDS,
        description="Proves that beat sends and a worker runs tasks; read by /healthz.",
    )
    # Tell a running beat that the schedule changed (historical models skip the model's signals).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agiletrack", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
