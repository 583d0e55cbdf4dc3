"""The GraphQL view remembers a query's validated document: the same text is parsed and
validated once, and what is wrong with a query is answered every time, as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import graphql
import pytest
from django.test import Client

from socialapp.graphql import limits, views

PATH = "/graphql/feed/"


@pytest.fixture(autouse=True)
def empty_document_cache() -> Iterator[None]:
    views._validated_document.cache_clear()
    yield
    views._validated_document.cache_clear()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = graphql.parse

    def counting(source: Any, **kwargs: Any) -> Any:
        seen.append(source)
        return real(source, **kwargs)

    monkeypatch.setattr(limits, "parse", counting)
    return seen


def post(query: Any, **variables: Any) -> tuple[int, dict[str, Any]]:
    response = Client().post(PATH, {"query": query, "variables": variables}, "application/json")
    return response.status_code, response.json()


def test_the_same_query_is_parsed_and_validated_once(parses: list[str]) -> None:
    query = "{ feedService { name } }"

    answers = [post(query) for _ in range(3)]

    assert answers == [(200, {"data": {"feedService": {"name": "feed"}}})] * 3
    assert parses == [query]


def test_an_invalid_query_is_answered_every_time_and_not_remembered(parses: list[str]) -> None:
    query = "{ feedService { nope } }"

    first, second = post(query), post(query)

    assert first == second
    assert first[0] == 400
    assert first[1]["errors"][0]["message"].startswith("Cannot query field 'nope' on type 'ServiceInfo'.")
    assert parses == [query, query]


def test_syntax_errors_and_non_string_queries_are_answered_as_errors() -> None:
    status, body = post("{ feedService { name }")
    assert status == 400
    assert body["errors"][0]["message"].startswith("Syntax Error:")

    status, body = post(["{ feedService { name } }"])  # parsed as graphene-django does: refused
    assert status == 400
    assert body["errors"][0]["message"] == "expected string or bytes-like object, got 'list'"


def test_a_mutation_sent_by_get_is_refused_even_when_remembered() -> None:
    mutation = 'mutation { likePost(postId: "1") { errors { code } } }'
    post(mutation)  # remembered (it validates)

    response = Client().get(PATH, {"query": mutation})

    assert response.status_code == 405
    assert response.json()["errors"][0]["message"] == "Can only perform a mutation operation from a POST request."


def test_a_very_long_query_is_answered_but_not_remembered(parses: list[str]) -> None:
    query = "{ feedService { name } }" + " " * views.DOCUMENT_CACHE_MAX_QUERY_LENGTH

    answers = [post(query) for _ in range(2)]

    assert answers == [(200, {"data": {"feedService": {"name": "feed"}}})] * 2
    assert parses == [query, query]
    assert views._validated_document.cache_info().currsize == 0


def test_a_body_over_the_limit_is_a_413_from_its_declared_length() -> None:
    # Refused from its Content-Length before any view reads it (socialapp/body_limits.py). Tested
    # in process: over a socket, a WSGI server closes the connection without reading the rest,
    # so whether the client sees the answer first is a race.
    padded = {"query": "{ feedService { name } }", "variables": {"pad": "x" * 3_000_000}}

    response = Client().post(PATH, padded, "application/json")

    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {"field": None, "code": "body_too_large", "message": "The request body is larger than 2621440 bytes."}
        ]
    }


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("post", {"query": "{ __typename }"}),
        ("post", {"query": "{ nosuchfield }"}),
        ("get", {"query": "{ __typename }"}),
        ("put", {"query": "{ __typename }"}),
    ],
)
def test_answers_set_no_csrf_cookie_for_a_bearer_token_api(method: str, body: dict[str, Any]) -> None:
    client = Client()
    send = getattr(client, method)
    response = send(PATH, body) if method == "get" else send(PATH, body, "application/json")

    assert response.status_code in {200, 400, 405}
    assert response["Content-Type"] == "application/json"
    assert "csrftoken" not in response.cookies
    assert "Cookie" not in response.get("Vary", "")
