"""The gunicorn worker class of the ASGI Deployments (media, notifications; the image's default).

uvicorn's worker, without WebSocket per-message compression: the notifications socket sends
small JSON frames, and each socket's deflate context cost about 28 KB (63 KB against 35.5 KB
per idle socket at 1,000 sockets: bench/results/notifications.md, ADR 0013).
"""

from __future__ import annotations

from uvicorn.workers import UvicornWorker


class AsgiWorker(UvicornWorker):
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "ws_per_message_deflate": False}
