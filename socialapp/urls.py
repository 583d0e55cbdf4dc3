"""URL map: health and metrics, then each enabled service's GraphQL schema, REST routes and ports."""

from __future__ import annotations

from importlib import import_module

from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView

from socialapp import health, web_client
from socialapp.deployment import enabled_services, service_module
from socialapp.graphql.schema import build_schema, service_schemas
from socialapp.ports.endpoint import port_urlpatterns
from socialapp.service_app import graphql_view_for, served_port_declarations

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="openapi-schema"),
    path(
        "graphql/",
        csrf_exempt(graphql_view_for(enabled_services()).as_view(schema=build_schema(enabled_services()))),
        name="graphql",
    ),
    *port_urlpatterns(served_port_declarations()),
]

for _service, _schema in service_schemas().items():
    urlpatterns.append(
        path(
            f"graphql/{_service}/",
            csrf_exempt(graphql_view_for([_service]).as_view(schema=_schema)),
            name=f"graphql-{_service}",
        )
    )
    _rest = import_module(service_module(_service, "urls"))
    if getattr(_rest, "urlpatterns", None):
        urlpatterns.append(path("", include(_rest)))

# Last: every other path is a route of the web client (index.html), except the server's own prefixes.
urlpatterns.append(re_path(web_client.CLIENT_ROUTE_PATTERN, web_client.index_view, name="web-client"))
