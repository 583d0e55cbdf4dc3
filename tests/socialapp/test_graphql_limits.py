"""GraphQL cost control: an abusive operation is refused, with a stable code, before validation or
execution; the operations real clients send fit inside the limits. (What a refusal costs the
server is measured in bench/graphql_limits_bench.py, not here.)"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, RequestFactory
from graphql import parse
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.auth.models import User
from socialapp.graphql import views
from socialapp.graphql.limits import GraphQLLimits, QueryRefusedError, check_operation
from socialapp.graphql.schema import build_schema
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture(autouse=True)
def empty_document_cache() -> Iterator[None]:
    views._validated_document.cache_clear()
    yield
    views._validated_document.cache_clear()


def post(path: str, query: str, variables: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    response = Client().post(path, {"query": query, "variables": variables or {}}, "application/json")
    return response.status_code, response.json()


def refusal(body: dict[str, Any]) -> tuple[str, int, int]:
    (error,) = body["errors"]
    extensions = error["extensions"]
    return extensions["code"], extensions["limit"], extensions["measured"]


HOME_PAGE = """
query Home($first: Int, $after: String) {
  homeFeed(first: $first, after: $after) {
    edges { cursor node { id content status createdAt editedAt likeCount commentCount likedByMe mediaIds hashtags
      mentions { userId username } author { id username displayName avatarMediaId } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def test_a_real_client_page_fits_inside_the_limits() -> None:
    status, body = post("/graphql/feed/", HOME_PAGE, {"first": 100})

    assert status == 200, body
    assert body["errors"][0]["extensions"]["code"] == "not_authenticated"  # it ran: it only lacks a viewer


def many_aliases(count: int) -> str:
    page = 'userPosts(userId: "00000000-0000-4000-8000-000000000001", first: 100) { edges { cursor } }'
    return "{ " + " ".join(f"a{n}: {page}" for n in range(count)) + " }"


def test_a_thousand_aliases_of_a_page_are_refused_by_each_limit_in_turn(settings: SettingsWrapper) -> None:
    query = many_aliases(1000)  # the attack of issue 15: 1,000 pages of 100 posts
    assert refusal(post("/graphql/feed/", query)[1]) == ("query_too_large", 20_000, len(query))

    settings.GRAPHQL_MAX_QUERY_LENGTH = 10_000_000
    assert refusal(post("/graphql/feed/", query)[1])[:2] == ("query_too_complex", settings.GRAPHQL_MAX_TOKENS)

    settings.GRAPHQL_MAX_TOKENS = 10_000_000
    settings.GRAPHQL_MAX_FIELDS = 10_000_000
    assert refusal(post("/graphql/feed/", query)[1]) == ("query_too_complex", 20, 1000)  # aliases

    settings.GRAPHQL_MAX_ALIASES = 10_000_000
    assert refusal(post("/graphql/feed/", query)[1]) == ("query_too_expensive", 5_000, 1000 * (1 + 100 * 2))


def test_thousands_of_same_named_fields_are_refused_before_validation(settings: SettingsWrapper) -> None:
    settings.GRAPHQL_MAX_QUERY_LENGTH = 10_000_000
    settings.GRAPHQL_MAX_TOKENS = 10_000_000
    query = "{ " + " ".join(["feedService { name }"] * 8000) + " }"

    status, body = post("/graphql/feed/", query)

    assert status == 400
    assert refusal(body) == ("query_too_complex", 300, 16_000)


def test_a_query_longer_than_the_limit_is_refused_by_its_length(settings: SettingsWrapper) -> None:
    query = "{ feedService { name } }" + " " * 2_000_000

    status, body = post("/graphql/feed/", query)

    assert status == 400
    assert refusal(body) == ("query_too_large", settings.GRAPHQL_MAX_QUERY_LENGTH, len(query))
    assert len(body["errors"][0]["message"]) < 200  # the query is never echoed


def test_a_page_multiplies_the_cost_of_what_it_holds(settings: SettingsWrapper) -> None:
    settings.GRAPHQL_MAX_COST = 200
    page = 'userPosts(userId: "00000000-0000-4000-8000-000000000001", first: $first) { edges { node { id content } } }'
    query = f"query($first: Int) {{ {page} }}"

    small = post("/graphql/feed/", query, {"first": 10})
    large = post("/graphql/feed/", query, {"first": 100})

    assert small[0] == 200, small
    # userPosts 1 + 100 x (edges 1 + node 1 + id 1 + content 1)
    assert refusal(large[1]) == ("query_too_expensive", 200, 1 + 100 * 4)


def test_nested_pages_multiply_and_a_page_without_first_counts_as_the_default() -> None:
    document = parse("""
      { a: things(first: 50) { edges { node { id children(first: 10) { edges { node { id } } } } } }
        b: things { edges { node { id } } }
        c: leaf }
    """)
    limits = dataclasses.replace(GraphQLLimits.from_settings(), max_cost=100)

    with pytest.raises(QueryRefusedError) as refused:
        check_operation(document, None, {}, limits)

    a = 1 + 50 * (1 + 1 + 1 + 1 + 10 * (1 + 1 + 1))
    b = 1 + 20 * (1 + 1 + 1)
    assert refused.value.extensions == {"code": "query_too_expensive", "limit": 100, "measured": a + b + 1}


def test_fragment_cycles_are_cut_not_followed() -> None:
    document = parse("{ ...A } fragment A on Query { x ...B } fragment B on Query { y ...A }")

    check_operation(document, None, {}, GraphQLLimits.from_settings())  # returns: validation reports the cycle


def registrations(count: int, prefix: str) -> str:
    fields = " ".join(
        f'r{n}: register(username: "{prefix}{n}", email: "{prefix}{n}@example.com", password: "correct horse battery") '
        "{ errors { code } }"
        for n in range(count)
    )
    return f"mutation {{ {fields} }}"


def test_a_mutation_operation_runs_a_few_root_fields_and_costly_ones_once() -> None:
    assert refusal(post("/graphql/auth/", registrations(25, "bulk"))[1]) == ("query_too_complex", 20, 25)  # aliases
    assert refusal(post("/graphql/auth/", registrations(6, "six"))[1]) == ("too_many_mutations", 5, 6)
    assert refusal(post("/graphql/auth/", registrations(2, "twice"))[1]) == ("mutation_repeated", 1, 2)
    assert not User.objects.exists()


def test_introspection_follows_its_setting() -> None:
    schema = build_schema(["feed"])
    closed = views.LimitedGraphQLView(schema=schema, validation_rules=views._default_rules(10, False))
    request = RequestFactory().post(
        "/graphql/feed/", {"query": "{ __schema { types { name } } }"}, content_type="application/json"
    )

    response = closed.dispatch(request)

    assert response.status_code == 400
    assert "introspection" in response.content.decode().lower()


def test_error_messages_never_echo_unbounded_input() -> None:
    huge = "x" * 2_000_000
    by_service = post(
        "/graphql/feed/", "query($t: String!) { postsByHashtag(tag: $t) { edges { cursor } } }", {"t": huge}
    )
    by_graphql = post("/graphql/feed/", "query($n: Int) { homeFeed(first: $n) { edges { cursor } } }", {"n": huge})

    for status, body in (by_service, by_graphql):
        assert status in {200, 400}
        (error,) = body["errors"]
        assert 0 < len(error["message"]) <= 300
