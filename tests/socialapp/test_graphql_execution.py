"""socialapp.graphql.execution: a list of immutable objects completed again for the same selection
and context gives the same JSON without running their fields again; anything that could change
the answer (another selection, context, variables in directives, an error) completes as usual."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import graphene
from graphql import DocumentNode, ExecutionResult, execute, parse

from socialapp.graphql.execution import MEMO_ATTRIBUTE, MemoizingExecutionContext

calls: list[str] = []


@dataclass(frozen=True)
class Picture:
    name: str
    width: int
    broken: bool = False


class PictureSize(graphene.ObjectType):
    width = graphene.Int(required=True)
    doubled = graphene.Int(required=True)

    @staticmethod
    def resolve_width(root: Picture, info: graphene.ResolveInfo) -> int:
        calls.append(f"width {root.name}")
        return root.width

    @staticmethod
    def resolve_doubled(root: Picture, info: graphene.ResolveInfo) -> int:
        return root.width * 2


class PictureType(graphene.ObjectType):
    name = graphene.String(required=True)
    url = graphene.String()
    size = graphene.Field(PictureSize, required=True)

    @staticmethod
    def memo_context(info: graphene.ResolveInfo) -> str:
        return str(info.context.host)

    @staticmethod
    def resolve_name(root: Picture, info: graphene.ResolveInfo) -> str:
        calls.append(f"name {root.name}")
        return root.name

    @staticmethod
    def resolve_url(root: Picture, info: graphene.ResolveInfo) -> str:
        if root.broken:
            raise ValueError("no URL for a broken picture")
        return f"https://{info.context.host}/{root.name}"

    @staticmethod
    def resolve_size(root: Picture, info: graphene.ResolveInfo) -> Picture:
        return root


class PlainType(graphene.ObjectType):
    """The same fields, no memo_context: always completed (a list of them too)."""

    name = graphene.String(required=True)

    @staticmethod
    def resolve_name(root: Picture, info: graphene.ResolveInfo) -> str:
        calls.append(f"plain {root.name}")
        return root.name


CAT = Picture(name="cat", width=320)
BROKEN = Picture(name="broken", width=10, broken=True)


class Query(graphene.ObjectType):
    pictures = graphene.List(graphene.NonNull(PictureType), required=True)
    broken = graphene.List(PictureType)
    plain = graphene.List(PlainType, required=True)
    one = graphene.Field(PictureType, required=True)

    @staticmethod
    def resolve_pictures(root: None, info: graphene.ResolveInfo) -> list[Picture]:
        return [CAT, CAT]

    @staticmethod
    def resolve_broken(root: None, info: graphene.ResolveInfo) -> list[Picture]:
        return [BROKEN]

    @staticmethod
    def resolve_plain(root: None, info: graphene.ResolveInfo) -> list[Picture]:
        return [CAT]

    @staticmethod
    def resolve_one(root: None, info: graphene.ResolveInfo) -> Picture:
        return CAT


SCHEMA = graphene.Schema(query=Query).graphql_schema


def run(document: DocumentNode, *, host: str = "a.example", variables: dict[str, Any] | None = None) -> Any:
    result = execute(
        SCHEMA,
        document,
        context_value=SimpleNamespace(host=host),
        variable_values=variables,
        execution_context_class=MemoizingExecutionContext,
    )
    assert isinstance(result, ExecutionResult)
    return result


def setup_function() -> None:
    calls.clear()
    for picture in (CAT, BROKEN):
        if hasattr(picture, MEMO_ATTRIBUTE):
            object.__delattr__(picture, MEMO_ATTRIBUTE)


def test_the_same_object_and_selection_are_completed_once_and_answer_alike() -> None:
    document = parse("{ pictures { name url size { width doubled } } }")

    first = run(document)
    again = run(document)

    expected = {"name": "cat", "url": "https://a.example/cat", "size": {"width": 320, "doubled": 640}}
    assert first.data == again.data == {"pictures": [expected, expected]}
    assert calls == ["name cat", "width cat"] * 2  # the second run reuses both


def test_another_selection_is_completed_for_itself() -> None:
    run(parse("{ pictures { name } }"))

    result = run(parse("{ pictures { name size { width } } }"))

    assert result.data == {"pictures": [{"name": "cat", "size": {"width": 320}}] * 2}
    assert calls == ["name cat", "name cat", "name cat", "width cat", "name cat", "width cat"]


def test_another_context_is_completed_for_itself() -> None:
    document = parse("{ pictures { url } }")

    first = run(document, host="a.example")
    other = run(document, host="b.example")

    assert first.data == {"pictures": [{"url": "https://a.example/cat"}] * 2}
    assert other.data == {"pictures": [{"url": "https://b.example/cat"}] * 2}


def test_a_selection_with_directives_follows_the_variables_every_time() -> None:
    document = parse("query ($full: Boolean!) { pictures { name size @include(if: $full) { width } } }")

    full = run(document, variables={"full": True})
    lean = run(document, variables={"full": False})

    assert full.data == {"pictures": [{"name": "cat", "size": {"width": 320}}] * 2}
    assert lean.data == {"pictures": [{"name": "cat"}] * 2}


def test_a_directive_in_a_fragment_is_seen_too() -> None:
    document = parse(
        "query ($full: Boolean!) { pictures { ...Sized } }"
        " fragment Sized on PictureType { name ...@include(if: $full) { url } }"
    )

    assert run(document, variables={"full": True}).data == {
        "pictures": [{"name": "cat", "url": "https://a.example/cat"}] * 2
    }
    assert run(document, variables={"full": False}).data == {"pictures": [{"name": "cat"}] * 2}


def test_a_completion_with_an_error_is_not_kept() -> None:
    document = parse("{ broken { name url } }")

    first = run(document)
    again = run(document)

    for result in (first, again):
        assert result.data == {"broken": [{"name": "broken", "url": None}]}
        assert [error.message for error in result.errors] == ["no URL for a broken picture"]
    assert calls == ["name broken", "name broken"]


def test_a_single_object_of_a_memoized_type_is_completed_as_usual() -> None:
    document = parse("{ one { name } }")

    run(document)
    run(document)

    assert calls == ["name cat", "name cat"]


def test_a_type_without_memo_context_is_always_completed() -> None:
    document = parse("{ plain { name } }")

    run(document)
    run(document)

    assert calls == ["plain cat", "plain cat"]
