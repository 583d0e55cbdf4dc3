"""The notifications service's tables, all in its own database (alias "notifications")."""

from apps.notifications.models.actor import Actor
from apps.notifications.models.events import InboxMessage, OutboxMessage
from apps.notifications.models.follow import Follow
from apps.notifications.models.group import LATEST_ACTORS, NotificationGroup
from apps.notifications.models.group_actor import GroupActor
from apps.notifications.models.kind import Kind
from apps.notifications.models.mute import Mute
from apps.notifications.models.post_excerpt import EXCERPT_CHARS, PostExcerpt
from apps.notifications.models.preference import Preference
from apps.notifications.models.stream import StreamEntry, UserStream

__all__ = [
    "EXCERPT_CHARS",
    "LATEST_ACTORS",
    "Actor",
    "Follow",
    "GroupActor",
    "InboxMessage",
    "Kind",
    "Mute",
    "NotificationGroup",
    "OutboxMessage",
    "PostExcerpt",
    "Preference",
    "StreamEntry",
    "UserStream",
]
