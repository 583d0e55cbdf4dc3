"""Writes of the feed service: validation, permissions, idempotency, counts and the exact events."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from apps.feed.models import Comment, Like, OutboxMessage, Post, PostHashtag, PostMention, PostStatus
from apps.feed.services import (
    comment_create,
    comment_delete,
    post_create,
    post_delete,
    post_edit,
    post_like,
    post_publish,
    post_unlike,
)
from apps.feed.timelines.store import timeline_store
from socialapp.errors import DomainError
from socialapp.eventing.testing import capture_events
from tests.conftest import ALL_DATABASES
from tests.feed.conftest import FakeMediaPort
from tests.feed.factories import make_author, make_follow, make_post, make_reader

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def events_of(envelopes: list[Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.type, e.subject, e.data) for e in envelopes]


def refused(error: pytest.ExceptionInfo[DomainError]) -> dict[str, Any]:
    return error.value.as_dict()


def assert_nothing_written() -> None:
    assert not Post.objects.exists()
    assert not OutboxMessage.objects.exists()


# --- createPost -------------------------------------------------------------------------------


def test_a_post_is_saved_pending_with_its_tags_and_announced(media_port: FakeMediaPort) -> None:
    author, bob = make_author(username="alice"), make_author(username="Bob")
    image = media_port.upload(author.user_id)

    with capture_events() as events:
        post = post_create(
            author_id=author.user_id,
            content="  Hello @bob and @nobody and @alice #Django #django #Py  ",
            media_ids=[image],
        )

    stored = Post.objects.get()
    assert stored == post
    assert (stored.author_id, stored.content, stored.status) == (
        author.user_id,
        "Hello @bob and @nobody and @alice #Django #django #Py",
        PostStatus.PENDING,
    )
    assert (stored.media_ids, stored.hashtags) == ([str(image)], ["django", "py"])
    assert stored.mentions == [
        {"username": "bob", "user_id": str(bob.user_id)},
        {"username": "nobody", "user_id": None},
        {"username": "alice", "user_id": str(author.user_id)},
    ]
    assert sorted(PostHashtag.objects.values_list("tag", flat=True)) == ["django", "py"]
    assert set(PostMention.objects.values_list("user_id", flat=True)) == {bob.user_id, author.user_id}
    assert (stored.like_count, stored.comment_count, stored.edited_at) == (0, 0, None)
    assert events_of(events) == [
        (
            "post.created",
            str(post.id),
            {
                "post_id": post.id,
                "author_id": str(author.user_id),
                "text": stored.content,
                "media_ids": [str(image)],
                "hashtags": ["django", "py"],
                "mentioned_user_ids": [str(bob.user_id)],  # not the author herself
                "created_at": stored.created_at.isoformat().replace("+00:00", "Z"),
            },
        )
    ]
    assert (events[0].source, events[0].version) == ("feed", 1)
    assert media_port.calls == [(author.user_id, [image])]


def test_post_ids_grow_with_time() -> None:
    author = uuid.uuid4()

    ids = [post_create(author_id=author, content=f"post {n}").id for n in range(5)]

    assert ids == sorted(ids)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("   ", {"field": "content", "code": "blank", "message": "The post cannot be blank."}),
        (
            "x" * 5001,
            {"field": "content", "code": "too_long", "message": "The post has at most 5,000 characters (got 5,001)."},
        ),
    ],
)
def test_bad_content_writes_nothing(content: str, expected: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as error:
        post_create(author_id=uuid.uuid4(), content=content)

    assert refused(error) == expected
    assert_nothing_written()


def test_more_than_four_images_or_one_twice_is_refused(media_port: FakeMediaPort) -> None:
    author = uuid.uuid4()
    images = [media_port.upload(author) for _ in range(5)]

    with pytest.raises(DomainError) as too_many:
        post_create(author_id=author, content="five", media_ids=images)
    with pytest.raises(DomainError) as twice:
        post_create(author_id=author, content="twice", media_ids=[images[0], images[0]])

    assert refused(too_many) == {
        "field": "media_ids",
        "code": "too_many_media",
        "message": "A post has at most 4 images (got 5).",
    }
    assert refused(twice) == {
        "field": "media_ids",
        "code": "duplicate_media",
        "message": "The same image is attached twice.",
    }
    assert_nothing_written()


def test_unknown_or_someone_elses_images_are_refused_alike(media_port: FakeMediaPort) -> None:
    author, other = uuid.uuid4(), uuid.uuid4()
    mine, theirs, unknown = media_port.upload(author), media_port.upload(other), uuid.uuid4()

    with pytest.raises(DomainError) as foreign:
        post_create(author_id=author, content="theirs", media_ids=[mine, theirs])
    with pytest.raises(DomainError) as missing:
        post_create(author_id=author, content="unknown", media_ids=[unknown])

    assert refused(foreign) == {
        "field": "media_ids",
        "code": "unknown_media",
        "message": f"You have no uploaded image with the id {theirs}.",
        "media_ids": [str(theirs)],
    }
    assert refused(missing)["code"] == "unknown_media"
    assert_nothing_written()


def test_the_real_media_port_refuses_an_image_nobody_uploaded() -> None:
    with pytest.raises(DomainError) as error:
        post_create(author_id=uuid.uuid4(), content="x", media_ids=[uuid.uuid4()])

    assert refused(error)["code"] == "unknown_media"
    assert_nothing_written()


# --- editPost / deletePost --------------------------------------------------------------------


def test_editing_reparses_tags_and_names_only_the_newly_mentioned() -> None:
    alice, bob, carol = make_author(username="alice"), make_author(username="bob"), make_author(username="carol")
    post = post_create(author_id=alice.user_id, content="hi @bob #old")

    with capture_events() as events:
        edited = post_edit(user_id=alice.user_id, post_id=post.id, content=" hi @bob and @carol #new ")

    edited.refresh_from_db()
    assert (edited.content, edited.hashtags) == ("hi @bob and @carol #new", ["new"])
    assert edited.edited_at is not None
    assert list(PostHashtag.objects.values_list("tag", flat=True)) == ["new"]
    assert set(PostMention.objects.values_list("user_id", flat=True)) == {bob.user_id, carol.user_id}
    assert events_of(events) == [
        (
            "post.edited",
            str(post.id),
            {
                "post_id": post.id,
                "author_id": str(alice.user_id),
                "text": "hi @bob and @carol #new",
                "hashtags": ["new"],
                "mentioned_user_ids": [str(bob.user_id), str(carol.user_id)],
                "added_mentioned_user_ids": [str(carol.user_id)],
                "edited_at": edited.edited_at.isoformat().replace("+00:00", "Z"),
                "media_ids": [],
            },
        )
    ]


def test_editing_to_the_same_text_changes_nothing() -> None:
    post = make_post(content="same")

    with capture_events() as events:
        post_edit(user_id=post.author_id, post_id=post.id, content=" same ")

    post.refresh_from_db()
    assert (post.edited_at, events) == (None, [])


def test_only_the_author_edits_or_deletes() -> None:
    post = make_post(content="mine")
    stranger = uuid.uuid4()

    with capture_events() as events:
        with pytest.raises(DomainError) as edit:
            post_edit(user_id=stranger, post_id=post.id, content="yours")
        with pytest.raises(DomainError) as delete:
            post_delete(user_id=stranger, post_id=post.id)

    assert refused(edit) == {"field": "post_id", "code": "forbidden", "message": "Only the author can edit this post."}
    assert refused(delete) == {
        "field": "post_id",
        "code": "forbidden",
        "message": "Only the author can delete this post.",
    }
    post.refresh_from_db()
    assert (post.content, events) == ("mine", [])


def test_deleting_takes_likes_and_comments_along_and_is_announced() -> None:
    post = make_post()
    post_like(user_id=uuid.uuid4(), post_id=post.id)
    comment_create(author_id=uuid.uuid4(), post_id=post.id, content="nice")

    with capture_events() as events:
        post_delete(user_id=post.author_id, post_id=post.id)

    assert not Post.objects.exists()
    assert not Like.objects.exists()
    assert not Comment.objects.exists()
    assert events_of(events) == [("post.deleted", str(post.id), {"post_id": post.id, "author_id": str(post.author_id)})]


@pytest.mark.parametrize("action", ["edit", "delete", "like", "unlike", "comment"])
def test_a_missing_post_is_not_found(action: str) -> None:
    user, missing = uuid.uuid4(), 12345
    calls = {
        "edit": lambda: post_edit(user_id=user, post_id=missing, content="x"),
        "delete": lambda: post_delete(user_id=user, post_id=missing),
        "like": lambda: post_like(user_id=user, post_id=missing),
        "unlike": lambda: post_unlike(user_id=user, post_id=missing),
        "comment": lambda: comment_create(author_id=user, post_id=missing, content="x"),
    }

    with capture_events() as events, pytest.raises(DomainError) as error:
        calls[action]()

    assert refused(error) == {"field": "post_id", "code": "not_found", "message": "No post has this id."}
    assert events == []
    assert not Like.objects.exists()
    assert not Comment.objects.exists()


# --- likes ------------------------------------------------------------------------------------


def test_likes_count_once_and_tell_the_posts_author() -> None:
    post = make_post()
    fan = uuid.uuid4()

    with capture_events() as events:
        first = post_like(user_id=fan, post_id=post.id)
        again = post_like(user_id=fan, post_id=post.id)
        post_like(user_id=uuid.uuid4(), post_id=post.id)
        unliked = post_unlike(user_id=fan, post_id=post.id)
        post_unlike(user_id=fan, post_id=post.id)

    post.refresh_from_db()
    assert (first.like_count, again.like_count, unliked.like_count, post.like_count) == (1, 1, 1, 1)
    assert [(e.type, e.data["user_id"], e.data["like_count"]) for e in events] == [
        ("post.liked", str(fan), 1),
        ("post.liked", events[1].data["user_id"], 2),
        ("post.unliked", str(fan), 1),
    ]
    assert events[0].data == {
        "post_id": post.id,
        "post_author_id": str(post.author_id),
        "user_id": str(fan),
        "like_count": 1,
    }
    assert all(e.subject == str(post.id) for e in events)


# --- comments ---------------------------------------------------------------------------------


def test_a_comment_counts_and_tells_the_posts_author() -> None:
    post = make_post()
    commenter = uuid.uuid4()

    with capture_events() as events:
        change = comment_create(author_id=commenter, post_id=post.id, content="  Nice!  ")

    assert (change.comment.content, change.comment.author_id, change.post.comment_count) == ("Nice!", commenter, 1)
    post.refresh_from_db()
    assert post.comment_count == 1
    assert events_of(events) == [
        (
            "comment.created",
            str(post.id),
            {
                "post_id": post.id,
                "post_author_id": str(post.author_id),
                "comment_id": change.comment.id,
                "author_id": str(commenter),
                "text": "Nice!",
                "comment_count": 1,
            },
        )
    ]


def test_a_blank_or_too_long_comment_is_refused() -> None:
    post = make_post()

    with pytest.raises(DomainError) as blank:
        comment_create(author_id=uuid.uuid4(), post_id=post.id, content=" ")
    with pytest.raises(DomainError) as long:
        comment_create(author_id=uuid.uuid4(), post_id=post.id, content="x" * 2001)

    assert refused(blank) == {"field": "content", "code": "blank", "message": "The comment cannot be blank."}
    assert refused(long)["code"] == "too_long"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("who", ["comment author", "post author"])
def test_the_comments_author_or_the_posts_author_deletes_it(who: str) -> None:
    post = make_post()
    commenter = uuid.uuid4()
    comment = comment_create(author_id=commenter, post_id=post.id, content="hm").comment
    deleter = commenter if who == "comment author" else post.author_id

    with capture_events() as events:
        change = comment_delete(user_id=deleter, comment_id=comment.id)

    assert change.post.comment_count == 0
    assert not Comment.objects.exists()
    assert events_of(events) == [
        (
            "comment.deleted",
            str(post.id),
            {
                "post_id": post.id,
                "post_author_id": str(post.author_id),
                "comment_id": comment.id,
                "author_id": str(commenter),
                "deleted_by": str(deleter),
                "comment_count": 0,
            },
        )
    ]


def test_nobody_else_deletes_a_comment_and_a_missing_one_is_not_found() -> None:
    post = make_post()
    comment = comment_create(author_id=uuid.uuid4(), post_id=post.id, content="hm").comment

    with capture_events() as events:
        with pytest.raises(DomainError) as stranger:
            comment_delete(user_id=uuid.uuid4(), comment_id=comment.id)
        with pytest.raises(DomainError) as missing:
            comment_delete(user_id=post.author_id, comment_id=comment.id + 1)

    assert refused(stranger) == {
        "field": "comment_id",
        "code": "forbidden",
        "message": "Only the comment's author or the post's author can delete this comment.",
    }
    assert refused(missing) == {"field": "comment_id", "code": "not_found", "message": "No comment has this id."}
    assert events == []
    assert Comment.objects.count() == 1


# --- publishing (the post.created handler's service) ------------------------------------------


def test_publishing_fans_out_to_active_followers_and_marks_the_post_published() -> None:
    author = make_author()
    active, idle, stranger = make_author(), make_author(), make_author()
    make_follow(active, author)
    make_follow(idle, author)
    make_reader(active)
    make_reader(idle, days_ago=8)
    store = timeline_store()
    for reader in (author, active, idle, stranger):
        store.replace(reader.user_id, [])
    post = make_post(author, status=PostStatus.PENDING)

    assert post_publish(post_id=post.id) is True

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    pages = {
        name: store.page(r.user_id, before=None, limit=5)
        for name, r in {"author": author, "active": active, "idle": idle, "stranger": stranger}.items()
    }
    assert pages == {"author": [post.id], "active": [post.id], "idle": [], "stranger": []}


def test_publishing_a_post_deleted_meanwhile_does_nothing() -> None:
    assert post_publish(post_id=424242) is False


def test_editing_the_images_checks_them_as_creating_does_and_announces_them(media_port: FakeMediaPort) -> None:
    author, other = uuid.uuid4(), uuid.uuid4()
    first, second, theirs = media_port.upload(author), media_port.upload(author), media_port.upload(other)
    post = post_create(author_id=author, content="two pictures", media_ids=[first])

    with capture_events() as events, pytest.raises(DomainError) as foreign:
        post_edit(user_id=author, post_id=post.id, content="two pictures", media_ids=[first, theirs])
    assert refused(foreign)["code"] == "unknown_media"
    assert events == []
    post.refresh_from_db()
    assert (post.media_ids, post.edited_at) == ([str(first)], None)

    with capture_events() as events:
        edited = post_edit(user_id=author, post_id=post.id, content="two pictures", media_ids=[second, first])

    assert edited.media_ids == [str(second), str(first)]
    assert [event["media_ids"] for _, _, event in events_of(events)] == [[str(second), str(first)]]
    with capture_events() as events:
        post_edit(user_id=author, post_id=post.id, content="two pictures", media_ids=[second, first])
    assert events == []  # the same images in the same order: nothing changed
