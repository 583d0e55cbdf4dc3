"""Fixtures of the search tests: the database backend, whatever the environment configures."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.feed.search.database import DatabaseSearchBackend


@pytest.fixture(autouse=True)
def database_search(settings: SettingsWrapper) -> None:
    """The embedded default (no Elasticsearch URL), whatever the environment says."""
    settings.ELASTICSEARCH_URL = ""


@pytest.fixture
def backend() -> DatabaseSearchBackend:
    return DatabaseSearchBackend()
