"""Beat schedules in words for the admin: "every hour", "weekly, Monday 03:00", not seconds."""

from __future__ import annotations

from typing import Any

# (seconds, singular, plural): an interval is named in the largest unit that divides it.
UNITS = (
    (7 * 86400, "week", "weeks"),
    (86400, "day", "days"),
    (3600, "hour", "hours"),
    (60, "minute", "minutes"),
    (1, "second", "seconds"),
)
PERIOD_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}
# Celery's crontab counts days of the week from Sunday (0, or 7).
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
DAY_NAMES = {name[:3].lower(): i for i, name in enumerate(DAYS)}


def interval_label(every: int, period: str) -> str:
    """An interval as "every hour", "every 10 minutes", "every week"."""
    seconds = every * PERIOD_SECONDS.get(period, 1)
    if seconds < 1 or seconds != int(seconds):
        return f"every {every} {period}"
    for size, one, many in UNITS:
        if seconds % size == 0:
            count = int(seconds // size)
            return f"every {one}" if count == 1 else f"every {count} {many}"
    return f"every {every} {period}"  # pragma: no cover - seconds always divide


def _day(field: str) -> str | None:
    field = field.strip().lower()
    if field.isdigit() and int(field) <= 7:
        return DAYS[int(field) % 7]
    return DAYS[DAY_NAMES[field[:3]]] if field[:3] in DAY_NAMES else None


def crontab_label(minute: str, hour: str, day_of_month: str, month: str, day_of_week: str) -> str:
    """The common crontabs in words ("hourly, at :15", "daily, 03:00", "weekly, Monday 03:00",
    "monthly, day 1 03:00", "every 10 minutes"); other ones as their five fields."""
    fixed_minute, fixed_hour = minute.isdigit(), hour.isdigit()
    clock = f"{int(hour):02d}:{int(minute):02d}" if fixed_minute and fixed_hour else ""
    every_month = month == "*"
    every_day = (hour, day_of_month, month, day_of_week) == ("*", "*", "*", "*")
    if minute.startswith("*/") and minute[2:].isdigit() and every_day:
        return interval_label(int(minute[2:]), "minutes")
    if fixed_minute and every_day:
        return f"hourly, at :{int(minute):02d}"
    if clock and every_month and day_of_month == "*":
        if day_of_week == "*":
            return f"daily, {clock}"
        days = [_day(part) for part in day_of_week.split(",")]
        if all(days):
            return f"weekly, {' and '.join(d for d in days if d)} {clock}"
    if clock and every_month and day_of_month.isdigit() and day_of_week == "*":
        return f"monthly, day {int(day_of_month)} {clock}"
    return f"cron {minute} {hour} {day_of_month} {month} {day_of_week}"


def schedule_label(task: Any) -> str:
    """How often a django-celery-beat PeriodicTask runs, in words (its time zone if not UTC)."""
    if task.interval_id:
        label = interval_label(task.interval.every, task.interval.period)
    elif task.crontab_id:
        cron = task.crontab
        label = crontab_label(
            cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week
        )
        zone = str(cron.timezone)
        if zone != "UTC":
            label += f" ({zone})"
    elif task.solar_id:
        label = f"at {task.solar.get_event_display().lower()}"
    elif task.clocked_id:
        label = f"once, {task.clocked.clocked_time:%Y-%m-%d %H:%M}"
    else:
        label = "no schedule"
    return f"{label}, once" if task.one_off and not task.clocked_id else label
