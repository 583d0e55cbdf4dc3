"""WebSocket routes of the enabled services (each app may publish `websocket_urlpatterns`)."""

from __future__ import annotations

from importlib import import_module

from django.urls import URLPattern

from socialapp.services import enabled_services, service_module


def websocket_urlpatterns() -> list[URLPattern]:
    patterns: list[URLPattern] = []
    for service in enabled_services():
        module = import_module(service_module(service, "urls"))
        patterns.extend(getattr(module, "websocket_urlpatterns", []))
    return patterns
