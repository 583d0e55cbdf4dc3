"""A crowd of notification sockets held by a process of its own, for `notifications_bench.py`.

The sockets whose pushes are not being timed still have to be open (the server pushes to them),
but if the timing process also read their frames, a recipient's push would wait in the bench's
own event loop behind hundreds of other sockets' frames, and the figure would measure the load
generator. Here they live in another process, as the clients of a real server live on other
machines. Plain asyncio and `websockets`; no Django.

Protocol, one JSON object per line: the first line on stdin is `{"url", "tokens"}`; the crowd
answers `{"ready": n}` once every socket has its `hello`. Then `{"wait": post_id}` is answered
`{"post": post_id, "times": [...]}` when every socket has received that post's `home.update`
(`time.perf_counter()` values: CLOCK_MONOTONIC, comparable across the processes of one machine),
and `{"close": true}` closes the sockets and ends the process.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import defaultdict
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin


class Crowd:
    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.home_updates: defaultdict[str, list[float]] = defaultdict(list)
        self.changed = asyncio.Event()

    async def open(self, url: str, tokens: list[str]) -> None:
        ws = url.replace("http://", "ws://") + "/ws/notifications/"

        async def one(token: str) -> None:
            socket = await connect(f"{ws}?access_token={token}", origin=Origin(url), open_timeout=120)
            await socket.recv()  # hello
            self.sockets.append(socket)
            self.readers.append(asyncio.create_task(self.read(socket)))

        for start in range(0, len(tokens), 100):  # in waves: the accept backlog and the handshakes
            await asyncio.gather(*(one(token) for token in tokens[start : start + 100]))

    async def read(self, socket: ClientConnection) -> None:
        async for raw in socket:
            now = time.perf_counter()
            message = json.loads(raw)
            if message.get("type") == "home.update":
                self.home_updates[message["postId"]].append(now)
                self.changed.set()

    async def wait_for(self, post_id: str) -> list[float]:
        while len(self.home_updates[post_id]) < len(self.sockets):
            self.changed.clear()
            await self.changed.wait()
        return self.home_updates.pop(post_id)

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*(socket.close() for socket in self.sockets), return_exceptions=True)


async def serve() -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader(limit=1 << 26)  # the first line carries every token
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)

    def answer(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    config = json.loads(await stdin.readline())
    crowd = Crowd()
    await crowd.open(config["url"], config["tokens"])
    answer({"ready": len(crowd.sockets)})
    while line := await stdin.readline():
        command = json.loads(line)
        if "wait" in command:
            answer({"post": command["wait"], "times": await crowd.wait_for(str(command["wait"]))})
        elif command.get("close"):
            break
    await crowd.close()
    answer({"closed": len(crowd.sockets)})


if __name__ == "__main__":
    asyncio.run(serve())
