"""What a server refuses to start with once DEBUG is off: settings that are safe only on a laptop.

Checked when a server process loads its application (socialapp/server_process.py), so a pod
with a development key or no JWT keys crash-loops with the reason in its log instead of serving.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from socialapp.deployment import enabled_services
from socialapp.ports.resolution import adapter_choice
from socialapp.service_app import used_port_declarations


def unsafe_production_settings() -> list[str]:
    """Why these settings must not serve the public (empty when they may, or in DEBUG)."""
    if settings.DEBUG:
        return []
    reasons: list[str] = []
    if settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY:
        reasons.append("SECRET_KEY is the embedded development key")
    if settings.JWT_GENERATE_KEYS:
        reasons.append("JWT_GENERATE_KEYS is on: signing keys must be provisioned, never made on the fly")
    directory = settings.JWT_KEYS_DIR
    public_keys = list(directory.glob("*.pub.pem")) if directory.is_dir() else []
    if not public_keys:
        reasons.append(f"JWT_KEYS_DIR ({directory}) holds no public key: no access token could be verified")
    elif "auth" in enabled_services() and not list(directory.glob("*.key.pem")):
        reasons.append(f"JWT_KEYS_DIR ({directory}) holds no private key: the auth service could sign nothing")
    return reasons


def ports_without_token() -> list[str]:
    """The ports this process asks over HTTP while INTERNAL_TOKEN is empty: their calls would all
    be refused, so the process must not start (whatever DEBUG says)."""
    if settings.INTERNAL_TOKEN:
        return []
    return [
        declaration.__name__
        for declaration in used_port_declarations()
        if adapter_choice(declaration.service) == "http"
    ]


def refuse_unsafe_production() -> None:
    reasons = unsafe_production_settings()
    if reasons:
        raise ImproperlyConfigured("Refusing to serve with DEBUG off: " + "; ".join(reasons) + ".")
    tokenless = ports_without_token()
    if tokenless:
        raise ImproperlyConfigured(
            f"Refusing to serve: {', '.join(tokenless)} would be asked over HTTP without INTERNAL_TOKEN."
        )
