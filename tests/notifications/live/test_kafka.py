"""The "Create Post" flow through the broker: the server only writes its outboxes; relays send
the events to Kafka, and the notifications consumer group (run here in a thread, as
`manage.py consume notifications` runs it) notifies and pushes through Redis to the socket the
server holds."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from apps.notifications.models import Follow
from apps.notifications.services import post_notifications_set
from apps.users.services import follow_create, profile_create
from tests.conftest import ALL_DATABASES
from tests.eventing.kafka_helpers import running_consumer, running_relay, wait_until
from tests.live_server import live_server
from tests.notifications.live.conftest import SERVER_SETTINGS
from tests.notifications.live.sockets import receive_type, viewer_socket
from tests.notifications.live.test_end_to_end import CREATE_POST, LIST, gql

pytestmark = [pytest.mark.django_db(databases=ALL_DATABASES, transaction=True), pytest.mark.kafka]


def test_a_new_post_reaches_a_follower_with_the_bell_through_the_broker(kafka: str, tmp_path: Path) -> None:
    ana, ben = uuid.uuid4(), uuid.uuid4()
    profile_create(user_id=ana, username="ana")
    profile_create(user_id=ben, username="ben")
    follow_create(follower_id=ben, followee_id=ana)
    kafka_env = {
        "KAFKA_BOOTSTRAP_SERVERS": settings.KAFKA_BOOTSTRAP_SERVERS,
        "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
        "KAFKA_CONSUMER_GROUP_PREFIX": settings.KAFKA_CONSUMER_GROUP_PREFIX,
    }

    with (
        live_server(tmp_path, **SERVER_SETTINGS, **kafka_env) as server,
        running_relay("users"),
        running_relay("feed"),
        running_consumer("notifications"),
    ):
        wait_until(lambda: Follow.objects.filter(follower_id=ben).exists(), timeout=60, what="the follow projected")
        post_notifications_set(subscriber_id=ben, user_id=ana, enabled=True)

        async def scenario() -> tuple[dict[str, Any], str]:
            async with viewer_socket(server, ben) as socket:
                await receive_type(socket, "hello")
                created = await asyncio.to_thread(gql, server, "/graphql/feed/", CREATE_POST, ana, "ana", c="Via Kafka")
                pushed = await receive_type(socket, "notification", timeout=60)
                return pushed, created["createPost"]["post"]["id"]

        pushed, post_id = asyncio.run(scenario())
        listed = gql(server, "/graphql/notifications/", LIST, ben, "ben")["notifications"]["edges"]

    assert (pushed["group"]["kind"], pushed["group"]["post"]) == ("post", {"id": post_id, "excerpt": "Via Kafka"})
    assert [e["node"]["kind"] for e in listed] == ["POST"]
