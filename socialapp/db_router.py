"""Sends every model to the database of the service that owns it.

The mapping is app label -> alias (settings.DATABASE_APP_ALIASES). A relation between
models of two aliases is refused, and each app is migrated only on its own alias, so a
query that would join two services' data fails in development and tests, not in
production after the services are carved apart.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from socialapp.deployment import database_alias_for_app


class UnroutedModelError(LookupError):
    """A model whose app has no database alias: every app must declare where it lives."""


def alias_for_model(model: type[Model] | Model) -> str:
    label = model._meta.app_label
    alias = database_alias_for_app(label)
    if alias is None:
        raise UnroutedModelError(
            f"app {label!r} has no entry in settings.DATABASE_APP_ALIASES; declare which service database owns it"
        )
    return alias


class ServiceDatabaseRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return alias_for_model(model)

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return alias_for_model(model)

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return alias_for_model(obj1) == alias_for_model(obj2)

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return database_alias_for_app(app_label) == db
