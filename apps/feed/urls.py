"""REST and WebSocket routes of the feed service (GraphQL is mounted by socialapp.urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
websocket_urlpatterns: list[URLPattern] = []
