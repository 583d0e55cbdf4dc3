"""The Elasticsearch search adapter (production, compose): one index of posts, through elasticsearch-dsl.

elasticsearch-dsl declares the index (analysis and mapping) and builds the query bodies; the
official client sends them. The mapping is strict: the text through an English analyzer
(possessives, lower case, stop words, stemming: what PostgreSQL's `english` configuration
does), hashtags as lower-cased keywords, the author as a keyword, `created_at` a date, the post
id a long (the last sort key: `_id` cannot be sorted on cheaply).

Results: relevance, then recency, then post id, paged with `search_after` on exactly those
three sort values (an opaque cursor). Writes are idempotent (a document per post id), so a
redelivered event or a rerun reindex changes nothing; an edit or delete of a post that is
not indexed (deleted since, or the index is new) is not an error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch_dsl import (
    Date,
    Document,
    Index,
    Keyword,
    Long,
    MetaField,
    Search,
    Text,
    analyzer,
    normalizer,
    token_filter,
)

from apps.feed.search.documents import SearchDocument, SearchHit, SearchPage, decode_cursor, encode_cursor
from apps.feed.search.errors import SearchUnavailableError
from apps.feed.search.query import SearchQuery, TermKind

logger = logging.getLogger(__name__)

_CURSOR_KIND = "es"
SORT = [{"_score": {"order": "desc"}}, {"created_at": {"order": "desc"}}, {"post_id": {"order": "desc"}}]

post_text = analyzer(
    "post_text",
    tokenizer="standard",
    filter=[
        token_filter("english_possessive_stemmer", type="stemmer", language="possessive_english"),
        "lowercase",
        token_filter("english_stop", type="stop", stopwords="_english_"),
        token_filter("english_stemmer", type="stemmer", language="english"),
    ],
)
lowercase_keyword = normalizer("lowercase_keyword", filter=["lowercase"])


class PostDocument(Document):
    post_id = Long()
    author_id = Keyword()
    text = Text(analyzer=post_text)
    hashtags = Keyword(normalizer=lowercase_keyword)
    created_at = Date()

    class Meta:
        dynamic = MetaField("strict")


def post_index(name: str) -> Index:
    index = Index(name)
    index.document(PostDocument)
    return index


def document_body(document: SearchDocument) -> dict[str, Any]:
    source: dict[str, Any] = PostDocument(
        post_id=document.post_id,
        author_id=str(document.author_id),
        text=document.text,
        hashtags=list(document.hashtags),
        created_at=document.created_at,
    ).to_dict(skip_empty=False)  # an empty hashtag list is said, not left out
    return source


def query_clause(query: SearchQuery) -> dict[str, Any]:
    """The bool query of validated terms: every included word (with mentions and the words of
    hashtags) in one `and` match, each phrase a phrase match, hashtags exact among the
    post's tags; excluded terms in `must_not`."""
    words = [term.text for term in query.included if term.kind is not TermKind.PHRASE]
    must: list[dict[str, Any]] = []
    if words:
        must.append({"match": {"text": {"query": " ".join(words), "operator": "and"}}})
    must.extend({"match_phrase": {"text": term.text}} for term in query.included if term.kind is TermKind.PHRASE)
    clause: dict[str, Any] = {"must": must}
    tags = [{"term": {"hashtags": term.text}} for term in query.included if term.kind is TermKind.HASHTAG]
    if tags:
        clause["filter"] = tags
    excluded = [
        {"term": {"hashtags": term.text}} if term.kind is TermKind.HASHTAG else {"match_phrase": {"text": term.text}}
        for term in query.excluded
    ]
    if excluded:
        clause["must_not"] = excluded
    return {"bool": clause}


def search_body(query: SearchQuery, *, size: int, search_after: Sequence[float | int] | None) -> dict[str, Any]:
    search = Search().query(query_clause(query)).sort(*SORT).extra(size=size, track_total_hits=False).source(False)
    if search_after is not None:
        search = search.extra(search_after=list(search_after))
    body: dict[str, Any] = search.to_dict()
    return body


class ElasticsearchSearchBackend:
    name = "elasticsearch"

    def __init__(self, *, client: Elasticsearch, index_name: str) -> None:
        self._client = client
        self._index_name = index_name
        self._index_ready = False

    @property
    def index_name(self) -> str:
        return self._index_name

    def index_posts(self, documents: Sequence[SearchDocument]) -> None:
        if not documents:
            return
        self._ensure_index()
        operations: list[dict[str, Any]] = []
        for document in documents:
            operations.append({"index": {"_index": self._index_name, "_id": str(document.post_id)}})
            operations.append(document_body(document))
        response = self._client.bulk(operations=operations)
        if response["errors"]:
            failed = [item["index"] for item in response["items"] if item["index"].get("error")]
            raise RuntimeError(f"Elasticsearch refused {len(failed)} of {len(documents)} documents: {failed[:3]}")

    def update_post(self, *, post_id: int, text: str, hashtags: Sequence[str]) -> None:
        try:
            self._client.update(index=self._index_name, id=str(post_id), doc={"text": text, "hashtags": list(hashtags)})
        except NotFoundError:
            logger.info("post %s is not indexed; its edit has nothing to update", post_id)

    def delete_post(self, post_id: int) -> None:
        self._client.options(ignore_status=404).delete(index=self._index_name, id=str(post_id))

    def reset(self) -> None:
        self._client.options(ignore_status=404).indices.delete(index=self._index_name)
        self._create_index()

    def search_posts(self, query: SearchQuery, *, first: int, after: str | None) -> SearchPage:
        search_after = None if after is None else decode_cursor(_CURSOR_KIND, after, (float, int, int))
        body = search_body(query, size=first + 1, search_after=search_after)
        try:
            response = self._client.search(index=self._index_name, body=body)
        except NotFoundError:
            return SearchPage(hits=[], has_next=False)  # no index yet: nothing was ever indexed
        except (ApiError, TransportError) as error:
            logger.warning("Elasticsearch search failed", exc_info=True)
            raise SearchUnavailableError("Search is unavailable right now; try again shortly.") from error
        hits = [
            SearchHit(post_id=int(hit["_id"]), cursor=encode_cursor(_CURSOR_KIND, list(hit["sort"])))
            for hit in response["hits"]["hits"]
        ]
        return SearchPage(hits=hits[:first], has_next=len(hits) > first)

    def _ensure_index(self) -> None:
        """Create the index with its mapping if it is missing (never rely on dynamic mapping)."""
        if self._index_ready:
            return
        if not self._client.indices.exists(index=self._index_name):
            self._create_index()
        self._index_ready = True

    def _create_index(self) -> None:
        body = post_index(self._index_name).to_dict()
        # 400 if another consumer created it in between: it exists, which is what we want.
        self._client.options(ignore_status=400).indices.create(index=self._index_name, **body)
        self._index_ready = True
