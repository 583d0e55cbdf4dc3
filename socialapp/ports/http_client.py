"""The HTTP adapter of any port: each question is a POST to the serving service's internal endpoint.

One pooled `httpx.Client` per base URL and process. Ports only read, so a transport failure or
a 5xx is asked once more before it becomes `PortUnavailableError`.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from typing import Any, TypeVar

import httpx

from socialapp.ports.declaration import Port, PortMethod, PortUnavailableError, port_methods

logger = logging.getLogger(__name__)

P = TypeVar("P", bound=Port)

ATTEMPTS = 2
_clients: dict[tuple[str, float], httpx.Client] = {}
_clients_lock = threading.Lock()


def endpoint_path(declaration: type[Port], method: str) -> str:
    return f"/internal/ports/{declaration.__name__}/{method}"


def _client(base_url: str, timeout: float) -> httpx.Client:
    key = (base_url, timeout)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = httpx.Client(base_url=base_url, timeout=timeout)
        return client


class PortTransport:
    """Posts one question and returns the JSON `result`, or raises what the caller can act on."""

    def __init__(self, *, service: str, base_url: str, token: str, timeout: float) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def call(self, path: str, payload: dict[str, Any]) -> Any:
        client = _client(self.base_url, self.timeout)
        failure = ""
        for _attempt in range(ATTEMPTS):
            try:
                response = client.post(path, json=payload, headers=self._headers)
            except httpx.HTTPError as error:
                failure = repr(error)
                continue
            if response.status_code == 200:
                return response.json()["result"]
            if response.status_code == 400:
                raise ValueError(_first_message(response))  # the caller's mistake, as in process
            failure = f"HTTP {response.status_code} from {path}"
            if response.status_code < 500:
                break  # refused (token, route): asking again will not help
        logger.warning("port call failed", extra={"service": self.service, "path": path, "error": failure})
        raise PortUnavailableError(self.service, failure)


def _first_message(response: httpx.Response) -> str:
    try:
        return str(response.json()["errors"][0]["message"])
    except (ValueError, KeyError, IndexError, TypeError):
        return f"HTTP 400 from {response.request.url.path}"


def _remote(declaration: type[Port], method: PortMethod) -> Any:
    path = endpoint_path(declaration, method.name)

    def ask(self: _HttpAdapter, **arguments: Any) -> Any:
        payload = method.dump_arguments({**method.defaults, **arguments})
        return method.result.validate_python(self.transport.call(path, payload))

    ask.__name__ = method.name
    return ask


class _HttpAdapter(Port):
    transport: PortTransport


@cache
def _adapter_class(declaration: type[Port]) -> type[_HttpAdapter]:
    methods = {name: _remote(declaration, method) for name, method in port_methods(declaration).items()}
    return type(f"Http{declaration.__name__}", (declaration, _HttpAdapter), methods)


def http_adapter(declaration: type[P], *, base_url: str, token: str, timeout: float) -> P:
    adapter = _adapter_class(declaration)()
    adapter.transport = PortTransport(service=declaration.service, base_url=base_url, token=token, timeout=timeout)
    return adapter  # type: ignore[return-value]  # the class made above subclasses the declaration
