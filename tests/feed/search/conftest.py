"""Fixtures of the search tests: the search table, the indexer's handlers, the database backend.

Until apps/feed/migrations carries the search table's migration, `search_table` applies the
committed draft (apps/feed/search/migration_draft.py.txt) to the feed test database, which
also tests the draft. Once the migration is in place (the table exists) it does nothing.

The indexer's handlers are registered for a test by `indexer` and unregistered after it,
unless apps/feed/events.py registers them for good: other tests must not index into a table
their session may not have.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections, router
from django.db.migrations.loader import MigrationLoader
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.feed.search.database import DatabaseSearchBackend
from apps.feed.search.models import TABLE, PostSearchEntry
from socialapp.eventing.handlers import registered_handlers, unregister_handler

DRAFT = Path(__file__).resolve().parents[3] / "apps" / "feed" / "search" / "migration_draft.py.txt"
HANDLERS_MODULE = "apps.feed.search.handlers"
HANDLER_NAMES = {
    f"{HANDLERS_MODULE}.{name}" for name in ("index_new_post", "reindex_edited_post", "unindex_deleted_post")
}


@pytest.fixture(scope="session")
def search_table(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        connection = connections[router.db_for_write(PostSearchEntry)]
        if TABLE in connection.introspection.table_names():
            return
        namespace: dict[str, Any] = {}
        exec(compile(DRAFT.read_text(), str(DRAFT), "exec"), namespace)
        loader = MigrationLoader(connection)
        [leaf] = loader.graph.leaf_nodes("feed")
        migration = namespace["Migration"]("9999_post_search_entry_draft", "feed")
        migration.dependencies = [leaf]
        with connection.schema_editor() as editor:
            migration.apply(loader.project_state(leaf), editor)


@pytest.fixture(autouse=True)
def database_search(settings: SettingsWrapper) -> None:
    """The embedded default (no Elasticsearch URL), whatever the environment says."""
    settings.ELASTICSEARCH_URL = ""


@pytest.fixture
def backend(search_table: None) -> DatabaseSearchBackend:
    return DatabaseSearchBackend()


@pytest.fixture
def indexer(search_table: None) -> Iterator[None]:
    """The search handlers, registered for this test (a no-op once apps/feed/events.py imports them)."""
    before = {handler.name for handler in registered_handlers(["feed"])}
    module = importlib.import_module(HANDLERS_MODULE)
    if not HANDLER_NAMES.issubset(handler.name for handler in registered_handlers(["feed"])):
        importlib.reload(module)
    yield
    for name in HANDLER_NAMES - before:
        unregister_handler(name)
