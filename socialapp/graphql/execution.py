"""GraphQL execution that reuses what it made of an unchanging object.

A page of posts repeats the same small object shapes: each image's attachment is ~25 fields
(ids, sizes, three renditions' URLs), each executed by graphql-core at a few microseconds. When
the object is immutable and kept between requests (the media service hands out the same view
while the media is unchanged), the completed JSON of the same selection can be reused.

A graphene type opts in by declaring `memo_context(info)`: what else than the object its
fields depend on (a request's origin, say), or None to complete as usual. Then

    class MediaAttachmentType(graphene.ObjectType):
        @staticmethod
        def memo_context(info): return origin_of(info.context)

and the view executes with `MemoizingExecutionContext`. In a list of such objects (a post's
`media`), what was completed of each is kept on the object itself (so it lives and dies with
it), per selection (the field nodes of the validated document, which the view keeps between
requests) and context; a single object field (an avatar) is completed as usual.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from graphql import (
    ExecutionContext,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.pyutils import Path

# The attribute a memoized object carries its completions in (set past a frozen dataclass's
# __setattr__: it is no field, so equality, repr and serialisation ignore it).
MEMO_ATTRIBUTE = "_graphql_completed"
# Completions kept per object: one per distinct selection and context (query texts x hosts).
MEMO_MAX_PER_OBJECT = 16


class MemoizingExecutionContext(ExecutionContext):
    """graphql-core's execution, reusing the completed values of a list of objects whose type
    declares `memo_context` when the same objects are completed again for the same selection.

    The hook is the list, not each object: overriding `complete_object_value`, on the path of
    every object of a page, made every field slower (measured: a page of 765 fields 2x slower,
    one without images 20%), while a page has a few dozen lists."""

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_nodes: list[FieldNode],
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
    ) -> Any:
        item_type = return_type.of_type
        if isinstance(item_type, GraphQLNonNull):
            item_type = item_type.of_type
        context_of = getattr(getattr(item_type, "graphene_type", None), "memo_context", None)
        if context_of is None or type(result) is not list or not result:
            return super().complete_list_value(return_type, field_nodes, info, path, result)
        context = context_of(info)
        if context is None:
            return super().complete_list_value(return_type, field_nodes, info, path, result)
        # The entry keeps its field nodes alive, so their ids cannot be taken by other nodes.
        key = (getattr(item_type, "name", ""), context, *map(id, field_nodes))
        # Read and set as an attribute, never through `__dict__`: making CPython build an
        # object's dict slows every later attribute read of it.
        kept = [getattr(item, MEMO_ATTRIBUTE, {}).get(key) for item in result]
        if all(one is not None for one in kept):
            return [one[1] for one in kept if one is not None]
        errors_before = len(self.collected_errors.errors)
        completed = super().complete_list_value(return_type, field_nodes, info, path, result)
        if (
            type(completed) is not list
            or len(completed) != len(result)
            or len(self.collected_errors.errors) != errors_before
            or not _same_for_every_request_kept(field_nodes, self.fragments)
        ):
            return completed
        nodes = tuple(field_nodes)
        for item, value in zip(result, completed, strict=True):
            if item is None or self.is_awaitable(value):
                continue
            memo: dict[Hashable, tuple[tuple[FieldNode, ...], Any]] | None = getattr(item, MEMO_ATTRIBUTE, None)
            if memo is None:
                memo = {}
                try:
                    object.__setattr__(item, MEMO_ATTRIBUTE, memo)  # past a frozen dataclass's guard
                except (AttributeError, TypeError):  # an object without attributes of its own
                    continue
            elif len(memo) >= MEMO_MAX_PER_OBJECT:
                memo.clear()
            memo[key] = (nodes, value)
        return completed


# What `_same_for_every_request` answered, by the ids of the field nodes (kept alive beside it).
_static_selections: dict[tuple[int, ...], tuple[tuple[FieldNode, ...], bool]] = {}
STATIC_SELECTIONS_MAX = 1024


def _same_for_every_request_kept(field_nodes: list[FieldNode], fragments: dict[str, FragmentDefinitionNode]) -> bool:
    key = tuple(map(id, field_nodes))
    known = _static_selections.get(key)
    if known is not None:
        return known[1]
    answer = _same_for_every_request(field_nodes, fragments)
    if len(_static_selections) >= STATIC_SELECTIONS_MAX:
        _static_selections.clear()
    _static_selections[key] = (tuple(field_nodes), answer)
    return answer


def _same_for_every_request(field_nodes: list[FieldNode], fragments: dict[str, FragmentDefinitionNode]) -> bool:
    """Whether the selection below these nodes is fixed by the document alone: no directive
    (`@include(if: $x)` depends on variables) and no field argument anywhere in it."""
    stack: list[SelectionSetNode] = []
    for node in field_nodes:
        if node.selection_set is not None:
            stack.append(node.selection_set)
    seen: set[str] = set()
    while stack:
        for selection in stack.pop().selections:
            if selection.directives:
                return False
            if isinstance(selection, FieldNode):
                if selection.arguments:
                    return False
                if selection.selection_set is not None:
                    stack.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = fragments.get(selection.name.value)
                if fragment is None or fragment.directives:
                    return False
                stack.append(fragment.selection_set)
    return True
