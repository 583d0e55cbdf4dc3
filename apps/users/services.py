"""Writes of the users service: each function validates, writes and publishes its events.

Every write to a profile or to a follow edge first locks the profile rows it touches, so
writes to one aggregate are serialised and its events enter the outbox in commit order.
"""

from __future__ import annotations

import enum
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Final, Literal

from django.db.models import F

from apps.media.contracts import MediaPort, media_port
from apps.users import selectors
from apps.users.contracts import ProfileCreated, ProfileUpdated, UserFollowed, UserUnfollowed
from apps.users.errors import CannotFollowSelfError, UnusableAvatarError
from apps.users.models import Follow, Profile
from apps.users.models.profile import BIO_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH
from socialapp.db import atomic_for
from socialapp.errors import ConflictError, InvalidInputError, NotFoundError
from socialapp.eventing import publish


class _Unset(enum.Enum):
    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET
Unset = Literal[_Unset.UNSET]


# --- checks --------------------------------------------------------------------------------


def _control_characters(text: str, *, allowed: str = "") -> bool:
    """Control characters, and lone surrogates (JSON lets them in; UTF-8 cannot store them)."""
    return any(unicodedata.category(char) in {"Cc", "Cs"} and char not in allowed for char in text)


def check_display_name(display_name: str) -> str:
    """The display name as stored: trimmed, 1 to 50 characters, on one line."""
    cleaned = display_name.strip()
    if not cleaned:
        raise InvalidInputError("The display name cannot be blank.", field="display_name", code="blank")
    if len(cleaned) > DISPLAY_NAME_MAX_LENGTH:
        raise InvalidInputError(
            f"The display name has at most {DISPLAY_NAME_MAX_LENGTH} characters (got {len(cleaned)}).",
            field="display_name",
            code="too_long",
        )
    if _control_characters(cleaned):
        raise InvalidInputError(
            "The display name cannot contain control characters or line breaks.",
            field="display_name",
            code="invalid_characters",
        )
    return cleaned


def check_bio(bio: str) -> str:
    """The bio as stored: trimmed, at most 300 characters; line breaks and tabs allowed."""
    cleaned = bio.strip()
    if len(cleaned) > BIO_MAX_LENGTH:
        raise InvalidInputError(
            f"The bio has at most {BIO_MAX_LENGTH} characters (got {len(cleaned)}).", field="bio", code="too_long"
        )
    if _control_characters(cleaned, allowed="\n\t"):
        raise InvalidInputError("The bio cannot contain control characters.", field="bio", code="invalid_characters")
    return cleaned


# --- profiles ------------------------------------------------------------------------------


def profile_create(*, user_id: uuid.UUID, username: str) -> Profile:
    """The profile of a new identity, its display name defaulting to the username.

    Idempotent on `user_id`: if the profile exists it is returned unchanged and nothing is
    published (the auth service may announce an identity twice).
    """
    with atomic_for(Profile):
        existing = selectors.profile_by_id(user_id=user_id)
        if existing is not None:
            return existing
        holder = selectors.profile_by_username(username=username)
        if holder is not None:
            # The auth service keeps usernames unique; two identities with one name is a bug to see.
            raise ConflictError(
                f"The username {username!r} already belongs to the profile of {holder.user_id}.",
                field="username",
                code="username_taken",
            )
        profile = Profile.objects.create(user_id=user_id, username=username, display_name=username)
        publish(_snapshot(ProfileCreated, profile))
    return profile


def profile_update(
    *,
    user_id: uuid.UUID,
    display_name: str | Unset | None = UNSET,
    bio: str | Unset | None = UNSET,
    avatar_media_id: uuid.UUID | Unset | None = UNSET,
) -> Profile:
    """Change what is given (`UNSET`: leave as is; `None`: back to the default).

    Publishes `user.profile_updated` only if something changed.
    """
    changes: dict[str, object] = {}
    if not isinstance(display_name, _Unset):
        changes["display_name"] = None if display_name is None else check_display_name(display_name)
    if not isinstance(bio, _Unset):
        changes["bio"] = "" if bio is None else check_bio(bio)
    if not isinstance(avatar_media_id, _Unset):
        if avatar_media_id is not None:  # asked before the row is locked: the port may be remote
            check_avatar(user_id=user_id, media_id=avatar_media_id)
        changes["avatar_media_id"] = avatar_media_id
    with atomic_for(Profile):
        profile = Profile.objects.select_for_update().filter(pk=user_id).first()
        if profile is None:
            raise NotFoundError("You have no profile yet; it is created right after you register.")
        if "display_name" in changes and changes["display_name"] is None:
            changes["display_name"] = profile.username
        changed = [name for name, value in changes.items() if getattr(profile, name) != value]
        if not changed:
            return profile
        for name in changed:
            setattr(profile, name, changes[name])
        profile.save(update_fields=[*changed, "updated_at"])
        publish(_snapshot(ProfileUpdated, profile))
    return profile


