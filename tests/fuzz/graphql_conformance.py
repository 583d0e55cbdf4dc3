"""Does a GraphQL answer conform to the schema and to the query it answers? (ADR 0017)

Schemathesis checks GraphQL answers for 5xx only, so this checks, with graphql-core, what the
GraphQL specification (section 7, Response) and the project's conventions promise:

- the shape: a JSON object of `data`, `errors` and `extensions` only, with `data` or `errors`;
  each error a `message` with optional `locations`, `path` and `extensions`;
- graphene-django's statuses: 200 with `data` when the request executed; 400, without `data`,
  when it did not (syntax, validation, variables, the limits of ADR 0018);
- `data` against the query's selection set under the schema, collected as execution collects it
  (fragments, `@skip`/`@include` with the request's variables): exactly the selected response
  keys, each value of its field's type (a non-null field is never null: a failed one nulls its
  parent), scalars and enums of their kind, an abstract type's object that of one of its types;
- error codes: every error carries `extensions.code`, one of the documented set (`internal_error`
  is not: it is a bug).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    is_abstract_type,
    parse,
)
from graphql.execution.collect_fields import collect_fields, collect_sub_fields
from graphql.execution.values import get_variable_values

MAX_INT = 2**31 - 1
MIN_INT = -(2**31)
_TOP_LEVEL_KEYS = frozenset({"data", "errors", "extensions"})
_ERROR_KEYS = frozenset({"message", "locations", "path", "extensions"})
_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def answer_problems(
    schema: GraphQLSchema,
    *,
    query: str,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    status: int,
    body: Any,
    error_codes: Collection[str],
) -> list[str]:
    """What is wrong with this answer to this request (nothing: an empty list)."""
    if not isinstance(body, dict):
        return [f"the answer is not a JSON object: {body!r:.200}"]
    problems = [f"unexpected top-level key {key!r}" for key in body if key not in _TOP_LEVEL_KEYS]
    if "data" not in body and "errors" not in body:
        problems.append("neither `data` nor `errors`")
    if "extensions" in body and not isinstance(body["extensions"], dict):
        problems.append("`extensions` is not an object")
    errors = body.get("errors")
    if errors is not None:
        problems += _errors_problems(errors, error_codes)
    executed = "data" in body
    if executed and status != 200:
        problems.append(f"status {status} for an answer with `data`")
    if not executed and status != 400:
        problems.append(f"status {status} for an answer without `data` (a request error is a 400)")
    if executed:
        data = body["data"]
        if data is None:
            if not errors:
                problems.append("`data` is null without errors")
        else:
            problems += _data_problems(schema, query, variables, operation_name, data)
    return problems


def _errors_problems(errors: Any, error_codes: Collection[str]) -> list[str]:
    if not isinstance(errors, list) or not errors:
        return ["`errors` is not a non-empty list"]
    problems: list[str] = []
    for index, error in enumerate(errors):
        where = f"errors[{index}]"
        if not isinstance(error, dict):
            problems.append(f"{where} is not an object")
            continue
        problems += [f"{where} has an unexpected key {key!r}" for key in error if key not in _ERROR_KEYS]
        if not isinstance(error.get("message"), str):
            problems.append(f"{where} has no string `message`")
        locations = error.get("locations")
        if locations is not None and not (
            isinstance(locations, list)
            and all(
                isinstance(location, dict)
                and set(location) == {"line", "column"}
                and all(_is_int(location[key]) and location[key] >= 1 for key in ("line", "column"))
                for location in locations
            )
        ):
            problems.append(f"{where}.locations is not a list of {{line, column}}")
        path = error.get("path")
        if path is not None and not (
            isinstance(path, list) and all(isinstance(step, str) or _is_int(step) for step in path)
        ):
            problems.append(f"{where}.path is not a list of keys and indexes")
        extensions = error.get("extensions")
        if extensions is not None and not isinstance(extensions, dict):
            problems.append(f"{where}.extensions is not an object")
            continue
        code = (extensions or {}).get("code")
        if code is None:
            problems.append(f"{where} has no extensions.code: {error.get('message')!r:.200}")
        elif code not in error_codes:
            problems.append(f"{where} has an undocumented extensions.code {code!r}: {error.get('message')!r:.200}")
    return problems


def _data_problems(
    schema: GraphQLSchema, query: str, variables: Mapping[str, Any] | None, operation_name: str | None, data: Any
) -> list[str]:
    try:
        document = parse(query)
    except GraphQLError as error:
        return [f"`data` for a query that does not parse: {error.message}"]
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return ["`data` for a request that names no operation of its document"]
    root_type = _root_type(schema, operation)
    if root_type is None:
        return [f"`data` for a {operation.operation.value}, which the schema does not have"]
    coerced = get_variable_values(schema, operation.variable_definitions or (), dict(variables or {}))
    if isinstance(coerced, list):
        return [f"`data` for variables that do not coerce: {coerced[0].message}"]
    checker = _SelectionChecker(
        schema,
        {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        },
        coerced,
    )
    fields = collect_fields(schema, checker.fragments, coerced, root_type, operation.selection_set)
    return checker.object_problems(data, root_type, fields, "data")


def _root_type(schema: GraphQLSchema, operation: OperationDefinitionNode) -> GraphQLObjectType | None:
    if operation.operation == OperationType.QUERY:
        return schema.query_type
    if operation.operation == OperationType.MUTATION:
        return schema.mutation_type
    return schema.subscription_type


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _SelectionChecker:
    """A value of the answer against the field nodes (and so the types) that asked for it."""

    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def object_problems(
        self, value: Any, object_type: GraphQLObjectType, fields: dict[str, list[FieldNode]], path: str
    ) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: a {object_type.name} that is not an object: {value!r:.200}"]
        problems = [f"{path}: key {key!r} was not selected" for key in value if key not in fields]
        for key, nodes in fields.items():
            if key not in value:
                problems.append(f"{path}: selected {key!r} is missing")
                continue
            name = nodes[0].name.value
            if name == "__typename":
                if value[key] != object_type.name:
                    problems.append(f"{path}.{key}: __typename {value[key]!r} is not {object_type.name!r}")
            elif name in _INTROSPECTION_FIELDS:
                continue  # introspection is off in production (ADR 0018); its answers are graphql-core's
            elif name not in object_type.fields:
                problems.append(f"{path}.{key}: {object_type.name} has no field {name!r}")
            else:
                problems += self.value_problems(value[key], object_type.fields[name].type, nodes, f"{path}.{key}")
        return problems

    def value_problems(self, value: Any, type_: GraphQLOutputType, nodes: list[FieldNode], path: str) -> list[str]:
        if isinstance(type_, GraphQLNonNull):
            if value is None:
                return [f"{path}: null for the non-null {type_}"]
            return self.value_problems(value, type_.of_type, nodes, path)
        if value is None:
            return []
        if isinstance(type_, GraphQLList):
            if not isinstance(value, list):
                return [f"{path}: a {type_} that is not a list: {value!r:.200}"]
            return [
                problem
                for index, item in enumerate(value)
                for problem in self.value_problems(item, type_.of_type, nodes, f"{path}[{index}]")
            ]
        return self._named_value_problems(value, type_, nodes, path)

    def _named_value_problems(self, value: Any, type_: Any, nodes: list[FieldNode], path: str) -> list[str]:
        """A non-null value of a scalar, enum, object, interface or union type."""
        if isinstance(type_, GraphQLScalarType):
            return [] if _scalar_conforms(type_, value) else [f"{path}: {value!r:.200} is not a {type_.name}"]
        if isinstance(type_, GraphQLEnumType):
            conforms = isinstance(value, str) and value in type_.values
            return [] if conforms else [f"{path}: {value!r:.200} is not a value of {type_.name}"]
        if isinstance(type_, GraphQLObjectType):
            return self._sub_object_problems(value, type_, nodes, path)
        if is_abstract_type(type_):
            return self._abstract_problems(value, type_, nodes, path)
        return [f"{path}: unexpected output type {type_}"]

    def _sub_object_problems(
        self, value: Any, object_type: GraphQLObjectType, nodes: list[FieldNode], path: str
    ) -> list[str]:
        fields = collect_sub_fields(self.schema, self.fragments, self.variables, object_type, nodes)
        return self.object_problems(value, object_type, fields, path)

    def _abstract_problems(self, value: Any, abstract_type: Any, nodes: list[FieldNode], path: str) -> list[str]:
        """An interface's or union's object conforms when it is that of one of its possible types
        (the one its __typename names, when the query asked for it)."""
        possible = list(self.schema.get_possible_types(abstract_type))
        if isinstance(value, dict) and isinstance(value.get("__typename"), str):
            named = [object_type for object_type in possible if object_type.name == value["__typename"]]
            if not named:
                return [f"{path}: __typename {value['__typename']!r} is not a type of {abstract_type.name}"]
            possible = named
        attempts = [self._sub_object_problems(value, object_type, nodes, path) for object_type in possible]
        if any(not problems for problems in attempts):
            return []
        return [f"{path}: matches no type of {abstract_type.name}", *(attempts[0] if attempts else [])]


def _is_iso_datetime(value: Any) -> bool:
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


# Built-in scalars by their serialized kind, DateTime as graphene serializes it (ISO 8601 text);
# another custom scalar (Upload, an input only) is any JSON value.
_SCALAR_KINDS: dict[str, Callable[[Any], bool]] = {
    "Int": lambda value: _is_int(value) and MIN_INT <= value <= MAX_INT,
    "Float": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "String": lambda value: isinstance(value, str),
    "ID": lambda value: isinstance(value, str),
    "Boolean": lambda value: isinstance(value, bool),
    "DateTime": _is_iso_datetime,
}


def _scalar_conforms(scalar: GraphQLScalarType, value: Any) -> bool:
    return _SCALAR_KINDS.get(scalar.name, lambda _value: True)(value)
