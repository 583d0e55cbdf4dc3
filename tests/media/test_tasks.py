"""Processing through a real Celery worker on Redis (what CELERY_BROKER_URL switches on): the
upload answers PROCESSING without URLs, the worker makes the variants, the media turns READY."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from apps.media.models import Media, MediaStatus
from apps.media.services import media_requeue_stuck, media_upload
from apps.media.uploads import ReceivedFile
from socialapp.celery import app as celery_app
from tests.components import free_port
from tests.media import images
from tests.media.conftest import StorageUnderTest

pytestmark = pytest.mark.django_db(databases=["media"], transaction=True)


@contextmanager
def tasks_sent_to(url: str) -> Iterator[Any]:
    keys = ("task_always_eager", "broker_url", "broker_read_url", "broker_write_url", "task_publish_retry")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(
        task_always_eager=False, broker_url=url, broker_read_url=url, broker_write_url=url, task_publish_retry=False
    )
    _forget_connections()
    try:
        yield celery_app
    finally:
        celery_app.conf.update(saved)
        _forget_connections()


@pytest.fixture
def broker() -> Iterator[Any]:
    """Tasks go to Redis (this session's database) instead of running inline."""
    with tasks_sent_to(settings.REDIS_URL or "redis://127.0.0.1:6379/11") as app:
        yield app


def _forget_connections() -> None:
    """Celery keeps the producer pool of the broker it first connected to: drop it."""
    app: Any = celery_app
    app._pool = None
    app.amqp._producer_pool = None


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


def test_an_upload_is_kept_when_the_queue_is_down_and_the_sweep_sends_it_later(
    local_storage: StorageUnderTest,
) -> None:
    """(Celery tries to connect for about 6 s before the enqueue fails and is logged.)"""
    with tasks_sent_to(f"redis://127.0.0.1:{free_port()}/0"):
        accepted = media_upload(owner_id=uuid.uuid4(), upload=ReceivedFile.from_bytes(images.png()))

    assert accepted.status == MediaStatus.PROCESSING
    assert list(local_storage.objects()) == [accepted.staged_name]
    assert media_requeue_stuck(older_than=timedelta(0)) == 1  # inline again: processed now
    assert Media.objects.get(pk=accepted.id).status == MediaStatus.READY
