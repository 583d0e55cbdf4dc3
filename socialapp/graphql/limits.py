"""What a GraphQL operation may cost, measured before it is validated or run.

Validation's rules grow faster than linearly with the fields of a query (same-named fields are
compared pairwise), and execution with its aliases and page sizes, so an abusive query is
refused by counting first: its length, its tokens (while parsing), its fields and aliases, and
a cost that weighs every field by the pages around it (`first`/`last`). A mutation operation
runs a few root fields at most, and the costly ones (registration, login, uploads: declared by
their apps) once. Each limit is a setting; a refusal is a GraphQL error with a stable code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_operation_ast,
    parse,
)
from graphql.error import GraphQLSyntaxError

from socialapp.service_app import ServiceAppConfig

PAGE_ARGUMENTS = ("first", "last")


@dataclass(frozen=True)
class GraphQLLimits:
    max_query_length: int
    max_tokens: int
    max_fields: int
    max_aliases: int
    max_cost: int
    max_root_mutations: int
    default_page_size: int
    once_per_request: frozenset[str]

    @classmethod
    def from_settings(cls) -> GraphQLLimits:
        return cls(
            max_query_length=settings.GRAPHQL_MAX_QUERY_LENGTH,
            max_tokens=settings.GRAPHQL_MAX_TOKENS,
            max_fields=settings.GRAPHQL_MAX_FIELDS,
            max_aliases=settings.GRAPHQL_MAX_ALIASES,
            max_cost=settings.GRAPHQL_MAX_COST,
            max_root_mutations=settings.GRAPHQL_MAX_ROOT_MUTATIONS,
            default_page_size=settings.GRAPHQL_DEFAULT_PAGE_SIZE,
            once_per_request=_costly_mutations(),
        )


@cache
def _costly_mutations() -> frozenset[str]:
    return frozenset(
        name
        for config in apps.get_app_configs()
        if isinstance(config, ServiceAppConfig)
        for name in config.costly_mutations
    )


class QueryRefusedError(GraphQLError):
    """An operation over a limit: answered at once with `extensions.code`, never run."""

    def __init__(self, code: str, message: str, *, limit: int, measured: int) -> None:
        super().__init__(message, extensions={"code": code, "limit": limit, "measured": measured})


def parse_within_limits(query: str, limits: GraphQLLimits) -> DocumentNode:
    """The parsed document, or QueryRefusedError when its text, tokens, fields or aliases are
    over the limits (a syntax error raises graphql-core's GraphQLSyntaxError)."""
    if len(query) > limits.max_query_length:
        raise QueryRefusedError(
            "query_too_large",
            f"The query is {len(query)} characters long; at most {limits.max_query_length} are accepted.",
            limit=limits.max_query_length,
            measured=len(query),
        )
    try:
        document = parse(query, max_lexical_tokens=limits.max_tokens)
    except GraphQLSyntaxError as error:
        if "tokens" in error.message and "more than" in error.message:
            raise QueryRefusedError(
                "query_too_complex",
                f"The query has more than {limits.max_tokens} tokens.",
                limit=limits.max_tokens,
                measured=limits.max_tokens + 1,
            ) from None
        raise
    fields = list(_fields_of(document))
    if len(fields) > limits.max_fields:
        raise QueryRefusedError(
            "query_too_complex",
            f"The query selects {len(fields)} fields; at most {limits.max_fields} are accepted.",
            limit=limits.max_fields,
            measured=len(fields),
        )
    aliases = sum(1 for field in fields if field.alias is not None)
    if aliases > limits.max_aliases:
        raise QueryRefusedError(
            "query_too_complex",
            f"The query uses {aliases} aliases; at most {limits.max_aliases} are accepted.",
            limit=limits.max_aliases,
            measured=aliases,
        )
    return document


def _fields_of(document: DocumentNode) -> Iterator[FieldNode]:
    """Every field selection written in the document (a fragment's once, however often spread)."""
    stack: list[SelectionSetNode] = [
        definition.selection_set
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                stack.append(selection.selection_set)


def check_operation(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None, limits: GraphQLLimits
) -> None:
    """Refuse the operation to run if its cost (or its mutations) is over the limits."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return  # no such operation: execution answers that
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    walk = _CostWalk(fragments, variables if isinstance(variables, Mapping) else {}, limits.default_page_size)
    if operation.operation == OperationType.MUTATION:
        _check_mutations(list(walk.root_fields(operation.selection_set)), limits)
    cost = walk.cost(operation.selection_set)
    if cost > limits.max_cost:
        raise QueryRefusedError(
            "query_too_expensive",
            f"The query would cost {cost} (each field weighed by the pages around it); at most "
            f"{limits.max_cost} is accepted. Ask for smaller pages or fewer fields.",
            limit=limits.max_cost,
            measured=cost,
        )


def _check_mutations(roots: list[str], limits: GraphQLLimits) -> None:
    if len(roots) > limits.max_root_mutations:
        raise QueryRefusedError(
            "too_many_mutations",
            f"One request runs at most {limits.max_root_mutations} mutations; this one has {len(roots)}.",
            limit=limits.max_root_mutations,
            measured=len(roots),
        )
    for name in sorted(limits.once_per_request):
        count = roots.count(name)
        if count > 1:
            raise QueryRefusedError(
                "mutation_repeated",
                f"`{name}` runs at most once per request; this one asks {count} times.",
                limit=1,
                measured=count,
            )


class _CostWalk:
    """Sums 1 per field, times the page sizes of the list fields around it. Fragment cycles
    (invalid; validation reports them) are cut rather than followed."""

    def __init__(
        self, fragments: dict[str, FragmentDefinitionNode], variables: Mapping[str, Any], default_page: int
    ) -> None:
        self.fragments = fragments
        self.variables = variables
        self.default_page = default_page

    def root_fields(self, selection_set: SelectionSetNode, seen: frozenset[str] = frozenset()) -> Iterator[str]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection.name.value
            elif isinstance(selection, InlineFragmentNode):
                yield from self.root_fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and fragment.name.value not in seen:
                    yield from self.root_fields(fragment.selection_set, seen | {fragment.name.value})

    def cost(self, selection_set: SelectionSetNode, seen: frozenset[str] = frozenset()) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                inner = self.cost(selection.selection_set, seen) if selection.selection_set else 0
                total += 1 + self._page_size(selection) * inner
            elif isinstance(selection, InlineFragmentNode):
                total += self.cost(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and fragment.name.value not in seen:
                    total += self.cost(fragment.selection_set, seen | {fragment.name.value})
        return total

    def _page_size(self, field: FieldNode) -> int:
        """The page a list field asks for (`first`/`last`); 1 for fields that take no page."""
        arguments = {argument.name.value: argument.value for argument in field.arguments or ()}
        if not any(name in arguments for name in PAGE_ARGUMENTS):
            return self.default_page if _is_connection(field) else 1
        for name in PAGE_ARGUMENTS:
            value = arguments.get(name)
            if isinstance(value, IntValueNode):
                return max(1, int(value.value))
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    return max(1, given)
                return self.default_page
        return 1


def _is_connection(field: FieldNode) -> bool:
    """A page asked for without `first` gets the default page: known by its `edges`."""
    return field.selection_set is not None and any(
        isinstance(selection, FieldNode) and selection.name.value == "edges"
        for selection in field.selection_set.selections
    )
