"""Reads of the notifications service."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from apps.notifications.models import (
    Actor,
    Follow,
    Kind,
    Mute,
    NotificationGroup,
    PostExcerpt,
    Preference,
    StreamEntry,
    UserStream,
)
from socialapp.errors import InvalidInputError

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100


@dataclass(frozen=True)
class GroupPage:
    groups: list[NotificationGroup]
    has_next: bool


def check_page_size(first: int) -> None:
    if not 1 <= first <= PAGE_SIZE_MAX:
        raise InvalidInputError(
            f"`first` must be between 1 and {PAGE_SIZE_MAX} (got {first}).", field="first", code="out_of_range"
        )


def check_kinds(kinds: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(kinds))
    unknown = [kind for kind in wanted if kind not in Kind.values]
    if unknown:
        raise InvalidInputError(f"Unknown kinds: {unknown}.", field="kinds", code="invalid")
    return wanted


def notifications_page(
    *,
    user_id: uuid.UUID,
    first: int,
    after_position: int | None = None,
    unread_only: bool = False,
    kinds: Collection[str] | None = None,
) -> GroupPage:
    """The user's groups, latest activity first: keyset pagination on the stream position."""
    check_page_size(first)
    rows = NotificationGroup.objects.filter(recipient_id=user_id)
    if after_position is not None:
        rows = rows.filter(position__lt=after_position)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if kinds:
        rows = rows.filter(kind__in=check_kinds(kinds))
    groups = list(rows.order_by("-position")[: first + 1])  # one extra row tells whether a next page exists
    return GroupPage(groups=groups[:first], has_next=len(groups) > first)


def unread_count(*, user_id: uuid.UUID) -> int:
    return NotificationGroup.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def actors_by_ids(user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Actor]:
    return Actor.objects.in_bulk(list(user_ids))


def excerpts_by_ids(post_ids: Collection[int]) -> dict[int, PostExcerpt]:
    return PostExcerpt.objects.in_bulk(list(post_ids))


def preferences_for(*, user_id: uuid.UUID) -> Preference:
    """The user's preferences (every kind on when they never changed one)."""
    return Preference.objects.filter(user_id=user_id).first() or Preference(user_id=user_id)


def post_notifications_enabled(*, subscriber_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return user_id in post_notifications_enabled_among(subscriber_id=subscriber_id, user_ids=[user_id])


def post_notifications_enabled_among(*, subscriber_id: uuid.UUID, user_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Of `user_ids`, those whose posts `subscriber_id` asked to be told about (the bell, for profiles)."""
    if not user_ids:
        return set()
    return set(
        Follow.objects.filter(
            follower_id=subscriber_id, followee_id__in=list(user_ids), post_notifications=True
        ).values_list("followee_id", flat=True)
    )


def is_muted(*, user_id: uuid.UUID, muted_user_id: uuid.UUID) -> bool:
    return Mute.objects.filter(user_id=user_id, muted_user_id=muted_user_id).exists()


def followee_ids(*, follower_id: uuid.UUID, limit: int) -> list[uuid.UUID]:
    """Whom the user follows (as this service knows it), at most `limit`, newest follows first."""
    return list(
        Follow.objects.filter(follower_id=follower_id).order_by("-id").values_list("followee_id", flat=True)[:limit]
    )


def stream_position(*, user_id: uuid.UUID) -> int:
    """The user's latest stream position (0 before anything happened to them)."""
    position = UserStream.objects.filter(user_id=user_id).values_list("last_position", flat=True).first()
    return position or 0


@dataclass(frozen=True)
class Missed:
    """What a client resuming after `since` missed: the entries, or `gap` when some were pruned."""

    entries: list[dict[str, Any]]
    gap: bool
    position: int


def stream_since(*, user_id: uuid.UUID, since: int, limit: int) -> Missed:
    """Entries after position `since`, oldest first, at most `limit` (more than that is a gap too)."""
    current = stream_position(user_id=user_id)
    if since >= current:
        return Missed(entries=[], gap=since > current, position=current)
    rows = list(
        StreamEntry.objects.filter(user_id=user_id, position__gt=since)
        .order_by("position")
        .values_list("position", "payload")[: limit + 1]
    )
    # Positions are gapless per user, so the first row tells whether anything was pruned.
    gap = not rows or rows[0][0] != since + 1 or len(rows) > limit
    return Missed(entries=[payload for _, payload in rows[:limit]], gap=gap, position=current)
