"""Several `cohost serve` processes sharing rooms through Redis.

Fan-out of Socket.IO events goes through python-socketio's AsyncRedisManager. The room state that
must agree across processes lives in Redis too and changes are published on one channel:

- the shelf with live price and stock (key `<prefix>:room:<id>:catalog`, kind `catalog`),
- the product on screen (`...:on_screen`, kind `on_screen`: each process pushes cards to its own viewers),
- the streamer's queue (`...:queue`, kinds `queue_add` / `queue_resolve`).

A process starting later takes the live shelf, on-screen product and queue from Redis, not from its
files. Each process answers the comments of its own connections, so every comment is answered once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from domain.catalog import CatalogError, parse_catalog
from handlers.namespace import LiveRoomNamespace
from handlers.rooms import QueueItem, RoomRegistry

logger = logging.getLogger(__name__)

RETRY_S = (0.2, 0.5, 1.0, 2.0)


class RoomSync:
    def __init__(self, url: str, prefix: str, registry: RoomRegistry, namespace: LiveRoomNamespace) -> None:
        # a command on a connection that died with a Redis restart is retried on a fresh one
        self.redis = aioredis.from_url(
            url,
            decode_responses=True,
            retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), retries=5),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
            health_check_interval=5,
        )
        self.prefix = prefix
        self.channel = f"{prefix}:rooms"
        self.registry = registry
        self.namespace = namespace
        self.origin = uuid.uuid4().hex  # this process; its own messages are not applied twice
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    def _key(self, room_id: str, what: str) -> str:
        return f"{self.prefix}:room:{room_id}:{what}"

    async def start(self) -> None:
        """Adopt the live state other processes keep in Redis (or seed it), then listen for changes."""
        self._task = asyncio.create_task(self._listen())
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)
        for room_id, room in list(self.registry.rooms.items()):
            raw = await self.redis.get(self._key(room_id, "catalog"))
            if raw is None:
                await self.redis.set(self._key(room_id, "catalog"), room.catalog.model_dump_json())
            else:
                await self._apply("catalog", room_id, json.loads(raw))
            on_screen = await self.redis.get(self._key(room_id, "on_screen"))
            if on_screen:
                room.on_screen = on_screen
            for item in await self.redis.lrange(self._key(room_id, "queue"), 0, -1):
                room.queue.append(QueueItem(**json.loads(item)))
        self.registry.share = self.share

    async def stop(self) -> None:
        self.registry.share = None
        if self._task is not None:
            self._task.cancel()
        await self.redis.aclose()

    async def share(self, kind: str, room_id: str, payload: dict[str, Any]) -> None:
        """Store the change and tell the other processes. A Redis outage is logged, never raised."""
        try:
            if kind == "catalog":
                await self.redis.set(self._key(room_id, "catalog"), json.dumps(payload, ensure_ascii=False))
            elif kind == "on_screen":
                key = self._key(room_id, "on_screen")
                await (
                    self.redis.set(key, payload["product_id"])
                    if payload["product_id"]
                    else self.redis.delete(key)
                )
            elif kind == "queue_add":
                await self.redis.rpush(self._key(room_id, "queue"), json.dumps(payload, ensure_ascii=False))
            elif kind == "queue_resolve":
                await self._remove_queued(room_id, payload["escalation_id"])
            message = {"origin": self.origin, "kind": kind, "room_id": room_id, "payload": payload}
            await self.redis.publish(self.channel, json.dumps(message, ensure_ascii=False))
        except RedisError:
            logger.exception("could not share %s of room %s through Redis", kind, room_id)

    async def _remove_queued(self, room_id: str, escalation_id: str) -> None:
        key = self._key(room_id, "queue")
        for raw in await self.redis.lrange(key, 0, -1):
            if json.loads(raw).get("escalation_id") == escalation_id:
                await self.redis.lrem(key, 1, raw)

    async def _listen(self) -> None:
        """Apply the other processes' changes; reconnect with back-off when Redis goes away."""
        attempt = 0
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._subscribed.set()
                    attempt = 0
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            await self._on_message(message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as e:
                delay = RETRY_S[min(attempt, len(RETRY_S) - 1)]
                attempt += 1
                logger.warning("room sync lost Redis (%s); retrying in %.1f s", e, delay)
                await asyncio.sleep(delay)

    async def _on_message(self, data: str) -> None:
        try:
            message = json.loads(data)
            if message.get("origin") == self.origin:
                return
            await self._apply(message["kind"], message["room_id"], message["payload"])
        except (ValueError, KeyError, TypeError, CatalogError):
            logger.exception("ignored a malformed room-sync message")

    async def _apply(self, kind: str, room_id: str, payload: dict[str, Any]) -> None:
        room = self.registry.get(room_id)
        if room is None:
            return
        if kind == "catalog":
            catalog = parse_catalog(payload, f"room {room_id} from Redis")
            if catalog != room.catalog:
                await self.registry.replace_catalog(catalog, share=False)
        elif kind == "on_screen":
            await self.namespace.put_on_screen(room, payload.get("product_id"), announce=False)
        elif kind == "queue_add":
            room.queue.append(QueueItem(**payload))
        elif kind == "queue_resolve":
            item = room.queue_item(payload["escalation_id"])
            if item is not None:
                room.queue.remove(item)
