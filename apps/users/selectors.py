"""Reads of the users service."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Lower

from apps.users.models import Follow, Profile
from apps.users.models.profile import USERNAME_MAX_LENGTH
from socialapp.errors import InvalidInputError

PAGE_SIZE_MAX = 100
PAGE_SIZE_DEFAULT = 20


def profile_by_id(*, user_id: uuid.UUID) -> Profile | None:
    return Profile.objects.filter(pk=user_id).first()


def profile_by_username(*, username: str) -> Profile | None:
    """Case-insensitive, through the unique index on lower(username)."""
    if not 1 <= len(username) <= USERNAME_MAX_LENGTH or not _storable(username):
        return None  # cannot be anyone's username, and the database would refuse the text
    return Profile.objects.alias(username_lower=Lower("username")).filter(username_lower=username.lower()).first()


def _storable(text: str) -> bool:
    """PostgreSQL text holds no NUL, and UTF-8 no lone surrogate (JSON can carry both)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


@dataclass(frozen=True)
class FollowPage:
    """One page of follow rows, newest first, each with the profile at the other end loaded."""

    follows: list[Follow]
    has_next: bool


def check_page_size(first: int) -> None:
    if not 1 <= first <= PAGE_SIZE_MAX:
        raise InvalidInputError(
            f"`first` must be between 1 and {PAGE_SIZE_MAX} (got {first}).", field="first", code="out_of_range"
        )


def followers_page(*, user_id: uuid.UUID, first: int, after_id: int | None = None) -> FollowPage:
    """Who follows `user_id`: keyset pagination on the follow id (one query, whatever the page)."""
    check_page_size(first)
    rows = Follow.objects.filter(followee_id=user_id).select_related("follower")
    return _page(rows, first=first, after_id=after_id)


def following_page(*, user_id: uuid.UUID, first: int, after_id: int | None = None) -> FollowPage:
    """Whom `user_id` follows, newest first."""
    check_page_size(first)
    rows = Follow.objects.filter(follower_id=user_id).select_related("followee")
    return _page(rows, first=first, after_id=after_id)


def _page(rows: QuerySet[Follow], *, first: int, after_id: int | None) -> FollowPage:
    if after_id is not None:
        rows = rows.filter(id__lt=after_id)
    follows = list(rows.order_by("-id")[: first + 1])  # one extra row tells whether a next page exists
    return FollowPage(follows=follows[:first], has_next=len(follows) > first)


def followed_among(*, follower_id: uuid.UUID, followee_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `followee_ids` `follower_id` follows: one query for a whole page."""
    wanted = set(followee_ids)
    if not wanted:
        return set()
    return set(
        Follow.objects.filter(follower_id=follower_id, followee_id__in=wanted).values_list("followee_id", flat=True)
    )
