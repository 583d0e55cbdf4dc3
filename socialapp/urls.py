"""URL map: health and metrics, then each enabled service's GraphQL schema and REST routes."""

from __future__ import annotations

from importlib import import_module

from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.csrf import csrf_exempt

from socialapp import health
from socialapp.graphql.schema import build_schema, service_schemas
from socialapp.graphql.views import LimitedGraphQLView
from socialapp.services import enabled_services, service_module


def _view_for(service: str) -> type[LimitedGraphQLView]:
    """Endpoints that carry `uploadImage` also accept GraphQL multipart requests (file uploads)."""
    if service in ("all", "media") and "media" in enabled_services():
        from apps.media.graphql.multipart import MultipartGraphQLView

        return MultipartGraphQLView
    return LimitedGraphQLView


urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("graphql/", csrf_exempt(_view_for("all").as_view(schema=build_schema(enabled_services()))), name="graphql"),
]

for _service, _schema in service_schemas().items():
    urlpatterns.append(
        path(
            f"graphql/{_service}/",
            csrf_exempt(_view_for(_service).as_view(schema=_schema)),
            name=f"graphql-{_service}",
        )
    )
    _rest = import_module(service_module(_service, "urls"))
    if getattr(_rest, "urlpatterns", None):
        urlpatterns.append(path("", include(_rest)))
