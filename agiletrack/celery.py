"""The Celery application: configured from Django settings (the CELERY_* names)."""

import os

from celery import Celery

# Structured logging in worker and beat, task failure and retry counters (/metrics).
from agiletrack.observability import signals as _observability_signals  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agiletrack.settings")

app = Celery("agiletrack")
app.config_from_object("django.conf:settings", namespace="CELERY")

if app.conf.broker_url.startswith("sqla+"):
    # kombu's SQLAlchemy transport polls the message table once a second by default, and its
    # transport options are passed to create_engine, so the interval is set on the class.
    from kombu.transport.sqlalchemy import Transport

    Transport.polling_interval = 0.05

if app.conf.broker_url.startswith("sqla+sqlite:///"):
    # WAL, so a publisher's open read (web, beat) never blocks the worker's writes; the mode
    # is stored in the database file, so setting it once per process start is enough.
    import sqlite3

    with sqlite3.connect(app.conf.broker_url.removeprefix("sqla+sqlite:///"), timeout=30) as db:
        db.execute("PRAGMA journal_mode=WAL")

app.autodiscover_tasks()
