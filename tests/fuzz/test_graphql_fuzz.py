"""Schemathesis fuzzing of every service's GraphQL endpoint on a live server run as in production
(DEBUG off): no 5xx, anonymous and authenticated, with a fixed seed and a small budget (ADR 0017)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from graphql import GraphQLSchema as GraphQLCoreSchema
from graphql import build_schema
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.graphql import nodes
from schemathesis.specs.graphql.schemas import GraphQLSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.auth_helpers import bearer
from tests.conftest import ALL_DATABASES
from tests.fuzz.graphql_conformance import answer_problems
from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["auth", "users", "feed", "media", "notifications"]
# Per operation and identity: the five schemas have ~80 operations, so this bounds the module's time.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
# Uploads are multipart requests (ADR 0018); a plain JSON body carries a string in their place,
# which the media service must refuse with a typed error.
schemathesis.graphql.scalar("Upload", st.just(nodes.String("not-a-file")))


pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


def load(service: str, url: str) -> GraphQLSchema:
    schema = schemathesis.graphql.from_path(str(ROOT / "docs" / "graphql" / f"{service}.graphql"))
    schema.config.update(base_url=f"{url}/graphql/{service}/")
    return schema


def fuzz(schema: Any, headers: dict[str, str], check: Callable[[str, Any, Any], None]) -> Counter[int]:
    """Every operation with MAX_EXAMPLES derandomized cases, each answer given to `check`
    (operation label, case, response); the requests sent, by the status of their answer."""
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operation = result.ok()

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        def run(case: schemathesis.Case[Any]) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            # run() is called within this iteration, so the loop variable is the right one.
            check(operation.label, case, response)  # noqa: B023

        run()
    return statuses


# The codes a GraphQL answer's top-level error may carry in `extensions.code` (ADR 0017 lists them):
# the kernel's (socialapp.errors, authentication, the limits of ADR 0018, rate limits) and those the
# services raise for their arguments and their viewer. `internal_error` is not one: it is a bug.
DOCUMENTED_ERROR_CODES = frozenset({
    # socialapp.errors, socialapp.authn
    "invalid", "not_authenticated", "forbidden", "not_found", "conflict", "rate_limited",
    "token_invalid", "token_expired", "token_revoked", "account_not_found",
    # requests refused before they run (socialapp.graphql.views): a syntax error; the rest
    # (validation, variables, a body that is no GraphQL request)
    "syntax_error", "invalid_request",
    # socialapp.graphql.limits (ADR 0018)
    "query_too_large", "query_too_complex", "query_too_expensive", "too_many_mutations", "mutation_repeated",
    # arguments the services refuse
    "invalid_argument", "invalid_cursor", "invalid_query", "out_of_range", "blank", "required", "too_long",
    "too_many", "invalid_characters", "control_characters", "invalid_upload", "search_unavailable",
})  # fmt: skip


def conforming_answer(schema: GraphQLCoreSchema, outcomes: Counter[str]) -> Callable[[str, Any, Any], None]:
    """The check of a GraphQL answer: no 5xx, and an answer that conforms to the schema and to
    the query (tests/fuzz/graphql_conformance.py); `outcomes` counts answers with data, with errors."""

    def check(label: str, case: Any, response: Any) -> None:
        assert response.status_code < 500, f"{label}: {response.status_code} for {case.body!r}: {response.text[:500]}"
        try:
            body = response.json()
        except ValueError:
            pytest.fail(f"{label}: a {response.status_code} that is not JSON: {response.text[:500]}")
        problems = answer_problems(
            schema,
            query=case.body,
            variables=None,  # schemathesis writes arguments into the query itself
            operation_name=None,
            status=response.status_code,
            body=body,
            error_codes=DOCUMENTED_ERROR_CODES,
        )
        assert not problems, f"{label}: {problems[:5]} for {case.body!r}: {response.text[:500]}"
        outcomes.update(key for key in ("data", "errors") if body.get(key) is not None)

    return check


# Every answer, errors included, is one the document names: its status, its content type, its
# headers (Retry-After on a 429) and its body.
REST_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def no_server_error_and_documented(label: str, case: Any, response: Any) -> None:
    case.validate_response(response, checks=REST_CHECKS)


@pytest.mark.parametrize("identity", ["anonymous", "authenticated"])
@pytest.mark.parametrize("service", SERVICES)
def test_graphql_answers_conform_and_no_5xx(server: LiveServer, token: str, service: str, identity: str) -> None:
    headers = bearer(token) if identity == "authenticated" else {}
    sdl = (ROOT / "docs" / "graphql" / f"{service}.graphql").read_text()
    outcomes: Counter[str] = Counter()
    statuses = fuzz(load(service, server.url), headers, conforming_answer(build_schema(sdl), outcomes))
    print(f"fuzz graphql {service} {identity}: {statuses.total()} requests {dict(statuses)} {dict(outcomes)}")  # noqa: T201 - ADR 0017's figure
    assert statuses.total() > 0


@pytest.mark.parametrize("identity", ["anonymous", "authenticated"])
def test_rest_answers_no_server_error_and_match_their_schema(server: LiveServer, token: str, identity: str) -> None:
    schema = schemathesis.openapi.from_path(str(ROOT / "docs" / "openapi.yaml"))
    schema.config.update(base_url=server.url)
    headers = bearer(token) if identity == "authenticated" else {}
    statuses = fuzz(schema, headers, no_server_error_and_documented)
    print(f"fuzz rest {identity}: {statuses.total()} requests {dict(statuses)}")  # noqa: T201 - ADR 0017's figure
    assert statuses.total() > 0
