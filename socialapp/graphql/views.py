"""The GraphQL HTTP view with the project's limits."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBadRequest
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView, HttpError
from graphql import specified_rules

from socialapp.errors import DomainError

logger = logging.getLogger(__name__)


def _encodable(value: object) -> bool:
    """Whether every string in a parsed JSON value is valid UTF-8 text."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(item) for item in value)
    return True


class LimitedGraphQLView(GraphQLView):
    """graphene-django's view, refusing queries nested deeper than GRAPHQL_MAX_DEPTH, and
    rendering errors raised in queries with the domain error's code in `extensions`."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data: dict[str, Any] = super().parse_body(request)
        if not _encodable(data):
            # JSON may carry lone surrogates ("\ud800"); no database can store them, so they
            # are refused here, once for every service, instead of failing deep in a resolver.
            raise HttpError(HttpResponseBadRequest("The request contains text that is not valid Unicode."))
        return data

    @staticmethod
    def format_error(error: Exception) -> dict[str, Any]:
        formatted: dict[str, Any] = GraphQLView.format_error(error)
        original = getattr(error, "original_error", None)
        if isinstance(original, DomainError):
            formatted["message"] = original.message
            formatted["extensions"] = {"code": original.code, "field": original.field, **original.details}
        elif original is not None and not settings.DEBUG:
            # A bug, not bad input: log it with the request id, tell the client nothing internal.
            logger.error("unhandled error in a GraphQL resolver", exc_info=original)
            formatted["message"] = "Internal error; it has been logged."
            formatted["extensions"] = {"code": "internal_error"}
        return formatted

    def __init__(self, **kwargs: Any) -> None:
        # graphene-django replaces graphql's standard rules with these, so keep them first.
        kwargs.setdefault(
            "validation_rules",
            (*specified_rules, depth_limit_validator(max_depth=settings.GRAPHQL_MAX_DEPTH)),
        )
        kwargs.setdefault("graphiql", settings.GRAPHIQL)
        super().__init__(**kwargs)
