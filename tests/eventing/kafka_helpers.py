"""Running the relay and a consumer in threads, and reading topics back, for Kafka tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition
from django.conf import settings

from socialapp.eventing.kafka.consumer import EventConsumer
from socialapp.eventing.kafka.relay import OutboxRelay
from tests.conftest import TEST_CONSUMER_SETTINGS


def wait_until(predicate: Callable[[], bool], *, timeout: float = 30.0, interval: float = 0.05, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


@contextmanager
def running_relay(app_label: str = "eventtests", **options: Any) -> Iterator[OutboxRelay]:
    stop = threading.Event()
    relay = OutboxRelay(app_label, stop=stop, **options)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "relay did not stop"


@contextmanager
def running_consumer(app_label: str = "eventtests", **options: Any) -> Iterator[EventConsumer]:
    stop = threading.Event()
    options.setdefault("retry_backoff", 0.01)
    consumer = EventConsumer(app_label, stop=stop, consumer_overrides=dict(TEST_CONSUMER_SETTINGS), **options)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    try:
        yield consumer
    finally:
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "consumer did not stop"


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
