"""Periodic tasks in the admin read as words ("every hour", "weekly, Monday 03:00")."""

import re

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from agiletrack.schedules import crontab_label, interval_label

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("every", "period", "label"),
    [
        (3600, "seconds", "every hour"),
        (604800, "seconds", "every week"),
        (600, "seconds", "every 10 minutes"),
        (2, "days", "every 2 days"),
        (90, "seconds", "every 90 seconds"),
        (1, "minutes", "every minute"),
    ],
)
def test_intervals_are_named_in_the_largest_whole_unit(every, period, label):
    assert interval_label(every, period) == label


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        (("0", "3", "*", "*", "1"), "weekly, Monday 03:00"),
        (("30", "23", "*", "*", "sun,sat"), "weekly, Sunday and Saturday 23:30"),
        (("0", "3", "*", "*", "*"), "daily, 03:00"),
        (("15", "*", "*", "*", "*"), "hourly, at :15"),
        (("*/10", "*", "*", "*", "*"), "every 10 minutes"),
        (("0", "6", "1", "*", "*"), "monthly, day 1 06:00"),
        (("0", "6", "1", "1", "*"), "cron 0 6 1 1 *"),
    ],
)
def test_common_crontabs_read_as_words(fields, label):
    assert crontab_label(*fields) == label


def test_the_periodic_task_list_says_how_often_each_runs(admin_client):
    weekly = CrontabSchedule.objects.create(minute="0", hour="3", day_of_week="1")
    PeriodicTask.objects.create(name="Weekly report", task="x.report", crontab=weekly)

    response = admin_client.get("/admin/django_celery_beat/periodictask/")

    page = response.content.decode()
    # The schedules the migrations seed, and the crontab added here.
    for name, label in [
        ("Hourly sync of all integrations", "every hour"),
        ("Weekly full reconcile", "every week"),
        ("Sync sweep", "every 10 minutes"),
        ("Weekly report", "weekly, Monday 03:00"),
    ]:
        row = next(r for r in re.findall(r"<tr.*?</tr>", page, re.S) if name in r)
        assert f'<td class="field-schedule">{label}</td>' in row, name
    shown = re.sub(r"<[^>]+>", " ", page)
    assert "every 30 seconds" in shown  # the beat heartbeat: seconds only when not whole minutes
    assert not re.search(r"every (604800|3600|600) seconds", shown)
