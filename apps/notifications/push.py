"""Sending to open sockets once the writing transaction has committed, and the channel-layer
groups: one per user (every open socket of theirs), one per author (the sockets of their online
followers, for `home.update`).

The push is best effort: what a client must not miss is the StreamEntry committed with the
change, which it reads back when it resumes (ADR 0013). So nothing is sent before the commit
(a rolled-back change is never shown) and a failed send is logged, never raised.
"""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import router, transaction

from apps.notifications.models import StreamEntry

logger = logging.getLogger(__name__)


def user_group(user_id: uuid.UUID) -> str:
    return f"notifications.user.{user_id.hex}"


def author_group(author_id: uuid.UUID) -> str:
    return f"notifications.author.{author_id.hex}"


# Consumer handler names (Channels maps "stream.entry" to the method `stream_entry`).
STREAM_ENTRY = "stream.entry"
HOME_UPDATE = "home.update"
FOLLOWING_CHANGED = "following.changed"


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # the push is best effort (see above); the stream keeps the change
        logger.exception("notification push failed", extra={"group": group})


def send_after_commit(group: str, message: dict[str, Any]) -> None:
    transaction.on_commit(partial(_send, group, message), using=router.db_for_write(StreamEntry), robust=True)


def push_entry_after_commit(user_id: uuid.UUID, payload: dict[str, Any]) -> None:
    send_after_commit(user_group(user_id), {"type": STREAM_ENTRY, "entry": payload})


def push_home_update_after_commit(author_id: uuid.UUID, payload: dict[str, Any]) -> None:
    """One send to the author's group: its cost is the online followers' sockets, not all followers."""
    send_after_commit(author_group(author_id), {"type": HOME_UPDATE, "entry": payload})


def push_following_changed_after_commit(follower_id: uuid.UUID, followee_id: uuid.UUID, *, following: bool) -> None:
    """The follower's open sockets (un)subscribe to the followee's posts."""
    send_after_commit(
        user_group(follower_id), {"type": FOLLOWING_CHANGED, "followee_id": str(followee_id), "following": following}
    )
