"""GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec):
files as variables of a mutation, here `uploadImage(file: Upload!)`.

A multipart/form-data POST carries `operations` (the usual JSON body with the file variables
set to null), then `map` (which file part goes to which variable path, e.g.
`{"0": ["variables.file"]}`), then the file parts. The view puts each received file at its
paths and executes the operation as if it had come as JSON.

Files are received by `apps.media.uploads` (size-limited, hashed, one per request). A file cut
off at the limit is replaced by `OVERSIZED`, so the mutation can answer with its typed error.

CSRF: a multipart POST is a "simple" cross-site request, but every mutation here needs the
`Authorization: Bearer` header, which a cross-site form cannot send.
"""

from __future__ import annotations

import json
from typing import Any

import graphene
from django.http import HttpRequest, HttpResponseBadRequest
from graphene_django.views import HttpError
from graphql import GraphQLError, NamedTypeNode, OperationDefinitionNode, parse

from apps.media.uploads import UploadOutcome, limit_uploads
from socialapp.graphql.views import LimitedGraphQLView


class _Oversized:
    """The value of an Upload variable whose file passed the size limit."""

    def __repr__(self) -> str:
        return "OVERSIZED"


OVERSIZED = _Oversized()
_OUTCOME_ATTRIBUTE = "_media_upload_outcome"


class Upload(graphene.Scalar):
    """A file sent as a part of a multipart request (GraphQL multipart request spec)."""

    @staticmethod
    def serialize(value: Any) -> None:
        return None

    @staticmethod
    def parse_literal(node: Any, _variables: Any = None) -> None:
        return None  # files come as variables, never inline

    @staticmethod
    def parse_value(value: Any) -> Any:
        return value


class MultipartGraphQLView(LimitedGraphQLView):
    """LimitedGraphQLView that also accepts GraphQL multipart requests."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if _is_multipart(request):
            # Before anything (the CSRF check of ensure_csrf_cookie) reads request.POST.
            setattr(request, _OUTCOME_ATTRIBUTE, limit_uploads(request))
        return super().dispatch(request, *args, **kwargs)

    def parse_body(self, request: HttpRequest) -> Any:
        if not _is_multipart(request):
            return super().parse_body(request)
        outcome: UploadOutcome = getattr(request, _OUTCOME_ATTRIBUTE)
        return operations_with_files(request, outcome)


def _is_multipart(request: HttpRequest) -> bool:
    return request.method == "POST" and request.content_type == "multipart/form-data"


def _bad_request(message: str) -> HttpError:
    return HttpError(HttpResponseBadRequest(message))


def operations_with_files(request: HttpRequest, outcome: UploadOutcome) -> dict[str, Any]:
    """The `operations` object with each mapped file set at its variable paths."""
    try:
        operations = json.loads(request.POST.get("operations", ""))
        file_map = json.loads(request.POST.get("map", "{}"))
    except ValueError:
        raise _bad_request("`operations` and `map` must be JSON (GraphQL multipart request).") from None
    if not isinstance(operations, dict):
        raise _bad_request("`operations` must be one operation object; batches are not served.")
    if not isinstance(file_map, dict) or not all(
        isinstance(paths, list) and all(isinstance(p, str) for p in paths) for paths in file_map.values()
    ):
        raise _bad_request('`map` must be an object of path lists, e.g. {"0": ["variables.file"]}.')
    if outcome.files > 1 or len(file_map) > 1:
        raise _bad_request("Send one file per request.")
    upload_variables = _upload_variables(operations.get("query"))
    for key, paths in file_map.items():
        if key == outcome.oversized_field:
            value: Any = OVERSIZED
        elif key in request.FILES:
            value = request.FILES[key]
        else:
            raise _bad_request(f"The map names the file part {key!r}, which the request does not carry.")
        for path in paths:
            _check_upload_variable(path, upload_variables)
            _place(operations, path, value)
    return operations


def _upload_variables(query: Any) -> set[str] | None:
    """The operation's variables declared as `Upload` (None when the query does not parse: the
    GraphQL view answers that)."""
    if not isinstance(query, str):
        return None
    try:
        document = parse(query)
    except GraphQLError:
        return None
    names: set[str] = set()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                type_node: Any = variable.type
                while not isinstance(type_node, NamedTypeNode):
                    type_node = type_node.type  # through NonNull and List
                if type_node.name.value == "Upload":
                    names.add(variable.variable.name.value)
    return names


def _check_upload_variable(path: str, upload_variables: set[str] | None) -> None:
    """A file may only fill a variable of type `Upload`: anywhere else it is no value GraphQL knows."""
    parts = path.split(".")
    if upload_variables is not None and len(parts) >= 2 and parts[1] not in upload_variables:
        raise _bad_request(f"A file can only fill a variable of type Upload; {path[:100]!r} is not one.")


def _place(operations: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    if parts[0] != "variables" or len(parts) < 2:
        raise _bad_request(f"A file can only be a variable; {path!r} is not a variables path.")
    target: Any = operations
    for part in parts[:-1]:
        target = _step(target, part, path)
    last = parts[-1]
    if isinstance(target, list) and last.isdigit() and int(last) < len(target):
        target[int(last)] = value
    elif isinstance(target, dict):
        target[last] = value
    else:
        raise _bad_request(f"The map path {path!r} does not exist in the operation.")


def _step(target: Any, part: str, path: str) -> Any:
    if isinstance(target, dict) and isinstance(target.get(part), dict | list):
        return target[part]
    if isinstance(target, list) and part.isdigit() and int(part) < len(target):
        return target[int(part)]
    raise _bad_request(f"The map path {path!r} does not exist in the operation.")
