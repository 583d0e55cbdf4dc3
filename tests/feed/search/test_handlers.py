"""The search indexer, fed by the feed's real `post-events` delivered in-process after commit:
a new post is indexed, an edit reindexes it, a delete removes it, and a redelivered event
changes nothing."""

from __future__ import annotations

import uuid

import pytest

from apps.feed.contracts import PostCreated
from apps.feed.models import InboxMessage
from apps.feed.models.search_entry import PostSearchEntry
from apps.feed.search.selectors import search_posts
from apps.feed.services import post_create, post_delete, post_edit
from socialapp.eventing import Envelope
from socialapp.eventing.handlers import consumer_topics, handlers_for, run_handler
from socialapp.eventing.testing import capture_events
from tests.conftest import ALL_DATABASES

# Transactional: the in-process bus delivers after the feed database's transaction commits.
pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

INDEXER = "apps.feed.search.handlers."


def entries() -> list[tuple[int, uuid.UUID, str, list[str]]]:
    return list(PostSearchEntry.objects.values_list("post_id", "author_id", "text", "hashtags"))


def found(query: str) -> list[int]:
    return search_posts(query=query).post_ids


def test_a_new_post_is_indexed_from_its_event() -> None:
    author = uuid.uuid4()

    post = post_create(author_id=author, content="Learning #Django with @alice today")

    assert entries() == [(post.id, author, "Learning #Django with @alice today", ["django"])]
    assert PostSearchEntry.objects.get().created_at == post.created_at
    assert found("django") == [post.id]
    assert found("#django @alice") == [post.id]


def test_an_edit_reindexes_the_post() -> None:
    author = uuid.uuid4()
    post = post_create(author_id=author, content="Learning #Django")

    post_edit(user_id=author, post_id=post.id, content="Switched to #Rust")

    assert entries() == [(post.id, author, "Switched to #Rust", ["rust"])]
    assert found("django") == []
    assert found("#rust") == [post.id]


def test_a_delete_takes_the_post_out_of_the_index() -> None:
    author = uuid.uuid4()
    kept = post_create(author_id=author, content="django one")
    gone = post_create(author_id=author, content="django two")

    post_delete(user_id=author, post_id=gone.id)

    assert [entry[0] for entry in entries()] == [kept.id]
    assert found("django") == [kept.id]


def test_the_indexer_is_idempotent_on_redelivery() -> None:
    author = uuid.uuid4()
    with capture_events() as events:
        post = post_create(author_id=author, content="Learning #Django")
    [created] = [envelope for envelope in events if envelope.type == "post.created"]
    [handler] = [h for h in handlers_for(created, ["feed"]) if h.name == f"{INDEXER}index_new_post"]
    event = PostCreated.model_validate(created.data)

    # Redelivered (Kafka after a crash, the in-process sweeper): the inbox absorbs it.
    assert run_handler(handler, event, created) is False
    assert InboxMessage.objects.filter(event_id=created.id, handler=handler.name).count() == 1
    # Even applied again past the inbox, the post keeps one entry with the same contents.
    handler.func(event, created)
    assert entries() == [(post.id, author, "Learning #Django", ["django"])]


def test_edits_and_deletes_of_posts_not_indexed_change_nothing() -> None:
    author = uuid.uuid4()
    post = post_create(author_id=author, content="indexed")
    PostSearchEntry.objects.all().delete()  # as if the index were new

    post_edit(user_id=author, post_id=post.id, content="edited")
    post_delete(user_id=author, post_id=post.id)

    assert entries() == []


def test_the_indexer_runs_in_the_feeds_consumer_group_on_post_events() -> None:
    envelope = Envelope.model_validate(
        {"id": uuid.uuid4(), "type": "post.edited", "source": "feed", "subject": "1", "time": "2025-01-01T00:00:00Z",
         "version": 1, "data": {}}
    )  # fmt: skip

    indexers = [h for h in handlers_for(envelope) if h.name.startswith(INDEXER)]

    assert [(h.name, h.app_label) for h in indexers] == [(f"{INDEXER}reindex_edited_post", "feed")]
    assert "post-events" in consumer_topics("feed")
