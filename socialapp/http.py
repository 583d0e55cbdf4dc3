"""Small HTTP facts every service needs."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The caller's IP address. Behind N trusted proxies (Istio's ingress gateway counts as
    one), it is the N-th address from the right of X-Forwarded-For; never the left-most,
    which any client can forge."""
    hops: int = settings.TRUSTED_PROXY_HOPS
    if hops > 0:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(request.META.get("REMOTE_ADDR", "unknown"))
