"""Creating the event topics and the dead-letter topics (idempotent)."""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from django.conf import settings

from socialapp.eventing.kafka.config import all_topics, client_config


def ensure_topics(services: list[str], *, partitions: int | None = None, timeout: float = 15.0) -> dict[str, str]:
    """Create every topic that is missing. Returns topic -> "created" | "exists"."""
    admin = AdminClient(client_config())
    wanted = all_topics(services)
    futures = admin.create_topics(
        [
            NewTopic(
                topic,
                num_partitions=partitions or settings.KAFKA_TOPIC_PARTITIONS,
                replication_factor=settings.KAFKA_TOPIC_REPLICATION,
            )
            for topic in wanted
        ],
        request_timeout=timeout,
    )
    outcome: dict[str, str] = {}
    for topic, future in futures.items():
        try:
            future.result(timeout)
            outcome[topic] = "created"
        except KafkaException as error:
            if error.args and error.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                outcome[topic] = "exists"
            else:
                raise
    return outcome
