"""REST and WebSocket routes of the media service (GraphQL is mounted by socialapp.urls)."""

from django.urls import URLPattern, path, re_path

from apps.media import views

urlpatterns: list[URLPattern] = [
    path("api/media/images", views.ImageUploadView.as_view(), name="media-upload"),
    re_path(r"^media/(?P<name>images/[^?#]+)$", views.serve_local_media, name="media-file"),
]
websocket_urlpatterns: list[URLPattern] = []
