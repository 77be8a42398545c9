"""AgileTrack: engineering metrics from GitHub, Jira and Trello."""

from agiletrack.celery import app as celery_app

__all__ = ("celery_app",)
