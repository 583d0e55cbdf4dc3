"""Grouping and its rules, on the services the handlers call: one row per group, each actor
counted once, nothing for one's own action, a muted actor, a kind turned off or a deleted post;
every visible change at the recipient's next stream position."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.notifications import selectors, services
from apps.notifications.errors import NotFollowingError, OwnAccountError, UnknownNotificationError
from apps.notifications.models import Follow, GroupActor, NotificationGroup, StreamEntry
from tests.notifications.factories import make_actor, make_follow, make_post

pytestmark = pytest.mark.django_db(databases=["notifications"])

NOON = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def groups_of(user_id: uuid.UUID) -> list[NotificationGroup]:
    return selectors.notifications_page(user_id=user_id, first=100).groups


def stream_types(user_id: uuid.UUID) -> list[str]:
    return [e.payload["type"] for e in StreamEntry.objects.filter(user_id=user_id).order_by("position")]


def test_likes_of_one_post_are_one_group_with_the_latest_actors_first() -> None:
    author = make_actor()
    post = make_post(author)
    likers = [make_actor() for _ in range(5)]

    for n, liker in enumerate(likers):
        services.like_added(
            post_id=post.post_id, post_author_id=author.user_id, user_id=liker.user_id, at=NOON + timedelta(minutes=n)
        )

    [group] = groups_of(author.user_id)
    assert (group.kind, group.post_id, group.actor_count) == ("like", post.post_id, 5)
    assert group.latest_actor_ids == [str(a.user_id) for a in reversed(likers[-3:])]
    assert group.latest_at == NOON + timedelta(minutes=4)
    assert group.read_at is None
    assert selectors.unread_count(user_id=author.user_id) == 1
    assert stream_types(author.user_id) == ["notification"] * 5


def test_the_same_actor_counts_once_however_often_they_like() -> None:
    author, fan = make_actor(), make_actor()
    post = make_post(author)

    for _ in range(3):  # a redelivered event; unlike then like again
        services.like_added(post_id=post.post_id, post_author_id=author.user_id, user_id=fan.user_id, at=NOON)

    [group] = groups_of(author.user_id)
    assert group.actor_count == 1
    assert GroupActor.objects.count() == 1
    assert stream_types(author.user_id) == ["notification"]


def test_nobody_is_notified_of_their_own_action() -> None:
    author = make_actor()
    post = make_post(author)

    services.like_added(post_id=post.post_id, post_author_id=author.user_id, user_id=author.user_id, at=NOON)
    services.comment_added(
        post_id=post.post_id, post_author_id=author.user_id, comment_id=1, author_id=author.user_id, at=NOON
    )

    assert groups_of(author.user_id) == []
    assert not StreamEntry.objects.exists()


def test_a_muted_account_notifies_nobody_until_unmuted() -> None:
    author, troll = make_actor(), make_actor()
    post = make_post(author)
    services.mute_set(user_id=author.user_id, muted_user_id=troll.user_id, muted=True)

    services.like_added(post_id=post.post_id, post_author_id=author.user_id, user_id=troll.user_id, at=NOON)
    assert groups_of(author.user_id) == []
    assert selectors.is_muted(user_id=author.user_id, muted_user_id=troll.user_id)

    services.mute_set(user_id=author.user_id, muted_user_id=troll.user_id, muted=False)
    services.like_added(post_id=post.post_id, post_author_id=author.user_id, user_id=troll.user_id, at=NOON)
    assert [g.actor_count for g in groups_of(author.user_id)] == [1]


def test_muting_oneself_is_refused() -> None:
    me = uuid.uuid4()
    with pytest.raises(OwnAccountError):
        services.mute_set(user_id=me, muted_user_id=me, muted=True)


def test_a_kind_turned_off_is_not_notified_and_others_still_are() -> None:
    author, fan = make_actor(), make_actor()
    post = make_post(author)
    services.preferences_update(user_id=author.user_id, changes={"like": False})

    services.like_added(post_id=post.post_id, post_author_id=author.user_id, user_id=fan.user_id, at=NOON)
    services.comment_added(
        post_id=post.post_id, post_author_id=author.user_id, comment_id=7, author_id=fan.user_id, at=NOON
    )

    assert [g.kind for g in groups_of(author.user_id)] == ["comment"]
    preferences = selectors.preferences_for(user_id=author.user_id)
    assert (preferences.like, preferences.comment, preferences.follow) == (False, True, True)


def test_follows_are_grouped_by_day() -> None:
    star = make_actor()
    fans = [make_actor() for _ in range(3)]

    services.follow_create(follower_id=fans[0].user_id, followee_id=star.user_id, at=NOON)
    services.follow_create(follower_id=fans[1].user_id, followee_id=star.user_id, at=NOON + timedelta(hours=3))
    services.follow_create(follower_id=fans[2].user_id, followee_id=star.user_id, at=NOON + timedelta(days=1))
    services.follow_create(follower_id=fans[2].user_id, followee_id=star.user_id, at=NOON + timedelta(days=1))

    groups = groups_of(star.user_id)
    assert [(g.kind, g.group_key, g.actor_count) for g in groups] == [
        ("follow", "follow:2026-12-05", 1),
        ("follow", "follow:2026-12-04", 2),
    ]
    assert Follow.objects.filter(followee_id=star.user_id).count() == 3


def test_a_new_post_tells_the_mentioned_and_the_followers_who_rang_the_bell() -> None:
    author, bell_fan, quiet_fan, mentioned = (make_actor() for _ in range(4))
    make_follow(bell_fan, author, bell=True)
    make_follow(quiet_fan, author)
    make_follow(mentioned, author, bell=True)  # the mention tells them; no second notification

    services.post_created(
        post_id=77, author_id=author.user_id, text="hi @x", mentioned_user_ids=[mentioned.user_id], at=NOON
    )

    assert [(g.kind, g.post_id) for g in groups_of(bell_fan.user_id)] == [("post", 77)]
    assert groups_of(quiet_fan.user_id) == []
    assert [(g.kind, g.post_id) for g in groups_of(mentioned.user_id)] == [("mention", 77)]


def test_an_edit_notifies_only_the_newly_mentioned() -> None:
    author, old, new = make_actor(), make_actor(), make_actor()
    services.post_created(post_id=5, author_id=author.user_id, text="@old", mentioned_user_ids=[old.user_id], at=NOON)

    services.post_edited(
        post_id=5, author_id=author.user_id, text="@old @new", added_mentioned_user_ids=[new.user_id], at=NOON
    )

    assert [g.kind for g in groups_of(new.user_id)] == ["mention"]
    assert len(StreamEntry.objects.filter(user_id=old.user_id)) == 1
    assert selectors.excerpts_by_ids([5])[5].excerpt == "@old @new"


def test_a_deleted_post_takes_its_notifications_away_and_gets_no_new_ones() -> None:
    author, fan, mentioned = make_actor(), make_actor(), make_actor()
    services.post_created(
        post_id=9, author_id=author.user_id, text="x", mentioned_user_ids=[mentioned.user_id], at=NOON
    )
    services.like_added(post_id=9, post_author_id=author.user_id, user_id=fan.user_id, at=NOON)

    services.post_deleted(post_id=9, author_id=author.user_id)
    services.like_added(post_id=9, post_author_id=author.user_id, user_id=make_actor().user_id, at=NOON)
    services.post_edited(post_id=9, author_id=author.user_id, text="y", added_mentioned_user_ids=[fan.user_id], at=NOON)

    assert groups_of(author.user_id) == groups_of(mentioned.user_id) == groups_of(fan.user_id) == []
    assert stream_types(author.user_id) == ["notification", "notification.removed"]
    assert StreamEntry.objects.filter(user_id=author.user_id).last().payload["unreadCount"] == 0  # type: ignore[union-attr]


def test_a_deleted_comment_takes_its_author_out_of_the_group() -> None:
    author, first, second = make_actor(), make_actor(), make_actor()
    post = make_post(author)
    for comment_id, actor in ((1, first), (2, second), (3, second)):
        services.comment_added(
            post_id=post.post_id, post_author_id=author.user_id, comment_id=comment_id, author_id=actor.user_id, at=NOON
        )
    [group] = groups_of(author.user_id)
    assert group.actor_count == 2

    remove = services.comment_removed
    remove(post_id=post.post_id, post_author_id=author.user_id, comment_id=2, author_id=second.user_id)
    assert groups_of(author.user_id)[0].actor_count == 2  # their other comment keeps them in
    remove(post_id=post.post_id, post_author_id=author.user_id, comment_id=3, author_id=second.user_id)
    [group] = groups_of(author.user_id)
    assert (group.actor_count, group.latest_actor_ids) == (1, [str(first.user_id)])
    remove(post_id=post.post_id, post_author_id=author.user_id, comment_id=1, author_id=first.user_id)
    assert groups_of(author.user_id) == []


def test_mark_read_refuses_ids_that_are_not_the_viewers_and_writes_nothing() -> None:
    me, other, fan = make_actor(), make_actor(), make_actor()
    for owner in (me, other):
        services.like_added(
            post_id=make_post(owner).post_id, post_author_id=owner.user_id, user_id=fan.user_id, at=NOON
        )
    [mine], [theirs] = groups_of(me.user_id), groups_of(other.user_id)

    for ids in ([theirs.id], [mine.id, theirs.id], [mine.id, 10**12]):
        with pytest.raises(UnknownNotificationError):
            services.notifications_mark_read(user_id=me.user_id, group_ids=ids)
    assert selectors.unread_count(user_id=me.user_id) == 1

    assert services.notifications_mark_read(user_id=me.user_id, group_ids=[mine.id]) == 1
    assert services.notifications_mark_read(user_id=me.user_id, group_ids=[mine.id]) == 0
    assert selectors.unread_count(user_id=me.user_id) == 0
    assert selectors.unread_count(user_id=other.user_id) == 1
    assert stream_types(me.user_id) == ["notification", "read"]


def test_mark_all_read_up_to_a_position_leaves_later_groups_unread() -> None:
    me = make_actor()
    posts = [make_post(me) for _ in range(3)]
    for post in posts:
        services.like_added(post_id=post.post_id, post_author_id=me.user_id, user_id=uuid.uuid4(), at=NOON)
    newest, middle, _ = groups_of(me.user_id)

    assert services.notifications_mark_all_read(user_id=me.user_id, up_to=middle.position) == 2
    assert [g.id for g in selectors.notifications_page(user_id=me.user_id, first=10, unread_only=True).groups] == [
        newest.id
    ]
    assert services.notifications_mark_all_read(user_id=me.user_id) == 1
    assert selectors.unread_count(user_id=me.user_id) == 0


def test_new_activity_makes_a_read_group_unread_and_moves_it_up() -> None:
    me = make_actor()
    old, new = make_post(me), make_post(me)
    services.like_added(post_id=old.post_id, post_author_id=me.user_id, user_id=uuid.uuid4(), at=NOON)
    services.like_added(post_id=new.post_id, post_author_id=me.user_id, user_id=uuid.uuid4(), at=NOON)
    services.notifications_mark_all_read(user_id=me.user_id)

    services.like_added(post_id=old.post_id, post_author_id=me.user_id, user_id=uuid.uuid4(), at=NOON)

    unread = [(g.post_id, g.read_at is None) for g in groups_of(me.user_id)]
    assert unread == [(old.post_id, True), (new.post_id, False)]


def test_stream_positions_grow_and_a_resuming_client_gets_what_it_missed() -> None:
    me = make_actor()
    for _ in range(4):
        services.like_added(post_id=make_post(me).post_id, post_author_id=me.user_id, user_id=uuid.uuid4(), at=NOON)

    missed = selectors.stream_since(user_id=me.user_id, since=2, limit=10)

    assert [e["position"] for e in missed.entries] == [3, 4]
    assert (missed.gap, missed.position) == (False, 4)
    assert selectors.stream_since(user_id=me.user_id, since=4, limit=10).entries == []
    assert selectors.stream_since(user_id=me.user_id, since=9, limit=10).gap  # a position we never handed out


def test_the_stream_is_bounded_per_user_and_a_client_too_far_behind_must_resync(
    settings: SettingsWrapper,
) -> None:
    settings.NOTIFICATIONS_STREAM_KEEP = 10
    me = make_actor()
    for _ in range(services.PRUNE_EVERY):
        services.like_added(post_id=make_post(me).post_id, post_author_id=me.user_id, user_id=uuid.uuid4(), at=NOON)

    assert StreamEntry.objects.filter(user_id=me.user_id).count() == 10
    assert selectors.stream_since(user_id=me.user_id, since=0, limit=100).gap
    assert not selectors.stream_since(user_id=me.user_id, since=40, limit=100).gap


def test_old_stream_entries_are_pruned() -> None:
    me = make_actor()
    services.like_added(post_id=make_post(me).post_id, post_author_id=me.user_id, user_id=uuid.uuid4(), at=NOON)

    assert services.stream_prune(older_than=datetime.now(UTC) - timedelta(days=1)) == 0
    assert services.stream_prune(older_than=datetime.now(UTC) + timedelta(seconds=1)) == 1


def test_the_bell_needs_a_follow_and_is_per_account() -> None:
    me, followed, stranger = make_actor(), make_actor(), make_actor()
    make_follow(me, followed)

    with pytest.raises(NotFollowingError):
        services.post_notifications_set(subscriber_id=me.user_id, user_id=stranger.user_id, enabled=True)
    with pytest.raises(OwnAccountError):
        services.post_notifications_set(subscriber_id=me.user_id, user_id=me.user_id, enabled=True)
    services.post_notifications_set(subscriber_id=me.user_id, user_id=followed.user_id, enabled=True)

    assert selectors.post_notifications_enabled(subscriber_id=me.user_id, user_id=followed.user_id)
    assert selectors.post_notifications_enabled_among(
        subscriber_id=me.user_id, user_ids=[followed.user_id, stranger.user_id]
    ) == {followed.user_id}

    services.follow_delete(follower_id=me.user_id, followee_id=followed.user_id)
    services.follow_create(follower_id=me.user_id, followee_id=followed.user_id, at=NOON)
    assert not selectors.post_notifications_enabled(subscriber_id=me.user_id, user_id=followed.user_id)


def test_a_posts_many_recipients_follow_the_same_rules_and_a_redelivery_adds_nothing() -> None:
    author = make_actor()
    fans = [make_actor() for _ in range(6)]
    for fan in fans:
        make_follow(fan, author, bell=True)
    services.mute_set(user_id=fans[0].user_id, muted_user_id=author.user_id, muted=True)
    services.preferences_update(user_id=fans[1].user_id, changes={"post": False})

    for _ in range(2):  # the same post.created, delivered twice
        services.post_created(post_id=3, author_id=author.user_id, text="news", mentioned_user_ids=[], at=NOON)

    told = {g.recipient_id for g in NotificationGroup.objects.filter(kind="post")}
    assert told == {fan.user_id for fan in fans[2:]}
    for fan in fans[2:]:
        [entry] = StreamEntry.objects.filter(user_id=fan.user_id)
        assert (entry.position, entry.payload["unreadCount"]) == (1, 1)
        assert entry.payload["group"]["actors"][0]["username"] == author.username
