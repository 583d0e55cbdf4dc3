"""Write rate limits: per account and per client address, counted in the shared cache.

Each app declares which of its mutations spend which budget (`ServiceAppConfig.rate_limited_mutations`,
e.g. `{"createPost": "writes"}`) and REST views name theirs (`write_rate_limit_scope`); the
budgets are settings (`WRITE_RATE_LIMITS`, in the spirit of Mastodon's published limits: 300
writes per 5 minutes per account, 30 media per 30 minutes). django-ratelimit counts them in the
cache every pod shares (Redis; the local-memory cache in the embedded default). A refused write
is refused before its service runs, so it writes nothing, and it says when to retry.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from socialapp.authn.viewer import viewer_from_request
from socialapp.errors import RateLimitedError
from socialapp.http import client_address
from socialapp.service_app import ServiceAppConfig

_RETRY_AFTER_ATTRIBUTE = "_socialapp_retry_after"


@cache
def mutation_scopes() -> dict[str, str]:
    """GraphQL mutation field name -> the budget it spends, as the apps declare them."""
    scopes: dict[str, str] = {}
    for config in apps.get_app_configs():
        if isinstance(config, ServiceAppConfig):
            scopes.update(config.rate_limited_mutations)
    return scopes


def check_write_allowed(request: HttpRequest, *, scope: str, viewer_id: uuid.UUID | None) -> None:
    """Count this write against its scope's budgets; RateLimitedError once one is spent."""
    budgets: dict[str, str] = settings.WRITE_RATE_LIMITS[scope]
    address = client_address(request)
    for who, rate in budgets.items():
        if who == "account" and viewer_id is None:
            continue
        value = str(viewer_id) if who == "account" else address
        usage = get_usage(
            request, group=f"writes:{scope}:{who}", key=lambda _group, _request, v=value: v, rate=rate, increment=True
        )
        if usage is not None and usage["should_limit"]:
            retry_after = max(int(usage["time_left"]), 1)
            _remember_retry_after(request, retry_after)
            subject = "this account" if who == "account" else "your address"
            raise RateLimitedError(
                f"Too many {scope} from {subject}; try again in {retry_after} seconds.", retry_after=retry_after
            )


def check_mutation_allowed(request: HttpRequest, field_name: str) -> None:
    """The rate limit of one GraphQL mutation, if its app declared one."""
    scope = mutation_scopes().get(field_name)
    if scope is not None:
        viewer = viewer_from_request(request)
        check_write_allowed(request, scope=scope, viewer_id=viewer.user_id if viewer else None)


def _remember_retry_after(request: HttpRequest, seconds: int) -> None:
    """The GraphQL view answers `Retry-After` when a mutation of the request was refused."""
    setattr(request, _RETRY_AFTER_ATTRIBUTE, max(seconds, getattr(request, _RETRY_AFTER_ATTRIBUTE, 0)))


def retry_after_of(request: HttpRequest) -> int | None:
    seconds: int | None = getattr(request, _RETRY_AFTER_ATTRIBUTE, None)
    return seconds


class WriteRateLimitThrottle(BaseThrottle):
    """DRF: views that set `write_rate_limit_scope` spend that budget on unsafe methods (429 with
    Retry-After when spent)."""

    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        scope: str | None = getattr(view, "write_rate_limit_scope", None)
        if scope is None or request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        viewer = viewer_from_request(request)
        try:
            check_write_allowed(request._request, scope=scope, viewer_id=viewer.user_id if viewer else None)
        except RateLimitedError as refused:
            self._wait = int(refused.details["retry_after"])
            return False
        return True

    def wait(self) -> float | None:
        return self._wait
