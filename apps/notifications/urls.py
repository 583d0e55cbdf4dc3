"""REST and WebSocket routes of the notifications service (GraphQL is mounted by socialapp.urls)."""

from django.urls import URLPattern, path

from apps.notifications.live.consumer import NotificationsConsumer

urlpatterns: list[URLPattern] = []
websocket_urlpatterns: list[URLPattern] = [
    path("ws/notifications/", NotificationsConsumer.as_asgi(), name="notifications-socket"),
]
