from typing import Any

from channels.generic.websocket import JsonWebsocketConsumer

from socialapp.errors import NotAuthenticatedError


class EchoConsumer(JsonWebsocketConsumer):
    """Echoes JSON back: proves the WebSocket path."""

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        self.send_json({"echo": content})


class WhoAmIConsumer(JsonWebsocketConsumer):
    """Says who the viewer is; refuses anonymous or badly authenticated connections."""

    def connect(self) -> None:
        error = self.scope.get("auth_error")
        if error is not None or self.scope.get("viewer") is None:
            code = error.websocket_close_code if error else NotAuthenticatedError.websocket_close_code
            # Accept then close: a refusal before accepting is a bare HTTP 403 with no reason.
            self.accept()
            self.close(code=code)
            return
        self.accept()
        self.send_json({"username": self.scope["viewer"].username, "code": None})
