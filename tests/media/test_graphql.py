"""The media schema in-process: argument errors, what each status shows, and the query count
of a page of media (a page costs the same two queries whatever its size)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.media.models import MediaStatus
from tests.auth_helpers import access_token_for
from tests.conftest import ALL_DATABASES
from tests.media.conftest import StorageUnderTest
from tests.media.factories import make_media

# All databases: in DEBUG, graphene-django's debug middleware wraps every connection's cursor
# for good on the first in-process GraphQL request (see the media report).
pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

ALICE = uuid.UUID("00000000-0000-4000-8000-00000000a11c")

MEDIA = """query($id: ID!) {
  media(id: $id) { id status failure { code message } url(size: LARGE) { url } variants { size } }
}"""
MY_MEDIA = """query($first: Int, $after: String) {
  myMedia(first: $first, after: $after) {
    edges { node { id width url(size: SMALL) { url width } variants { size url { url expiresAt } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def gql(query: str, *, user: uuid.UUID | None = ALICE, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {access_token_for(user, 'alice')}"} if user else {}
    response = Client().post(
        "/graphql/media/",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        headers=headers,
    )
    body: dict[str, Any] = response.json()
    return body


def only_error(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    [error] = body["errors"]
    return error["message"], error["extensions"]


def test_a_page_of_media_costs_two_queries_whatever_its_size(local_storage: StorageUnderTest) -> None:
    for _ in range(12):
        make_media(owner_id=ALICE)
    make_media()  # someone else's

    counts = []
    for first in (2, 10):
        with CaptureQueriesContext(connections["media"]) as queries:
            page = gql(MY_MEDIA, first=first)["data"]["myMedia"]
        counts.append(len(queries.captured_queries))
        assert len(page["edges"]) == first
        assert all(len(edge["node"]["variants"]) == 3 for edge in page["edges"])

    assert counts == [2, 2]


def test_processing_and_failed_media_have_no_urls(local_storage: StorageUnderTest) -> None:
    processing = make_media(owner_id=ALICE, status=MediaStatus.PROCESSING)
    failed = make_media(
        owner_id=ALICE, status=MediaStatus.FAILED, failure_code="corrupt", failure_message="Cannot be decoded."
    )

    assert gql(MEDIA, id=str(processing.id))["data"]["media"] == {
        "id": str(processing.id),
        "status": "PROCESSING",
        "failure": None,
        "url": None,
        "variants": [],
    }
    assert gql(MEDIA, id=str(failed.id))["data"]["media"] == {
        "id": str(failed.id),
        "status": "FAILED",
        "failure": {"code": "corrupt", "message": "Cannot be decoded."},
        "url": None,
        "variants": [],
    }


def test_bad_arguments_are_typed_errors(local_storage: StorageUnderTest) -> None:
    assert only_error(gql(MEDIA, id="not-an-id")) == (
        "`id` is not a valid media id.",
        {"code": "invalid", "field": "id"},
    )
    assert only_error(gql(MY_MEDIA, after="bm9wZQ==")) == (
        "`after` is not a cursor this list handed out.",
        {"code": "invalid_cursor", "field": "after"},
    )
    assert only_error(gql(MY_MEDIA, first=101)) == (
        "`first` must be between 1 and 100 (got 101).",
        {"code": "out_of_range", "field": "first"},
    )
    assert only_error(gql(MY_MEDIA, user=None)) == (
        "Log in first: this needs an access token.",
        {"code": "not_authenticated", "field": None},
    )
