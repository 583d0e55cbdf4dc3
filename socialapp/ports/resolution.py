"""Which adapter answers a port in this process: configuration, never code.

`<SERVICE>_PORT` (e.g. `MEDIA_PORT`) may force `inprocess` or `http`; unset, a process that
serves the port's service answers in process and any other asks it over HTTP at
`<SERVICE>_PORT_URL` (default `http://<service>`, its name in the mesh) with `INTERNAL_TOKEN`.
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from socialapp.deployment import enabled_services
from socialapp.ports.declaration import Port
from socialapp.ports.http_client import http_adapter

P = TypeVar("P", bound=Port)

ADAPTERS = ("inprocess", "http")


@cache
def local_adapter(declaration: type[P]) -> P:
    implementation = import_string(declaration.implementation)
    if not issubclass(implementation, declaration):
        raise ImproperlyConfigured(f"{declaration.implementation} does not implement {declaration.__name__}")
    return cast(P, implementation())


def adapter_choice(service: str) -> str:
    name = service.upper()
    choice = str(getattr(settings, f"{name}_PORT", "") or "")
    if not choice:
        return "inprocess" if service in enabled_services() else "http"
    if choice not in ADAPTERS:
        raise ImproperlyConfigured(f"{name}_PORT must be 'inprocess' or 'http', not {choice!r}")
    return choice


def port_for(declaration: type[P]) -> P:
    """The adapter this process uses for `declaration`."""
    service = declaration.service
    if adapter_choice(service) == "inprocess":
        return cast(P, local_adapter(declaration))
    name = service.upper()
    token = str(settings.INTERNAL_TOKEN)
    if not token:
        raise ImproperlyConfigured(
            f"{declaration.__name__} over HTTP needs INTERNAL_TOKEN (the internal endpoints refuse callers without it)"
        )
    return http_adapter(
        declaration,
        base_url=str(getattr(settings, f"{name}_PORT_URL", "") or f"http://{service}"),
        token=token,
        timeout=float(getattr(settings, f"{name}_PORT_TIMEOUT_SECONDS", 3.0)),
    )
