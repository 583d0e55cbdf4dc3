"""The committed GraphQL schemas (docs/graphql/) are the ones the services serve."""

from __future__ import annotations

from socialapp.management.commands.export_graphql_schemas import schema_directory, schema_documents


def test_the_committed_schemas_are_up_to_date() -> None:
    for service, sdl in schema_documents().items():
        committed = (schema_directory() / f"{service}.graphql").read_text()
        assert committed == sdl, f"docs/graphql/{service}.graphql is stale: run manage.py export_graphql_schemas"
