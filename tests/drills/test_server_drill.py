"""Fault drill: a service process SIGKILLed under a loop of writes through HTTP, and restarted
(issue 16). The server (uvicorn, every service) only writes posts and their outbox rows; a relay
sends the events to the broker and the feed's consumer fans them out, as in the stack. Every
write answered 2xx exists exactly once and its `post.created` was applied exactly once; a write
that failed left either nothing or a whole post with its event (one the server committed but
could not answer), never a post without its event."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from apps.feed.models import Author, FollowEdge, Post, PostStatus
from apps.feed.models.events import InboxMessage as FeedInbox
from apps.feed.models.events import OutboxMessage as FeedOutbox
from apps.feed.selectors import home_feed_page
from apps.users.services import follow_create, profile_create
from tests.auth_helpers import access_token_for, bearer
from tests.conftest import ALL_DATABASES
from tests.drills.workers import count_table
from tests.eventing.kafka_helpers import running_consumer, running_relay, wait_until
from tests.live_server import live_server

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)]

CREATE_POST = "mutation($c: String!) { createPost(content: $c) { errors { code } post { id } } }"
WRITES_PER_SERVER = 40
FAN_OUT = "apps.feed.events.fan_out_new_post"


@dataclass
class WriteLoop:
    """Creates posts one after another against whichever server `url` names, recording each answer."""

    url: str
    token: str
    answered: dict[str, str] = field(default_factory=dict)  # content -> post id, for 2xx with a post
    failed: list[str] = field(default_factory=list)  # contents whose write failed (no answer, or an error)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            for number in range(100_000):
                if self.stop.is_set():
                    return
                content = f"drill write {number}"
                try:
                    response = client.post(
                        f"{self.url}/graphql/feed/",
                        json={"query": CREATE_POST, "variables": {"c": content}},
                        headers=bearer(self.token),
                    )
                    post = response.json()["data"]["createPost"]["post"] if response.is_success else None
                except (httpx.TransportError, ValueError, KeyError, TypeError):
                    post = None
                if post is not None:
                    self.answered[content] = str(post["id"])
                else:
                    self.failed.append(content)
                    time.sleep(0.05)  # a server being restarted: do not spin


def whole_home_timeline(reader: uuid.UUID) -> list[int]:
    """Every post id of the reader's home feed, page by page, newest first."""
    ids: list[int] = []
    while True:
        page = home_feed_page(user_id=reader, first=50, after_id=ids[-1] if ids else None)
        ids += [post.id for post in page.posts]
        if not page.has_next:
            return ids


def test_drill_a_server_killed_under_writes_and_restarted_keeps_every_answered_write_once(
    kafka: str, tmp_path: Path
) -> None:
    ana, ben = uuid.uuid4(), uuid.uuid4()
    profile_create(user_id=ana, username="ana")
    profile_create(user_id=ben, username="ben")
    follow_create(follower_id=ben, followee_id=ana)
    kafka_vars = {
        "KAFKA_BOOTSTRAP_SERVERS": settings.KAFKA_BOOTSTRAP_SERVERS,
        "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
        "KAFKA_CONSUMER_GROUP_PREFIX": settings.KAFKA_CONSUMER_GROUP_PREFIX,
    }
    with running_relay("users", poll_seconds=0.2), running_relay("feed", poll_seconds=0.2), running_consumer("feed"):
        wait_until(
            lambda: Author.objects.filter(user_id=ana).exists() and FollowEdge.objects.filter(follower_id=ben).exists(),
            timeout=60,
            what="the feed's projections of ana and ben",
        )
        home_feed_page(user_id=ben, first=1)  # ben reads, so fan-outs reach his timeline
        writes = WriteLoop(url="", token=access_token_for(ana, "ana"))
        writer = threading.Thread(target=writes.run, daemon=True)
        with live_server(tmp_path, **kafka_vars) as first:
            writes.url = first.url
            writer.start()
            wait_until(lambda: len(writes.answered) >= WRITES_PER_SERVER, timeout=120, what="writes to the first")
            first.process.kill()  # SIGKILL mid-loop: requests in flight get no answer
            killed = time.monotonic()
            first.process.wait(10)
        try:
            with live_server(tmp_path, **kafka_vars) as second:
                writes.url = second.url
                restarted_after = time.monotonic() - killed
                answered_before = len(writes.answered)
                wait_until(
                    lambda: len(writes.answered) >= answered_before + WRITES_PER_SERVER,
                    timeout=120,
                    what="writes to the restarted server",
                )
                writes.stop.set()
                writer.join(30)
        finally:
            writes.stop.set()
        wait_until(
            lambda: not FeedOutbox.objects.exists() and not Post.objects.filter(status=PostStatus.PENDING).exists(),
            timeout=60,
            what="every post's event relayed and fanned out",
        )
        time.sleep(1)  # a late duplicate would show now

    posts = Counter(Post.objects.values_list("content", flat=True))
    ids = {content: str(post_id) for content, post_id in Post.objects.values_list("content", "id")}
    fanned_out = FeedInbox.objects.filter(handler=FAN_OUT)
    timeline = whole_home_timeline(ben)
    committed_unanswered = [content for content in writes.failed if content in posts]
    table = count_table(
        "server SIGKILLed under writes, then restarted",
        {
            "writes answered 2xx": len(writes.answered),
            "writes failed (no answer or an error)": len(writes.failed),
            "failed but committed (whole)": len(committed_unanswered),
            "posts in the database": sum(posts.values()),
            "posts there more than once": sum(1 for n in posts.values() if n > 1),
            "answered posts missing": sum(1 for content in writes.answered if content not in posts),
            "post.created applied (feed inbox)": fanned_out.count(),
            "distinct events applied": fanned_out.values("event_id").distinct().count(),
            "posts in ben's home timeline": f"{len(timeline)} ({len(set(timeline))} distinct)",
            "server back after (s)": f"{restarted_after:.1f}",
        },
    )
    assert writes.failed, table  # the kill hit the loop
    assert all(posts[content] == 1 for content in writes.answered), table
    assert all(ids[content] == post_id for content, post_id in writes.answered.items()), table
    assert all(n == 1 for n in posts.values()), table
    assert set(posts) <= set(writes.answered) | set(writes.failed), table
    assert fanned_out.count() == fanned_out.values("event_id").distinct().count() == sum(posts.values()), table
    assert not Post.objects.exclude(status=PostStatus.PUBLISHED).exists(), table
    assert timeline == sorted({int(post_id) for post_id in ids.values()}, reverse=True), table  # each once
