"""What a port is: an abstract class whose methods take keyword arguments of JSON-able types.

The type hints are the wire format: arguments and results cross the HTTP adapter through
pydantic type adapters built from them, so a declaration needs no serialiser of its own.
"""

from __future__ import annotations

import abc
import inspect
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from pydantic import TypeAdapter, ValidationError

from socialapp.errors import DomainError


class PortUnavailableError(DomainError):
    """The service behind a port did not answer (the HTTP adapter's transport failed)."""

    http_status = 503

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"The {service} service did not answer: {reason}", code=f"{service}_unavailable")


class Port(abc.ABC):
    """Base of every port declaration.

    `service` names the service that answers it; `implementation` is the dotted path of the
    class that answers in process (in the serving app, never in its door).
    """

    service: ClassVar[str]
    implementation: ClassVar[str]

    # The declaration a concrete adapter stands for (set on the declaration itself).
    declaration: ClassVar[type[Port]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "service" in cls.__dict__:  # a declaration, not an adapter of one
            cls.declaration = cls


@dataclass(frozen=True)
class PortMethod:
    """One question of a port: its name, its parameters' adapters and its result's."""

    name: str
    parameters: dict[str, TypeAdapter[Any]]
    defaults: dict[str, Any]
    result: TypeAdapter[Any]

    def dump_arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {name: self.parameters[name].dump_python(value, mode="json") for name, value in arguments.items()}

    def load_arguments(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Validated keyword arguments, or `InvalidArgumentError` naming the first one that is not."""
        unknown = set(payload) - set(self.parameters)
        if unknown:
            raise InvalidArgumentError(None, f"unknown arguments: {', '.join(sorted(unknown))}")
        missing = set(self.parameters) - set(payload) - set(self.defaults)
        if missing:
            raise InvalidArgumentError(None, f"missing arguments: {', '.join(sorted(missing))}")
        arguments = {}
        for name, value in payload.items():
            try:
                arguments[name] = self.parameters[name].validate_python(value)
            except ValidationError as error:
                first = error.errors(include_input=False, include_url=False)[0]
                field = ".".join(str(part) for part in (name, *first["loc"]))
                raise InvalidArgumentError(field, str(first["msg"])) from None
        return arguments


class InvalidArgumentError(ValueError):
    """A call's arguments do not fit the declaration (the HTTP route answers 400 with `field`)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


@cache
def port_methods(declaration: type[Port]) -> dict[str, PortMethod]:
    """The declaration's abstract methods, with adapters built from their type hints."""
    methods: dict[str, PortMethod] = {}
    for name in sorted(declaration.__abstractmethods__):
        function = getattr(declaration, name)
        hints = typing.get_type_hints(function)
        signature = inspect.signature(function)
        parameters = [p for p in signature.parameters.values() if p.name != "self"]
        if any(p.kind is not inspect.Parameter.KEYWORD_ONLY for p in parameters):
            raise TypeError(f"{declaration.__name__}.{name}: a port method takes keyword-only arguments")
        methods[name] = PortMethod(
            name=name,
            parameters={p.name: _adapter(hints[p.name]) for p in parameters},
            defaults={p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty},
            result=_adapter(hints["return"]),
        )
    return methods
