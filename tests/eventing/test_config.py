"""librdkafka settings: KAFKA_CLIENT_CONFIG may tune a consumer group's timing, never its delivery."""

from __future__ import annotations

from pytest_django.fixtures import Settings as SettingsWrapper

from socialapp.eventing.kafka.config import consumer_config


def test_client_config_may_shorten_group_timings_but_not_change_when_offsets_are_stored(
    settings: SettingsWrapper,
) -> None:
    settings.KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:9"
    settings.KAFKA_CLIENT_CONFIG = {
        "session.timeout.ms": "6000",
        "max.poll.interval.ms": "10000",
        "enable.auto.offset.store": "true",  # would store offsets before the handlers commit
        "group.id": "someone-else",
    }

    config = consumer_config("socialapp-feed")

    assert (config["session.timeout.ms"], config["max.poll.interval.ms"]) == ("6000", "10000")
    assert config["enable.auto.offset.store"] is False
    assert config["group.id"] == "socialapp-feed"


def test_without_client_config_a_group_gets_the_production_timings(settings: SettingsWrapper) -> None:
    settings.KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:9"
    settings.KAFKA_CLIENT_CONFIG = {}

    config = consumer_config("socialapp-feed")

    assert (config["session.timeout.ms"], config["max.poll.interval.ms"]) == (10000, 30000)
