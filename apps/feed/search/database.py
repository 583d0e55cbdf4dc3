"""The embedded search adapter: the feed database's own search table (apps/feed/models/search_entry.py).

On PostgreSQL, full-text search: `websearch_to_tsquery('english', ...)` against the GIN index
on `to_tsvector('english', text)` (the SQL below repeats that expression exactly, or the
planner would not use the index), ranked by `ts_rank` (a term written twice ranks above one
written once), ties broken by recency (post ids are time-ordered), paged by keyset on
(rank, post id). The query text handed to `websearch_to_tsquery` is rebuilt from validated
terms, each in quotes, so no word of the user's (`or`, a leading `-`) is read as an operator.
`#tag` also requires the tag among the post's hashtags.

Elsewhere (SQLite), a simple fallback: every term a case-insensitive substring, newest first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Q

from apps.feed.models.search_entry import TABLE, PostSearchEntry
from apps.feed.search.documents import SearchDocument, SearchHit, SearchPage, decode_cursor, encode_cursor
from apps.feed.search.query import SearchQuery, SearchTerm, TermKind

SqlParameter = str | int | float

_RANKED = "rank"
_NEWEST = "newest"

# The GIN index's expression, verbatim (see the migration).
TEXT_VECTOR = "to_tsvector('english'::regconfig, text)"
TS_QUERY = "websearch_to_tsquery('english'::regconfig, %s)"


class DatabaseSearchBackend:
    name = "database"

    def __init__(self, *, full_text: bool | None = None) -> None:
        # None: full-text search where the database has it (PostgreSQL); tests force either.
        self._full_text = full_text

    def index_posts(self, documents: Sequence[SearchDocument]) -> None:
        PostSearchEntry.objects.bulk_create(
            [
                PostSearchEntry(
                    post_id=document.post_id,
                    author_id=document.author_id,
                    text=document.text,
                    hashtags=list(document.hashtags),
                    created_at=document.created_at,
                )
                for document in documents
            ],
            update_conflicts=True,
            unique_fields=["post_id"],
            update_fields=["author_id", "text", "hashtags", "created_at"],
        )

    def update_post(self, *, post_id: int, text: str, hashtags: Sequence[str]) -> None:
        PostSearchEntry.objects.filter(post_id=post_id).update(text=text, hashtags=list(hashtags))

    def delete_post(self, post_id: int) -> None:
        PostSearchEntry.objects.filter(post_id=post_id).delete()

    def reset(self) -> None:
        connection = connections[router.db_for_write(PostSearchEntry)]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {TABLE}")
        else:
            PostSearchEntry.objects.all().delete()

    def search_posts(self, query: SearchQuery, *, first: int, after: str | None) -> SearchPage:
        if self._uses_full_text():
            return self._ranked_page(query, first=first, after=after)
        return self._newest_page(query, first=first, after=after)

    def _uses_full_text(self) -> bool:
        if self._full_text is not None:
            return self._full_text
        return connections[router.db_for_read(PostSearchEntry)].vendor == "postgresql"

    def _ranked_page(self, query: SearchQuery, *, first: int, after: str | None) -> SearchPage:
        after_values = None if after is None else decode_cursor(_RANKED, after, (float, int))
        sql, params = ranked_search_sql(query, limit=first + 1, after=after_values)
        with connections[router.db_for_read(PostSearchEntry)].cursor() as cursor:
            cursor.execute(sql, params)
            rows: list[tuple[int, float]] = cursor.fetchall()
        hits = [SearchHit(post_id=post_id, cursor=encode_cursor(_RANKED, [rank, post_id])) for post_id, rank in rows]
        return SearchPage(hits=hits[:first], has_next=len(hits) > first)

    def _newest_page(self, query: SearchQuery, *, first: int, after: str | None) -> SearchPage:
        rows = PostSearchEntry.objects.filter(substring_filter(query))
        if after is not None:
            [after_id] = decode_cursor(_NEWEST, after, (int,))
            rows = rows.filter(post_id__lt=after_id)
        post_ids = list(rows.order_by("-post_id").values_list("post_id", flat=True)[: first + 1])
        hits = [SearchHit(post_id=post_id, cursor=encode_cursor(_NEWEST, [post_id])) for post_id in post_ids]
        return SearchPage(hits=hits[:first], has_next=len(hits) > first)


def websearch_text(query: SearchQuery) -> str:
    """The text for `websearch_to_tsquery`: every term quoted (a quoted word is matched as the
    word, never as `or` or another operator), `-` before excluded ones. Excluded hashtags are
    left to the hashtag condition: `-#django` leaves out posts tagged #django, not posts
    that merely say "django"."""
    parts = [
        f'{"-" if term.excluded else ""}"{term.text}"'
        for term in query.terms
        if not (term.excluded and term.kind is TermKind.HASHTAG)
    ]
    return " ".join(parts)


def ranked_search_sql(
    query: SearchQuery, *, limit: int, after: Sequence[float | int] | None
) -> tuple[str, list[SqlParameter]]:
    """PostgreSQL: matching post ids with their rank, best first, after the (rank, id) cursor."""
    text = websearch_text(query)
    conditions = [f"{TEXT_VECTOR} @@ {TS_QUERY}"]
    params: list[SqlParameter] = [text]
    tags = [term.text for term in query.included if term.kind is TermKind.HASHTAG]
    if tags:
        conditions.append("hashtags @> %s::jsonb")
        params.append(json.dumps(tags))
    for term in query.excluded:
        if term.kind is TermKind.HASHTAG:
            conditions.append("NOT hashtags @> %s::jsonb")
            params.append(json.dumps([term.text]))
    keyset = ""
    if after is not None:
        keyset = "WHERE (rank, post_id) < (%s::real, %s::bigint) "
        params.extend(after)
    params.append(limit)
    sql = (
        f"SELECT post_id, rank FROM ("
        f"SELECT post_id, ts_rank({TEXT_VECTOR}, {TS_QUERY}) AS rank FROM {TABLE} "
        f"WHERE {' AND '.join(conditions)}"
        f") AS hits {keyset}ORDER BY rank DESC, post_id DESC LIMIT %s"
    )
    return sql, [text, *params]


def substring_filter(query: SearchQuery) -> Q:
    """The fallback's condition: every included term in the text, no excluded one."""
    condition = Q()
    for term in query.included:
        condition &= Q(text__icontains=_needle(term))
    for term in query.excluded:
        condition &= ~Q(text__icontains=_needle(term))
    return condition


def _needle(term: SearchTerm) -> str:
    if term.kind is TermKind.HASHTAG:
        return f"#{term.text}"
    if term.kind is TermKind.MENTION:
        return f"@{term.text}"
    return term.text
