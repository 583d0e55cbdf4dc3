"""The serving side of the HTTP adapter: `POST /internal/ports/<Port>/<method>` with the
keyword arguments as JSON, answered `{"result": ...}` by the in-process implementation.

Served only when `INTERNAL_TOKEN` is set (so never in the single-process default), and only
for the ports of the services this process serves; every call must carry the token.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from socialapp.errors import (
    DomainError,
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
    PermissionDeniedError,
)
from socialapp.ports.declaration import InvalidArgumentError, Port, PortMethod, port_methods
from socialapp.ports.resolution import local_adapter


def _check_token(request: HttpRequest) -> None:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not given:
        raise NotAuthenticatedError("This internal endpoint needs the service token.")
    if scheme.lower() != "bearer" or not constant_time_compare(given.strip(), settings.INTERNAL_TOKEN):
        raise PermissionDeniedError("The service token is not valid.")


def _arguments(spec: PortMethod, body: bytes) -> dict[str, Any]:
    try:
        payload: Any = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise InvalidInputError("The body must be a JSON object of keyword arguments.", code="invalid_json")
    try:
        return spec.load_arguments(payload)
    except InvalidArgumentError as error:
        raise InvalidInputError(error.message, field=error.field, code="invalid_argument") from None


def _call(declarations: dict[str, type[Port]], request: HttpRequest, port: str, method: str) -> Any:
    if not settings.INTERNAL_TOKEN:
        raise NotFoundError("No such port method here.")  # never served without a token
    _check_token(request)
    declaration = declarations.get(port)
    spec = port_methods(declaration).get(method) if declaration else None
    if declaration is None or spec is None:
        raise NotFoundError("No such port method here.")
    arguments = _arguments(spec, request.body)
    try:
        result = getattr(local_adapter(declaration), method)(**arguments)
    except ValueError as error:  # the implementation's own argument checks, as in process
        raise InvalidInputError(str(error), code="invalid_argument") from None
    return spec.result.dump_python(result, mode="json")


def port_urlpatterns(declarations: list[type[Port]]) -> list[URLPattern]:
    """The internal route serving `declarations`; without INTERNAL_TOKEN it answers 404."""
    if not declarations:
        return []
    by_name = {declaration.__name__: declaration for declaration in declarations}

    @csrf_exempt
    def answer(request: HttpRequest, port: str, method: str) -> JsonResponse:
        if request.method != "POST":
            return JsonResponse(
                {"errors": [{"field": None, "code": "method_not_allowed", "message": "POST only."}]}, status=405
            )
        try:
            return JsonResponse({"result": _call(by_name, request, port, method)})
        except DomainError as error:
            return JsonResponse({"errors": [error.as_dict()]}, status=error.http_status)

    return [path("internal/ports/<str:port>/<str:method>", answer, name="internal-port")]