def _media_port() -> MediaPort:
    """The media service's port as settings configure it (in-process or HTTP); tests replace it."""
    return media_port()


def check_avatar(*, user_id: uuid.UUID, media_id: uuid.UUID) -> None:
    """The avatar must be one of the user's READY uploads, asked of the media service."""
    if not _media_port().media_owned_by(owner_id=user_id, media_ids=[media_id]):
        raise UnusableAvatarError(f"You have no uploaded image with the id {media_id}.", field="avatar_media_id")


def _snapshot(event_class: type[ProfileCreated | ProfileUpdated], profile: Profile) -> ProfileCreated | ProfileUpdated:
    return event_class(
        user_id=profile.user_id,
        username=profile.username,
        display_name=profile.display_name,
        avatar_media_id=profile.avatar_media_id,
    )


# --- follows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowChange:
    """Both ends of an edge after a follow or unfollow, with their current counts."""

    follower: Profile
    followee: Profile
    # False when the edge already was as asked: nothing was written or published.
    changed: bool


def follow_create(*, follower_id: uuid.UUID, followee_id: uuid.UUID) -> FollowChange:
    """`follower_id` follows `followee_id`. Idempotent: following again changes nothing."""
    if follower_id == followee_id:
        raise CannotFollowSelfError("You cannot follow yourself.", field="followee_id")
    with atomic_for(Follow):
        follower, followee = _lock_pair(follower_id=follower_id, followee_id=followee_id)
        if Follow.objects.filter(follower=follower, followee=followee).exists():
            return FollowChange(follower=follower, followee=followee, changed=False)
        Follow.objects.create(follower=follower, followee=followee)
        _count_edge(follower, followee, delta=1)
        publish(UserFollowed(follower_id=follower_id, followee_id=followee_id))
    return FollowChange(follower=follower, followee=followee, changed=True)


def follow_delete(*, follower_id: uuid.UUID, followee_id: uuid.UUID) -> FollowChange:
    """`follower_id` stops following `followee_id`. Idempotent: unfollowing again changes nothing."""
    if follower_id == followee_id:
        raise CannotFollowSelfError("You cannot unfollow yourself.", field="followee_id")
    with atomic_for(Follow):
        follower, followee = _lock_pair(follower_id=follower_id, followee_id=followee_id)
        deleted, _ = Follow.objects.filter(follower=follower, followee=followee).delete()
        if not deleted:
            return FollowChange(follower=follower, followee=followee, changed=False)
        _count_edge(follower, followee, delta=-1)
        publish(UserUnfollowed(follower_id=follower_id, followee_id=followee_id))
    return FollowChange(follower=follower, followee=followee, changed=True)


def _lock_pair(*, follower_id: uuid.UUID, followee_id: uuid.UUID) -> tuple[Profile, Profile]:
    """Lock both profiles, always in user id order: A following B while B follows A cannot
    deadlock, and concurrent follows of one edge are serialised (no double count)."""
    locked = {
        profile.user_id: profile
        for profile in Profile.objects.select_for_update().filter(pk__in=[follower_id, followee_id]).order_by("pk")
    }
    if follower_id not in locked:
        raise NotFoundError("You have no profile yet; it is created right after you register.")
    if followee_id not in locked:
        raise NotFoundError("No user has this id.", field="followee_id")
    return locked[follower_id], locked[followee_id]


def _count_edge(follower: Profile, followee: Profile, *, delta: int) -> None:
    Profile.objects.filter(pk=follower.pk).update(following_count=F("following_count") + delta)
    Profile.objects.filter(pk=followee.pk).update(followers_count=F("followers_count") + delta)
    # Exact without reading back: both rows are locked by this transaction.
    follower.following_count += delta
    followee.followers_count += delta
