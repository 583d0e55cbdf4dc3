"""Running the relay and a consumer in threads, and reading topics back, for Kafka tests."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from confluent_kafka import Consumer, Message, TopicPartition
from django.conf import settings

from socialapp.eventing.kafka.consumer import EventConsumer
from socialapp.eventing.kafka.relay import OutboxRelay
from socialapp.eventing.kafka.topics import ensure_topics
from tests.components import TansuBroker
from tests.conftest import TEST_CONSUMER_SETTINGS


def wait_until(predicate: Callable[[], bool], *, timeout: float = 30.0, interval: float = 0.05, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


class _Worker(Protocol):
    stop: threading.Event

    def run(self) -> None: ...


W = TypeVar("W", bound=_Worker)


@contextmanager
def _running(worker: W) -> Iterator[W]:
    """Run a relay or consumer in a thread for the block; stop it and check it stopped."""
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop.set()
        thread.join(30)
        assert not thread.is_alive(), f"{type(worker).__name__} did not stop"


def running_relay(app_label: str = "eventtests", **options: Any) -> AbstractContextManager[OutboxRelay]:
    return _running(OutboxRelay(app_label, stop=threading.Event(), **options))


def running_consumer(app_label: str = "eventtests", **options: Any) -> AbstractContextManager[EventConsumer]:
    options.setdefault("retry_backoff", 0.01)
    consumer_overrides = dict(TEST_CONSUMER_SETTINGS)
    return _running(EventConsumer(app_label, stop=threading.Event(), consumer_overrides=consumer_overrides, **options))


def read_topic(topic: str, *, idle_seconds: float = 2.0, partitions: int | None = None) -> list[Message]:
    """Every message of a topic, read from the beginning with assign() (no group), until idle."""
    reader = Consumer(
        {
            "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
            "group.id": f"reader-{time.monotonic_ns()}",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 50,
        }
    )
    count = partitions or settings.KAFKA_TOPIC_PARTITIONS
    reader.assign([TopicPartition(topic, p, 0) for p in range(count)])
    messages: list[Message] = []
    last = time.monotonic()
    try:
        while time.monotonic() - last < idle_seconds:
            message = reader.poll(0.1)
            if message is None or message.error() is not None:
                continue
            messages.append(message)
            last = time.monotonic()
    finally:
        reader.close()
    return messages


def header(message: Message, name: str) -> str | None:
    headers = message.headers() or []
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    for key, value in pairs:
        if key == name:
            return value.decode() if isinstance(value, bytes) else value
    return None


@contextmanager
def broker_of_its_own(test_settings: Any, log_path: Path, label: str) -> Iterator[TansuBroker]:
    """A broker for one test that stops or restarts it (the session's serves the other tests),
    with topics and groups under a prefix of their own; `test_settings` is pytest-django's
    `settings` fixture, which restores what is set here."""
    broker = TansuBroker(log_path).start()
    prefix = f"{label}{os.getpid()}-{uuid.uuid4().hex[:6]}."
    test_settings.KAFKA_BOOTSTRAP_SERVERS = broker.bootstrap
    test_settings.KAFKA_TOPIC_PREFIX = prefix
    test_settings.KAFKA_CONSUMER_GROUP_PREFIX = f"{prefix}group"
    ensure_topics(list(settings.SOCIALAPP_SERVICE_APPS))
    try:
        yield broker
    finally:
        broker.stop()
