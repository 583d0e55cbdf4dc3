"""System checks that stop a misconfigured production deployment from starting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_secret_key_is_set(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY:
        return [Error("SECRET_KEY is the embedded default while DEBUG is off", id="socialapp.E001")]
    return []


@register()
def check_every_app_is_routed(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for config in apps.get_app_configs():
        if (
            config.models_module is not None
            and list(config.get_models())
            and config.label not in settings.DATABASE_APP_ALIASES
        ):
            errors.append(
                Error(
                    f"app {config.label!r} has models but no database alias",
                    id="socialapp.E002",
                    hint="add it to DATABASE_APP_ALIASES",
                )
            )
    return errors
