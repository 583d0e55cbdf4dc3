"""The GraphQL answer checker the fuzzing relies on (tests/fuzz/graphql_conformance.py): it accepts
answers that conform and names what is wrong with those that do not."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema

from tests.fuzz.graphql_conformance import answer_problems

SCHEMA = build_schema(
    """
    scalar DateTime
    enum Color { RED GREEN }
    interface Node { id: ID! }
    type Post implements Node { id: ID! title: String! likes: Int! color: Color at: DateTime tags: [String!] }
    type User implements Node { id: ID! name: String! score: Float }
    union Result = Post | User
    type Query {
      post(id: ID!): Post
      node(id: ID!): Node
      search: [Result!]!
      count: Int!
    }
    type Mutation { like(id: ID!): Post }
    """
)
CODES = frozenset({"not_found", "query_too_large", "syntax_error"})
POST = {"id": "1", "title": "t", "likes": 2, "color": "RED", "at": "2026-12-04T10:00:00+00:00", "tags": ["a"]}


def problems(query: str, body: Any, *, status: int = 200, variables: dict[str, Any] | None = None) -> list[str]:
    return answer_problems(
        SCHEMA, query=query, variables=variables, operation_name=None, status=status, body=body, error_codes=CODES
    )


def test_an_answer_that_matches_its_selection_conforms() -> None:
    query = "{ post(id: 1) { id title likes color at tags } count }"
    assert problems(query, {"data": {"post": POST, "count": 3}}) == []


def test_aliases_fragments_and_abstract_types_are_collected_as_execution_collects_them() -> None:
    query = """
      { first: post(id: 1) { ...P } n: node(id: 2) { id ... on User { name } }
        search { __typename ... on Post { title } ... on User { name score } } }
      fragment P on Post { id title }
    """
    data = {
        "first": {"id": "1", "title": "t"},
        "n": {"id": "2", "name": "ann"},
        "search": [{"__typename": "Post", "title": "t"}, {"__typename": "User", "name": "ann", "score": 1}],
    }
    assert problems(query, {"data": data}) == []


def test_skip_and_include_follow_the_request_variables() -> None:
    query = "query Q($hide: Boolean!) { post(id: 1) { id title @skip(if: $hide) } }"
    assert problems(query, {"data": {"post": {"id": "1"}}}, variables={"hide": True}) == []
    assert problems(query, {"data": {"post": {"id": "1"}}}, variables={"hide": False}) == [
        "data.post: selected 'title' is missing"
    ]


def test_a_nullable_field_may_be_null_beside_its_error() -> None:
    body = {
        "data": {"post": None},
        "errors": [{"message": "No post.", "path": ["post"], "locations": [{"line": 1, "column": 3}],
                    "extensions": {"code": "not_found"}}],
    }  # fmt: skip
    assert problems("{ post(id: 1) { id } }", body) == []


@pytest.mark.parametrize(
    ("query", "data", "expected"),
    [
        ("{ count }", {"count": None}, "data.count: null for the non-null Int!"),
        ("{ count }", {"count": "3"}, "data.count: '3' is not a Int"),
        ("{ count }", {"count": True}, "data.count: True is not a Int"),
        ("{ count }", {}, "data: selected 'count' is missing"),
        ("{ count }", {"count": 1, "extra": 1}, "data: key 'extra' was not selected"),
        ("{ post(id: 1) { color } }", {"post": {"color": "BLUE"}}, "data.post.color: 'BLUE' is not a value of Color"),
        ("{ post(id: 1) { at } }", {"post": {"at": "yesterday"}}, "data.post.at: 'yesterday' is not a DateTime"),
        ("{ post(id: 1) { tags } }", {"post": {"tags": "a"}}, "data.post.tags: a [String!] that is not a list: 'a'"),
        ("{ post(id: 1) { tags } }", {"post": {"tags": [None]}}, "data.post.tags[0]: null for the non-null String!"),
        ("{ post(id: 1) { id } }", {"post": []}, "data.post: a Post that is not an object: []"),
        ("{ search { __typename } }", {"search": [{"__typename": "Comment"}]}, "data.search[0]: __typename 'Comment' "
         "is not a type of Result"),
    ],
)  # fmt: skip
def test_data_that_does_not_match_its_selection_is_named(query: str, data: Any, expected: str) -> None:
    assert expected in problems(query, {"data": data})


def test_an_abstract_object_must_be_that_of_one_of_its_types() -> None:
    found = problems("{ search { ... on User { name } } }", {"data": {"search": [{"title": "t"}]}})
    assert found[0] == "data.search[0]: matches no type of Result"


def test_request_errors_are_400_without_data() -> None:
    syntax_error = {
        "errors": [{"message": "Syntax Error", "locations": [{"line": 1, "column": 2}],
                    "extensions": {"code": "syntax_error"}}]
    }  # fmt: skip
    assert problems("{", syntax_error, status=400) == []
    assert problems("{", syntax_error, status=200) == [
        "status 200 for an answer without `data` (a request error is a 400)"
    ]
    refused = {"errors": [{"message": "Too large.", "extensions": {"code": "query_too_large", "limit": 1}}]}
    assert problems("{ count }", refused, status=400) == []


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ([], 200, "the answer is not a JSON object: []"),
        ({}, 400, "neither `data` nor `errors`"),
        ({"data": {"count": 1}, "debug": 1}, 200, "unexpected top-level key 'debug'"),
        ({"data": None}, 200, "`data` is null without errors"),
        ({"data": {"count": 1}}, 400, "status 400 for an answer with `data`"),
        ({"errors": []}, 400, "`errors` is not a non-empty list"),
        ({"errors": [{"msg": "x"}]}, 400, "errors[0] has no string `message`"),
        ({"data": {"count": 1}, "errors": [{"message": "x", "path": ["count"]}]}, 200,
         "errors[0] has no extensions.code: 'x'"),
        ({"errors": [{"message": "Syntax Error"}]}, 400, "errors[0] has no extensions.code: 'Syntax Error'"),
        ({"data": None, "errors": [{"message": "x", "path": ["count"], "extensions": {"code": "internal_error"}}]},
         200, "errors[0] has an undocumented extensions.code 'internal_error': 'x'"),
        ({"errors": [{"message": "x", "locations": [{"line": 0, "column": 1}]}]}, 400,
         "errors[0].locations is not a list of {line, column}"),
    ],
)  # fmt: skip
def test_answers_of_the_wrong_shape_are_named(body: Any, status: int, expected: str) -> None:
    assert expected in problems("{ count }", body, status=status)


def test_data_for_a_query_that_cannot_have_run_is_named() -> None:
    assert problems("{ count", {"data": {"count": 1}})[0].startswith("`data` for a query that does not parse")
    assert problems("subscription { x }", {"data": {"x": 1}}) == [
        "`data` for a subscription, which the schema does not have"
    ]
    found = problems("query Q($n: ID!) { post(id: $n) { id } }", {"data": {"post": None}}, variables={})
    assert found[0].startswith("`data` for variables that do not coerce")
