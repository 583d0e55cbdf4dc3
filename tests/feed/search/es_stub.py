"""A recording Elasticsearch node: the real client (and elasticsearch-dsl) over a transport
whose one node records each HTTP request and answers with the response the test queued.

No Elasticsearch server can run on the test machines, so the adapter is tested up to the
exact requests it sends; tests/feed/search/test_elastic.py runs it live when
`ELASTICSEARCH_URL` is set.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node import NodeApiResponse
from elasticsearch import Elasticsearch


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    # JSON bodies decoded; NDJSON (bulk) as the list of its lines decoded; None without a body.
    body: Any


@dataclass
class RecordingServer:
    requests: list[Request] = field(default_factory=list)
    responses: deque[tuple[int, Any]] = field(default_factory=deque)

    def reply(self, status: int, body: Any = None) -> None:
        self.responses.append((status, {} if body is None else body))

    def client(self) -> Elasticsearch:
        server = self

        class Node(RecordingNode):
            recorder = server

        return Elasticsearch("http://search.invalid:9200", node_class=Node, max_retries=0)

    def take(self) -> list[Request]:
        """The requests sent since the last take; every queued response must have been used."""
        assert not self.responses, f"responses never asked for: {list(self.responses)}"
        taken, self.requests = self.requests, []
        return taken


class RecordingNode(BaseNode):
    recorder: RecordingServer

    def perform_request(
        self, method: str, target: str, body: bytes | None = None, headers: Any = None, request_timeout: Any = None
    ) -> NodeApiResponse:
        self.recorder.requests.append(Request(method, target, _decode(body)))
        if not self.recorder.responses:
            raise AssertionError(f"unexpected request {method} {target}")
        status, payload = self.recorder.responses.popleft()
        meta = ApiResponseMeta(
            status=status,
            http_version="1.1",
            headers=HttpHeaders({"content-type": "application/json", "x-elastic-product": "Elasticsearch"}),
            duration=0.0,
            node=self.config,
        )
        return NodeApiResponse(meta, json.dumps(payload).encode())


def _decode(body: bytes | None) -> Any:
    if body is None:
        return None
    text = body.decode()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line]
