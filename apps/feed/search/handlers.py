"""The search indexer: keeps the search index in step with `post-events`.

Registered with `event_handler`, in the feed app, so the handlers run in the feed's consumer
group (or in-process), each once per event through the feed's inbox, in a transaction on the
feed database (the database backend's writes commit with the inbox row). They are idempotent
besides: a document per post id, an edit of a post no longer indexed does nothing, deleting
twice is deleting once.
"""

from __future__ import annotations

from apps.feed.contracts import PostCreated, PostDeleted, PostEdited
from apps.feed.search.backends import search_backend
from apps.feed.search.documents import SearchDocument
from socialapp.eventing import Envelope, event_handler


@event_handler(PostCreated)
def index_new_post(event: PostCreated, envelope: Envelope) -> None:
    search_backend().index_posts(
        [
            SearchDocument(
                post_id=event.post_id,
                author_id=event.author_id,
                text=event.text,
                hashtags=tuple(event.hashtags),
                created_at=event.created_at,
            )
        ]
    )


@event_handler(PostEdited)
def reindex_edited_post(event: PostEdited, envelope: Envelope) -> None:
    search_backend().update_post(post_id=event.post_id, text=event.text, hashtags=event.hashtags)


@event_handler(PostDeleted)
def unindex_deleted_post(event: PostDeleted, envelope: Envelope) -> None:
    search_backend().delete_post(event.post_id)
