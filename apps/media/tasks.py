"""Celery tasks of the media service: each loads by id and calls one service.

Without CELERY_BROKER_URL (the embedded default) they run inline, right after the upload commits.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task
from django.db import connections

from apps.media.processing import media_process

logger = logging.getLogger(__name__)


def process_media_now(media_id: str) -> str | None:
    """Render the variants of a PROCESSING media; its status afterwards (None if it is gone)."""
    media = media_process(media_id=uuid.UUID(media_id))
    return None if media is None else str(media.status)


# Storage errors are retried with backoff; an image that cannot be used marks the media FAILED.
# (Celery is untyped: the task object is Any, and `process_media_now` is what is typed.)
process_media: Any = shared_task(
    name="apps.media.tasks.process_media",
    acks_late=True,
    autoretry_for=(OSError, BotoCoreError, ClientError),
    retry_backoff=True,
    max_retries=5,
)(process_media_now)


def process_in_background(media_id: str) -> None:
    """`process_media_now` on a thread of its own (no broker, an image too big for a request):
    a failure is logged, the row stays PROCESSING, and media_requeue_stuck tries it again."""
    try:
        process_media_now(media_id)
    except Exception:  # a background thread has no caller to raise to
        logger.exception("media processing failed in the background", extra={"media_id": media_id})
    finally:
        connections.close_all()
