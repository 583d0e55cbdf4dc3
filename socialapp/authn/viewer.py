"""Who is making this request: verified locally from the access token, for HTTP and WebSocket."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from django.http import HttpRequest
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken

from socialapp.authn.revocation import is_revoked
from socialapp.authn.tokens import decode_verified
from socialapp.errors import NotAuthenticatedError


@dataclass(frozen=True)
class Viewer:
    """The authenticated user of a request, as the access token says."""

    user_id: uuid.UUID
    username: str
    jti: str
    expires_at: int

    is_authenticated = True  # lets DRF and Django code treat it as a user


def verify_access_token(raw: str) -> Viewer:
    """Verify signature, expiry, issuer, type and revocation. Raises NotAuthenticatedError."""
    try:
        claims = decode_verified(raw)
    except TokenBackendExpiredToken:
        raise NotAuthenticatedError("The access token has expired; refresh it.", code="token_expired") from None
    except TokenBackendError as error:
        raise NotAuthenticatedError(f"The access token is not valid: {error}", code="token_invalid") from None
    if claims.get("token_type") != "access":
        raise NotAuthenticatedError("This is not an access token.", code="token_invalid")
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise NotAuthenticatedError("The access token names no valid user.", code="token_invalid") from None
    if is_revoked(str(claims["jti"])):
        raise NotAuthenticatedError("The access token has been revoked.", code="token_revoked")
    return Viewer(
        user_id=user_id, username=str(claims.get("username", "")), jti=str(claims["jti"]), expires_at=int(claims["exp"])
    )


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticatedError("Send the token as `Authorization: Bearer <token>`.", code="token_invalid")
    return token.strip()


_CACHE_ATTRIBUTE = "_socialapp_viewer"


def viewer_from_request(request: HttpRequest | Request) -> Viewer | None:
    """The viewer, None for an anonymous request; a bad token is an error, never anonymous."""
    django_request: Any = getattr(request, "_request", request)
    if hasattr(django_request, _CACHE_ATTRIBUTE):
        cached: Viewer | None = getattr(django_request, _CACHE_ATTRIBUTE)
        return cached
    token = bearer_token(django_request.headers.get("Authorization"))
    viewer = verify_access_token(token) if token else None
    setattr(django_request, _CACHE_ATTRIBUTE, viewer)
    return viewer


def require_viewer(request: HttpRequest | Request) -> Viewer:
    viewer = viewer_from_request(request)
    if viewer is None:
        raise NotAuthenticatedError("Log in first: this needs an access token.", code="not_authenticated")
    return viewer


class ViewerAuthentication(BaseAuthentication):
    """DRF authentication: `request.user` is the Viewer."""

    def authenticate(self, request: Request) -> tuple[Viewer, str] | None:
        viewer = viewer_from_request(request)
        return (viewer, viewer.jti) if viewer else None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="socialapp"'


class WebSocketViewerMiddleware:
    """Channels middleware: puts `viewer` (or `auth_error`) in the scope.

    Browsers cannot set headers on WebSocket requests, so the token comes as the
    `access_token` query parameter (wss:// keeps it encrypted), as the subprotocol after
    `bearer` (`new WebSocket(url, ["bearer", token])`: kept out of URLs and access logs;
    the consumer echoes `bearer`), or an Authorization header.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        token = parse_qs(scope.get("query_string", b"").decode()).get("access_token", [None])[0]
        if token is None:
            token = subprotocol_token(scope.get("subprotocols") or [])
        if token is None:
            headers = dict(scope.get("headers", []))
            authorization = headers.get(b"authorization")
            token = authorization.decode().partition(" ")[2] if authorization else None
        scope = {**scope, "viewer": None, "auth_error": None}
        if token:
            try:
                scope["viewer"] = await sync_to_async(verify_access_token)(token)
            except NotAuthenticatedError as error:
                scope["auth_error"] = error
        return await self.inner(scope, receive, send)


BEARER_SUBPROTOCOL = "bearer"


def subprotocol_token(subprotocols: list[str]) -> str | None:
    """The token offered as the subprotocol following `bearer`, if any."""
    if BEARER_SUBPROTOCOL in subprotocols:
        index = subprotocols.index(BEARER_SUBPROTOCOL)
        if index + 1 < len(subprotocols):
            return subprotocols[index + 1]
    return None
