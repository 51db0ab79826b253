"""Client mode (`cohost join`): live-cohost as a co-host *client* of another platform's live-room server.

The platform runs the Socket.IO server; we connect with `socketio.AsyncClient`, join a room, read the
viewers' comments and answer them through the same Q&A path as `cohost serve` (`answer_comment` over
`build_knowledge`), with the same room hygiene: banned words, flood guard, the reply budget and one
answer for many askers (a repeat within `hygiene.repeat_cooldown_s` waits for one follow-up naming
everyone). Event and field names differ by platform, so they all come from the `join:` section of
config.yaml (`JoinSettings`). Every comment and reply goes into the same SQLite interaction log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

import socketio
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.catalog import Catalog, Product
from domain.messages import Comment, Decision, new_id
from handlers.comments import comment_row
from handlers.grouping import Asker, Group, ReplyGrouper, answer_key
from handlers.hygiene import BannedWords, FloodGuard, HygieneSettings, RateLimit, ReplyBudget
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.qa import QASettings, answer_comment, field_asked
from handlers.rooms import RecentAsks
from storage.log import InteractionLog
from storage.privacy import viewer_key

if TYPE_CHECKING:
    from bot.config import Settings
    from recommender.encoder import TextEncoder

logger = logging.getLogger(__name__)

_RESERVED = {"connect", "disconnect", "connect_error", "message"}
_MISSING = object()


class JoinSettings(BaseModel):
    """How one platform's live-room server names its events and fields (the `join:` section)."""

    model_config = ConfigDict(extra="forbid")

    join_event: str = Field("join", min_length=1, description="event we emit to enter the room")
    join_payload: dict[str, Any] = Field(
        default_factory=lambda: {"room_id": "{room}"},
        description='payload of join_event; "{room}" in any string value becomes the --room id',
    )
    comment_event: str = Field("comment", min_length=1, description="event carrying a viewer comment")
    text_path: str = Field("text", min_length=1, description="dotted path of the comment text")
    user_id_path: str = Field("user_id", min_length=1, description="dotted path of the viewer id")
    user_name_path: str | None = Field("user_name", description="dotted path of the viewer name, or null")
    reply_event: str = Field("reply", min_length=1, description="event we emit to say something")
    reply_text_field: str = Field("text", min_length=1, description="field of reply_event holding the text")
    reply_payload: dict[str, Any] = Field(
        default_factory=dict, description='other fields sent with every reply ("{room}" filled in)'
    )
    mention: bool = Field(True, description='start a reply with "@name "')
    on_screen_event: str | None = Field(None, description="event saying which product is on screen")
    on_screen_path: str = Field(
        "product_id", min_length=1, description="dotted path of our product id or link number in it"
    )
    reconnect_delay_s: float = Field(1, gt=0, le=60, description="first reconnection delay (doubles)")
    reconnect_delay_max_s: float = Field(10, gt=0, le=600)
    reconnect_attempts: int = Field(0, ge=0, description="0: try forever")
    connect_timeout_s: float = Field(10, gt=0, le=120)

    @field_validator("join_event", "comment_event", "reply_event", "on_screen_event")
    @classmethod
    def _not_reserved(cls, v: str | None) -> str | None:
        if v in _RESERVED:
            raise ValueError(f"{v!r} is reserved by Socket.IO")
        return v

    @model_validator(mode="after")
    def _delays(self) -> JoinSettings:
        if self.reconnect_delay_max_s < self.reconnect_delay_s:
            raise ValueError("reconnect_delay_max_s must be at least reconnect_delay_s")
        return self


def pluck(data: Any, path: str) -> Any:
    """The value at a dotted path ("user.nick", "msgs.0.text") in JSON-like data, or _MISSING."""
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data


def fill(template: dict[str, Any], room: str) -> dict[str, Any]:
    """A copy of a payload template with "{room}" replaced in every string value (nested too)."""

    def sub(v: Any) -> Any:
        if isinstance(v, str):
            return v.replace("{room}", room)
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        if isinstance(v, list):
            return [sub(x) for x in v]
        return v

    return sub(template)


