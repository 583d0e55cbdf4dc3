"""The fuzz package's live server, run as in production (DEBUG off), and its identities (ADR 0017)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.auth.factories import user_create
from tests.auth_helpers import access_token_for
from tests.live_server import LiveServer, live_server

SECRET = "fuzz-" + "x" * 60


@pytest.fixture(scope="package")
def signing_keys(django_db_setup: None) -> None:
    """Minting a token makes the session's key pair exist before the server checks for it."""
    access_token_for(uuid.uuid4(), "keys")


@pytest.fixture
def token(signing_keys: None) -> str:
    """A registered account's token (per test: a transactional test empties the tables after it)."""
    user = user_create()
    return access_token_for(user.id, user.username)


@pytest.fixture(scope="package")
def server(signing_keys: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
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
