"""Processing through a real Celery worker on Redis (what CELERY_BROKER_URL switches on): the
upload answers PROCESSING without URLs, the worker makes the variants, the media turns READY."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from apps.media.models import Media, MediaStatus
from apps.media.services import media_upload
from apps.media.uploads import ReceivedFile
from socialapp.celery import app as celery_app
from tests.media import images
from tests.media.conftest import StorageUnderTest

pytestmark = pytest.mark.django_db(databases=["media"], transaction=True)


@pytest.fixture
def broker() -> Iterator[Any]:
    """Tasks go to Redis (this session's database) instead of running inline."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    celery_app.conf.update(task_always_eager=False, broker_url=settings.REDIS_URL or "redis://127.0.0.1:6379/11")
    try:
        yield celery_app
    finally:
        celery_app.conf.update(saved)


def wait_for(media_id: uuid.UUID, status: str, timeout: float = 20) -> Media:
    deadline = time.monotonic() + timeout
    while True:
        media = Media.objects.get(pk=media_id)
        if media.status == status or time.monotonic() > deadline:
            return media
        time.sleep(0.05)


def test_a_worker_processes_what_the_upload_queued(broker: Any, media_storage: StorageUnderTest) -> None:
    accepted = media_upload(owner_id=uuid.uuid4(), upload=ReceivedFile.from_bytes(images.jpeg()))

    assert accepted.status == MediaStatus.PROCESSING
    assert list(media_storage.objects()) == [accepted.staged_name]  # only the upload, waiting

    with start_worker(broker, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        ready = wait_for(accepted.id, MediaStatus.READY)

    assert ready.status == MediaStatus.READY
    assert ready.staged_name == ""
    assert len(media_storage.objects()) == 3
