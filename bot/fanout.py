"""Room broadcasts without a task per recipient, and without waiting on Redis.

python-socketio's manager sends a room message by creating one asyncio task per connection and waiting
for all of them: a bot reply to a 2,000-viewer room is 2,000 tasks on the event loop. Each send only
puts the encoded packet on that connection's outgoing queue, which never waits, so the managers here
do the same puts in a plain loop. Emits that ask for a callback keep the library's path.

With Redis, python-socketio delivers a message to this process's viewers and then awaits its publish
to the others, with no time limit: a Redis host that stops answering (frozen, or cut off) held every
comment of the room at its reply. Here the copy for the other processes goes through a queue written
by one task, in order; a publish gets PUBLISH_TIMEOUT_S, and a message that waited PUBLISH_MAX_AGE_S
is dropped (a chat line that late is noise).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet

YIELD_EVERY = 200  # recipients in a row before other events get a turn
OUTAGE_LINE_EVERY_S = 60.0  # while Redis is away, how often its "cannot publish" error is logged
PUBLISH_TIMEOUT_S = 1.0  # a publish slower than this counts as Redis being away
PUBLISH_MAX_AGE_S = 5.0  # a message for the other processes that waited longer is dropped
PUBLISH_QUEUE = 10_000  # messages waiting for Redis at most (the oldest go first)


class _OutageLines(logging.Filter):
    """python-socketio logs two errors for every emit that cannot reach Redis: a room at 200 comments
    a second writes hundreds of lines a second during an outage. One line a minute says the same."""

    def __init__(self) -> None:
        super().__init__()
        self._last = -OUTAGE_LINE_EVERY_S
        self._held = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Cannot publish to redis"):
            return True
        now = time.monotonic()
        if now - self._last < OUTAGE_LINE_EVERY_S:
            self._held += 1
            return False
        if self._held:
            record.msg = f"{record.msg} ({self._held} more such errors in the last minute)"
        self._last, self._held = now, 0
        return True


class FanoutManager(socketio.AsyncManager):
    """The in-process manager (one server process)."""

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None or namespace not in self.rooms:
            return await super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs
            )
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = self.server.packet_class(packet.EVENT, namespace=namespace, data=[event, *args]).encode()
        parts = encoded if isinstance(encoded, list) else [encoded]
        frames = [eio_packet.Packet(eio_packet.MESSAGE, part) for part in parts]
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        for n, (sid, eio_sid) in enumerate(list(self.get_participants(namespace, to or room)), 1):
            if sid in skip:
                continue
            for frame in frames:
                await self.server._send_eio_packet(eio_sid, frame)
            if n % YIELD_EVERY == 0:  # a big room: let other events in between
                await asyncio.sleep(0)


class FanoutRedisManager(socketio.AsyncRedisManager, FanoutManager):
    """Several processes over Redis: messages from the cluster reach local viewers through
    FanoutManager.emit (it sits under the pub/sub manager in the method order).

    A message for one viewer connected to this process (a card, an answer to the asker alone) is sent
    directly: python-socketio would publish it to every process, and each would decode it only to find
    the viewer is not theirs."""

    def initialize(self) -> None:
        super().initialize()
        self._get_logger().addFilter(_OutageLines())
        self._pending: deque[tuple[float, Any]] = deque(maxlen=PUBLISH_QUEUE)
        self._wake = asyncio.Event()
        self._publisher: asyncio.Task[None] | None = None

    async def _publish(self, data: Any) -> None:
        """Queue the message for the other processes; the publisher task sends it."""
        self._pending.append((time.monotonic(), data))
        self._wake.set()
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.create_task(self._publish_pending())

    async def _publish_pending(self) -> None:
        pending = self._pending
        while True:
            await self._wake.wait()
            self._wake.clear()
            stale = 0
            while pending:
                queued_at, data = pending.popleft()
                if time.monotonic() - queued_at > PUBLISH_MAX_AGE_S:
                    stale += 1
                    continue
                try:
                    await asyncio.wait_for(super()._publish(data), PUBLISH_TIMEOUT_S)
                except TimeoutError:
                    self.connected = False  # the next message tries a fresh connection
                    self._get_logger().error(
                        "Cannot publish to redis: no answer within %.1f s", PUBLISH_TIMEOUT_S
                    )
            if stale:
                self._get_logger().error(
                    "Cannot publish to redis: %d messages for the other processes were too old to send",
                    stale,
                )

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None = None,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        target, namespace = to or room, namespace or "/"
        if callback is None and isinstance(target, str) and self.is_connected(target, namespace):
            return await FanoutManager.emit(self, event, data, namespace, room=target, skip_sid=skip_sid)
        return await super().emit(
            event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs
        )
