"""The GraphQL HTTP view with the project's limits, and what it remembers between requests.

Clients send the same few query texts again and again, so a query's parsed and validated
document is kept (`_validated_document`, an LRU per schema, rules and text) and each request
only executes it (the figures: ADR 0009, amendment).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from graphene.validation import depth_limit_validator
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
    validate_schema,
)
from graphql.pyutils import is_awaitable as graphql_is_awaitable
from graphql.validation import NoSchemaIntrospectionCustomRule

from socialapp.errors import DomainError, shortened
from socialapp.graphql.execution import MemoizingExecutionContext
from socialapp.graphql.limits import GraphQLLimits, check_operation, parse_within_limits
from socialapp.ratelimits import retry_after_of

logger = logging.getLogger(__name__)

# Distinct query texts remembered per process (a client's queries are a handful each), and
# the longest remembered: a document's AST is many times its text, so big ones are not kept.
DOCUMENT_CACHE_SIZE = 512
DOCUMENT_CACHE_MAX_QUERY_LENGTH = 8_000


class _InvalidDocumentError(Exception):
    """A query that does not validate: its errors are answered, the document is not remembered."""

    def __init__(self, document: DocumentNode, errors: list[GraphQLError]) -> None:
        super().__init__("invalid document")
        self.document = document
        self.errors = errors


@lru_cache(maxsize=DOCUMENT_CACHE_SIZE)
def _validated_document(
    schema: GraphQLSchema, rules: tuple[type[ASTValidationRule], ...], limits: GraphQLLimits, query: str
) -> DocumentNode:
    """The parsed document of a query within the limits that validates (a refusal or a syntax
    error raises GraphQLError, a validation failure _InvalidDocumentError; none is remembered).
    Execution does not change a document, so one can serve every request that sends this text."""
    document = parse_within_limits(query, limits)
    errors = validate(schema, document, rules, graphene_settings.MAX_VALIDATION_ERRORS)
    if errors:
        raise _InvalidDocumentError(document, errors)
    return document


@lru_cache(maxsize=8)
def _default_rules(max_depth: int, introspection: bool) -> tuple[type[ASTValidationRule], ...]:
    # One rule set per setting, so the document cache can key on it (depth_limit_validator
    # makes a new class on every call).
    rules = (*specified_rules, depth_limit_validator(max_depth=max_depth))
    return rules if introspection else (*rules, NoSchemaIntrospectionCustomRule)


_NEVER_AWAITABLE: frozenset[type] = frozenset({str, int, float, bool, type(None), list, tuple, dict})


def _is_awaitable(value: Any) -> bool:
    """graphql-core's check (asked twice per field), with a shortcut for plain values."""
    if type(value) in _NEVER_AWAITABLE:
        return False
    return graphql_is_awaitable(value)


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


