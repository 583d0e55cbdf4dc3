"""REST routes of the auth service (GraphQL is mounted by socialapp.urls)."""

from django.urls import URLPattern, path

from apps.auth import views

urlpatterns: list[URLPattern] = [
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("api/token/", views.TokenObtainView.as_view(), name="token-obtain"),
    path("api/token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("api/token/verify/", views.TokenVerifyView.as_view(), name="token-verify"),
]
websocket_urlpatterns: list[URLPattern] = []
