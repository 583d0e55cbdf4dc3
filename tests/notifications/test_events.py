"""The notifications handlers, fed by real events delivered in process after commit: the
users service's profiles and follows, the feed's posts, likes and comments. Each handler
applies an event once, however often it comes."""

from __future__ import annotations

import uuid

import pytest

from apps.feed.services import comment_create, comment_delete, post_create, post_delete, post_like, post_unlike
from apps.notifications import selectors
from apps.notifications.models import Actor, Follow, NotificationGroup, PostExcerpt, StreamEntry
from apps.notifications.services import post_notifications_set
from apps.users.services import follow_create, follow_delete, profile_create, profile_update
from socialapp.eventing.handlers import handlers_for, run_handler
from socialapp.eventing.testing import capture_events
from tests.conftest import ALL_DATABASES
from tests.media.factories import make_media

# Transactional: the in-process bus delivers after the publishing transaction commits.
pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


def user(name: str) -> uuid.UUID:
    user_id = uuid.uuid4()
    profile_create(user_id=user_id, username=name)
    return user_id


def kinds(user_id: uuid.UUID) -> list[tuple[str, int]]:
    return [(g.kind, g.actor_count) for g in selectors.notifications_page(user_id=user_id, first=50).groups]


def test_profiles_become_actors() -> None:
    ana = user("ana")
    avatar = make_media(owner_id=ana).id  # the users service checks it is hers through the media port
    profile_update(user_id=ana, display_name="Ana L.", avatar_media_id=avatar)

    actor = Actor.objects.get(pk=ana)
    assert (actor.username, actor.display_name, actor.avatar_media_id) == ("ana", "Ana L.", avatar)


def test_follows_notify_the_followee_and_unfollowing_clears_the_bell() -> None:
    ana, bob = user("ana"), user("bob")

    follow_create(follower_id=bob, followee_id=ana)
    post_notifications_set(subscriber_id=bob, user_id=ana, enabled=True)
    follow_delete(follower_id=bob, followee_id=ana)

    assert kinds(ana) == [("follow", 1)]
    assert not Follow.objects.exists()


def test_a_post_mention_like_and_comment_from_the_feed() -> None:
    ana, bob, cid = user("ana"), user("bob"), user("cid")
    follow_create(follower_id=bob, followee_id=ana)
    post_notifications_set(subscriber_id=bob, user_id=ana, enabled=True)

    post = post_create(author_id=ana, content="hello @cid")
    post_like(user_id=bob, post_id=post.id)
    post_unlike(user_id=bob, post_id=post.id)
    post_like(user_id=bob, post_id=post.id)
    post_like(user_id=cid, post_id=post.id)
    comment = comment_create(author_id=cid, post_id=post.id, content="hi!")

    assert kinds(bob) == [("post", 1)]
    assert kinds(cid) == [("mention", 1)]
    assert kinds(ana) == [("comment", 1), ("like", 2), ("follow", 1)]
    assert PostExcerpt.objects.get(pk=post.id).excerpt == "hello @cid"

    comment_delete(user_id=cid, comment_id=comment.comment.id)
    assert kinds(ana) == [("like", 2), ("follow", 1)]

    post_delete(user_id=ana, post_id=post.id)
    assert kinds(ana) == [("follow", 1)]
    assert kinds(bob) == kinds(cid) == []


def test_a_redelivered_event_changes_nothing() -> None:
    ana, bob = user("ana"), user("bob")
    post = post_create(author_id=ana, content="x")
    with capture_events() as events:
        post_like(user_id=bob, post_id=post.id)
    [liked] = [e for e in events if e.type == "post.liked"]
    before = StreamEntry.objects.count()

    [handler] = handlers_for(liked, ["notifications"])
    event = handler.event_class.model_validate(liked.data)
    assert run_handler(handler, event, liked) is False  # the inbox
    assert run_handler(handler, event, liked.model_copy(update={"id": uuid.uuid4()})) is True  # a copy: idempotent

    assert StreamEntry.objects.count() == before
    assert NotificationGroup.objects.get(recipient_id=ana).actor_count == 1
