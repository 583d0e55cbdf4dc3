"""Creating the event topics and the dead-letter topics (idempotent), and checking those that
already exist against what they should be."""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from django.conf import settings

from socialapp.eventing.kafka.config import all_topics, client_config


def ensure_topics(services: list[str], *, partitions: int | None = None, timeout: float = 15.0) -> dict[str, str]:
    """Create every topic that is missing and check those that exist. Returns topic -> "created",
    "exists", or "differs: <what>" (an existing topic is never changed: say so, and let an
    operator decide; a partition count cannot go down, and going up moves keys)."""
    wanted = all_topics(services)
    outcome = create_missing_topics(wanted, partitions=partitions, timeout=timeout)
    existing = [topic for topic, state in outcome.items() if state == "exists"]
    if not existing:
        return outcome
    for topic, differences in topic_differences(existing, partitions=partitions, timeout=timeout).items():
        outcome[topic] = "differs: " + "; ".join(differences)
    return outcome


def create_missing_topics(topics: list[str], *, partitions: int | None = None, timeout: float = 15.0) -> dict[str, str]:
    """Create those of `topics` that do not exist. Returns topic -> "created" | "exists"."""
    admin = AdminClient(client_config())
    futures = admin.create_topics(
        [
            NewTopic(
                topic,
                num_partitions=partitions or settings.KAFKA_TOPIC_PARTITIONS,
                replication_factor=settings.KAFKA_TOPIC_REPLICATION,
            )
            for topic in topics
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


def topic_differences(
    topics: list[str], *, partitions: int | None = None, timeout: float = 15.0
) -> dict[str, list[str]]:
    """What differs between each existing topic and the settings: partitions, replication."""
    want_partitions = partitions or settings.KAFKA_TOPIC_PARTITIONS
    want_replicas = settings.KAFKA_TOPIC_REPLICATION
    metadata = AdminClient(client_config()).list_topics(timeout=timeout)
    found: dict[str, list[str]] = {}
    for topic in topics:
        described = metadata.topics.get(topic)
        if described is None or described.error is not None:
            found[topic] = [f"not described ({described.error if described else 'missing'})"]
            continue
        differences = []
        if len(described.partitions) != want_partitions:
            differences.append(f"{len(described.partitions)} partitions, want {want_partitions}")
        replicas = {len(partition.replicas) for partition in described.partitions.values()}
        if replicas and replicas != {want_replicas}:
            differences.append(f"replication {'/'.join(map(str, sorted(replicas)))}, want {want_replicas}")
        if differences:
            found[topic] = differences
    return found
