from django.urls import URLPattern, path

from tests.eventing_app.consumers import EchoConsumer, WhoAmIConsumer
from tests.eventing_app.views import PokeView, WhoAmIView

urlpatterns: list[URLPattern] = [
    path("api/eventtests/whoami", WhoAmIView.as_view()),
    path("api/eventtests/poke", PokeView.as_view()),
]
websocket_urlpatterns: list[URLPattern] = [
    path("ws/echo/", EchoConsumer.as_asgi()),
    path("ws/whoami/", WhoAmIConsumer.as_asgi()),
]
