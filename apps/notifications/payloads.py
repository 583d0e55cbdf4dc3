"""The JSON shapes of the stream: what a socket receives, stored as such in each StreamEntry.

Each entry carries the whole group as it stands (an idempotent snapshot keyed by the group's
id) and the unread count, so a client applies entries in position order and is up to date.
The AsyncAPI document (docs/asyncapi/notifications.yaml) gives their schemas.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from apps.notifications.models import Actor, NotificationGroup, PostExcerpt


def actor_json(user_id: uuid.UUID, actor: Actor | None) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": actor.username if actor else "",
        "displayName": actor.display_name if actor else "",
        "avatarMediaId": str(actor.avatar_media_id) if actor and actor.avatar_media_id else None,
    }


def post_json(excerpt: PostExcerpt | None) -> dict[str, Any] | None:
    if excerpt is None or excerpt.deleted:
        return None
    return {"id": str(excerpt.post_id), "excerpt": excerpt.excerpt}


def group_json(
    group: NotificationGroup, *, actors: Mapping[uuid.UUID, Actor], excerpt: PostExcerpt | None
) -> dict[str, Any]:
    actor_ids = [uuid.UUID(value) for value in group.latest_actor_ids]
    return {
        "id": str(group.id),
        "kind": group.kind,
        "position": group.position,
        "postId": None if group.post_id is None else str(group.post_id),
        "post": post_json(excerpt),
        "actorCount": group.actor_count,
        "actors": [actor_json(actor_id, actors.get(actor_id)) for actor_id in actor_ids],
        "latestAt": group.latest_at.isoformat(),
        "read": group.read_at is not None,
    }


def notification_message(*, position: int, group: dict[str, Any], unread_count: int) -> dict[str, Any]:
    return {"type": "notification", "position": position, "group": group, "unreadCount": unread_count}


def removed_message(*, position: int, group_id: int, unread_count: int) -> dict[str, Any]:
    return {"type": "notification.removed", "position": position, "groupId": str(group_id), "unreadCount": unread_count}


def read_message(
    *, position: int, group_ids: Iterable[int] | None, up_to: int | None, unread_count: int
) -> dict[str, Any]:
    return {
        "type": "read",
        "position": position,
        "groupIds": None if group_ids is None else [str(group_id) for group_id in group_ids],
        "upTo": up_to,
        "unreadCount": unread_count,
    }


def home_update_message(*, post_id: int, author_id: uuid.UUID) -> dict[str, Any]:
    return {"type": "home.update", "postId": str(post_id), "authorId": str(author_id)}
