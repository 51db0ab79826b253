"""Several `cohost serve` processes sharing rooms through Redis.

Fan-out of Socket.IO events goes through python-socketio's AsyncRedisManager. The room state that
must agree across processes lives in Redis too; changes are published on one channel
(`<prefix>:rooms`), each message applied by every process but its sender:

- the shelf with live price and stock (key `<prefix>:room:<id>:catalog`, kind `catalog`),
- the product on screen (`...:on_screen`, kind `on_screen`: each process pushes cards to its own viewers),
- the streamer's queue (`...:queue`, kinds `queue_add` / `queue_resolve`),
- room replies the bot sent (kind `reply_sent`, no key): every process groups a repeat asked within
  the cooldown and charges the room's reply budget,
- forgotten viewers (kind `forget`; their entries are deleted from the behaviour stream first).

Per viewer, `ViewerLimits` counts the rate limit and flood guard in Redis, and the rate per source
address (keys with a TTL, one round trip per comment and one more for a comment let through; when
Redis does not answer, the process's own counters decide). Every behaviour event the recommender
observes goes on the capped stream `<prefix>:behaviour`, which every process
reads back (`_consume`), so cards are ranked from the same profiles wherever a viewer is connected; a
process starting later replays the stream before it serves.

What a comment changes (a reply sent, a question queued, behaviour) leaves in order through a
background outbox, so a slow or absent Redis never holds up an answer for long. A process starting
later takes the live shelf, on-screen product and queue from Redis, not from its files. Each process
answers the comments of its own connections, so every comment is answered once. What is agreed only
within the few ms a message takes through Redis (two processes answering the same question at once,
say) is listed in docs/deployment.md.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import math
import socket
import time
import uuid
from collections import deque
from collections.abc import Coroutine
from typing import Any

import numpy as np
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from domain.catalog import CatalogError, parse_catalog
from handlers.console import ConsoleSettingsIn
from handlers.hygiene import skeleton
from handlers.namespace import LiveRoomNamespace, ViewerCheck
from handlers.rooms import QueueItem, Room, RoomRegistry

logger = logging.getLogger(__name__)

RETRY_S = (0.2, 0.5, 1.0, 2.0)
# a room's state: one value per room, the newest change wins; a change Redis did not take is sent
# again when Redis is back
STATE_KINDS = frozenset({"catalog", "on_screen", "console"})
# what is shared goes through the outbox, in order. A streamer's change and a queue change are waited
# for OUTBOX_WAIT_S at most (in Redis before the ack while Redis answers; never stalled by an outage);
# a reply sent is not waited for.
OUTBOX_KINDS = frozenset({"reply_sent", "grouped", "queue_add", "queue_resolve", *STATE_KINDS})
WAITED_KINDS = frozenset({"queue_add", "queue_resolve", *STATE_KINDS})
OUTBOX_WAIT_S = 0.5
STREAM_MAXLEN = 100_000  # behaviour events kept in Redis (approximately: XADD MAXLEN ~)
STREAM_BATCH = 1000  # entries read, replayed or written per round trip
OUTBOX_MAX = 50_000  # messages waiting for Redis; beyond, the oldest are dropped
LIMIT_TIMEOUT_S = 0.5  # a limiter check slower than this counts as Redis being away
LIMIT_HOLD_S = 1.0  # after a failed check, counters stay in the process this long
RATE_WINDOW_S = 10  # limits.comments_per_10s


class _Warn:
    """A warning logged at most once per `every_s`: an outage must not flood the log."""

    def __init__(self, every_s: float = 60.0) -> None:
        self.every_s = every_s
        self._last = -math.inf

    def __call__(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last >= self.every_s:
            self._last = now
            logger.warning(message, *args)


async def _back_off(what: str, attempt: int, error: Exception) -> int:
    """Wait before reconnecting to Redis, longer with each failed `attempt` (RETRY_S); the next
    attempt's number."""
    delay = RETRY_S[min(attempt, len(RETRY_S) - 1)]
    logger.warning("%s lost Redis (%s); retrying in %.1f s", what, error, delay)
    await asyncio.sleep(delay)
    return attempt + 1


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class ViewerLimits:
    """Rate limit and flood guard per (room, viewer) counted in Redis: a viewer meets the same limits on
    every process, and after reconnecting to another one.

    Rate: a sliding-window estimate over fixed 10 s windows, count(previous)·(1 − elapsed share) +
    count(current), from INCR + EXPIRE on the current window and GET on the previous one; refused
    comments count too, so a viewer who keeps sending stays refused. Flood: a counter per viewer and
    text skeleton that lives `flood_window_s` from the text's first use. One pipelined round trip per
    comment. Redis away (error or slower than LIMIT_TIMEOUT_S): `check` answers None, the process's own
    counters decide, and Redis is left alone for LIMIT_HOLD_S (fail open, a warning once a minute).
    Keys hold a hash of room and viewer, not the viewer id."""

    def __init__(
        self,
        redis: aioredis.Redis,
        prefix: str,
        per_10s: int,
        flood_repeats: int,
        flood_window_s: float,
        per_address_10s: int | None = None,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.per_10s = per_10s
        self.per_address_10s = per_address_10s  # None: addresses are not counted
        self.flood_repeats = flood_repeats
        self.flood_window_ms = max(1, round(flood_window_s * 1000))
        self._hold_until = 0.0
        self._warn = _Warn()

    async def check(
        self, room_id: str, viewer_id: str, text: str, now: float, address: str | None = None
    ) -> ViewerCheck | None:
        if time.monotonic() < self._hold_until:
            return None
        who = _digest(f"{room_id}\0{viewer_id}")
        window = int(now // RATE_WINDOW_S)
        elapsed = now / RATE_WINDOW_S - window
        current = f"{self.prefix}:rate:{who}:{window}"
        flood = f"{self.prefix}:flood:{who}:{_digest(skeleton(text))}"
        by_address = address is not None and self.per_address_10s is not None
        where = f"{self.prefix}:rate-addr:{_digest(address or '')}"
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.incr(current).expire(current, 2 * RATE_WINDOW_S)
                pipe.get(f"{self.prefix}:rate:{who}:{window - 1}")
                pipe.set(flood, 0, px=self.flood_window_ms, nx=True).incr(flood)
                if by_address:
                    pipe.get(f"{where}:{window}").get(f"{where}:{window - 1}")
                count, _, previous, _, repeats, *seen = await pipe.execute()
            rate_ok = int(previous or 0) * (1.0 - elapsed) + int(count) <= self.per_10s
            if rate_ok and by_address and self.per_address_10s is not None:
                # the address counts only comments its viewer's own rate let through, so one viewer's
                # refused flood does not use up what others behind the same address may send
                here, before = (int(x or 0) for x in seen)
                rate_ok = before * (1.0 - elapsed) + here < self.per_address_10s
                if rate_ok:
                    async with self.redis.pipeline(transaction=False) as pipe:
                        pipe.incr(f"{where}:{window}").expire(f"{where}:{window}", 2 * RATE_WINDOW_S)
                        await pipe.execute()
        except (RedisError, OSError) as e:
            self._hold_until = time.monotonic() + LIMIT_HOLD_S
            self._warn("viewer limits: Redis did not answer (%s); counting in this process meanwhile", e)
            return None
        return ViewerCheck(rate_ok, int(repeats) >= self.flood_repeats)


def behaviour_entry(
    origin: str,
    writer: str,
    room_id: str,
    viewer_id: str,
    event: str,
    product_id: str | None,
    now: float,
    amount: float,
    text_vec: Any,
) -> dict[str, str]:
    """One observed event as stream fields. The comment embedding goes as float16 bytes in base64:
    half the memory of float32 in a 100,000-entry stream, and far below what a cosine can tell."""
    entry = {
        "origin": origin,
        "log": writer,
        "room": room_id,
        "viewer": viewer_id,
        "event": event,
        "at": repr(float(now)),
        "amount": repr(float(amount)),
    }
    if product_id:
        entry["product"] = product_id
    if text_vec is not None:
        vec = np.asarray(text_vec, dtype=np.float16).ravel()
        entry["vec"] = base64.b64encode(vec.tobytes()).decode("ascii")
    return entry


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
        # the comment path's client: one attempt, short timeouts (the limiter fails open instead)
        self.fast = aioredis.from_url(
            url,
            decode_responses=True,
            retry=Retry(NoBackoff(), retries=0),
            socket_timeout=LIMIT_TIMEOUT_S,
            socket_connect_timeout=LIMIT_TIMEOUT_S,
        )
        self.prefix = prefix
        self.channel = f"{prefix}:rooms"
        self.stream = f"{prefix}:behaviour"
        self.registry = registry
        self.namespace = namespace
        self.origin = uuid.uuid4().hex  # this process; its own messages are not applied twice
        # this process's log file: its events are replayed from there at start-up, not from the stream
        self.writer = f"{socket.gethostname()}:{namespace.log.path.resolve()}"
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._subscribed = asyncio.Event()
        self._outbox: deque[tuple[str, Any]] = deque(maxlen=OUTBOX_MAX)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._warn = _Warn()
        # (kind, room_id) of STATE_KINDS -> when the newest change applied here was made
        self._changed_at: dict[tuple[str, str], float] = {}
        # (kind, room_id) -> (payload, at) of changes made here that Redis has not taken yet
        self._unshared: dict[tuple[str, str], tuple[dict[str, Any], float]] = {}

    def _key(self, room_id: str, what: str) -> str:
        return f"{self.prefix}:room:{room_id}:{what}"

    async def start(self) -> None:
        """Adopt the live state other processes keep in Redis (or seed it), replay the shared behaviour,
        then listen for changes and take over the namespace's per-viewer limits."""
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._listen())
        self._spawn(self._drain())
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)
        adopted: list[Room] = []  # rooms whose queue is Redis's
        for room_id, room in list(self.registry.rooms.items()):
            raw = await self.redis.get(self._key(room_id, "catalog"))
            if raw is None:  # the first process of the cluster: its state (restored from its log) seeds Redis
                await self.redis.set(self._key(room_id, "catalog"), room.catalog.model_dump_json())
                for item in room.queue:
                    await self.redis.rpush(self._key(room_id, "queue"), json.dumps(item.as_dict()))
                console = self.namespace.console(room).settings()
                await self.redis.set(self._key(room_id, "console"), json.dumps(console))
                continue
            await self._apply("catalog", room_id, json.loads(raw))
            on_screen = await self.redis.get(self._key(room_id, "on_screen"))
            if on_screen:
                room.on_screen = on_screen
            room.queue.clear()  # the cluster's queue, which others may have answered from meanwhile
            for item in await self.redis.lrange(self._key(room_id, "queue"), 0, -1):
                room.queue.append(QueueItem(**json.loads(item)))
            adopted.append(room)
            console = await self.redis.get(self._key(room_id, "console"))
            if console:
                await self._apply("console", room_id, json.loads(console))
        self.registry.share = self.share
        for room in adopted:  # corrected in this process's log while the room was closed: the guess now
            for item in await self.namespace.restore_corrections(room, time.time()):
                await self.share("queue_resolve", room.room_id, {"escalation_id": item.escalation_id})
                await self.share("queue_add", room.room_id, item.as_dict())
        last_id = await self._replay()
        recommender = self.registry.recommender
        recommender.on_observe = self._observed
        recommender.on_forget = self._forgotten
        self._spawn(self._consume(last_id))
        flow = self.namespace.flow
        self.namespace.limiter = ViewerLimits(
            self.fast,
            self.prefix,
            self.namespace.comments_per_10s,
            flow.settings.flood_repeats,
            flow.settings.flood_window_s,
            self.namespace.limits.comments_per_10s_per_address,
        )

    async def stop(self) -> None:
        self.registry.share = None
        self.namespace.limiter = None
        self.registry.recommender.on_observe = None
        self.registry.recommender.on_forget = None
        for task in [self._task, *self._tasks]:
            if task is not None:
                task.cancel()
        try:  # a graceful stop hands over what is still waiting, briefly
            await asyncio.wait_for(self._flush(), timeout=1.0)
        except TimeoutError:
            logger.warning("stopping: %d shared messages did not reach Redis", len(self._outbox))
        await self.redis.aclose()
        await self.fast.aclose()

    async def share(self, kind: str, room_id: str, payload: dict[str, Any]) -> None:
        """Store the change and tell the other processes (OUTBOX_KINDS: through the outbox)."""
        if kind not in OUTBOX_KINDS:
            await self._share_now(kind, room_id, payload)
            return
        at = time.time()
        if kind in STATE_KINDS:
            self._changed_at[(kind, room_id)] = at
        shared = asyncio.get_running_loop().create_future()
        self._send(("share", (kind, room_id, payload, shared, at)))
        if kind not in WAITED_KINDS:
            return
        try:
            await asyncio.wait_for(asyncio.shield(shared), OUTBOX_WAIT_S)
        except TimeoutError:
            pass  # Redis is slow or away: the outbox keeps it

    async def _share_now(self, kind: str, room_id: str, payload: dict[str, Any], at: float = 0.0) -> None:
        """A Redis outage is logged, never raised; a room state change is kept to send again."""
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
            elif kind == "console":
                await self.redis.set(self._key(room_id, "console"), json.dumps(payload))
            elif kind == "queue_add":
                await self.redis.rpush(self._key(room_id, "queue"), json.dumps(payload, ensure_ascii=False))
            elif kind == "queue_resolve":
                await self._remove_queued(room_id, payload["escalation_id"])
            message = {"origin": self.origin, "kind": kind, "room_id": room_id, "payload": payload, "at": at}
            await self.redis.publish(self.channel, json.dumps(message, ensure_ascii=False))
        except (RedisError, OSError) as e:
            if kind in STATE_KINDS:
                self._unshared[(kind, room_id)] = (payload, at)
                self._warn(
                    "Redis did not take the %s of room %s; sent again when it is back (%s)", kind, room_id, e
                )
            else:
                logger.exception("could not share %s of room %s through Redis", kind, room_id)
            return
        if kind in STATE_KINDS and self._unshared.get((kind, room_id), (None, at))[1] <= at:
            self._unshared.pop((kind, room_id), None)

    async def _remove_queued(self, room_id: str, escalation_id: str) -> None:
        key = self._key(room_id, "queue")
        for raw in await self.redis.lrange(key, 0, -1):
            if json.loads(raw).get("escalation_id") == escalation_id:
                await self.redis.lrem(key, 1, raw)

    # -- the outbox: shared changes and behaviour events, written in order by one background task ----
    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _send(self, item: tuple[str, Any]) -> None:
        """Queue ("share", (kind, room_id, payload, future, at)) or ("xadd", fields) (on the loop)."""
        if len(self._outbox) == self._outbox.maxlen:
            self._warn("Redis is behind: dropping the oldest of %d shared messages", len(self._outbox))
        self._outbox.append(item)
        self._wake.set()

    async def _drain(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._flush()
            except Exception:  # the outbox must outlive one bad message
                logger.exception("writing shared messages to Redis failed")

    async def _flush(self) -> None:
        """Write what waits: a shared change on its own, consecutive behaviour events in one pipeline."""
        outbox = self._outbox
        while outbox:
            if outbox[0][0] == "share":
                kind, room_id, payload, shared, at = outbox.popleft()[1]
                await self._share_now(kind, room_id, payload, at)
                if not shared.done():
                    shared.set_result(None)
                continue
            batch = []
            while outbox and outbox[0][0] == "xadd" and len(batch) < STREAM_BATCH:
                batch.append(outbox.popleft()[1])
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for fields in batch:
                        pipe.xadd(self.stream, fields, maxlen=STREAM_MAXLEN, approximate=True)
                    await pipe.execute()
            except (RedisError, OSError) as e:  # the client retried already: these are lost
                self._warn("lost %d behaviour events: Redis did not take them (%s)", len(batch), e)

    # -- viewer behaviour: the recommender's hooks, the stream read back ---------------------------
    def _observed(self, *observed: Any) -> None:
        """Recommender.on_observe, with `Recommender.observe`'s arguments in order (room, viewer, event,
        product, now, amount, text vector); any thread: watch time is credited off the loop."""
        self._call_soon(self._send, ("xadd", behaviour_entry(self.origin, self.writer, *observed)))

    def _forgotten(self, viewer_id: str) -> None:
        """Recommender.on_forget: the viewer leaves the stream and every process's memory."""
        self._call_soon(self._forget_everywhere, viewer_id)

    def _call_soon(self, fn: Any, *args: Any) -> None:
        if self._loop is None:
            return
        try:
            self._loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop closed while stopping
            pass

    def _forget_everywhere(self, viewer_id: str) -> None:
        kept = [i for i in self._outbox if not (i[0] == "xadd" and i[1]["viewer"] == viewer_id)]
        self._outbox.clear()
        self._outbox.extend(kept)
        self._spawn(self._scrub(viewer_id))

    async def _scrub(self, viewer_id: str) -> None:
        """Delete the viewer's entries from the stream, then tell the other processes to drop them
        (a process still reading an older entry may apply it just before the message: a race of ms)."""
        try:
            start = "-"
            while True:
                entries = await self.redis.xrange(self.stream, min=start, count=STREAM_BATCH)
                ids = [i for i, fields in entries if fields.get("viewer") == viewer_id]
                if ids:
                    await self.redis.xdel(self.stream, *ids)
                if len(entries) < STREAM_BATCH:
                    break
                start = f"({entries[-1][0]}"
        except RedisError:
            logger.exception("could not delete a forgotten viewer's behaviour from Redis")
        await self.share("forget", "", {"viewer_id": viewer_id})

    async def _replay(self) -> str:
        """Apply the stream from its beginning (off the loop, before serving); the last id read."""
        last, applied = "0-0", 0
        while True:
            start = "-" if last == "0-0" else f"({last}"
            entries = await self.redis.xrange(self.stream, min=start, count=STREAM_BATCH)
            if not entries:
                break
            applied += await asyncio.to_thread(self._apply_behaviour, entries, True)
            last = entries[-1][0]
        if applied:
            await asyncio.to_thread(self.registry.recommender.rebuild, time.time())
        logger.info("recommender: replayed %d behaviour events from Redis", applied)
        return last

    async def _consume(self, last_id: str) -> None:
        """Apply the other processes' behaviour events as they come (XREAD BLOCK), reconnecting."""
        attempt = 0
        while True:
            try:
                read = await self.redis.xread({self.stream: last_id}, count=STREAM_BATCH, block=5000)
                attempt = 0
                for _, entries in read:
                    self._apply_behaviour(entries, False)
                    last_id = entries[-1][0]
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as e:
                attempt = await _back_off("behaviour stream", attempt, e)

    def _apply_behaviour(self, entries: list[tuple[str, dict[str, str]]], replay: bool) -> int:
        """Fold other processes' events into the recommender. On replay, the events of this process's
        log file are skipped: the log replay at start-up counted them already."""
        recommender, applied = self.registry.recommender, 0
        for entry_id, f in entries:
            if f.get("origin") == self.origin or (replay and f.get("log") == self.writer):
                continue
            try:
                vec = f.get("vec")
                recommender.observe(
                    f["room"],
                    f["viewer"],
                    f["event"],
                    f.get("product") or None,
                    float(f["at"]),
                    amount=float(f["amount"]),
                    text_vec=None
                    if vec is None
                    else np.frombuffer(base64.b64decode(vec), dtype=np.float16).astype(np.float32),
                    notify=False,
                )
                applied += 1
            except (KeyError, ValueError, TypeError):
                self._warn("ignored a malformed behaviour entry %s", entry_id)
        return applied

    # -- room messages -------------------------------------------------------------------------------
    async def _listen(self) -> None:
        """Apply the other processes' changes; reconnect with back-off when Redis goes away."""
        attempt = 0
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    if self._subscribed.is_set():  # Redis is back: what others shared meanwhile
                        await self._catch_up()
                    self._subscribed.set()
                    attempt = 0
                    for (kind, room_id), (payload, at) in list(self._unshared.items()):  # Redis is back
                        shared = asyncio.get_running_loop().create_future()
                        self._send(("share", (kind, room_id, payload, shared, at)))
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            await self._on_message(message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as e:
                attempt = await _back_off("room sync", attempt, e)

    async def _catch_up(self) -> None:
        """After a reconnect, the room state others wrote to Redis while this process was not
        subscribed (a change shared the moment Redis came back is published only once): read once
        subscribed, so nothing falls between. A state this process changed itself meanwhile is its
        own to send, not to be overwritten."""
        for room_id in list(self.registry.rooms):
            for kind in ("catalog", "console"):
                if (kind, room_id) in self._unshared:
                    continue
                raw = await self.redis.get(self._key(room_id, kind))
                if raw is not None:
                    try:
                        await self._apply(kind, room_id, json.loads(raw))
                    except (ValueError, KeyError, TypeError, CatalogError):
                        logger.exception("ignored a malformed %s of room %s in Redis", kind, room_id)

    async def _on_message(self, data: str) -> None:
        try:
            message = json.loads(data)
            if message.get("origin") == self.origin:
                return
            kind, room_id, at = message["kind"], message["room_id"], float(message.get("at", 0.0))
            if kind in STATE_KINDS:
                if at < self._changed_at.get((kind, room_id), 0.0):
                    return  # older than the change this process has (made while Redis was away)
                self._changed_at[(kind, room_id)] = at
            await self._apply(kind, room_id, message["payload"])
        except (ValueError, KeyError, TypeError, CatalogError):
            logger.exception("ignored a malformed room-sync message")

    async def _apply(self, kind: str, room_id: str, payload: dict[str, Any]) -> None:
        if kind == "forget":
            self._forget_here(payload["viewer_id"])
            return
        room = self.registry.get(room_id)
        if room is None:
            return
        if kind == "catalog":
            catalog = parse_catalog(payload, f"room {room_id} from Redis")
            if catalog != room.catalog:
                await self.registry.replace_catalog(catalog, share=False)
        elif kind == "on_screen":
            await self.namespace.put_on_screen(room, payload.get("product_id"), announce=False)
        elif kind == "console":
            self.namespace.console(room).apply(ConsoleSettingsIn.model_validate(payload))
        elif kind == "queue_add":
            room.queue.append(QueueItem(**payload))
        elif kind == "queue_resolve":
            item = room.queue_item(payload["escalation_id"])
            if item is not None:
                room.queue.remove(item)
        elif kind == "reply_sent":
            product_id, source = payload["key"]
            self.namespace.flow.remote_reply(
                room_id, (product_id, source), payload["text"], payload["at"], payload.get("reply_to", [])
            )
        elif kind == "grouped":
            self.namespace.flow.remote_grouped(room_id, payload)

    def _forget_here(self, viewer_id: str) -> None:
        """What this process keeps about a viewer another process was asked to forget: the profile,
        the room state, and the rows of its own log file."""
        self._spawn(asyncio.to_thread(self.namespace.log.forget, viewer_id))
        self.registry.recommender.forget(viewer_id, notify=False)
        self.registry.forget(viewer_id)
