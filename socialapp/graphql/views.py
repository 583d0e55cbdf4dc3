"""The GraphQL HTTP view with the project's limits."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView
from graphql import specified_rules

from socialapp.errors import DomainError

logger = logging.getLogger(__name__)


class LimitedGraphQLView(GraphQLView):
    """graphene-django's view, refusing queries nested deeper than GRAPHQL_MAX_DEPTH, and
    rendering errors raised in queries with the domain error's code in `extensions`."""

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
