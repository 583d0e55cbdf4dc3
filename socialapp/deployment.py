"""The deployment: which services (apps) exist, which this process serves, and where each one's
data lives. (An app's `services.py` holds its writes; this module is about deployable services.)

One image runs as the monolith (`SOCIALAPP_SERVICES=all`) or as any subset of the five
services; everything that differs between the two is decided here from settings.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings


def all_services() -> dict[str, str]:
    """Service name -> Django app label, e.g. ``{"auth": "identity", ...}``."""
    return dict(settings.SOCIALAPP_SERVICE_APPS)


def enabled_services() -> list[str]:
    """The service names this process serves, in declaration order."""
    return list(settings.SOCIALAPP_ENABLED_SERVICES)


def app_label_for_service(service: str) -> str:
    try:
        return all_services()[service]
    except KeyError:
        raise ValueError(f"unknown service {service!r}; known: {', '.join(all_services())}") from None


def enabled_app_labels() -> list[str]:
    return [app_label_for_service(service) for service in enabled_services()]


def database_alias_for_app(app_label: str) -> str | None:
    """The database alias that owns an app's tables, or None for apps we do not route."""
    alias: str | None = settings.DATABASE_APP_ALIASES.get(app_label)
    return alias


def enabled_database_aliases() -> list[str]:
    """The aliases of the services this process serves (what /readyz and the relay touch)."""
    aliases: list[str] = []
    for label in enabled_app_labels():
        alias = database_alias_for_app(label)
        if alias and alias not in aliases:
            aliases.append(alias)
    return aliases


def parse_services(raw: str, known: list[str]) -> list[str]:
    """Parse ``SOCIALAPP_SERVICES``: ``all`` or a comma list of known service names."""
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if not names or names == ["all"]:
        return list(known)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"SOCIALAPP_SERVICES names unknown services {unknown}; known: {known} or 'all'")
    return [name for name in known if name in names]


def service_module(service: str, submodule: str) -> str:
    """Dotted path of a service app's submodule, e.g. ("feed", "urls") -> "apps.feed.urls"."""
    return f"{apps.get_app_config(app_label_for_service(service)).name}.{submodule}"
