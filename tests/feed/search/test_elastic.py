"""The Elasticsearch adapter, up to the exact HTTP requests it sends.

No Elasticsearch server can run on the test machines: the real client (and elasticsearch-dsl)
talks to a recording node (tests/feed/search/es_stub.py) that answers with queued responses.
The same behaviour runs against a real server in `TestLive` when `ELASTICSEARCH_URL` is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.feed.search.backends import search_backend
from apps.feed.search.documents import SearchDocument, decode_cursor, encode_cursor
from apps.feed.search.elastic import ElasticsearchSearchBackend
from apps.feed.search.errors import SearchUnavailableError
from apps.feed.search.query import parse_search_query
from socialapp.errors import InvalidInputError
from tests.feed.search.es_stub import RecordingServer, Request

INDEX = "feed-posts"
AUTHOR = uuid.UUID("6f1c1a52-8d1e-4a55-9d0b-2a1d6c1b7e01")
CREATED = datetime(2025, 3, 1, 12, 30, 5, tzinfo=UTC)

MAPPING = {
    "settings": {
        "analysis": {
            "filter": {
                "english_possessive_stemmer": {"type": "stemmer", "language": "possessive_english"},
                "english_stop": {"type": "stop", "stopwords": "_english_"},
                "english_stemmer": {"type": "stemmer", "language": "english"},
            },
            "analyzer": {
                "post_text": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["english_possessive_stemmer", "lowercase", "english_stop", "english_stemmer"],
                }
            },
            "normalizer": {"lowercase_keyword": {"type": "custom", "filter": ["lowercase"]}},
        }
    },
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "post_id": {"type": "long"},
            "author_id": {"type": "keyword"},
            "text": {"type": "text", "analyzer": "post_text"},
            "hashtags": {"type": "keyword", "normalizer": "lowercase_keyword"},
            "created_at": {"type": "date"},
        },
    },
}
SORT = [{"_score": {"order": "desc"}}, {"created_at": {"order": "desc"}}, {"post_id": {"order": "desc"}}]


@pytest.fixture
def server() -> RecordingServer:
    return RecordingServer()


@pytest.fixture
def backend(server: RecordingServer) -> ElasticsearchSearchBackend:
    return ElasticsearchSearchBackend(client=server.client(), index_name=INDEX)


def document(post_id: int, text: str, *hashtags: str) -> SearchDocument:
    return SearchDocument(post_id=post_id, author_id=AUTHOR, text=text, hashtags=hashtags, created_at=CREATED)


def search_request(query: dict[str, Any], *, size: int = 21, search_after: list[Any] | None = None) -> Request:
    body: dict[str, Any] = {"query": query, "sort": SORT, "size": size, "track_total_hits": False, "_source": False}
    if search_after is not None:
        body["search_after"] = search_after
    return Request("POST", f"/{INDEX}/_search", body)


def hits(*sorts: list[Any]) -> dict[str, Any]:
    return {"hits": {"hits": [{"_index": INDEX, "_id": str(sort[2]), "_score": None, "sort": sort} for sort in sorts]}}


# --- writes ---------------------------------------------------------------------------------


def test_the_first_write_creates_the_index_with_its_mapping_then_bulk_indexes(
    backend: ElasticsearchSearchBackend, server: RecordingServer
) -> None:
    server.reply(404)  # HEAD: no index yet
    server.reply(200, {"acknowledged": True, "index": INDEX})
    server.reply(200, {"errors": False, "items": [{"index": {"_id": "11", "status": 201}}] * 2})
    server.reply(200, {"errors": False, "items": [{"index": {"_id": "13", "status": 201}}]})

    backend.index_posts([document(11, "Hello #Django", "django"), document(12, "Second post")])
    backend.index_posts([document(13, "Third")])  # the index is known to exist now

    source = {"author_id": str(AUTHOR), "created_at": "2025-03-01T12:30:05+00:00"}
    assert server.take() == [
        Request("HEAD", f"/{INDEX}", None),
        Request("PUT", f"/{INDEX}", MAPPING),
        Request(
            "PUT",
            "/_bulk",
            [
                {"index": {"_index": INDEX, "_id": "11"}},
                {"post_id": 11, "text": "Hello #Django", "hashtags": ["django"], **source},
                {"index": {"_index": INDEX, "_id": "12"}},
                {"post_id": 12, "text": "Second post", "hashtags": [], **source},
            ],
        ),
        Request(
            "PUT",
            "/_bulk",
            [
                {"index": {"_index": INDEX, "_id": "13"}},
                {"post_id": 13, "text": "Third", "hashtags": [], **source},
            ],
        ),
    ]


def test_an_existing_index_is_used_as_it_is(backend: ElasticsearchSearchBackend, server: RecordingServer) -> None:
    server.reply(200)  # HEAD: the index exists
    server.reply(200, {"errors": False, "items": [{"index": {"_id": "11", "status": 200}}]})

    backend.index_posts([document(11, "again")])

    assert [(request.method, request.path) for request in server.take()] == [("HEAD", f"/{INDEX}"), ("PUT", "/_bulk")]


def test_documents_elasticsearch_refuses_fail_the_write(
    backend: ElasticsearchSearchBackend, server: RecordingServer
) -> None:
    server.reply(200)
    refusal = {"type": "strict_dynamic_mapping_exception", "reason": "mapping set to strict"}
    server.reply(200, {"errors": True, "items": [{"index": {"_id": "11", "status": 400, "error": refusal}}]})

    # The handler's transaction rolls back: the event is delivered again (or dead-lettered).
    with pytest.raises(RuntimeError, match="Elasticsearch refused 1 of 1 documents"):
        backend.index_posts([document(11, "x")])
    server.take()


def test_an_edit_updates_text_and_hashtags_and_a_missing_document_is_not_an_error(
    backend: ElasticsearchSearchBackend, server: RecordingServer
) -> None:
    server.reply(200, {"result": "updated"})
    server.reply(404, {"error": {"type": "document_missing_exception"}, "status": 404})

    backend.update_post(post_id=11, text="Edited #Rust", hashtags=["rust"])
    backend.update_post(post_id=12, text="gone", hashtags=[])

    assert server.take() == [
        Request("POST", f"/{INDEX}/_update/11", {"doc": {"text": "Edited #Rust", "hashtags": ["rust"]}}),
        Request("POST", f"/{INDEX}/_update/12", {"doc": {"text": "gone", "hashtags": []}}),
    ]


def test_a_delete_removes_the_document_and_a_missing_one_is_not_an_error(
    backend: ElasticsearchSearchBackend, server: RecordingServer
) -> None:
    server.reply(200, {"result": "deleted"})
    server.reply(404, {"result": "not_found"})

    backend.delete_post(11)
    backend.delete_post(11)

    assert server.take() == [Request("DELETE", f"/{INDEX}/_doc/11", None)] * 2


def test_reset_drops_and_recreates_the_index(backend: ElasticsearchSearchBackend, server: RecordingServer) -> None:
    server.reply(200, {"acknowledged": True})
    server.reply(200, {"acknowledged": True, "index": INDEX})
    server.reply(200, {"errors": False, "items": [{"index": {"_id": "11", "status": 201}}]})

    backend.reset()
    backend.index_posts([document(11, "x")])  # no HEAD: reset made the index

    assert [(request.method, request.path, request.body) for request in server.take()][:2] == [
        ("DELETE", f"/{INDEX}", None),
        ("PUT", f"/{INDEX}", MAPPING),
    ]


# --- searches -------------------------------------------------------------------------------


def test_a_search_asks_for_relevance_then_recency_and_one_more_hit_than_the_page(
    backend: ElasticsearchSearchBackend, server: RecordingServer
) -> None:
    server.reply(200, hits([2.5, 1740832205000, 13], [2.5, 1740832205000, 12], [1.25, 1740832100000, 11]))

    page = backend.search_posts(parse_search_query("django tips"), first=2, after=None)

    assert server.take() == [
        search_request({"bool": {"must": [{"match": {"text": {"query": "django tips", "operator": "and"}}}]}}, size=3)
    ]
    assert (page.post_ids, page.has_next) == ([13, 12], True)
    assert decode_cursor("es", page.hits[-1].cursor, (float, int, int)) == [2.5, 1740832205000, 12]


def test_the_next_page_continues_after_the_cursors_sort_values(
    backend: ElasticsearchSearchBackend, server: RecordingServer
) -> None:
    server.reply(200, hits([1.25, 1740832100000, 11]))

    page = backend.search_posts(
        parse_search_query("django"), first=2, after=encode_cursor("es", [2.5, 1740832205000, 12])
    )

    assert server.take() == [
        search_request(
            {"bool": {"must": [{"match": {"text": {"query": "django", "operator": "and"}}}]}},
            size=3,
            search_after=[2.5, 1740832205000, 12],
        )
    ]
    assert (page.post_ids, page.has_next) == ([11], False)


def test_every_kind_of_term_becomes_its_clause(backend: ElasticsearchSearchBackend, server: RecordingServer) -> None:
    server.reply(200, hits())

    backend.search_posts(
        parse_search_query('cats @alice #Pets "big dogs" -mice -"small birds" -#spam -@bob'), first=20, after=None
    )

    assert server.take() == [
        search_request(
            {
                "bool": {
                    "must": [
                        {"match": {"text": {"query": "cats alice pets", "operator": "and"}}},
                        {"match_phrase": {"text": "big dogs"}},
                    ],
                    "filter": [{"term": {"hashtags": "pets"}}],
                    "must_not": [
                        {"match_phrase": {"text": "mice"}},
                        {"match_phrase": {"text": "small birds"}},
                        {"term": {"hashtags": "spam"}},
                        {"match_phrase": {"text": "bob"}},
                    ],
                }
            }
        )
    ]


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor("rank", [0.5, 12]),  # the database backend's
        encode_cursor("es", [2.5, 12]),
        encode_cursor("es", [2.5, "x", 12]),  # type: ignore[list-item]  # forged
        "%%%",
    ],
)
def test_a_foreign_cursor_is_refused_before_any_request(
    backend: ElasticsearchSearchBackend, server: RecordingServer, cursor: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        backend.search_posts(parse_search_query("django"), first=2, after=cursor)

    assert (refused.value.field, refused.value.code) == ("after", "invalid_cursor")
    assert server.take() == []


def test_no_index_yet_means_no_hits(backend: ElasticsearchSearchBackend, server: RecordingServer) -> None:
    server.reply(404, {"error": {"type": "index_not_found_exception"}, "status": 404})

    page = backend.search_posts(parse_search_query("django"), first=2, after=None)

    assert (page.hits, page.has_next) == ([], False)
    server.take()


def test_a_failing_server_is_a_typed_unavailable_error(
    backend: ElasticsearchSearchBackend, server: RecordingServer
) -> None:
    server.reply(500, {"error": {"type": "search_phase_execution_exception"}, "status": 500})

    with pytest.raises(SearchUnavailableError) as refused:
        backend.search_posts(parse_search_query("django"), first=2, after=None)

    assert refused.value.as_dict() == {
        "field": None,
        "code": "search_unavailable",
        "message": "Search is unavailable right now; try again shortly.",
    }
    assert refused.value.http_status == 503
    server.take()


def test_the_backend_is_elasticsearch_when_a_url_is_set(settings: SettingsWrapper) -> None:
    settings.ELASTICSEARCH_URL = "http://search.invalid:9200"
    settings.FEED_SEARCH_INDEX = "posts-v2"

    backend = search_backend()

    assert isinstance(backend, ElasticsearchSearchBackend)
    assert backend.index_name == "posts-v2"
    assert search_backend() is backend  # one client per process


# --- live (only with a server) --------------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL (no server here)")
class TestLive:
    @pytest.fixture
    def live(self) -> Iterator[tuple[ElasticsearchSearchBackend, Elasticsearch]]:
        client = Elasticsearch(os.environ["ELASTICSEARCH_URL"])
        name = f"test-feed-posts-{uuid.uuid4().hex}"
        try:
            yield ElasticsearchSearchBackend(client=client, index_name=name), client
        finally:
            client.options(ignore_status=404).indices.delete(index=name)
            client.close()

    def test_ranking_pages_edits_and_deletes(self, live: tuple[ElasticsearchSearchBackend, Elasticsearch]) -> None:
        backend, client = live
        backend.index_posts(
            [
                document(1, "Django tips: django forms", "django"),
                document(2, "Django rocks"),
                document(3, "Django rocks"),
                document(4, "Flask rocks #python", "python"),
            ]
        )
        client.indices.refresh(index=backend.index_name)

        def search(query: str, **page: Any) -> list[int]:
            return backend.search_posts(
                parse_search_query(query), first=page.get("first", 20), after=page.get("after")
            ).post_ids

        assert search("django") == [1, 3, 2]  # twice first, then the tie by recency
        assert search("#python") == [4]
        assert search("rocks -#python") == [3, 2]
        first = backend.search_posts(parse_search_query("django"), first=2, after=None)
        assert (first.post_ids, first.has_next) == ([1, 3], True)
        assert search("django", first=2, after=first.hits[-1].cursor) == [2]

        backend.update_post(post_id=2, text="Now about rust", hashtags=[])
        backend.delete_post(3)
        client.indices.refresh(index=backend.index_name)
        assert search("django") == [1]
        assert search("rust") == [2]
