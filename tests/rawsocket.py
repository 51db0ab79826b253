"""A raw Socket.IO v5 client over one websocket, for sending what no ordinary client library sends."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import aiohttp


class RawSocket:
    """Engine.IO 4 / Socket.IO 5 frames by hand: `frame()` sends any text, `call()` an event with an ack."""

    def __init__(self, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.http = http
        self.ws = ws
        self._ids = itertools.count(100)  # ids below 100 are free for frames sent by hand

    @classmethod
    async def open(cls, url: str) -> RawSocket:
        http = aiohttp.ClientSession()
        ws = await http.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket")
        raw = cls(http, ws)
        assert (await raw._next()).startswith("0")  # engine.io open
        await ws.send_str("40")  # connect to the default namespace
        assert (await raw._next()).startswith("40")
        return raw

    async def _next(self, timeout: float = 10) -> str:
        while True:
            msg = await self.ws.receive(timeout=timeout)
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise ConnectionError(f"websocket {msg.type.name}")
            if msg.data == "2":  # engine.io ping
                await self.ws.send_str("3")
                continue
            return msg.data

    async def frame(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(data)

    async def call(self, event: str, data: Any = None, timeout: float = 10) -> Any:
        ack_id = next(self._ids)
        args = [event] if data is None else [event, data]
        await self.ws.send_str(f"42{ack_id}{json.dumps(args)}")
        return await self.ack(ack_id, timeout)

    async def ack(self, ack_id: int, timeout: float = 10) -> Any:
        """The ack of the event sent with `ack_id` (by `call`, or by hand with `frame("42<id>[...]")`)."""
        prefix = f"43{ack_id}["
        async with asyncio.timeout(timeout):
            while True:
                text = await self._next(timeout)
                if text.startswith(prefix):
                    return json.loads(text[len(prefix) - 1 :])[0]

    @property
    def open_(self) -> bool:
        return not self.ws.closed

    async def close(self) -> None:
        await self.ws.close()
        await self.http.close()
