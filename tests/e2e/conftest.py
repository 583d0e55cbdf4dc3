"""The two layouts the end-to-end scenario runs against, one module-scoped server each:

- "single": one ASGI process serving every service (SOCIALAPP_SERVICES=all, events in process),
  on this session's test databases;
- "stack": `manage.py runstack`'s layout (LocalStack, the same code): five servers, the relay,
  the consumers, the Celery worker, Tansu, moto S3 and the nginx gateway, reached through the
  gateway only, on databases of its own (dropped after) and the Redis database after the
  session's (9 -> 10 in CI; TEST_DATABASE_SUFFIX sessions pick theirs with E2E_STACK_REDIS_URL).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings

from socialapp.localstack.stack import LocalStack, StackError, StackOptions
from tests.live_server import live_server

# The stack of the running "stack" layout, for tests that compare the gateway with its servers.
RUNNING_STACKS: dict[str, LocalStack] = {}


def stack_redis_url() -> str:
    if os.environ.get("E2E_STACK_REDIS_URL"):
        return os.environ["E2E_STACK_REDIS_URL"]
    base, _, db = settings.REDIS_URL.rpartition("/")
    return f"{base}/{(int(db or 0) + 1) % 16}"


@contextmanager
def single_process(directory: Path) -> Iterator[str]:
    with live_server(directory, SOCIALAPP_SERVICES="all") as server:
        yield server.url


@contextmanager
def stack(directory: Path) -> Iterator[str]:
    redis_url = stack_redis_url()
    redis.Redis.from_url(redis_url).flushdb()  # the stack's own database: no other run's tasks or timelines
    suffix = os.environ.get("TEST_DATABASE_SUFFIX") or "session"
    output_path = directory / "honcho.log"
    with output_path.open("wb") as output:
        local_stack = LocalStack(
            StackOptions(
                data_dir=directory,
                database_url=f"postgres://postgres@127.0.0.1:5432/e2e_stack_{suffix}",
                redis_url=redis_url,
                fresh_databases=True,
                drop_databases_on_stop=True,
                output=output,
                extra_env={"LOG_LEVEL": "WARNING"},
            )
        )
        try:
            local_stack.start()
        except StackError as error:
            raise StackError(f"{error}\n--- processes' output ---\n{_tail(output_path)}") from error
        RUNNING_STACKS[local_stack.url] = local_stack
        try:
            yield local_stack.url
        finally:
            RUNNING_STACKS.pop(local_stack.url, None)
            local_stack.stop()


def _tail(path: Path, chars: int = 6000) -> str:
    return path.read_text(errors="replace")[-chars:]


@pytest.fixture(scope="module", params=["single", "stack"])
def base_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The layout's public URL: the single process, or the stack's gateway. pytest runs every test
    of one layout before it tears it down and starts the other."""
    directory = tmp_path_factory.mktemp(f"e2e-{request.param}")
    if request.param == "single":
        request.getfixturevalue("django_db_setup")
        with single_process(directory) as url:
            yield url
    else:
        with stack(directory) as url:
            yield url
