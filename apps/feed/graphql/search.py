"""The `searchPosts` root field, joined to the feed's root query by apps/feed/graphql/schema.py
(which takes this module's `Query`).

A page is the backend's post ids, hydrated with the feed's own post type: the posts from the
post cache (one query for the misses), their authors, `likedByMe` and images in one batch each, so a
page costs the same few queries whatever its size. A hit whose post is gone (deleted, the
index not yet told) is left out; the page's `endCursor` is still that of its last hit, so the
next page starts after it.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphene import relay

from apps.feed.graphql.types import PostConnection, expect_posts
from apps.feed.search.documents import SearchPage
from apps.feed.search.query import QUERY_MAX_LENGTH
from apps.feed.search.selectors import search_posts
from apps.feed.selectors import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from apps.feed.snapshots import posts_by_ids


class SearchQuery(graphene.ObjectType):
    search_posts = graphene.Field(
        PostConnection,
        required=True,
        query=graphene.String(
            required=True,
            description=(
                f"1 to {QUERY_MAX_LENGTH} characters: words, numbers, #hashtags, @mentions and "
                '"quoted phrases", each required; -term leaves out posts with the term.'
            ),
        ),
        first=graphene.Int(default_value=PAGE_SIZE_DEFAULT, description=f"1 to {PAGE_SIZE_MAX}."),
        after=graphene.String(description="The `endCursor` of the previous page."),
        description="Posts matching the query, most relevant first, then newest.",
    )

    @staticmethod
    def resolve_search_posts(
        root: Any, info: graphene.ResolveInfo, *, query: str, first: int | None = None, after: str | None = None
    ) -> PostConnection:
        # `first: null` is the default page size, as in the feed's other lists.
        page = search_posts(query=query, first=PAGE_SIZE_DEFAULT if first is None else first, after=after)
        return search_connection(info, page, after=after)


# The name apps/feed/graphql/schema.py looks for.
Query = SearchQuery


def search_connection(info: graphene.ResolveInfo, page: SearchPage, *, after: str | None) -> PostConnection:
    posts = posts_by_ids(page.post_ids)
    found = [(hit, posts[hit.post_id]) for hit in page.hits if hit.post_id in posts]
    expect_posts(info, [post for _, post in found])
    edge_class: Any = PostConnection.Edge
    edges = [edge_class(node=post, cursor=hit.cursor) for hit, post in found]
    page_info = relay.PageInfo(
        has_next_page=page.has_next,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=page.hits[-1].cursor if page.hits else None,
    )
    return PostConnection(edges=edges, page_info=page_info)
