"""Schemathesis fuzzing of every service's GraphQL endpoint on a live server run as in production
(DEBUG off): no 5xx, anonymous and authenticated, with a fixed seed and a small budget (ADR 0017)."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
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

from tests.auth_helpers import access_token_for, bearer
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer, live_server

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["auth", "users", "feed", "media", "notifications"]
# Per operation and identity: the five schemas have ~80 operations, so this bounds the module's time.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
# Uploads are multipart requests (ADR 0018); a plain JSON body carries a string in their place,
# which the media service must refuse with a typed error.
schemathesis.graphql.scalar("Upload", st.just(nodes.String("not-a-file")))
SECRET = "fuzz-" + "x" * 60


pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


@pytest.fixture(scope="module")
def token(django_db_setup: None) -> str:
    # Minting first makes the session's key pair exist before the server checks for it.
    return access_token_for(uuid.uuid4(), "fuzzer")


@pytest.fixture(scope="module")
def server(token: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(
        tmp_path_factory.mktemp("fuzz"),
        DEBUG="false",
        SECRET_KEY=SECRET,
        JWT_GENERATE_KEYS="false",
        JWT_KEYS_DIR=os.environ["JWT_KEYS_DIR"],
        # The write budgets would answer most generated mutations with 429; raised so they run.
        WRITE_RATE_LIMIT_PER_ACCOUNT="100000/5m",
        WRITE_RATE_LIMIT_PER_ADDRESS="100000/5m",
        MEDIA_RATE_LIMIT_PER_ACCOUNT="100000/5m",
        MEDIA_RATE_LIMIT_PER_ADDRESS="100000/5m",
    ) as running:
        yield running


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


def no_server_error(label: str, case: Any, response: Any) -> None:
    assert response.status_code < 500, f"{label}: {response.status_code} for {case.body!r}: {response.text[:500]}"


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
def test_graphql_answers_no_server_error(server: LiveServer, token: str, service: str, identity: str) -> None:
    headers = bearer(token) if identity == "authenticated" else {}
    statuses = fuzz(load(service, server.url), headers, no_server_error)
    print(f"fuzz graphql {service} {identity}: {statuses.total()} requests {dict(statuses)}")  # noqa: T201 - ADR 0017's figure
    assert statuses.total() > 0


@pytest.mark.parametrize("identity", ["anonymous", "authenticated"])
def test_rest_answers_no_server_error_and_match_their_schema(server: LiveServer, token: str, identity: str) -> None:
    schema = schemathesis.openapi.from_path(str(ROOT / "docs" / "openapi.yaml"))
    schema.config.update(base_url=server.url)
    headers = bearer(token) if identity == "authenticated" else {}
    statuses = fuzz(schema, headers, no_server_error_and_documented)
    print(f"fuzz rest {identity}: {statuses.total()} requests {dict(statuses)}")  # noqa: T201 - ADR 0017's figure
    assert statuses.total() > 0
