"""The database adapter against the real PostgreSQL: full-text search through the GIN index,
ranked by ts_rank then recency, paged by (rank, id) cursors; and the substring fallback the
embedded SQLite default uses (run here on PostgreSQL, where the same ORM query works)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from django.db import connections, router
from django.db.models import Q

from apps.feed.ids import next_post_id
from apps.feed.models.search_entry import PostSearchEntry
from apps.feed.search.database import DatabaseSearchBackend, ranked_search_sql, substring_filter, websearch_text
from apps.feed.search.documents import SearchDocument, encode_cursor
from apps.feed.search.query import parse_search_query
from socialapp.errors import InvalidInputError
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

AUTHOR = uuid.uuid4()
CREATED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def index(backend: DatabaseSearchBackend, *texts: str) -> list[int]:
    """Index posts with these texts, oldest first; returns their ids."""
    documents = [
        SearchDocument(post_id=next_post_id(), author_id=AUTHOR, text=text, hashtags=tags(text), created_at=CREATED)
        for text in texts
    ]
    backend.index_posts(documents)
    return [document.post_id for document in documents]


def tags(text: str) -> tuple[str, ...]:
    return tuple(word[1:].lower() for word in text.split() if word.startswith("#"))


def search(backend: DatabaseSearchBackend, query: str, *, first: int = 20, after: str | None = None) -> list[int]:
    return backend.search_posts(parse_search_query(query), first=first, after=after).post_ids


# --- ranking --------------------------------------------------------------------------------


def test_a_post_with_the_term_twice_ranks_above_one_with_it_once(backend: DatabaseSearchBackend) -> None:
    twice, once, never = index(backend, "Django tips: django forms", "Django rocks", "Flask rocks")

    assert search(backend, "django") == [twice, once]
    assert search(backend, "flask") == [never]


def test_recency_breaks_ties_between_equal_ranks(backend: DatabaseSearchBackend) -> None:
    older, newer, newest = index(backend, "learning rust", "learning rust", "learning rust")

    assert search(backend, "rust") == [newest, newer, older]


def test_english_stemming_and_stop_words(backend: DatabaseSearchBackend) -> None:
    [running] = index(backend, "The cats were running in the gardens")

    assert search(backend, "run cat garden") == [running]
    assert search(backend, "the") == []  # only stop words: nothing to look for


def test_every_term_must_match_and_excluded_ones_must_not(backend: DatabaseSearchBackend) -> None:
    both, cats, dogs = index(backend, "cats and dogs", "cats alone", "dogs alone")

    assert search(backend, "cats dogs") == [both]
    assert search(backend, "cats -dogs") == [cats]
    assert search(backend, "alone -cats") == [dogs]


def test_phrases_match_words_in_order(backend: DatabaseSearchBackend) -> None:
    ordered, reversed_ = index(backend, "big cats sleep", "cats are big")

    assert search(backend, '"big cats"') == [ordered]
    assert search(backend, 'cats -"big cats"') == [reversed_]


def test_or_is_a_word_not_an_operator(backend: DatabaseSearchBackend) -> None:
    index(backend, "cats only", "dogs only")

    # websearch_to_tsquery would read a bare `or` as OR; quoted, it is a stop word.
    assert search(backend, "cats or dogs") == []
    assert websearch_text(parse_search_query("cats or dogs")) == '"cats" "or" "dogs"'


def test_a_hashtag_term_needs_the_tag_and_an_excluded_one_only_the_tag(backend: DatabaseSearchBackend) -> None:
    tagged, said, other = index(backend, "shipping #Django today", "django without a tag", "#python today")

    assert search(backend, "#django") == [tagged]
    assert search(backend, "django") == [said, tagged]
    assert search(backend, "today -#django") == [other]
    assert search(backend, "django -#django") == [said]


def test_mentions_match_the_username_in_the_text(backend: DatabaseSearchBackend) -> None:
    mention, other = index(backend, "thanks @alice_b for the talk", "thanks bob")

    assert search(backend, "@alice_b") == [mention]
    assert search(backend, "thanks -@alice_b") == [other]


# --- pages ----------------------------------------------------------------------------------


def test_pages_follow_each_other_without_duplicates_or_gaps(backend: DatabaseSearchBackend) -> None:
    # 25 posts, 1 to 3 mentions of the term: ranks tie in three groups, recency orders each.
    ids = index(backend, *(" ".join(["search"] * (1 + n % 3) + [f"filler{n}"]) for n in range(25)))
    expected = [post_id for _, post_id in sorted(((1 + n % 3, post_id) for n, post_id in enumerate(ids)), reverse=True)]

    seen: list[int] = []
    after = None
    pages = 0
    while True:
        page = backend.search_posts(parse_search_query("search"), first=7, after=after)
        seen.extend(page.post_ids)
        pages += 1
        if not page.has_next:
            break
        after = page.hits[-1].cursor

    assert seen == expected
    assert pages == 4
    assert len(set(seen)) == 25


def test_an_exact_page_has_no_next_page(backend: DatabaseSearchBackend) -> None:
    index(backend, "one term", "two term")

    page = backend.search_posts(parse_search_query("term"), first=2, after=None)

    assert (len(page.hits), page.has_next) == (2, False)


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        encode_cursor("newest", [5]),  # the fallback's cursor
        encode_cursor("es", [1.0, 2, 3]),  # Elasticsearch's
        encode_cursor("rank", [0.5]),
        encode_cursor("rank", [0.5, -1]),
        encode_cursor("rank", [0.5, 2**63]),
        encode_cursor("rank", ["0.5", 1]),  # type: ignore[list-item]  # forged
        encode_cursor("rank", [True, 1]),
        "WyJyYW5rIiwgTmFOLCAxXQ==",  # ["rank", NaN, 1]
    ],
)
def test_a_cursor_this_search_did_not_hand_out_is_refused(backend: DatabaseSearchBackend, cursor: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        search(backend, "anything", after=cursor)

    assert refused.value.as_dict() == {
        "field": "after",
        "code": "invalid_cursor",
        "message": "`after` is not a cursor this search handed out.",
    }


# --- writes ---------------------------------------------------------------------------------


def test_writes_replace_update_and_delete_one_entry_per_post(backend: DatabaseSearchBackend) -> None:
    [post_id] = index(backend, "first words #one")
    backend.index_posts([SearchDocument(post_id, AUTHOR, "replaced words #two", ("two",), CREATED)])
    assert list(PostSearchEntry.objects.values_list("post_id", "text", "hashtags")) == [
        (post_id, "replaced words #two", ["two"])
    ]

    backend.update_post(post_id=post_id, text="edited words #three", hashtags=["three"])
    backend.update_post(post_id=next_post_id(), text="not indexed", hashtags=[])  # nothing to update
    assert list(PostSearchEntry.objects.values_list("post_id", "text", "hashtags")) == [
        (post_id, "edited words #three", ["three"])
    ]
    assert search(backend, "edited") == [post_id]
    assert search(backend, "replaced") == []

    backend.delete_post(post_id)
    backend.delete_post(post_id)  # twice is once
    assert not PostSearchEntry.objects.exists()


def test_reset_empties_the_table(backend: DatabaseSearchBackend) -> None:
    index(backend, "a post", "another post")

    backend.reset()

    assert not PostSearchEntry.objects.exists()


# --- the GIN index --------------------------------------------------------------------------


def test_the_migration_made_the_gin_index_on_the_exact_search_expression(backend: DatabaseSearchBackend) -> None:
    with connections[router.db_for_read(PostSearchEntry)].cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'feed_post_search_entry' ORDER BY indexname")
        definitions = [row[0] for row in cursor.fetchall()]

    assert definitions == [
        "CREATE UNIQUE INDEX feed_post_search_entry_pkey ON public.feed_post_search_entry USING btree (post_id)",
        "CREATE INDEX feed_search_text_english ON public.feed_post_search_entry "
        "USING gin (to_tsvector('english'::regconfig, text))",
    ]


def test_a_search_uses_the_gin_index(backend: DatabaseSearchBackend) -> None:
    index(backend, *(f"post {n} about django" if n % 10 == 0 else f"post {n} about flask" for n in range(200)))
    query = parse_search_query('django -"flask" #nothing -#spam')
    sql, params = ranked_search_sql(query, limit=21, after=[0.5, 10**15])

    with connections[router.db_for_read(PostSearchEntry)].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Bitmap Index Scan on feed_search_text_english" in plan
    assert "Seq Scan" not in plan


def test_the_ranked_query_is_parameterised(backend: DatabaseSearchBackend) -> None:
    sql, params = ranked_search_sql(parse_search_query("cats #pets -#spam"), limit=21, after=[0.25, 42])

    assert sql == (
        "SELECT post_id, rank FROM (SELECT post_id, ts_rank(to_tsvector('english'::regconfig, text), "
        "websearch_to_tsquery('english'::regconfig, %s)) AS rank FROM feed_post_search_entry "
        "WHERE to_tsvector('english'::regconfig, text) @@ websearch_to_tsquery('english'::regconfig, %s) "
        "AND hashtags @> %s::jsonb AND NOT hashtags @> %s::jsonb) AS hits "
        "WHERE (rank, post_id) < (%s::real, %s::bigint) ORDER BY rank DESC, post_id DESC LIMIT %s"
    )
    assert params == ['"cats" "pets"', '"cats" "pets"', json.dumps(["pets"]), json.dumps(["spam"]), 0.25, 42, 21]


# --- the fallback (SQLite) ------------------------------------------------------------------


def test_the_fallback_condition_is_a_substring_per_term() -> None:
    query = parse_search_query('Cats "big dogs" #pets @bob -mice -#spam')

    assert substring_filter(query) == (
        Q(text__icontains="Cats")
        & Q(text__icontains="big dogs")
        & Q(text__icontains="#pets")
        & Q(text__icontains="@bob")
        & ~Q(text__icontains="mice")
        & ~Q(text__icontains="#spam")
    )


def test_the_fallback_finds_every_term_newest_first_with_cursors() -> None:
    fallback = DatabaseSearchBackend(full_text=False)
    older, newer, _excluded, _other = index(
        fallback, "CATS and dogs", "dogs, then cats twice: cats", "cats, dogs and mice", "birds"
    )

    first = fallback.search_posts(parse_search_query("cats dogs -mice"), first=1, after=None)
    second = fallback.search_posts(parse_search_query("cats dogs -mice"), first=1, after=first.hits[-1].cursor)

    assert (first.post_ids, first.has_next) == ([newer], True)
    assert (second.post_ids, second.has_next) == ([older], False)
    with pytest.raises(InvalidInputError, match="not a cursor this search handed out"):
        fallback.search_posts(parse_search_query("cats"), first=1, after=encode_cursor("rank", [0.5, older]))


def test_the_database_backend_searches_full_text_on_postgresql(backend: DatabaseSearchBackend) -> None:
    [running] = index(backend, "running")

    # Stemming finds "run" in "running": the full-text path, not the substring fallback.
    assert search(backend, "run") == [running]
    assert DatabaseSearchBackend(full_text=False).search_posts(
        parse_search_query("run"), first=5, after=None
    ).post_ids == [running]
    assert search(backend, "runs") == [running]
    assert (
        DatabaseSearchBackend(full_text=False).search_posts(parse_search_query("runs"), first=5, after=None).post_ids
        == []
    )
