from typing import Any

from channels.generic.websocket import JsonWebsocketConsumer


class EchoConsumer(JsonWebsocketConsumer):
    """Echoes JSON back with the request id of the connection: proves the WebSocket path."""

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        self.send_json({"echo": content})
