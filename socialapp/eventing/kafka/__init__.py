"""Kafka side of the event framework: topic names, client settings, the relay and consumers."""
