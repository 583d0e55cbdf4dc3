"""Kafka topic names and librdkafka settings, all derived from Django settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from socialapp.eventing.catalogue import TOPICS


def physical_topic(logical: str) -> str:
    """`post-events` -> `<KAFKA_TOPIC_PREFIX>post-events` (a prefix isolates environments)."""
    return f"{settings.KAFKA_TOPIC_PREFIX}{logical}"


def logical_topic(physical: str) -> str:
    prefix = settings.KAFKA_TOPIC_PREFIX
    return physical[len(prefix) :] if prefix and physical.startswith(prefix) else physical


def dead_letter_topic(service: str) -> str:
    """Each consumer group has its own dead-letter topic: a failure is the consumer's, not the event's."""
    return physical_topic(f"{service}-dead-letter")


def all_topics(services: list[str]) -> list[str]:
    return [physical_topic(t) for t in TOPICS] + [dead_letter_topic(s) for s in services]


def client_config() -> dict[str, Any]:
    if not settings.KAFKA_BOOTSTRAP_SERVERS:
        raise RuntimeError("KAFKA_BOOTSTRAP_SERVERS is not set: events are delivered in-process")
    return {"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS, **settings.KAFKA_CLIENT_CONFIG}


def producer_config(**overrides: Any) -> dict[str, Any]:
    """An idempotent producer: acks from all in-sync replicas, no duplicates or reordering on retry."""
    return {
        **client_config(),
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": settings.KAFKA_PRODUCER_LINGER_MS,
        "batch.num.messages": 10000,
        "queue.buffering.max.messages": 200000,
        **overrides,
    }


def consumer_config(group_id: str, **overrides: Any) -> dict[str, Any]:
    """At-least-once: an offset is stored only after its handlers committed, then auto-committed.

    The group's timing and fetch settings are defaults that KAFKA_CLIENT_CONFIG may override
    (the fault drills shorten them: a member that was SIGKILLed holds up its group's next
    rebalance until they expire); the delivery semantics below them may not be overridden.
    """
    return {
        # librdkafka derives the group's rebalance timeout from this; the default (300 s)
        # makes a new member wait minutes to join. Handlers are short, so 30 s is plenty.
        "max.poll.interval.ms": 30000,
        "session.timeout.ms": 10000,
        # How long the broker may hold a fetch when there is nothing new. Some brokers (Tansu)
        # hold it the whole time even when data arrives, so this bounds delivery latency.
        "fetch.wait.max.ms": settings.KAFKA_FETCH_WAIT_MAX_MS,
        **client_config(),
        "group.id": group_id,
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 1000,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        **overrides,
    }


def consumer_group(service: str) -> str:
    return f"{settings.KAFKA_CONSUMER_GROUP_PREFIX}-{service}"
