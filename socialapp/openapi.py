"""The REST endpoints' OpenAPI document (drf-spectacular): the bearer scheme and the kernel's refusals.

Every REST error answers `{"errors": [{field, code, message, ...}]}` (socialapp.rest). Some refusals
come from the kernel rather than from a view, so this schema class adds them to every operation
they can reach, and a view documents only its own answers:

- a request body: 400 (a body that does not parse or validate), 413 (socialapp.body_limits refuses
  it by its declared length), 415 (a content type the view does not parse);
- ViewerAuthentication: 401 (a bad or expired bearer token is refused, never taken as anonymous);
- a `write_rate_limit_scope` (socialapp.ratelimits): 429 with `Retry-After`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import Direction, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from socialapp.authn.viewer import ViewerAuthentication

BEARER_SCHEME = "bearerAuth"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ErrorSerializer(serializers.Serializer[Any]):
    """One refusal: which input (None for the request as a whole), a stable code, a human message.
    Some codes add details (a rate limit its `retry_after`, a size limit its `limit`)."""

    field = serializers.CharField(allow_null=True, help_text="The input refused, or null for the whole request.")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`, `rate_limited`.")
    message = serializers.CharField(help_text="A human message (at most 300 characters).")


class ErrorsSerializer(serializers.Serializer[Any]):
    """Every REST error answer."""

    # DRF's metaclass takes declared fields out of the class, so this does not hide `.errors`.
    errors = ErrorSerializer(many=True)  # type: ignore[assignment]


def error_response(description: str) -> OpenApiResponse:
    """An error answer of a view, for `extend_schema(responses=...)`."""
    return OpenApiResponse(ErrorsSerializer, description=description)


RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    description="Seconds until the budget allows another request.",
    response=[429],
)


class ViewerAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # registers it
    """ViewerAuthentication: `Authorization: Bearer <access token>` (an RS256 JWT from /api/token/)."""

    target_class = ViewerAuthentication
    name = BEARER_SCHEME

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from /api/token/ (or the auth service's login mutation).",
        }


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, adding to each operation the refusals the kernel may answer it with."""

    def _kernel_refusals(self) -> dict[int, str]:
        refusals: dict[int, str] = {}
        if self.method in _BODY_METHODS:
            refusals[400] = "The body does not parse or its fields are refused."
            refusals[413] = "The body is larger than the limit (refused by its declared length)."
            refusals[415] = "The body's content type is not one this operation reads."
        if any(isinstance(auth, ViewerAuthentication) for auth in self.view.get_authenticators()):
            refusals[401] = "The bearer token is malformed, expired or revoked (or required and missing)."
        if getattr(self.view, "write_rate_limit_scope", None) and self.method in _BODY_METHODS:
            refusals[429] = "The write budget of the account or the address is spent; see Retry-After."
        return refusals

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for status, description in sorted(self._kernel_refusals().items()):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    error_response(description), str(status), direction=direction
                )
        return responses

    def get_override_parameters(self) -> list[Any]:
        parameters: list[Any] = list(super().get_override_parameters())
        if 429 in self._kernel_refusals() and not any(
            isinstance(parameter, OpenApiParameter) and parameter.name == RETRY_AFTER.name for parameter in parameters
        ):
            parameters.append(RETRY_AFTER)
        return parameters
