"""Every GraphQL error carries `extensions.code`: requests refused before they run too (ADR 0017),
so a client tells a syntax error from any other refusal by its code, not by its message."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

PATH = "/graphql/feed/"


def errors_of(body: dict[str, Any] | str, content_type: str = "application/json") -> tuple[int, list[dict[str, Any]]]:
    response = Client().post(PATH, body, content_type)
    return response.status_code, response.json()["errors"]


def test_a_syntax_error_is_coded_syntax_error() -> None:
    status, errors = errors_of({"query": "{ feedService { name }"})

    assert status == 400
    assert errors[0]["extensions"] == {"code": "syntax_error"}
    assert errors[0]["message"].startswith("Syntax Error")


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ feedService { nope } }"},  # validation
        {"query": "query Q($n: Int!) { feedService { name } }", "variables": {"n": "many"}},  # variables
        {"query": ""},  # no query
    ],
)
def test_other_refused_requests_are_coded_invalid_request(body: dict[str, Any]) -> None:
    status, errors = errors_of(body)

    assert status == 400
    assert [error["extensions"]["code"] for error in errors] == ["invalid_request"] * len(errors)


def test_a_body_that_is_no_json_is_coded_invalid_request() -> None:
    status, errors = errors_of("{not json")

    assert status == 400
    assert errors[0]["extensions"]["code"] == "invalid_request"


def test_the_limits_keep_their_own_codes() -> None:
    status, errors = errors_of({"query": "{ " + " ".join(f"a{i}: feedService {{ name }}" for i in range(50)) + " }"})

    assert status == 400
    assert errors[0]["extensions"]["code"] == "query_too_complex"
