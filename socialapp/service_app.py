"""What a service app contributes to a process, declared on its AppConfig and read by the kernel.

The kernel (URLs, ASGI, GraphQL) never imports an app: it reads these dotted paths from the
enabled services' configs, so the arrows only run from the apps down to `socialapp`.

    class MediaConfig(ServiceAppConfig):
        name, label, service = "apps.media", "media", "media"
        graphql_view = "apps.media.graphql.multipart.MultipartGraphQLView"

An apps.py imports this module, not the class: Django uses the one AppConfig subclass it finds
in an apps.py, and an imported base would be a second.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, ClassVar

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from socialapp.deployment import app_label_for_service, enabled_services

DEFAULT_GRAPHQL_VIEW = "socialapp.graphql.views.LimitedGraphQLView"


class ServiceAppConfig(AppConfig):
    """Base of the five services' app configs."""

    service: ClassVar[str]
    # Modules of the app imported at start-up: their @event_handler functions register.
    handler_modules: ClassVar[tuple[str, ...]] = ("events",)
    # The view serving this service's GraphQL endpoint (the union uses the most specific one).
    graphql_view: ClassVar[str] = DEFAULT_GRAPHQL_VIEW
    # ASGI middleware factories wrapping the HTTP application while this service is served.
    asgi_http_middleware: ClassVar[tuple[str, ...]] = ()
    # Paths whose request bodies this app limits itself (socialapp/body_limits.py leaves them
    # alone): uploads larger than DATA_UPLOAD_MAX_MEMORY_SIZE. `/prefix/*` covers a prefix.
    own_body_limit_paths: ClassVar[tuple[str, ...]] = ()
    # Port declarations this service answers (socialapp.ports), served on its internal route.
    ports: ClassVar[tuple[str, ...]] = ()
    # Port declarations of other services this one asks (checked at start-up: socialapp/production.py).
    uses_ports: ClassVar[tuple[str, ...]] = ()
    # Mutations too costly to run twice in one request (password hashing, uploads).
    costly_mutations: ClassVar[tuple[str, ...]] = ()
    # Mutation name -> the write budget it spends (socialapp/ratelimits.py, WRITE_RATE_LIMITS).
    rate_limited_mutations: ClassVar[dict[str, str]] = {}

    def ready(self) -> None:
        for module in self.handler_modules:
            import_module(f"{self.name}.{module}")


def service_config(service: str) -> ServiceAppConfig:
    config = apps.get_app_config(app_label_for_service(service))
    if not isinstance(config, ServiceAppConfig):
        raise ImproperlyConfigured(f"the app of service {service!r} must use a ServiceAppConfig")
    return config


def enabled_service_configs() -> list[ServiceAppConfig]:
    return [service_config(service) for service in enabled_services()]


def graphql_view_for(services: list[str]) -> Any:
    """The view class for an endpoint serving `services`: the one that subclasses all the others
    they declare (media's multipart view extends the plain one)."""
    views = list(dict.fromkeys(import_string(service_config(service).graphql_view) for service in services))
    if not views:
        return import_string(DEFAULT_GRAPHQL_VIEW)
    for view in views:
        if all(issubclass(view, other) for other in views):
            return view
    raise ImproperlyConfigured(f"the GraphQL views of {services} do not extend one another: {views}")


def asgi_http_middleware() -> list[Any]:
    """The enabled services' ASGI middleware factories, outermost last."""
    return [import_string(path) for config in enabled_service_configs() for path in config.asgi_http_middleware]


def served_port_declarations() -> list[Any]:
    return [import_string(path) for config in enabled_service_configs() for path in config.ports]


def used_port_declarations() -> list[Any]:
    return [import_string(path) for config in enabled_service_configs() for path in config.uses_ports]
