"""REST endpoints of the auth service: the conventions simplejwt users expect, and the JWKS."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.auth.services import TokenPair, token_refresh, user_login
from socialapp.authn.keys import key_ring
from socialapp.authn.viewer import verify_access_token
from socialapp.http import client_address
from socialapp.openapi import RETRY_AFTER, error_response


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The public keys that verify access tokens (what Istio's RequestAuthentication fetches)."""
    response = JsonResponse(key_ring().jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


def _pair_body(pair: TokenPair) -> dict[str, Any]:
    return {"access": pair.access, "refresh": pair.refresh, "access_expires_at": pair.access_expires_at.isoformat()}


class TokenPairSerializer(serializers.Serializer[Any]):
    """The answer of obtain and refresh (documents _pair_body for the OpenAPI document)."""

    access = serializers.CharField()
    refresh = serializers.CharField()
    access_expires_at = serializers.DateTimeField()


class _PublicView(APIView):
    authentication_classes: list[type] = []  # a stale Authorization header must not block logging in
    permission_classes = [AllowAny]


class TokenObtainSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(help_text="Username or email address.", max_length=254)
    password = serializers.CharField(max_length=1024, trim_whitespace=False)


class TokenObtainView(_PublicView):
    """POST {username, password} -> {access, refresh}."""

    @extend_schema(
        request=TokenObtainSerializer,
        responses={
            200: TokenPairSerializer,
            401: error_response("Wrong username, email or password (`invalid_credentials`)."),
            429: error_response("Too many failed logins for this account or from this address; see Retry-After."),
        },
        parameters=[RETRY_AFTER],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = user_login(
            login=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
            client_address=client_address(request._request),
        )
        return Response(_pair_body(pair))


class TokenRefreshSerializer(serializers.Serializer[Any]):
    refresh = serializers.CharField(max_length=4096)


class TokenRefreshView(_PublicView):
    """POST {refresh} -> {access, refresh}: the refresh token rotates."""

    @extend_schema(
        request=TokenRefreshSerializer,
        responses={
            200: TokenPairSerializer,
            401: error_response("The refresh token is malformed, expired, revoked or already spent."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(_pair_body(token_refresh(refresh=serializer.validated_data["refresh"])))


class TokenVerifySerializer(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=4096)


class TokenVerifyView(_PublicView):
    """POST {token} -> 200 {} if the access token is valid now, 401 with the reason otherwise."""

    @extend_schema(
        request=TokenVerifySerializer,
        responses={
            200: OpenApiTypes.OBJECT,
            401: error_response("The access token is malformed, expired or revoked (the reason is the code)."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TokenVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        verify_access_token(serializer.validated_data["token"])
        return Response({})
