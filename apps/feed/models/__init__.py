"""The feed service's tables, all in its own database (alias "feed")."""

from apps.feed.models.author import Author
from apps.feed.models.comment import Comment
from apps.feed.models.events import InboxMessage, OutboxMessage
from apps.feed.models.follow_edge import FollowEdge
from apps.feed.models.hashtag import PostHashtag
from apps.feed.models.like import Like
from apps.feed.models.mention import PostMention
from apps.feed.models.post import Post, PostStatus
from apps.feed.models.search_entry import PostSearchEntry
from apps.feed.models.timeline_entry import TimelineEntry
from apps.feed.models.timeline_reader import TimelineReader

__all__ = [
    "Author",
    "Comment",
    "FollowEdge",
    "InboxMessage",
    "Like",
    "OutboxMessage",
    "Post",
    "PostHashtag",
    "PostMention",
    "PostSearchEntry",
    "PostStatus",
    "TimelineEntry",
    "TimelineReader",
]
