"""`manage.py export_graphql_schemas`: write each service's GraphQL schema (SDL) to docs/graphql/.

The files are committed, so an API change shows up in review as a diff; a test fails when
they are stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from socialapp.graphql.schema import build_schema

SERVICES = ("auth", "users", "feed", "media", "notifications")


def schema_documents() -> dict[str, str]:
    return {service: f"{build_schema([service])}\n" for service in SERVICES}


def schema_directory() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "graphql"


class Command(BaseCommand):
    help = "Write docs/graphql/<service>.graphql for every service."

    def handle(self, *args: Any, **options: Any) -> None:
        directory = schema_directory()
        directory.mkdir(parents=True, exist_ok=True)
        for service, sdl in schema_documents().items():
            (directory / f"{service}.graphql").write_text(sdl)
            self.stdout.write(f"wrote {directory / service}.graphql")