# `method_decorator` keeps the decorated function as `__wrapped__` (functools.update_wrapper).
_UNDECORATED_DISPATCH: Any = GraphQLView.dispatch.__wrapped__


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
        # graphql-core's own messages quote the offending value (a 2 MB variable, say).
        formatted["message"] = shortened(str(formatted.get("message", "")))
        original = getattr(error, "original_error", None)
        if isinstance(original, DomainError):
            formatted["message"] = original.message
            formatted["extensions"] = {"code": original.code, "field": original.field, **original.details}
        elif original is not None and not settings.DEBUG:
            # A bug, not bad input: log it with the request id, tell the client nothing internal.
            logger.error("unhandled error in a GraphQL resolver", exc_info=original)
            formatted["message"] = "Internal error; it has been logged."
            formatted["extensions"] = {"code": "internal_error"}
        elif original is None and not formatted.get("path") and "code" not in (formatted.get("extensions") or {}):
            # A request refused before it ran (syntax, validation, variables, a body that is no
            # request) carries a code as well, so a client tells every error by its code (ADR 0017).
            code = "syntax_error" if isinstance(error, GraphQLSyntaxError) else "invalid_request"
            formatted["extensions"] = {**(formatted.get("extensions") or {}), "code": code}
        return formatted

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Without graphene-django's `ensure_csrf_cookie`: the API authenticates with bearer
        # tokens, so the cookie protected nothing and cost throughput (ADR 0009, amendment).
        response: HttpResponse = _UNDECORATED_DISPATCH(self, request, *args, **kwargs)
        retry_after = retry_after_of(request)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def __init__(self, **kwargs: Any) -> None:
        # graphene-django replaces graphql's standard rules with these, so keep them first.
        kwargs.setdefault(
            "validation_rules", _default_rules(settings.GRAPHQL_MAX_DEPTH, settings.GRAPHQL_INTROSPECTION)
        )
        kwargs.setdefault("graphiql", settings.GRAPHIQL)
        kwargs.setdefault("execution_context_class", MemoizingExecutionContext)
        super().__init__(**kwargs)

    def execute_graphql_request(  # noqa: PLR0917 - graphene-django's signature
        self,
        request: HttpRequest,
        data: dict[str, Any],
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        """graphene-django's, with the parsed and validated document remembered per query text.

        (Its ATOMIC_MUTATIONS branch is left out: it is off here, settings.GRAPHENE, and would
        name the empty "default" database; each mutation's service owns its transaction.)
        """
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        schema: GraphQLSchema = self.schema.graphql_schema
        schema_errors = validate_schema(schema)  # remembered by graphql-core after the first call
        if schema_errors:
            return ExecutionResult(data=None, errors=list(schema_errors))
        document, errors = self._document(schema, query, operation_name, variables)
        if self._refuse_get_mutation(request, document, operation_name, show_graphiql):
            return None
        if errors:
            return ExecutionResult(data=None, errors=errors)
        assert document is not None
        try:
            return execute(  # type: ignore[return-value]
                schema,
                document,
                root_value=self.get_root_value(request),
                context_value=self.get_context(request),
                variable_values=variables,
                operation_name=operation_name,
                middleware=self.get_middleware(request),
                execution_context_class=self.execution_context_class,
                is_awaitable=_is_awaitable,
            )
        except Exception as error:  # noqa: BLE001 - as graphene-django: answered as an error
            return ExecutionResult(errors=[error])  # type: ignore[list-item]

    def _document(
        self, schema: GraphQLSchema, query: Any, operation_name: str | None, variables: dict[str, Any] | None
    ) -> tuple[DocumentNode | None, list[Any]]:
        """The validated document within the limits, or what is wrong with the query (and its
        document if it parses)."""
        limits = GraphQLLimits.from_settings()
        try:
            if not isinstance(query, str):
                return parse(query), []  # raises graphql-core's own error for it
            if len(query) > DOCUMENT_CACHE_MAX_QUERY_LENGTH:
                document = _validated_document.__wrapped__(schema, self._rules(), limits, query)
            else:
                document = _validated_document(schema, self._rules(), limits, query)
            check_operation(document, operation_name, variables, limits)
            return document, []
        except _InvalidDocumentError as invalid:
            return invalid.document, invalid.errors
        except Exception as error:  # noqa: BLE001 - as graphene-django: a syntax error, a query that is no string
            return None, [error]

    def _rules(self) -> tuple[type[ASTValidationRule], ...]:
        rules: Collection[type[ASTValidationRule]] | None = self.validation_rules
        return tuple(rules) if rules is not None else tuple(specified_rules)

    @staticmethod
    def _refuse_get_mutation(
        request: HttpRequest, document: DocumentNode | None, operation_name: str | None, show_graphiql: bool
    ) -> bool:
        """True when GraphiQL should render instead; raises 405 for a non-query sent by GET."""
        operation = None if document is None else get_operation_ast(document, operation_name)
        if (
            (request.method or "").lower() == "get"
            and operation is not None
            and (operation.operation != OperationType.QUERY)
        ):
            if show_graphiql:
                return True
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"], f"Can only perform a {operation.operation.value} operation from a POST request."
                )
            )
        return False
