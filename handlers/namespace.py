"""The live-room Socket.IO namespace: the only place that knows sids and emits.

Every event is validated, handled, logged and acknowledged `{ok: true, ...}` or
`{ok: false, error: {code, message}}`; a refused event is also sent to its sender as an `error` event.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any, NamedTuple, Protocol

import socketio

from domain.catalog import Product
from domain.messages import Comment, new_id
from handlers import console as C
from handlers import payloads as P
from handlers.batching import EncodeBatcher
from handlers.comments import (
    CommentFlow,
    room_channel,
    shelf_payload,
    streamer_channel,
    traditional_room,
    viewer_channel,
)
from handlers.field_entries import product_fields
from handlers.fields import label_zh
from handlers.hygiene import SenderLimits, SenderLimitSettings, expiring
from handlers.normalize import in_viewers_script
from handlers.outbox import Outcome
from handlers.payloads import EventError, parse
from handlers.qa import QASettings, answer_with_vector, held_answer, needs_retrieval, search_texts
from handlers.review import answers_in_restored_queue, guess_confirmed, unlearn
from handlers.rooms import QueueItem, Room, RoomRegistry, asked_at, live_guess
from storage.controls import (
    console_row,
    corrected_answers,
    last_on_screen,
    open_questions,
    recent_filtered,
    saved_console,
    show_started,
)
from storage.log import InteractionLog
from storage.privacy import viewer_key
from storage.reports import live_counters

logger = logging.getLogger(__name__)

Ack = dict[str, Any]
FOLLOWUP_TICK_S = 0.25
COUNTERS_EVERY = 2  # timer ticks (seconds) between two `console_counters` to a connected console
YIELD_EVERY = 200  # sends in a row before other events get a turn
WARM_UP_COMMENTS = ("1号链接多少钱 有货吗", "这个是什么材质的呀", "do you ship abroad?", "主播好美666")


# Event names python-socketio (connect, disconnect) or Socket.IO clients treat as their own: a client
# emitting one must not run its handler (a fake `disconnect` left the room while staying connected).
RESERVED_EVENTS = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
)
MALFORMED_WARN_EVERY_S = 60.0
FEEDBACK_KEPT_S = 6 * 3600.0  # a viewer's feedback on a reply counts once within this long
TAUGHT_KEPT = 200  # approvals whose teaching the console can still take back (`queue_unteach`)


def source_address(environ: dict[str, Any], trust_forwarded_for: bool) -> str:
    """Where a connection comes from: the peer's address, or with `trust_forwarded_for` (a reverse
    proxy in front, which appends the peer it saw) the first hop of X-Forwarded-For. engineio's aiohttp
    environ always says REMOTE_ADDR 127.0.0.1; the request itself knows the peer."""
    if trust_forwarded_for:
        first = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        if first:
            return first[:64]
    request = environ.get("aiohttp.request")
    remote = getattr(request, "remote", None) if request is not None else None
    return str(remote or environ.get("REMOTE_ADDR") or "unknown")


def _sold_out(product: Product) -> EventError:
    """The refusal of an order for a sold-out product, naming it as the room does (link and title,
    not the catalog's id)."""
    return EventError(P.SOLD_OUT, f"link {product.link} ({product.title}) is sold out")


class GuardedServer(socketio.AsyncServer):
    """The Socket.IO server, refusing what no Socket.IO client sends: a packet that does not decode,
    an event packet without a string name first, a packet type a client must not send. Each is
    dropped and counted (`malformed`), with one short warning line a minute at most instead of a
    traceback per packet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.malformed = 0
        self._warned_at = -MALFORMED_WARN_EVERY_S
        self._since_warning = 0

    def _refuse_packet(self, eio_sid: str, why: str) -> None:
        self.malformed += 1
        self._since_warning += 1
        now = time.monotonic()
        if now - self._warned_at >= MALFORMED_WARN_EVERY_S:
            logger.warning(
                "dropped %d malformed Socket.IO packet(s) (last from %s: %s)",
                self._since_warning,
                eio_sid,
                why,
            )
            self._warned_at, self._since_warning = now, 0

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except Exception as e:  # a packet python-socketio cannot take; the connection goes on
            self._binary_packet.pop(eio_sid, None)
            self._refuse_packet(eio_sid, f"{type(e).__name__}: {str(e)[:80]}")

    async def _handle_event(self, eio_sid: str, namespace: str | None, id: Any, data: Any) -> None:
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            self._refuse_packet(eio_sid, "an event packet without a string event name")
            return
        await super()._handle_event(eio_sid, namespace, id, data)


class ViewerCheck(NamedTuple):
    """One comment against the per-viewer limits: within the rate limit, and a flood of one text."""

    rate_ok: bool
    flood: bool


class ViewerLimiter(Protocol):
    """Rate limit and flood guard counted outside this process (bot/cluster.py), so a viewer meets the
    same limits on every process of a cluster."""

    async def check(
        self, room_id: str, viewer_id: str, text: str, now: float, address: str | None = None
    ) -> ViewerCheck | None:
        """The verdict on one comment, counting it against the viewer's and the source address's rates
        (`rate_ok` holds both); None when the counters cannot be reached (the process's own counters
        decide then)."""
        ...


class LiveRoomNamespace(socketio.AsyncNamespace):
    def __init__(
        self,
        registry: RoomRegistry,
        log: InteractionLog,
        flow: CommentFlow,
        qa: QASettings,
        executor: Executor,
        streamer_ok: Callable[[str, str], bool],
        max_comment_chars: int = 500,
        comments_per_10s: int = 10,
        max_viewers_per_room: int = 100_000,
        namespace: str = "/",
        approve_below: float = 0.75,
        max_timers: int = 20,
        viewer_salt: str | None = None,
        batcher: EncodeBatcher | None = None,
        limits: SenderLimitSettings | None = None,
        viewer_secret: bytes | None = None,
        refused: Callable[[str, str], None] | None = None,
        guess_above: float = 0.5,
        queue_expire_min: float = 30.0,
    ) -> None:
        super().__init__(namespace)
        self.batcher = batcher  # comment embeddings in batches (None: each comment on its own)
        self.viewer_salt = viewer_salt  # set: viewer ids are kept and logged as keyed hashes
        self.registry = registry
        self.log = log
        self.flow = flow
        self.qa = qa
        self.executor = executor
        self.streamer_ok = streamer_ok  # (room_id, token) -> may this token run this room
        # a refused streamer token is counted (kind, what), not logged row by row: a row each let
        # anyone grow the database at will
        self.refused = refused or (lambda kind, what: None)
        self.max_comment_chars = max_comment_chars
        # rates per viewer, connection and source address (`comments_per_10s` when no `limits` given)
        self.limits = limits or SenderLimitSettings(comments_per_10s=comments_per_10s)
        self.comments_per_10s = self.limits.comments_per_10s
        self.max_viewers_per_room = max_viewers_per_room
        self.approve_below = approve_below
        self.guess_above = guess_above
        self.queue_expire_min = queue_expire_min
        self.max_timers = max_timers
        self.consoles: dict[str, C.ConsoleState] = {}  # room_id -> the streamer console's controls
        self.started_at = time.time()  # the console counters count from here
        self._senders = SenderLimits(self.limits)  # a cluster counts viewers and addresses in Redis
        self._addresses: dict[str, str] = {}  # sid -> source address, while connected
        # viewer tokens: HMAC of room and viewer id under a server secret (made per run unless given: a
        # token only matters while a live connection of this process holds the viewer id), so no
        # state is kept per viewer
        self._viewer_key = hmac.new(
            viewer_secret or secrets.token_bytes(32), b"live-cohost viewer token", hashlib.sha256
        ).digest()
        self._feedback_seen = expiring(200_000, FEEDBACK_KEPT_S)  # (room, viewer, reply) counted once
        # what each recent approval taught, by (room, escalation id), for the console's undo
        # (`queue_unteach`): the product and each asker's (comment id, wording)
        self._taught: OrderedDict[tuple[str, str], tuple[str, list[tuple[str, str]]]] = OrderedDict()
        self._timers_shown: dict[str, tuple[tuple[str, int], ...]] = {}  # room → (timer, sent) last pushed
        self.limiter: ViewerLimiter | None = None  # set by a cluster (bot/cluster.py); else counted here
        self._handling: set[asyncio.Task[Any]] = set()  # clients' events being handled (see finish_handling)
        self._handlers: dict[str, Callable[[str, Any], Awaitable[Ack]]] = {
            name[3:]: getattr(self, name)
            for name in dir(self)
            if name.startswith("on_") and name not in ("on_connect", "on_disconnect")
        }

    # -- dispatch: one place that isolates errors -------------------------------------------------
    async def trigger_event(self, event: str, *args: Any) -> Any:
        sid = args[0] if args else ""
        if event in ("connect", "disconnect") and not self._client_sent(sid):
            return await super().trigger_event(event, *args)
        data = args[1] if len(args) > 1 else None
        handler = self._handlers.get(event) if isinstance(event, str) else None
        task = asyncio.current_task()
        if task is not None:
            self._handling.add(task)
        try:
            if isinstance(event, str) and event in RESERVED_EVENTS:
                raise EventError(
                    P.RESERVED_EVENT, f"{event!r} is a reserved event name; clients cannot send it"
                )
            if handler is None:
                raise EventError(P.UNKNOWN_EVENT, f"unknown event {str(event)[:40]!r}")
            return await handler(sid, data)
        except EventError as e:
            await self.emit("error", e.as_dict(), to=sid)
            return {"ok": False, "error": e.as_dict()}
        except Exception:
            logger.exception("event %s from %s failed", event, sid)
            err = {"code": P.INTERNAL_ERROR, "message": "the bot could not handle this event; it was logged"}
            await self.emit("error", err, to=sid)
            return {"ok": False, "error": err}
        finally:
            self._handling.discard(task)

    async def finish_handling(self, timeout: float) -> bool:
        """Wait at most `timeout` s for the clients' events being handled (a comment read as the
        server stops is answered and logged before the pools it needs are shut down); False if some
        were still running."""
        pending = self._handling - {asyncio.current_task()}
        if not pending:
            return True
        _, running = await asyncio.wait(pending, timeout=timeout)
        return not running

    def _client_sent(self, sid: str) -> bool:
        """Whether a `connect` / `disconnect` came from the client as an ordinary event: python-socketio
        runs its own while the connection is still pending (connecting or disconnecting), and only
        passes on a client's events while it is fully connected."""
        server = getattr(self, "server", None)
        return server is not None and bool(sid) and server.manager.is_connected(sid, self.namespace)

    async def deliver(self, outcome: Outcome) -> Ack:
        """Log what the handler decided, then send it."""
        for table, row in outcome.rows:
            self.log.record(table, row)
        for i, e in enumerate(outcome.emits, 1):
            await self.emit(e.event, e.payload, to=e.to)
            if i % YIELD_EVERY == 0:  # a push of many cards: comments that came meanwhile get a turn
                await asyncio.sleep(0)
        if self.registry.share is not None:
            for kind, room_id, payload in outcome.shared:
                await self.registry.share(kind, room_id, payload)
        return outcome.ack

    async def run_followups(self) -> None:
        """Background task: send grouped answers whose cooldown has ended."""
        while True:
            await asyncio.sleep(FOLLOWUP_TICK_S)
            try:
                await self.deliver(self.flow.followups(time.time()))
            except Exception:
                logger.exception("sending grouped replies failed")

    async def send_waiting(self) -> None:
        """Grouped answers still in their cooldown, sent now: the server is stopping, and the
        viewers who asked would otherwise never get them (nor the log their replies)."""
        await self.deliver(self.flow.followups(time.time(), every=True))

    async def run_pushes(self, interval_s: float) -> None:
        """Background task: the periodic card push to engaged viewers, and the collaborative rebuild."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(interval_s)
            try:
                now = time.time()
                await loop.run_in_executor(self.executor, self.flow.recommender.maybe_rebuild, now)
                for room in list(self.registry.rooms.values()):
                    await self.deliver(
                        await loop.run_in_executor(self.executor, self.flow.periodic, room, now)
                    )
            except Exception:
                logger.exception("periodic card push failed")

    async def put_on_screen(self, room: Room, product_id: str | None, announce: bool = True) -> Ack:
        """The streamer's on-screen product changed: tell the room, push matching cards (off the loop).
        `announce` is False when another process of the cluster already told the room."""
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(
            self.executor, self.flow.screen_changed, room, product_id, time.time(), announce
        )
        ack = await self.deliver(outcome)
        await self.shelf_changed(room)
        return ack

    def warm_up(self) -> None:
        """Run the comment path once per room before the first viewer comes (blocking), so the first
        questions of a show do not pay for dictionaries and buffers loaded on first use."""
        for room in self.registry.rooms.values():
            for text in WARM_UP_COMMENTS:
                self.flow.banned.find(text)
                answer_with_vector(text, room.knowledge, None, self.qa)
        if self.batcher is not None:
            self.batcher.encoder.encode(list(WARM_UP_COMMENTS))

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        self._addresses[sid] = source_address(environ, self.limits.trust_forwarded_for)
        return True

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        if session.get("room_id"):
            self._leave(sid, session, "disconnect")
        self._senders.forget_connection(sid)  # the viewer's and the address's windows stay
        self._addresses.pop(sid, None)

    # -- helpers ----------------------------------------------------------------------------------
    async def _joined(self, sid: str) -> tuple[dict[str, Any], Room]:
        session = await self.get_session(sid)
        room_id = session.get("room_id")
        if not room_id:
            raise EventError(P.NOT_IN_ROOM, "join a room first (join_room)")
        room = self.registry.get(room_id)
        if room is None:
            raise EventError(P.UNKNOWN_ROOM, f"room {room_id!r} is closed")
        return session, room

    def _leave(self, sid: str, session: dict[str, Any], why: str) -> None:
        room = self.registry.get(session["room_id"])
        if room is not None:
            room.viewers = max(0, room.viewers - 1)
            viewer_id = session["viewer_id"]
            if room.members.get(viewer_id, ("",))[0] == sid:
                self.flow.watched(room, viewer_id, time.time())
                del room.members[viewer_id]
                room.langs.pop(viewer_id, None)  # cards go to viewers in the room only
        self.log.record(
            "viewer_events",
            {
                "room_id": session["room_id"],
                "viewer_id": session["viewer_id"],
                "event": "leave",
                "detail": why,
            },
        )

    def viewer_token(self, room_id: str, viewer_id: str) -> str:
        """The token proving a connection joined as `viewer_id` first (join_room's ack gives it)."""
        mac = hmac.new(self._viewer_key, f"{room_id}\0{viewer_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:18]).decode()

    def _held_elsewhere(self, room: Room, viewer_id: str, sid: str) -> bool:
        """Whether another live connection of this process is in the room as `viewer_id`."""
        held = room.members.get(viewer_id)
        if held is None or held[0] == sid:
            return False
        server = getattr(self, "server", None)
        return server is None or server.manager.is_connected(held[0], self.namespace)

    def _product(self, room: Room, product_id: str) -> Product:
        product = room.catalog.product(product_id)
        if product is None:
            raise EventError(P.UNKNOWN_PRODUCT, f"no product {product_id[:64]!r} in room {room.room_id}")
        return product

    # -- viewer events ----------------------------------------------------------------------------
    async def on_join_room(self, sid: str, data: Any) -> Ack:
        msg = parse(P.JoinRoom, data, "join_room")
        room = self.registry.get(msg.room_id)
        if room is None:
            raise EventError(P.UNKNOWN_ROOM, f"no room {msg.room_id!r} on this server")
        viewer_id = viewer_key(msg.viewer_id, self.viewer_salt)
        token = self.viewer_token(msg.room_id, viewer_id)
        session = await self.get_session(sid)
        joined = {
            "ok": True,
            "room_id": msg.room_id,
            "on_screen": room.on_screen,
            "products": len(room.catalog.products),
            "viewer_token": token,
        }
        if session.get("room_id") == msg.room_id and session.get("viewer_id") == viewer_id:
            return joined  # joined already: the same answer, nothing counted twice
        if self._held_elsewhere(room, viewer_id, sid) and not (
            msg.token and hmac.compare_digest(msg.token.encode(), token.encode())
        ):
            raise EventError(
                P.VIEWER_TAKEN,
                f"viewer id {msg.viewer_id[:64]!r} is in use by another connection; "
                "join with the viewer_token its first join_room gave",
            )
        if room.viewers >= self.max_viewers_per_room:
            raise EventError(P.ROOM_FULL, f"room {msg.room_id} is full")
        if session.get("room_id"):
            await self.on_leave_room(sid, None)
        await self.save_session(sid, {"room_id": msg.room_id, "viewer_id": viewer_id, "name": msg.name})
        await self.enter_room(sid, room_channel(msg.room_id))
        await self.enter_room(sid, viewer_channel(msg.room_id, viewer_id))
        room.viewers += 1
        room.members[viewer_id] = (sid, time.time())
        self.log.record(
            "viewer_events",
            {
                "room_id": msg.room_id,
                "viewer_id": viewer_id,
                "event": "join",
                "detail": msg.name,
            },
        )
        return joined

    async def on_leave_room(self, sid: str, data: Any) -> Ack:
        session = await self.get_session(sid)
        room_id = session.get("room_id")
        if not room_id:
            raise EventError(P.NOT_IN_ROOM, "not in a room")
        await self.leave_room(sid, room_channel(room_id))
        await self.leave_room(sid, viewer_channel(room_id, session.get("viewer_id", "")))
        self._leave(sid, session, "leave_room")
        await self.save_session(sid, {})
        return {"ok": True, "room_id": room_id}

    async def on_comment(self, sid: str, data: Any) -> Ack:
        session, room = await self._joined(sid)
        text = data.get("text") if isinstance(data, dict) else None
        if isinstance(text, str) and len(text) > self.max_comment_chars:
            raise EventError(
                P.COMMENT_TOO_LONG, f"comment is longer than {self.max_comment_chars} characters"
            )
        msg = parse(P.CommentIn, data, "comment")
        now = time.time()
        viewer_id = session["viewer_id"]
        comment = Comment(new_id("c"), room.room_id, viewer_id, msg.text, now, session.get("name"))
        console = self.console(room)
        console.heard(now)  # every comment, refused ones too, keeps the show going (as the log reads it)
        address = self._addresses.get(sid)
        checked = (
            await self.limiter.check(room.room_id, viewer_id, msg.text, now, address)
            if self.limiter
            else None
        )
        if checked is None:  # counted here: per viewer, per connection, per address
            refused = self._senders.refusal(f"{room.room_id}/{viewer_id}", sid, address, time.monotonic())
        elif not checked.rate_ok:  # viewer and address counted by the cluster
            refused = f"more than {self.comments_per_10s} comments in 10 s from this viewer, or too many from this address"
        else:  # the connection is this process's
            refused = self._senders.refusal(None, sid, None, time.monotonic())
        if refused is not None:
            await self.deliver(self.flow.filtered(comment, "rate_limited"))
            raise EventError(P.RATE_LIMITED, f"{refused}; slow down")
        flood = checked.flood if checked is not None else None
        reason = self.flow.screen(comment, now, flood, room.knowledge.shelf_words)
        if reason is not None:
            return await self.deliver(self.flow.filtered(comment, reason))
        recent = room.recent_product(viewer_id)
        asked = (comment.text, room.knowledge, room.on_screen, self.qa, recent)
        answer = partial(
            answer_with_vector, earlier=room.shown_before, asked_before=room.recent_field(viewer_id)
        )
        if not needs_retrieval(comment.text):
            # chatter, and nothing to search: no encoder, a fraction of a millisecond, decided here
            decision, qvec = answer(*asked)
        else:
            # the comment and the part of it naming no product, encoded in one batch with others'
            texts = search_texts(
                comment.text, room.knowledge, room.on_screen, recent, earlier=room.shown_before
            )
            vectors = await self.batcher.encode(texts) if self.batcher is not None else []
            decision, qvec = await asyncio.get_running_loop().run_in_executor(
                self.executor, answer, *asked, *vectors
            )
        console.comments += 1  # the timers count comments that reach the answer path
        decision = C.gate(decision, console)  # paused, or approve-before-send: the answer waits
        return await self.deliver(self.flow.apply(room, comment, decision, sid, time.time(), qvec))

    async def on_card_click(self, sid: str, data: Any) -> Ack:
        session, room = await self._joined(sid)
        msg = parse(P.CardClick, data, "card_click")
        card = room.cards.get(msg.card_id)
        if card is None:
            raise EventError(P.UNKNOWN_CARD, f"no card {msg.card_id!r} in room {room.room_id}")
        self.log.record(
            "card_clicks",
            {
                "card_id": card.card_id,
                "room_id": room.room_id,
                "viewer_id": session["viewer_id"],
                "product_id": card.product_id,
            },
        )
        self.flow.noticed(room, session["viewer_id"], "click", card.product_id, time.time())
        return {"ok": True, "card_id": card.card_id, "product_id": card.product_id}

    async def on_add_to_cart(self, sid: str, data: Any) -> Ack:
        session, room = await self._joined(sid)
        msg = parse(P.AddToCart, data, "add_to_cart")
        product = self._product(room, msg.product_id)
        if not product.in_stock:
            raise _sold_out(product)
        self.log.record(
            "cart_adds",
            {
                "room_id": room.room_id,
                "viewer_id": session["viewer_id"],
                "product_id": product.id,
                "card_id": msg.card_id,
            },
        )
        return await self.deliver(
            self.flow.ordered(room, session["viewer_id"], sid, "cart", product, time.time())
        )

    async def on_purchase(self, sid: str, data: Any) -> Ack:
        session, room = await self._joined(sid)
        msg = parse(P.Purchase, data, "purchase")
        product = self._product(room, msg.product_id)
        if not product.in_stock:  # as add_to_cart: a page showing it before it sold out cannot order it
            raise _sold_out(product)
        self.log.record(
            "purchases",
            {
                "room_id": room.room_id,
                "viewer_id": session["viewer_id"],
                "product_id": product.id,
                "qty": msg.qty,
                "price": product.price,
                "card_id": msg.card_id,
            },
        )
        ack = await self.deliver(
            self.flow.ordered(room, session["viewer_id"], sid, "purchase", product, time.time())
        )
        return {**ack, "qty": msg.qty}

    async def on_like(self, sid: str, data: Any) -> Ack:
        session, room = await self._joined(sid)
        if data is not None and not isinstance(data, dict):
            raise EventError(P.BAD_PAYLOAD, "like: payload must be a JSON object or nothing")
        self.log.record(
            "viewer_events", {"room_id": room.room_id, "viewer_id": session["viewer_id"], "event": "like"}
        )
        self.flow.noticed(room, session["viewer_id"], "like", room.on_screen, time.time())
        return {"ok": True}

    # -- streamer events (privileged) -------------------------------------------------------------
    async def on_streamer_join(self, sid: str, data: Any) -> Ack:
        msg = parse(P.StreamerJoin, data, "streamer_join")
        if not self.streamer_ok(msg.room_id, msg.token):
            self.refused("streamer_join", f"room {msg.room_id[:64]}")
            raise EventError(P.UNAUTHORIZED, "wrong streamer token")
        room = self.registry.get(msg.room_id)
        if room is None:
            raise EventError(P.UNKNOWN_ROOM, f"no room {msg.room_id!r} on this server")
        await self.save_session(sid, {**(await self.get_session(sid)), "streamer_of": msg.room_id})
        await self.enter_room(sid, streamer_channel(msg.room_id))
        return {"ok": True, "room_id": msg.room_id, "queue": [i.as_dict() for i in room.queue]}

    async def _streamer_room(self, sid: str) -> Room:
        session = await self.get_session(sid)
        room = self.registry.get(session.get("streamer_of") or "")
        if room is None:
            raise EventError(P.UNAUTHORIZED, "streamer events need streamer_join with the room's token first")
        return room

    async def on_queue_list(self, sid: str, data: Any) -> Ack:
        room = await self._streamer_room(sid)
        return {"ok": True, "room_id": room.room_id, "queue": [i.as_dict() for i in room.queue]}

    def _queued(self, room: Room, escalation_id: str) -> QueueItem:
        item = room.queue_item(escalation_id)
        if item is None:
            raise EventError(P.UNKNOWN_ESCALATION, f"no open question {escalation_id!r}")
        return item

    async def on_queue_answer(self, sid: str, data: Any) -> Ack:
        """The streamer answers a queued question, with their own text or the bot's guess."""
        room = await self._streamer_room(sid)
        msg = parse(P.QueueAnswer, data, "queue_answer")
        item = self._queued(room, msg.escalation_id)
        floor = self.console(room).guess_above
        if msg.use_guess and not msg.text and not held_answer(item.reason) and item.confidence < floor:
            # the console neither shows nor offers such a guess; sent, it would also teach the shelf
            # that wording (a 0.002 guess taught "面膜孕妇能用吗" a shirt's fit in a trial)
            raise EventError(
                P.BAD_PAYLOAD,
                f"queue_answer: the bot's guess ({item.confidence:.2f}) is below the console's guess_above"
                f" ({floor:g}); write the answer as text",
            )
        # a price or stock guess says the shelf's value now, not the one when the question came
        text = msg.text or ((live_guess(item, room.catalog) or item.guess) if msg.use_guess else None)
        if not text:
            raise EventError(P.BAD_PAYLOAD, "queue_answer: give text, or use_guess when the bot had a guess")
        if not msg.text:
            # the bot's words, in the characters the asker wrote in, as the bot's own replies are
            text = in_viewers_script(text, item.text, traditional_room(room))
        ack = await self.deliver(self.flow.resolve(room, item, text, time.time()))
        if not msg.text:
            # the guess sent as it was is a label: the next comment worded so is answered by the bot
            async with self.registry.editing(room.room_id):
                catalog, labels = guess_confirmed(room.catalog, item)
                for row in labels:
                    self.log.record("qa_labels", row)
                ack["taught"] = catalog is not room.catalog
                if ack["taught"]:
                    await self.registry.replace_catalog(catalog)
                    asked = [
                        (item.comment_id, item.text),
                        *((g["comment_id"], g["text"]) for g in item.grouped),
                    ]
                    self._taught[(room.room_id, item.escalation_id)] = (item.product_id or "", asked)
                    while len(self._taught) > TAUGHT_KEPT:
                        self._taught.popitem(last=False)
        return ack

    async def on_queue_unteach(self, sid: str, data: Any) -> Ack:
        """Take back what sending a guess as it was taught (the console's undo of an approval sent
        unread): its wordings leave the shelf and its askers' comments are unlabelled again. The
        answer already sent stays sent."""
        room = await self._streamer_room(sid)
        msg = parse(P.QueueDismiss, data, "queue_unteach")
        taught = self._taught.pop((room.room_id, msg.escalation_id), None)
        if taught is None:
            raise EventError(
                P.NOT_LEARNED, f"queue_unteach: nothing this server taught for {msg.escalation_id!r} is kept"
            )
        product_id, asked = taught
        async with self.registry.editing(room.room_id):
            catalog = room.catalog
            for _, wording in asked:
                try:
                    catalog = unlearn(catalog, product_id, wording=wording)
                except ValueError:  # taken back already (an operator), or its product left the shelf
                    continue
            changed = catalog is not room.catalog
            if changed:
                await self.registry.replace_catalog(catalog)
        for comment_id, _ in asked:
            await asyncio.to_thread(self.log.drop_labels, room.room_id, comment_id)
        detail = {"product_id": product_id, "wordings": [w for _, w in asked], "by": "streamer"}
        self.log.record(
            "room_events",
            {
                "room_id": room.room_id,
                "event": "unlearned",
                "created_at": time.time(),
                "detail": json.dumps(detail, ensure_ascii=False),
            },
        )
        return {"ok": True, "escalation_id": msg.escalation_id, "untaught": changed}

    async def on_queue_dismiss(self, sid: str, data: Any) -> Ack:
        room = await self._streamer_room(sid)
        msg = parse(P.QueueDismiss, data, "queue_dismiss")
        item = self._queued(room, msg.escalation_id)
        return await self.deliver(self.flow.resolve(room, item, None, time.time()))

    async def on_queue_dismiss_many(self, sid: str, data: Any) -> Ack:
        """Dismiss several queued questions at once; ids no longer open are skipped."""
        room = await self._streamer_room(sid)
        msg = parse(C.QueueDismissManyIn, data, "queue_dismiss_many")
        now, dismissed = time.time(), []
        for escalation_id in dict.fromkeys(msg.escalation_ids):
            item = room.queue_item(escalation_id)
            if item is not None:
                await self.deliver(self.flow.resolve(room, item, None, now))
                dismissed.append(escalation_id)
        return {"ok": True, "dismissed": dismissed}

    # -- the streamer console (privileged) and viewer feedback ------------------------------------
    async def restore_controls(self) -> None:
        """At start-up, before any viewer: each room's questions still waiting for the streamer and its
        console settings and timers, as logged before a restart, and the counters' start: the show's
        (storage/controls.py)."""
        now = time.time()
        for room in self.registry.rooms.values():
            queued = await asyncio.to_thread(self.log.query, *open_questions(room.room_id, now))
            for row in queued:
                item = QueueItem(**row)
                oldest = room.pushed_out_by(item)  # more left open than the queue holds
                if oldest is not None:  # logged as expired (no console is connected yet)
                    for table, logged in self.flow.resolve(room, oldest, None, now, status="expired").rows:
                        self.log.record(table, logged)
                room.enqueue(item)  # the same question asked by many: one item again
            if queued:  # answers operators wrote while the room was closed are the guesses now
                await self.restore_corrections(room, now)
            shown = await asyncio.to_thread(self.log.query, *last_on_screen(room.room_id, now))
            if shown and shown[0]["detail"] and room.catalog.product(shown[0]["detail"]) is not None:
                room.on_screen, room.on_screen_since = shown[0]["detail"], shown[0]["created_at"]
            saved = await asyncio.to_thread(self.log.query, *saved_console(room.room_id))
            if saved:
                try:
                    settings, timers = json.loads(saved[0]["settings"]), json.loads(saved[0]["timers"])
                    C.restore(self.console(room), settings, timers, now)
                except (ValueError, KeyError, TypeError):
                    logger.exception(
                        "room %s: stored console controls unreadable; starting without", room.room_id
                    )
            [show] = await asyncio.to_thread(self.log.query, *show_started(room.room_id, now))
            if show["started"] is not None:
                state = self.console(room)
                state.opened_at, state.last_comment_at = float(show["started"]), float(show["last"])
            if queued or saved or room.on_screen:
                state = self.console(room)
                logger.info(
                    "room %s: %d waiting questions, %d timers%s%s restored",
                    room.room_id,
                    len(queued),
                    len(state.timers),
                    ", paused" if state.paused else "",
                    f", {room.on_screen} on screen" if room.on_screen else "",
                )

    async def restore_corrections(self, room: Room, now: float) -> list[QueueItem]:
        """The operators' corrections of the restored questions (an open room's item took its own at
        once: the same again), from this process's log; returns the items changed. Applied in memory,
        not written back to `escalations`: the rows keep what the bot decided, so the askers of one
        question fold into one item again at the next restart and the correction is applied to it
        again. A cluster applies them to the queue it takes from Redis too (bot/cluster.py)."""
        rows = await asyncio.to_thread(self.log.query, *corrected_answers(room.room_id, now))
        corrections = []
        for row in rows:
            try:
                corrections.append(dict(json.loads(row["detail"])))
            except (ValueError, TypeError):
                logger.warning("room %s: an answer_corrected row is unreadable; skipped", room.room_id)
        changed = answers_in_restored_queue(room, corrections)
        if changed:
            logger.info("room %s: %d waiting questions have an operator's answer", room.room_id, len(changed))
        return changed

    def _save_console(self, room: Room) -> None:
        state = self.console(room)
        timers = [t.as_dict() for t in state.timers.values()]
        self.log.record("consoles", console_row(room.room_id, state.settings(), timers))

    def console(self, room: Room) -> C.ConsoleState:
        """The room's console controls, made on first use."""
        state = self.consoles.get(room.room_id)
        if state is None:
            state = C.ConsoleState(
                room.room_id,
                self.started_at,
                self.approve_below,
                guess_above=self.guess_above,
                expire_min=self.queue_expire_min,
            )
            self.consoles[room.room_id] = state
        return state

    async def run_timers(self, tick_s: float = 1.0) -> None:
        """Background task: send the streamers' timed announcements that are due, close the questions
        that waited too long, and send the open consoles their counters."""
        ticks = 0
        while True:
            await asyncio.sleep(tick_s)
            now = time.time()
            ticks += 1
            for state in list(self.consoles.values()):
                try:
                    await self.deliver(C.due_timers(state, now))
                except Exception:
                    logger.exception("timer messages of %s failed", state.room_id)
            for room in list(self.registry.rooms.values()):
                try:
                    await self._console_tick(room, now, counters=ticks % COUNTERS_EVERY == 0)
                except Exception:
                    logger.exception("console upkeep of %s failed", room.room_id)

    def _streamers_here(self, room: Room) -> bool:
        """Whether a console of the room is connected to this process."""
        rooms = self.server.manager.rooms.get(self.namespace, {})
        return bool(rooms.get(streamer_channel(room.room_id)))

    async def _console_tick(self, room: Room, now: float, counters: bool) -> None:
        """Questions older than the console's `expire_min` leave the queue (status `expired`); a
        connected console gets `console_counters`."""
        state = self.consoles.get(room.room_id)
        if state is not None:
            # a question expires by its newest asker's wait; a complaint never does (a person follows it up)
            waiting = [i for i in room.queue if i.kind != "complaint"]
            for item in [i for i in waiting if state.expired(max([i.created_at, *asked_at(i)]), now)]:
                await self.deliver(self.flow.resolve(room, item, None, now, status="expired"))
        if counters and self._streamers_here(room):
            await self.emit("console_counters", await self._counters(room), to=streamer_channel(room.room_id))
            if state is not None:
                shown = tuple((t.timer_id, t.sent) for t in state.timers.values())
                if shown != self._timers_shown.get(room.room_id, ()):
                    await self._timers_changed(room)

    async def _counters(self, room: Room) -> dict[str, Any]:
        state = self.console(room)
        counters = (await asyncio.to_thread(self.log.query, *live_counters(room.room_id, state.opened_at)))[0]
        return {**counters, "viewers": room.viewers, "since": state.opened_at}

    def shelf(self, room: Room) -> dict[str, Any]:
        """The room's shelf as the console shows it: products by link, the one on screen."""
        products = [
            {
                "product_id": p.id,
                "link": p.link,
                "title": p.title,
                "title_en": p.title_en,
                "price": p.price,
                "original_price": p.original_price,
                "prices": dict(p.prices),  # by version: a price box each (its price follows the lowest)
                # the versions' English names, where the catalog's `en.versions` gives one
                "versions_en": {v: n for v in p.prices if (n := p.version_name(v, "en")) != v},
                "stock": p.stock,
                "faq": {f.id: f.q for f in p.faq},  # where a guess comes from, said by its question
                "faq_en": {f.id: q for f in p.faq if (q := p.en_question(f.id))},  # and in English
                "fields": {
                    k: label_zh(k, p) for k in product_fields(p)
                },  # or by the field's name, as replies say it
            }
            for p in sorted(room.catalog.products, key=lambda p: p.link)
        ]
        return {"room_id": room.room_id, "on_screen": room.on_screen, "products": products}

    async def queue_changed(self, room: Room, item: QueueItem) -> None:
        """An open item changed outside a comment (an operator wrote its answer): the consoles and
        the cluster's other processes get it again under its id."""
        await self._tell_consoles(room, "queue_item", item.as_dict())
        if self.registry.share is not None:
            await self.registry.share("queue_resolve", room.room_id, {"escalation_id": item.escalation_id})
            await self.registry.share("queue_add", room.room_id, item.as_dict())

    async def shelf_changed(self, room: Room, viewers: bool = False) -> None:
        """Tell the room's consoles its shelf or on-screen product changed (`shelf`), and show the
        queued price and stock guesses with the values now (`queue_item` again for each changed).
        `viewers`: prices or stock changed, so the viewers' pages get the shelf too (`shelf_updated`:
        the product on screen and the cards they hold show the new price, a sold-out one can no
        longer be bought from them)."""
        await self._tell_consoles(room, "shelf", self.shelf(room))
        if viewers:
            shelf = {"room_id": room.room_id, "products": shelf_payload(room.catalog)}
            await self._tell_consoles(room, "shelf_updated", shelf, viewers=True)
        for item in list(room.queue):
            guess = live_guess(item, room.catalog)
            if guess is not None and guess != item.guess:
                item.guess = guess
                await self._tell_consoles(room, "queue_item", item.as_dict())

    async def _tell_consoles(
        self, room: Room, event: str, payload: Any, skip_sid: str | None = None, viewers: bool = False
    ) -> None:
        """An update for the room's consoles (`viewers`: for its viewers' pages instead). Never fails
        the change itself: with the fan-out away (Redis down) a console or page catches up when it
        joins again."""
        to = room_channel(room.room_id) if viewers else streamer_channel(room.room_id)
        try:
            await self.emit(event, payload, to=to, skip_sid=skip_sid)
        except Exception:
            who = "viewers" if viewers else "consoles"
            logger.warning("room %s: could not send %s to the %s", room.room_id, event, who, exc_info=True)

    async def on_console_state(self, sid: str, data: Any) -> Ack:
        """Everything the console shows: shelf, on-screen product, queue, controls, timers, counters,
        and the latest comments kept out of the Q&A (read from the log, so a reload still lists them)."""
        room = await self._streamer_room(sid)
        state = self.console(room)
        filtered = recent_filtered(room.room_id, time.time())
        moderation = await asyncio.to_thread(self.log.query, *filtered)
        counters = await self._counters(room)
        # No await from here on: a question queued while the log was read has sent its `queue_item`
        # already and is in this queue too; one queued after is told after this answer. (The queue
        # read before an await lost a question the console had just drawn: the answer's older queue
        # came after its `queue_item` and the console dropped what it did not list.)
        return {
            "ok": True,
            **self.shelf(room),
            "currency": room.catalog.currency,
            "queue": [i.as_dict() for i in room.queue],
            "settings": state.settings(),
            "timers": [t.as_dict() for t in state.timers.values()],
            "counters": counters,
            "moderation": moderation,
            "now": time.time(),  # the server's clock: the console shows how long questions waited
        }

    async def on_console_settings(self, sid: str, data: Any) -> Ack:
        room = await self._streamer_room(sid)
        msg = parse(C.ConsoleSettingsIn, data, "console_settings")
        settings = self.console(room).apply(msg)
        self.log.record(
            "room_events",
            {"room_id": room.room_id, "event": "console_settings", "detail": json.dumps(settings)},
        )
        self._save_console(room)
        if self.registry.share is not None:  # paused on one process is paused on all
            await self.registry.share("console", room.room_id, settings)
        await self._tell_consoles(room, "console_settings", settings, skip_sid=sid)
        return {"ok": True, "room_id": room.room_id, "settings": settings}

    async def on_announce(self, sid: str, data: Any) -> Ack:
        room = await self._streamer_room(sid)
        msg = parse(C.AnnounceIn, data, "announce")
        return await self.deliver(C.streamer_message(room.room_id, msg.text, "announcement", time.time()))

    async def on_timer_set(self, sid: str, data: Any) -> Ack:
        room = await self._streamer_room(sid)
        msg = parse(C.TimerSetIn, data, "timer_set")
        state = self.console(room)
        if len(state.timers) >= self.max_timers:
            raise EventError(P.BAD_PAYLOAD, f"timer_set: at most {self.max_timers} timers per room")
        timer = C.add_timer(state, msg, time.time())
        self._save_console(room)
        await self._timers_changed(room)
        return {"ok": True, "timer": timer.as_dict()}

    async def on_timer_clear(self, sid: str, data: Any) -> Ack:
        room = await self._streamer_room(sid)
        msg = parse(C.TimerClearIn, data, "timer_clear")
        if self.console(room).timers.pop(msg.timer_id, None) is None:
            raise EventError(P.BAD_PAYLOAD, f"timer_clear: no timer {msg.timer_id[:64]!r}")
        self._save_console(room)
        await self._timers_changed(room)
        return {"ok": True, "timer_id": msg.timer_id}

    async def _timers_changed(self, room: Room) -> None:
        """Every console of the room shows the timers as they are (`console_timers`): one added or
        cleared on another console, and each timer's count of messages sent."""
        timers = [t.as_dict() for t in self.console(room).timers.values()]
        self._timers_shown[room.room_id] = tuple((t["timer_id"], t["sent"]) for t in timers)
        await self._tell_consoles(room, "console_timers", {"timers": timers})

    async def on_reply_feedback(self, sid: str, data: Any) -> Ack:
        """A viewer's thumbs up or down on a reply: logged for the operator's review."""
        session, room = await self._joined(sid)
        msg = parse(C.ReplyFeedbackIn, data, "reply_feedback")
        seen = (room.room_id, session["viewer_id"], msg.reply_id)
        if seen in self._feedback_seen:  # once per viewer per reply, whichever connection sends it
            return {"ok": True, "reply_id": msg.reply_id, "counted": False}
        self._feedback_seen[seen] = True
        self.log.record("viewer_events", C.feedback_row(room.room_id, session["viewer_id"], msg))
        return {"ok": True, "reply_id": msg.reply_id, "counted": True}
