"""Resolvers of the media service's root queries: parse, authorise, then call one selector.

`media(id)` and `myMedia` show only the owner's media. `mediaUrl(id)` also answers for a media
in use (attached to a live post, or an avatar), which anyone who may see the post may see; one
attached to nothing, or to a deleted post, is its owner's alone. Unknown and hidden look alike: null.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphene import relay

from apps.media import selectors
from apps.media.contracts import MediaSize, MediaUrl
from apps.media.graphql.arguments import decode_cursor, encode_cursor, parse_media_id
from apps.media.graphql.types import MediaConnection, media_edge
from apps.media.models import Media
from socialapp.authn.viewer import require_viewer, viewer_from_request


def resolve_media(root: Any, info: graphene.ResolveInfo, *, id: str) -> Media | None:
    viewer = require_viewer(info.context)
    return selectors.media_of_owner(owner_id=viewer.user_id, media_id=parse_media_id(id))


def resolve_media_url(
    root: Any, info: graphene.ResolveInfo, *, id: str, size: str = MediaSize.ORIGINAL.value
) -> MediaUrl | None:
    viewer = viewer_from_request(info.context)
    media = selectors.media_visible_to(
        viewer_id=None if viewer is None else viewer.user_id, media_id=parse_media_id(id)
    )
    variant = None if media is None else selectors.variant_of(media, MediaSize(size))
    if media is None or variant is None:
        return None
    return selectors.variant_url(media, variant, request=info.context)


def resolve_my_media(
    root: Any, info: graphene.ResolveInfo, *, first: int | None = None, after: str | None = None
) -> MediaConnection:
    viewer = require_viewer(info.context)
    # `first: null` is an explicit null, not the default: the default page, as the other services.
    first = selectors.PAGE_SIZE_DEFAULT if first is None else first
    selectors.check_page_size(first)
    after_id = decode_cursor(after)
    page = selectors.media_page(owner_id=viewer.user_id, first=first, after_id=after_id)
    cursors = [encode_cursor(media.id) for media in page.media]
    return MediaConnection(
        edges=[media_edge(media, cursor=cursor) for media, cursor in zip(page.media, cursors, strict=True)],
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after_id is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
    )
