"""Writes of the notifications service: projections from events, grouped notifications, and
the viewer's own settings (read state, preferences, bell, mutes).

Every change a client should see takes the recipient's next stream position and writes a
StreamEntry in the same transaction; the push to open sockets follows the commit
(apps/notifications/live/push.py). Handlers are idempotent besides the inbox: a group counts
an actor once, however often the same like or follow arrives.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connections, router
from django.db.models import Count
from django.utils import timezone

from apps.notifications import config, payloads, selectors
from apps.notifications.errors import NotFollowingError, OwnAccountError, UnknownNotificationError
from apps.notifications.models import (
    EXCERPT_CHARS,
    LATEST_ACTORS,
    Actor,
    Follow,
    GroupActor,
    Kind,
    Mute,
    NotificationGroup,
    PostExcerpt,
    Preference,
    StreamEntry,
    UserStream,
)
from apps.notifications.push import (
    push_entry_after_commit,
    push_following_changed_after_commit,
    push_home_update_after_commit,
)
from socialapp.db import atomic_for
from socialapp.errors import InvalidInputError

MAX_MARK_READ_IDS = 100
# Recipients of one post's notifications handled per statement (mentions, the bell).
NOTIFY_BATCH = 500
# Pruning the stream past NOTIFICATIONS_STREAM_KEEP every this many positions keeps it bounded
# per user at the cost of one DELETE now and then, not one per write.
PRUNE_EVERY = 50

# --- projections -------------------------------------------------------------------------


def actor_upsert(*, user_id: uuid.UUID, username: str, display_name: str, avatar_media_id: uuid.UUID | None) -> None:
    """The profile as it is now (profile events are snapshots: upsert, never patch)."""
    Actor.objects.update_or_create(
        user_id=user_id,
        defaults={"username": username, "display_name": display_name, "avatar_media_id": avatar_media_id},
    )


def follow_create(*, follower_id: uuid.UUID, followee_id: uuid.UUID, at: datetime) -> None:
    """Keep the edge and tell the followee (grouped by day); the follower's sockets subscribe."""
    with atomic_for(Follow):
        _, created = Follow.objects.get_or_create(follower_id=follower_id, followee_id=followee_id)
        if not created:
            return
        notify(
            recipient_id=followee_id,
            kind=Kind.FOLLOW,
            actor_id=follower_id,
            group_key=f"follow:{timezone.localdate(at, timezone.get_fixed_timezone(0)).isoformat()}",
            post_id=None,
            at=at,
        )
        push_following_changed_after_commit(follower_id, followee_id, following=True)


def follow_delete(*, follower_id: uuid.UUID, followee_id: uuid.UUID) -> None:
    """Drop the edge, and the bell with it. The follow notification stays (it happened)."""
    with atomic_for(Follow):
        deleted, _ = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()
        if deleted:
            push_following_changed_after_commit(follower_id, followee_id, following=False)


