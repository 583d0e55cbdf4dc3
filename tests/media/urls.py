"""socialapp.urls with the GraphQL endpoints that carry uploadImage served by the multipart view,
as socialapp will mount them (see the media report)."""

from django.urls import URLPattern, URLResolver, path
from django.views.decorators.csrf import csrf_exempt

from apps.media.graphql.multipart import MultipartGraphQLView
from socialapp.graphql.schema import build_schema
from socialapp.services import enabled_services
from socialapp.urls import urlpatterns as socialapp_urlpatterns

urlpatterns: list[URLPattern | URLResolver] = [
    path("graphql/", csrf_exempt(MultipartGraphQLView.as_view(schema=build_schema(enabled_services())))),
    path("graphql/media/", csrf_exempt(MultipartGraphQLView.as_view(schema=build_schema(["media"])))),
    *socialapp_urlpatterns,
]
