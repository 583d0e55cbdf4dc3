"""Event handlers the media service registers (its published event types live in contracts.py).

Where the service's media are used, kept from other services' events (apps/media/models/
attachment.py): a post's images from `post-events` (`post.created` and `post.edited` carry the
post's `media_ids`; `post.deleted` detaches them), a profile's avatar from `user-events`
(profile snapshots carry `avatar_media_id`). Each handler replaces what the post or profile
uses, so handling an event twice changes nothing.
"""

from __future__ import annotations

from apps.feed.contracts import PostCreated, PostDeleted, PostEdited
from apps.media import services
from apps.media.models import AttachmentKind
from apps.users.contracts import ProfileCreated, ProfileUpdated
from socialapp.eventing import Envelope, event_handler


@event_handler(PostCreated)
def attach_to_new_post(event: PostCreated, envelope: Envelope) -> None:
    services.attachments_replace(kind=AttachmentKind.POST, used_by=str(event.post_id), media_ids=event.media_ids)


@event_handler(PostEdited)
def attach_to_edited_post(event: PostEdited, envelope: Envelope) -> None:
    if event.media_ids is not None:  # None: an event from before edits could change the images
        services.attachments_replace(kind=AttachmentKind.POST, used_by=str(event.post_id), media_ids=event.media_ids)


@event_handler(PostDeleted)
def detach_from_deleted_post(event: PostDeleted, envelope: Envelope) -> None:
    services.attachments_replace(kind=AttachmentKind.POST, used_by=str(event.post_id), media_ids=[])


@event_handler(ProfileCreated)
def keep_new_avatar(event: ProfileCreated, envelope: Envelope) -> None:
    _keep_avatar(event)


@event_handler(ProfileUpdated)
def keep_updated_avatar(event: ProfileUpdated, envelope: Envelope) -> None:
    _keep_avatar(event)


def _keep_avatar(event: ProfileCreated | ProfileUpdated) -> None:
    avatar = [] if event.avatar_media_id is None else [event.avatar_media_id]
    services.attachments_replace(kind=AttachmentKind.AVATAR, used_by=str(event.user_id), media_ids=avatar)