def _scalar_id(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, str | int):
        return None
    s = str(v).strip()
    return s[:128] if s else None


class CoHostClient:
    """One co-host connection to one room of a platform's server."""

    def __init__(
        self,
        url: str,
        room: str,
        knowledge: RoomKnowledge,
        log: InteractionLog,
        executor: ThreadPoolExecutor,
        join: JoinSettings,
        qa: QASettings,
        hygiene: HygieneSettings,
        max_comment_chars: int = 500,
        viewer_salt: str | None = None,
        comments_per_10s: int = 10,
    ) -> None:
        self.url, self.room, self.knowledge, self.log, self.executor = url, room, knowledge, log, executor
        self.viewer_salt = viewer_salt  # set: viewer ids are logged as keyed hashes
        self.cfg, self.qa, self.max_comment_chars = join, qa, max_comment_chars
        self.banned = BannedWords(hygiene.banned_words, hygiene.allowed_words)
        self.flood = FloodGuard(hygiene.flood_repeats, hygiene.flood_window_s)
        self.rate = RateLimit(comments_per_10s)  # per viewer (limits.comments_per_10s)
        self.budget = ReplyBudget(hygiene.max_replies_per_minute, hygiene.repeat_share, hygiene.reply_burst)
        self.grouper = ReplyGrouper(hygiene.repeat_cooldown_s)
        self.on_screen: str | None = None
        self.on_screen_since = 0.0
        self.shown_before: str | None = None  # the product on screen before this one ("上一个")
        self.recent = RecentAsks()
        self.sio = socketio.AsyncClient(
            reconnection=True,
            reconnection_attempts=join.reconnect_attempts,
            reconnection_delay=join.reconnect_delay_s,
            reconnection_delay_max=join.reconnect_delay_max_s,
            randomization_factor=join.reconnect_delay_s / 2,  # python-socketio jitter is in seconds
            # engineio's own SIGINT handler cancels every task on the loop; `cohost join` stops
            # through `stop` instead, so the log is written before exit
            handle_sigint=False,
        )
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on(join.comment_event, self._on_comment)
        if join.on_screen_event:
            self.sio.on(join.on_screen_event, self._on_screen)

    # -- connection -------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> bool:
        """Connect (retrying), then serve until `stop` is set (True) or connecting or reconnecting gives
        up after `reconnect_attempts` (False)."""
        connecting = asyncio.create_task(self._connect_first())
        stopping = asyncio.create_task(stop.wait())
        followups = asyncio.create_task(self._run_followups())
        ended: asyncio.Task[None] | None = None
        try:
            await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if connecting.done() and connecting.result():
                ended = asyncio.create_task(self.sio.wait())
                await asyncio.wait({ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if ended.done() and not stop.is_set():
                    logger.error("lost %s and reconnecting gave up; stopping", self.url)
            return stop.is_set()
        finally:
            connecting.cancel()
            stopping.cancel()
            followups.cancel()
            await asyncio.wait({connecting, stopping, followups})
            if self.sio.connected:  # the askers still waiting out a cooldown get their answer now
                await self._say_due(every=True)
                await self._sent()
            # Stop python-socketio first: `ended` awaits its read loop, and cancelling `ended` while
            # the read loop runs would cancel the read loop too (asyncio passes cancellation down).
            await self.sio.shutdown()
            await self.sio.disconnect()  # also closes the HTTP session of an unfinished connect
            if ended is not None:
                ended.cancel()
                await asyncio.wait({ended})

    async def _sent(self, timeout_s: float = 2.0) -> None:
        """Wait until what was emitted has gone out: python-socketio's disconnect closes the websocket
        without waiting for the packets still queued to send (its issues #888 and #1202)."""
        queue = getattr(self.sio.eio, "queue", None)
        if queue is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(queue.join(), timeout_s)

    async def _connect_first(self) -> bool:
        """The first connection; later drops are retried by python-socketio itself."""
        delay, attempt = self.cfg.reconnect_delay_s, 0
        while True:
            attempt += 1
            try:
                await self.sio.connect(self.url, wait_timeout=self.cfg.connect_timeout_s)
                return True
            except socketio.exceptions.ConnectionError as e:
                if self.cfg.reconnect_attempts and attempt >= self.cfg.reconnect_attempts:
                    logger.error("cannot connect to %s (%s); giving up", self.url, e)
                    return False
                logger.warning("cannot connect to %s (%s); retrying in %.1f s", self.url, e, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.cfg.reconnect_delay_max_s)

    async def _run_followups(self, tick_s: float = 0.25) -> None:
        """Send the grouped answers whose cooldown has ended."""
        while True:
            await asyncio.sleep(tick_s)
            await self._say_due()

    async def _say_due(self, every: bool = False) -> None:
        """The grouped answers whose cooldown has ended (`every`: all still waiting, when stopping)."""
        for group in self.grouper.due(time.time(), every):
            try:
                await self._say(group)
            except Exception:
                logger.exception("sending a grouped answer failed")

    async def _on_connect(self) -> None:
        """Also runs after every reconnection: enter the room again."""
        logger.info("connected to %s; joining room %s", self.url, self.room)
        await self.sio.emit(self.cfg.join_event, fill(self.cfg.join_payload, self.room))

    async def _on_disconnect(self, reason: Any = None) -> None:
        logger.warning("disconnected from %s (%s)", self.url, reason)

    # -- events -----------------------------------------------------------------------------------
    async def _on_comment(self, *args: Any) -> None:
        try:
            await self.handle_comment(args[0] if args else None)
        except Exception:
            logger.exception("handling a %r event failed", self.cfg.comment_event)

    async def _on_screen(self, *args: Any) -> None:
        try:
            self.screen_changed(args[0] if args else None)
        except Exception:
            logger.exception("handling a %r event failed", self.cfg.on_screen_event)

    def screen_changed(self, data: Any) -> None:
        """The platform says which product is on screen: our product id or its link number."""
        data = _payload(data)
        value = pluck(data, self.cfg.on_screen_path) if data is not None else _MISSING
        product = self._product(value)
        if value is _MISSING or (value is not None and product is None):
            logger.warning(
                "skipped %r: no known product at %r", self.cfg.on_screen_event, self.cfg.on_screen_path
            )
            return
        if self.on_screen is not None and (product is None or product.id != self.on_screen):
            self.shown_before = self.on_screen
        self.on_screen, self.on_screen_since = (product.id if product else None), time.time()
        self.log.record("room_events", {"room_id": self.room, "event": "on_screen", "detail": self.on_screen})

    def _product(self, value: Any) -> Product | None:
        catalog: Catalog = self.knowledge.catalog
        if isinstance(value, str) and catalog.product(value):
            return catalog.product(value)
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value).isdigit():
            return catalog.by_link(int(value))
        return None

    async def handle_comment(self, data: Any) -> str | None:
        """Read one platform comment, answer it if the bot can; returns the reply text sent, if any."""
        cfg = self.cfg
        data = _payload(data)
        text = pluck(data, cfg.text_path) if data is not None else _MISSING
        viewer = _scalar_id(pluck(data, cfg.user_id_path)) if data is not None else None
        if not isinstance(text, str) or not text.strip() or viewer is None:
            logger.warning(
                "skipped a %r payload without text at %r or viewer id at %r",
                cfg.comment_event,
                cfg.text_path,
                cfg.user_id_path,
            )
            return None
        platform_id, viewer = viewer, viewer_key(viewer, self.viewer_salt)
        name = pluck(data, cfg.user_name_path) if cfg.user_name_path else None
        name = name[:64] if isinstance(name, str) and name.strip() else None
        comment = Comment(new_id("c"), self.room, viewer, text[: self.max_comment_chars], time.time(), name)

        reason = None if self.rate.allow(viewer, time.monotonic()) else "rate_limited"
        if reason is None and self.banned.find(comment.text, self.knowledge.shelf_words):
            reason = "banned_word"
        if reason is None and self.flood.is_flood(viewer, comment.text):
            reason = "flood"
        if reason is not None:
            self.log.record("comments", comment_row(comment, None, reason))
            return None

        loop = asyncio.get_running_loop()
        recent_product = self.recent.product(viewer, self.on_screen, self.on_screen_since)
        recent_field = self.recent.field(viewer)
        decision: Decision = await loop.run_in_executor(
            self.executor,
            partial(answer_comment, earlier=self.shown_before, asked_before=recent_field),
            comment.text,
            self.knowledge,
            self.on_screen,
            self.qa,
            recent_product,
        )
        self.log.record("comments", comment_row(comment, decision))
        if decision.product_id:
            self.recent.remember(viewer, decision.product_id, field_asked(decision))
        if decision.kind != "answer" or not decision.reply:
            return None
        group = Group(
            self.room,
            answer_key(decision, comment.text),
            decision.reply,
            [Asker(comment.comment_id, viewer, name or platform_id, at=comment.created_at)],
            {"product_id": decision.product_id, "source": decision.source, "confidence": decision.confidence},
        )
        ready = self.grouper.offer(group, comment.created_at)
        return await self._say(ready) if ready is not None else None  # None: named in the follow-up

    async def _say(self, group: Group) -> str | None:
        """Say an answer in the room, addressed to its askers, within the room's reply budget."""
        if not self.budget.allow(repeat=group.repeat):
            self.log.record(
                "room_events", {"room_id": self.room, "event": "reply_dropped", "detail": "reply_cap"}
            )
            return None
        reply = group.render() if self.cfg.mention else group.text
        await self.sio.emit(
            self.cfg.reply_event,
            {**fill(self.cfg.reply_payload, self.room), self.cfg.reply_text_field: reply},
        )
        self.log.record(
            "replies",
            {
                "reply_id": new_id("r"),
                "room_id": self.room,
                "reply_to": json.dumps([a.comment_id for a in group.askers]),
                "viewer_ids": json.dumps([a.viewer_id for a in group.askers]),
                "text": reply,
                **group.meta,
                "author": "bot",
                "audience": "room",
            },
        )
        return reply


def _payload(data: Any) -> Any:
    """Platforms send a JSON object, sometimes as a string; anything else is None."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    return data if isinstance(data, dict | list) else None


async def run_join(
    settings: Settings,
    url: str,
    room: str,
    catalog: Catalog,
    encoder: TextEncoder | None = None,
    stop: asyncio.Event | None = None,
) -> bool:
    """`cohost join`: index the shelf, connect, answer until `stop` is set (True) or the platform stays
    out of reach (False); the log is flushed on exit."""
    from bot.config import viewer_salt  # bot.config imports this module for JoinSettings
    from recommender.encoder import load_encoder

    stop = stop or asyncio.Event()
    log = InteractionLog(
        settings.storage.db_path, settings.storage.flush_interval_s, settings.storage.batch_size
    )
    await asyncio.to_thread(log.open)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cohost-cpu")
    try:
        loop = asyncio.get_running_loop()
        enc = encoder or await loop.run_in_executor(
            executor, load_encoder, settings.encoder.model, settings.encoder.batch_size
        )
        knowledge = await loop.run_in_executor(
            executor, build_knowledge, catalog, enc, settings.qa.dense_weight
        )
        log.record("room_events", {"room_id": room, "event": "join", "detail": url})
        client = CoHostClient(
            url,
            room,
            knowledge,
            log,
            executor,
            settings.join,
            settings.qa,
            settings.hygiene,
            settings.limits.max_comment_chars,
            viewer_salt(settings),
            settings.limits.comments_per_10s,
        )
        return await client.run(stop)
    finally:
        await asyncio.to_thread(log.close)
        executor.shutdown(wait=True, cancel_futures=True)