def _excerpt_of(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def post_excerpt_upsert(*, post_id: int, author_id: uuid.UUID, text: str) -> bool:
    """Keep the post's first characters; False (nothing written) once the post is known deleted."""
    excerpt, created = PostExcerpt.objects.get_or_create(
        post_id=post_id, defaults={"author_id": author_id, "excerpt": _excerpt_of(text)}
    )
    if excerpt.deleted:
        return False
    if not created and excerpt.excerpt != _excerpt_of(text):
        PostExcerpt.objects.filter(post_id=post_id, deleted=False).update(excerpt=_excerpt_of(text))
    return True


# --- events of posts and reactions --------------------------------------------------------


def post_created(
    *, post_id: int, author_id: uuid.UUID, text: str, mentioned_user_ids: Iterable[uuid.UUID], at: datetime
) -> None:
    """Mentioned users, and followers who rang the bell, are told; online followers get `home.update`."""
    with atomic_for(NotificationGroup):
        if not post_excerpt_upsert(post_id=post_id, author_id=author_id, text=text):
            return
        mentioned = set(mentioned_user_ids)
        notify_many(
            recipient_ids=mentioned,
            kind=Kind.MENTION,
            actor_id=author_id,
            group_key=f"mention:{post_id}",
            post_id=post_id,
            at=at,
        )
        bell = Follow.objects.filter(followee_id=author_id, post_notifications=True).values_list(
            "follower_id", flat=True
        )
        notify_many(
            recipient_ids=set(bell) - mentioned,  # the mention already tells them
            kind=Kind.POST,
            actor_id=author_id,
            group_key=f"post:{post_id}",
            post_id=post_id,
            at=at,
        )
        push_home_update_after_commit(author_id, payloads.home_update_message(post_id=post_id, author_id=author_id))


def post_edited(
    *, post_id: int, author_id: uuid.UUID, text: str, added_mentioned_user_ids: Iterable[uuid.UUID], at: datetime
) -> None:
    """A new excerpt; only the users the edit newly mentions are told."""
    with atomic_for(NotificationGroup):
        if not post_excerpt_upsert(post_id=post_id, author_id=author_id, text=text):
            return
        notify_many(
            recipient_ids=set(added_mentioned_user_ids),
            kind=Kind.MENTION,
            actor_id=author_id,
            group_key=f"mention:{post_id}",
            post_id=post_id,
            at=at,
        )


def post_deleted(*, post_id: int, author_id: uuid.UUID) -> None:
    """The post's notifications go away, for every recipient; later reactions find it deleted."""
    with atomic_for(NotificationGroup):
        PostExcerpt.objects.update_or_create(
            post_id=post_id, defaults={"author_id": author_id, "excerpt": "", "deleted": True}
        )
        for group in NotificationGroup.objects.select_for_update().filter(post_id=post_id).order_by("id"):
            _remove_group(group)


def like_added(*, post_id: int, post_author_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> None:
    notify(
        recipient_id=post_author_id,
        kind=Kind.LIKE,
        actor_id=user_id,
        group_key=f"like:{post_id}",
        post_id=post_id,
        at=at,
    )


def comment_added(
    *, post_id: int, post_author_id: uuid.UUID, comment_id: int, author_id: uuid.UUID, at: datetime
) -> None:
    notify(
        recipient_id=post_author_id,
        kind=Kind.COMMENT,
        actor_id=author_id,
        group_key=f"comment:{post_id}",
        post_id=post_id,
        at=at,
        comment_id=comment_id,
    )


def comment_removed(*, post_id: int, post_author_id: uuid.UUID, comment_id: int, author_id: uuid.UUID) -> None:
    """The comment's author leaves the group when their last comment on the post is gone."""
    with atomic_for(NotificationGroup):
        group = (
            NotificationGroup.objects.select_for_update()
            .filter(recipient_id=post_author_id, group_key=f"comment:{post_id}")
            .first()
        )
        if group is None:
            return
        member = GroupActor.objects.filter(group=group, actor_id=author_id).first()
        if member is None or comment_id not in member.comment_ids:
            return
        member.comment_ids = [value for value in member.comment_ids if value != comment_id]
        if member.comment_ids:
            member.save(update_fields=["comment_ids"])
            return
        member.delete()
        remaining = list(GroupActor.objects.filter(group=group).order_by("-created_at", "-id")[:LATEST_ACTORS])
        if not remaining:
            _remove_group(group)
            return
        group.actor_count = GroupActor.objects.filter(group=group).count()
        group.latest_actor_ids = [str(member.actor_id) for member in remaining]
        group.latest_at = remaining[0].created_at
        group.position = _next_position(group.recipient_id)
        group.save(update_fields=["actor_count", "latest_actor_ids", "latest_at", "position"])
        _record_group(group)


# --- grouping ------------------------------------------------------------------------------


def notify(
    *,
    recipient_id: uuid.UUID,
    kind: str,
    actor_id: uuid.UUID,
    group_key: str,
    post_id: int | None,
    at: datetime,
    comment_id: int | None = None,
) -> NotificationGroup | None:
    """Add `actor_id` to the recipient's group `group_key`; None when nothing is to be shown.

    Nothing for the recipient's own action, an actor they muted, a kind they turned off, a
    deleted post, or an actor the group already counts (a repeated like or follow). A new
    comment by an actor already counted moves the group up without counting them again.
    """
    if recipient_id == actor_id or not _wants(recipient_id, kind) or _muted(recipient_id, actor_id):
        return None
    if post_id is not None and PostExcerpt.objects.filter(post_id=post_id, deleted=True).exists():
        return None
    with atomic_for(NotificationGroup):
        group, reserved = _lock_or_create_group(
            recipient_id=recipient_id, kind=kind, group_key=group_key, post_id=post_id, at=at
        )
        member, joined = _join(group, actor_id=actor_id, at=at)
        if not joined:
            if comment_id is None or comment_id in member.comment_ids:
                return None
            member.comment_ids = [*member.comment_ids, comment_id]
            member.created_at = max(member.created_at, at)
            member.save(update_fields=["comment_ids", "created_at"])
        elif comment_id is not None:
            member.comment_ids = [comment_id]
            member.save(update_fields=["comment_ids"])
        if joined:
            group.actor_count += 1
        others = [value for value in group.latest_actor_ids if value != str(actor_id)]
        group.latest_actor_ids = [str(actor_id), *others][:LATEST_ACTORS]
        group.latest_at = max(group.latest_at, at)
        group.read_at = None
        group.position = reserved if reserved is not None else _next_position(recipient_id)
        group.save(update_fields=["actor_count", "latest_actor_ids", "latest_at", "read_at", "position"])
        _record_group(group)
        return group


def notify_many(
    *,
    recipient_ids: Collection[uuid.UUID],
    kind: str,
    actor_id: uuid.UUID,
    group_key: str,
    post_id: int | None,
    at: datetime,
) -> list[NotificationGroup]:
    """`notify` for many recipients of a group only `actor_id` is in (a post's mentions, its
    bell): the same rules, in a few statements per batch rather than a dozen per recipient."""
    # Sorted: every transaction locks stream rows in one order, so two never deadlock.
    candidates = sorted(set(recipient_ids) - {actor_id})
    if not candidates:
        return []
    if post_id is not None and PostExcerpt.objects.filter(post_id=post_id, deleted=True).exists():
        return []
    created: list[NotificationGroup] = []
    with atomic_for(NotificationGroup):
        for start in range(0, len(candidates), NOTIFY_BATCH):
            batch = candidates[start : start + NOTIFY_BATCH]
            created += _notify_batch(batch, kind=kind, actor_id=actor_id, group_key=group_key, post_id=post_id, at=at)
    return created


def _notify_batch(
    recipients: list[uuid.UUID], *, kind: str, actor_id: uuid.UUID, group_key: str, post_id: int | None, at: datetime
) -> list[NotificationGroup]:
    turned_off = Preference.objects.filter(user_id__in=recipients, **{kind: False}).values_list("user_id", flat=True)
    muting = Mute.objects.filter(user_id__in=recipients, muted_user_id=actor_id).values_list("user_id", flat=True)
    # A group already there already holds its only actor: a redelivered post, a mention again.
    notified = NotificationGroup.objects.filter(recipient_id__in=recipients, group_key=group_key).values_list(
        "recipient_id", flat=True
    )
    skipped = {*turned_off, *muting, *notified}
    wanted = [recipient for recipient in recipients if recipient not in skipped]
    if not wanted:
        return []
    positions = _next_positions(wanted)
    groups = NotificationGroup.objects.bulk_create(
        [
            NotificationGroup(
                recipient_id=recipient,
                kind=kind,
                group_key=group_key,
                post_id=post_id,
                actor_count=1,
                latest_actor_ids=[str(actor_id)],
                latest_at=at,
                position=positions[recipient],
            )
            for recipient in wanted
        ]
    )
    GroupActor.objects.bulk_create([GroupActor(group=group, actor_id=actor_id, created_at=at) for group in groups])
    actors = Actor.objects.in_bulk([actor_id])
    excerpt = None if post_id is None else PostExcerpt.objects.filter(post_id=post_id).first()
    unread = dict(
        NotificationGroup.objects.filter(recipient_id__in=wanted, read_at__isnull=True)
        .values("recipient_id")
        .annotate(count=Count("id"))
        .values_list("recipient_id", "count")
    )
    entries = []
    for group in groups:
        payload = payloads.notification_message(
            position=group.position,
            group=payloads.group_json(group, actors=actors, excerpt=excerpt),
            unread_count=unread.get(group.recipient_id, 0),
        )
        entries.append(StreamEntry(user_id=group.recipient_id, position=group.position, payload=payload))
        push_entry_after_commit(group.recipient_id, payload)
    StreamEntry.objects.bulk_create(entries)
    for group in groups:
        if group.position % PRUNE_EVERY == 0:
            _prune(group.recipient_id, group.position)
    return groups


def _wants(user_id: uuid.UUID, kind: str) -> bool:
    preference = Preference.objects.filter(user_id=user_id).first()
    return preference is None or preference.wants(kind)


def _muted(user_id: uuid.UUID, actor_id: uuid.UUID) -> bool:
    return Mute.objects.filter(user_id=user_id, muted_user_id=actor_id).exists()


def _lock_or_create_group(
    *, recipient_id: uuid.UUID, kind: str, group_key: str, post_id: int | None, at: datetime
) -> tuple[NotificationGroup, int | None]:
    """The group, locked: its writes are serialised (counts exact, one actor once). With a
    position when one was taken for a new group (kept when a concurrent creator won: no gap)."""
    rows = NotificationGroup.objects.select_for_update()
    group = rows.filter(recipient_id=recipient_id, group_key=group_key).first()
    if group is not None:
        return group, None
    position = _next_position(recipient_id)
    try:
        with atomic_for(NotificationGroup):  # a savepoint: a concurrent creator wins, we lock theirs
            created = NotificationGroup.objects.create(
                recipient_id=recipient_id,
                kind=kind,
                group_key=group_key,
                post_id=post_id,
                latest_at=at,
                position=position,
            )
            return created, position
    except IntegrityError:
        return rows.get(recipient_id=recipient_id, group_key=group_key), position


def _join(group: NotificationGroup, *, actor_id: uuid.UUID, at: datetime) -> tuple[GroupActor, bool]:
    member = GroupActor.objects.filter(group=group, actor_id=actor_id).first()
    if member is not None:
        return member, False
    return GroupActor.objects.create(group=group, actor_id=actor_id, created_at=at), True


def _next_position(user_id: uuid.UUID) -> int:
    """The user's next stream position. The row stays locked until the commit, so one user's
    entries commit in position order: a client that saw position p has missed nothing before it."""
    return _next_positions([user_id])[user_id]


def _next_positions(user_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The next stream position of each user, in one statement (rows locked in the order given)."""
    table = UserStream._meta.db_table
    field = UserStream._meta.get_field("user_id")
    with connections[router.db_for_write(UserStream)].cursor() as cursor:
        values = ", ".join(["(%s, 1)"] * len(user_ids))
        cursor.execute(
            f"INSERT INTO {table} (user_id, last_position) VALUES {values} "
            f"ON CONFLICT (user_id) DO UPDATE SET last_position = {table}.last_position + 1 "
            "RETURNING user_id, last_position",
            [field.get_db_prep_value(user_id, cursor.db) for user_id in user_ids],
        )
        rows = cursor.fetchall()
    return {field.to_python(user_id): int(position) for user_id, position in rows}


def _record(user_id: uuid.UUID, position: int, payload: dict[str, Any]) -> None:
    """The stream entry (in the caller's transaction), the push after commit, and the bound per user."""
    StreamEntry.objects.create(user_id=user_id, position=position, payload=payload)
    if position % PRUNE_EVERY == 0:
        _prune(user_id, position)
    push_entry_after_commit(user_id, payload)


def _prune(user_id: uuid.UUID, position: int) -> None:
    StreamEntry.objects.filter(user_id=user_id, position__lte=position - config.stream_keep_per_user()).delete()


def _record_group(group: NotificationGroup) -> None:
    actor_ids = [uuid.UUID(value) for value in group.latest_actor_ids]
    actors = Actor.objects.in_bulk(actor_ids)
    excerpt = None if group.post_id is None else PostExcerpt.objects.filter(post_id=group.post_id).first()
    payload = payloads.notification_message(
        position=group.position,
        group=payloads.group_json(group, actors=actors, excerpt=excerpt),
        unread_count=selectors.unread_count(user_id=group.recipient_id),
    )
    _record(group.recipient_id, group.position, payload)


def _remove_group(group: NotificationGroup) -> None:
    recipient_id, group_id = group.recipient_id, group.id
    group.delete()
    position = _next_position(recipient_id)
    _record(
        recipient_id,
        position,
        payloads.removed_message(
            position=position, group_id=group_id, unread_count=selectors.unread_count(user_id=recipient_id)
        ),
    )


# --- the viewer's own changes --------------------------------------------------------------


def notifications_mark_read(*, user_id: uuid.UUID, group_ids: Collection[int]) -> int:
    """Mark these groups read; all must be the user's (else nothing is written). Returns how many changed."""
    wanted = set(group_ids)
    if not wanted:
        return 0
    if len(wanted) > MAX_MARK_READ_IDS:
        raise InvalidInputError(f"At most {MAX_MARK_READ_IDS} ids at once.", field="ids", code="too_many")
    with atomic_for(NotificationGroup):
        mine = set(
            NotificationGroup.objects.select_for_update()
            .filter(recipient_id=user_id, id__in=wanted)
            .values_list("id", flat=True)
        )
        if mine != wanted:
            raise UnknownNotificationError("Some of these ids name no notification of yours.", field="ids")
        changed = NotificationGroup.objects.filter(id__in=wanted, read_at__isnull=True).update(read_at=timezone.now())
        if changed:
            position = _next_position(user_id)
            message = payloads.read_message(
                position=position,
                group_ids=sorted(wanted),
                up_to=None,
                unread_count=selectors.unread_count(user_id=user_id),
            )
            _record(user_id, position, message)
    return changed


def notifications_mark_all_read(*, user_id: uuid.UUID, up_to: int | None = None) -> int:
    """Mark read every group whose latest activity is at or before stream position `up_to` (all if None)."""
    if up_to is not None and up_to < 0:
        raise InvalidInputError("`upTo` is a stream position (0 or more).", field="upTo", code="out_of_range")
    with atomic_for(NotificationGroup):
        rows = NotificationGroup.objects.filter(recipient_id=user_id, read_at__isnull=True)
        if up_to is not None:
            rows = rows.filter(position__lte=up_to)
        changed = rows.update(read_at=timezone.now())
        if changed:
            position = _next_position(user_id)
            message = payloads.read_message(
                position=position, group_ids=None, up_to=up_to, unread_count=selectors.unread_count(user_id=user_id)
            )
            _record(user_id, position, message)
    return changed


def preferences_update(*, user_id: uuid.UUID, changes: dict[str, bool]) -> Preference:
    """Turn kinds on or off (`changes`: kind -> wanted)."""
    unknown = set(changes) - set(Kind.values)
    if unknown:
        raise InvalidInputError(f"Unknown kinds: {sorted(unknown)}.", field="kinds", code="invalid")
    with atomic_for(Preference):
        preference, _ = Preference.objects.select_for_update().get_or_create(user_id=user_id)
        for kind, wanted in changes.items():
            setattr(preference, kind, bool(wanted))
        preference.save()
    return preference


def post_notifications_set(*, subscriber_id: uuid.UUID, user_id: uuid.UUID, enabled: bool) -> None:
    """Ring (or silence) the bell for `user_id`'s posts; it needs a follow."""
    if subscriber_id == user_id:
        raise OwnAccountError("You cannot ring the bell for your own posts.", field="userId")
    with atomic_for(Follow):
        changed = Follow.objects.filter(follower_id=subscriber_id, followee_id=user_id).update(
            post_notifications=enabled
        )
        if not changed and enabled:
            raise NotFollowingError(
                "Follow this account first (a follow just made may take a moment to reach notifications).",
                field="userId",
            )


def mute_set(*, user_id: uuid.UUID, muted_user_id: uuid.UUID, muted: bool) -> None:
    """Stop (or resume) notifications caused by `muted_user_id`; existing ones stay."""
    if user_id == muted_user_id:
        raise OwnAccountError("You cannot mute yourself.", field="userId")
    with atomic_for(Mute):
        if muted:
            Mute.objects.get_or_create(user_id=user_id, muted_user_id=muted_user_id)
        else:
            Mute.objects.filter(user_id=user_id, muted_user_id=muted_user_id).delete()


def stream_prune(*, older_than: datetime) -> int:
    """Delete stream entries older than `older_than` (a client that far behind re-reads the list)."""
    deleted, _ = StreamEntry.objects.filter(created_at__lt=older_than).delete()
    return deleted
