"""Readiness of the Kafka connection: the broker answers a metadata request."""

from __future__ import annotations

from confluent_kafka.admin import AdminClient

from socialapp.eventing.kafka.config import client_config


def check_broker() -> None:
    AdminClient(client_config()).list_topics(timeout=3)
