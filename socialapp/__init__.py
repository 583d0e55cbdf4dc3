"""The Django project: settings, routing of databases and URLs, and the shared event framework."""

from socialapp.celery import app as celery_app

__all__ = ["celery_app"]
