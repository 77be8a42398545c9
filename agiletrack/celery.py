"""The Celery application: configured from Django settings (the CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agiletrack.settings")

app = Celery("agiletrack")
app.config_from_object("django.conf:settings", namespace="CELERY")

if app.conf.broker_url.startswith("sqla+"):
    # kombu's SQLAlchemy transport polls the message table once a second by default, and its
    # transport options are passed to create_engine, so the interval is set on the class.
    from kombu.transport.sqlalchemy import Transport

    Transport.polling_interval = 0.05

app.autodiscover_tasks()
