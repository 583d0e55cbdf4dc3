"""Write rate limits: each account and each client address has a budget per scope, shared through
the cache; a refused write is a typed error (GraphQL) or a 429 (REST) with Retry-After, and writes
nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.feed.models import Post
from socialapp.eventing.testing import capture_events
from socialapp.ratelimits import mutation_scopes
from tests.auth_helpers import access_token_for, bearer
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

CREATE_POST = 'mutation { createPost(content: "hello") { post { id } errors { code message } } }'


@pytest.fixture(autouse=True)
def small_budgets(settings: SettingsWrapper) -> None:
    settings.WRITE_RATE_LIMITS = {
        "writes": {"account": "2/5m", "address": "3/5m"},
        "media": {"account": "1/30m", "address": "10/30m"},
    }


def create_post(user_id: uuid.UUID, *, address: str = "203.0.113.9") -> tuple[int, dict[str, Any], str | None]:
    client = Client(headers=bearer(access_token_for(user_id, f"u{user_id.hex[:8]}")), REMOTE_ADDR=address)
    response = client.post("/graphql/feed/", {"query": CREATE_POST}, "application/json")
    return response.status_code, response.json()["data"]["createPost"], response.headers.get("Retry-After")


def test_an_account_over_its_budget_is_refused_with_retry_after_and_nothing_written() -> None:
    author = uuid.uuid4()
    allowed = [create_post(author) for _ in range(2)]

    with capture_events() as events:
        status, payload, retry_after = create_post(author)

    assert [p["errors"] for _, p, _ in allowed] == [[], []]
    assert status == 200
    assert payload["post"] is None
    assert [e["code"] for e in payload["errors"]] == ["rate_limited"]
    assert payload["errors"][0]["message"].startswith("Too many writes from this account; try again in ")
    assert retry_after is not None
    assert 0 < int(retry_after) <= 300
    assert Post.objects.filter(author_id=author).count() == 2
    assert events == []


def test_one_address_has_a_budget_across_accounts() -> None:
    answers = [create_post(uuid.uuid4(), address="198.51.100.4")[1]["errors"] for _ in range(4)]

    assert answers[:3] == [[], [], []]
    assert [e["code"] for e in answers[3]] == ["rate_limited"]
    assert create_post(uuid.uuid4(), address="198.51.100.5")[1]["errors"] == []  # another address


def test_reads_and_undeclared_mutations_spend_nothing() -> None:
    author = uuid.uuid4()
    client = Client(headers=bearer(access_token_for(author, "reader")))
    for _ in range(5):
        client.post("/graphql/feed/", {"query": "{ feedService { name } }"}, "application/json")

    assert create_post(author)[1]["errors"] == []


def test_the_apps_declare_which_mutations_spend_which_budget() -> None:
    scopes = mutation_scopes()

    assert {scopes[name] for name in ("createPost", "likePost", "addComment", "followUser", "deleteMedia")} == {
        "writes"
    }
    assert scopes["uploadImage"] == "media"
    assert "register" not in scopes  # throttled per address by the auth service itself


def test_a_rest_write_over_budget_is_a_429_with_retry_after() -> None:
    client = Client(headers=bearer(access_token_for(uuid.uuid4(), "poker")))
    codes = [client.post("/api/eventtests/poke").status_code for _ in range(3)]

    refused = client.post("/api/eventtests/poke")

    assert codes == [200, 200, 429]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["errors"][0]["code"] == "throttled"


def test_rest_uploads_spend_the_media_budget() -> None:
    client = Client(headers=bearer(access_token_for(uuid.uuid4(), "uploader")))

    first = client.post("/api/media/images", {})  # no file: refused by the view, but counted
    second = client.post("/api/media/images", {})

    assert first.status_code == 400
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 0
