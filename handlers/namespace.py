"""The live-room Socket.IO namespace: the only place that knows sids and emits.

Every viewer event is validated, handled, logged and acknowledged `{ok: true, ...}` or
`{ok: false, error: {code, message}}`; a refused event is also sent to its sender as an `error` event.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any

import socketio

from domain.messages import Comment, Decision, ProductCard, Reply
from handlers import payloads as P
from handlers.payloads import EventError, parse
from handlers.qa import QASettings, answer_comment
from handlers.rooms import QueueItem, Room, RoomRegistry
from recommender.cards import card_for_answer
from storage.log import InteractionLog

logger = logging.getLogger(__name__)

Ack = dict[str, Any]


def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:15]


def room_channel(room_id: str) -> str:
    """The Socket.IO room that carries a live room's broadcasts."""
    return f"room:{room_id}"


def streamer_channel(room_id: str) -> str:
    return f"streamer:{room_id}"


class LiveRoomNamespace(socketio.AsyncNamespace):
    def __init__(
        self,
        registry: RoomRegistry,
        log: InteractionLog,
        qa: QASettings,
        executor: Executor,
        max_comment_chars: int = 500,
        comments_per_10s: int = 10,
        max_viewers_per_room: int = 100_000,
        cards_enabled: bool = True,
        namespace: str = "/",
    ) -> None:
        super().__init__(namespace)
        self.registry = registry
        self.log = log
        self.qa = qa
        self.executor = executor
        self.max_comment_chars = max_comment_chars
        self.comments_per_10s = comments_per_10s
        self.max_viewers_per_room = max_viewers_per_room
        self.cards_enabled = cards_enabled
        self._recent_comments: dict[str, deque[float]] = {}
        self._handlers: dict[str, Callable[[str, Any], Awaitable[Ack]]] = {
            "join_room": self.on_join_room,
            "leave_room": self.on_leave_room,
            "comment": self.on_comment,
            "card_click": self.on_card_click,
            "add_to_cart": self.on_add_to_cart,
            "purchase": self.on_purchase,
            "like": self.on_like,
        }

    # -- dispatch: one place that isolates errors -------------------------------------------------
    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in ("connect", "disconnect"):
            return await super().trigger_event(event, *args)
        sid = args[0] if args else ""
        data = args[1] if len(args) > 1 else None
        handler = self._handlers.get(event)
        try:
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

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        return True

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        room_id = session.get("room_id")
        if room_id:
            self._leave(sid, session, "disconnect")
        self._recent_comments.pop(sid, None)

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
        self.log.record("viewer_events", {
            "room_id": session["room_id"], "viewer_id": session["viewer_id"], "event": "leave", "detail": why,
        })

    def _rate_ok(self, sid: str) -> bool:
        now = time.monotonic()
        window = self._recent_comments.setdefault(sid, deque())
        while window and now - window[0] > 10.0:
            window.popleft()
        if len(window) >= self.comments_per_10s:
            return False
        window.append(now)
        return True

    def _product(self, room: Room, product_id: str) -> Any:
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
        session = await self.get_session(sid)
        if session.get("room_id") == msg.room_id and session.get("viewer_id") == msg.viewer_id:
            return {"ok": True, "room_id": msg.room_id, "on_screen": room.on_screen}
        if room.viewers >= self.max_viewers_per_room:
            raise EventError(P.ROOM_FULL, f"room {msg.room_id} is full")
        if session.get("room_id"):
            await self.on_leave_room(sid, None)
        await self.save_session(sid, {"room_id": msg.room_id, "viewer_id": msg.viewer_id, "name": msg.name})
        await self.enter_room(sid, room_channel(msg.room_id))
        room.viewers += 1
        self.log.record("viewer_events", {
            "room_id": msg.room_id, "viewer_id": msg.viewer_id, "event": "join", "detail": msg.name,
        })
        return {"ok": True, "room_id": msg.room_id, "on_screen": room.on_screen,
                "products": len(room.catalog.products)}

    async def on_leave_room(self, sid: str, data: Any) -> Ack:
        session = await self.get_session(sid)
        room_id = session.get("room_id")
        if not room_id:
            raise EventError(P.NOT_IN_ROOM, "not in a room")
        await self.leave_room(sid, room_channel(room_id))
        self._leave(sid, session, "leave_room")
        await self.save_session(sid, {})
        return {"ok": True, "room_id": room_id}

    async def on_comment(self, sid: str, data: Any) -> Ack:
        session, room = await self._joined(sid)
        if isinstance(data, dict) and isinstance(data.get("text"), str) and len(data["text"]) > self.max_comment_chars:
            raise EventError(P.COMMENT_TOO_LONG, f"comment is longer than {self.max_comment_chars} characters")
        msg = parse(P.CommentIn, data, "comment")
        if not self._rate_ok(sid):
            raise EventError(P.RATE_LIMITED, f"more than {self.comments_per_10s} comments in 10 s; slow down")
        viewer_id = session["viewer_id"]
        comment = Comment(_new_id("c"), room.room_id, viewer_id, msg.text, time.time(), session.get("name"))
        knowledge, on_screen = room.knowledge, room.on_screen
        recent = room.recent_product(viewer_id)
        loop = asyncio.get_running_loop()
        decision: Decision = await loop.run_in_executor(
            self.executor, answer_comment, comment.text, knowledge, on_screen, self.qa, recent
        )
        self.log.record("comments", {
            "comment_id": comment.comment_id, "room_id": room.room_id, "viewer_id": viewer_id,
            "viewer_name": comment.viewer_name, "text": comment.text, "kind": decision.kind,
            "product_id": decision.product_id, "source": decision.source, "confidence": decision.confidence,
            "lang": decision.lang, "created_at": comment.created_at,
        })
        ack: Ack = {"ok": True, "comment_id": comment.comment_id, "kind": decision.kind}
        if decision.kind == "answer" and decision.reply:
            reply = await self._send_reply(room, comment, decision)
            ack["reply_id"] = reply.reply_id
            product = knowledge.catalog.product(decision.product_id or "")
            if product is not None:
                room.remember_product(viewer_id, product.id)
                if self.cards_enabled and product.in_stock:
                    card = card_for_answer(room.room_id, viewer_id, product, decision.lang, decision.confidence)
                    await self._send_card(sid, room, card)
                    ack["card_id"] = card.card_id
        elif decision.kind == "escalate":
            item = QueueItem(
                _new_id("e"), comment.comment_id, viewer_id, comment.text, decision.product_id, decision.guess,
                decision.confidence, decision.reason, comment.created_at,
            )
            room.queue.append(item)
            self.log.record("escalations", {**item.as_dict(), "room_id": room.room_id, "status": "open"})
            await self.emit("queue_item", item.as_dict(), room=streamer_channel(room.room_id))
            ack["escalated"] = True
        return ack

    async def _send_reply(self, room: Room, comment: Comment, decision: Decision) -> Reply:
        reply = Reply(
            _new_id("r"), room.room_id, decision.reply or "", (comment.comment_id,), decision.product_id,
            decision.source, decision.confidence, time.time(),
        )
        payload = {
            "reply_id": reply.reply_id, "text": reply.text, "reply_to": list(reply.reply_to),
            "viewer_ids": [comment.viewer_id], "product_id": reply.product_id, "source": reply.source,
            "confidence": reply.confidence, "lang": decision.lang,
        }
        await self.emit("bot_reply", payload, room=room_channel(room.room_id))
        self.log.record("replies", {**payload, "reply_to": json.dumps(list(reply.reply_to)),
                                    "room_id": room.room_id, "created_at": reply.created_at})
        return reply

    async def _send_card(self, sid: str, room: Room, card: ProductCard) -> None:
        room.remember_card(card)
        await self.emit("product_card", card_payload(card), to=sid)
        self.log.record("card_impressions", {
            "card_id": card.card_id, "room_id": card.room_id, "viewer_id": card.viewer_id,
            "product_id": card.product_id, "reason": card.reason, "strategy": card.strategy,
            "score": card.score, "scores": json.dumps(card.extra), "created_at": card.created_at,
        })

    async def on_card_click(self, sid: str, data: Any) -> Ack:
        session, room = await self._joined(sid)
        msg = parse(P.CardClick, data, "card_click")
        card = room.cards.get(msg.card_id)
        if card is None:
            raise EventError(P.UNKNOWN_CARD, f"no card {msg.card_id!r} in room {room.room_id}")
        self.log.record("card_clicks", {
            "card_id": card.card_id, "room_id": room.room_id, "viewer_id": session["viewer_id"],
            "product_id": card.product_id,
        })
        return {"ok": True, "card_id": card.card_id, "product_id": card.product_id}

    async def on_add_to_cart(self, sid: str, data: Any) -> Ack:
        session, room = await self._joined(sid)
        msg = parse(P.AddToCart, data, "add_to_cart")
        product = self._product(room, msg.product_id)
        if not product.in_stock:
            raise EventError(P.SOLD_OUT, f"{product.id} is sold out")
        self.log.record("cart_adds", {
            "room_id": room.room_id, "viewer_id": session["viewer_id"], "product_id": product.id,
            "card_id": msg.card_id,
        })
        return {"ok": True, "product_id": product.id}

    async def on_purchase(self, sid: str, data: Any) -> Ack:
        session, room = await self._joined(sid)
        msg = parse(P.Purchase, data, "purchase")
        product = self._product(room, msg.product_id)
        self.log.record("purchases", {
            "room_id": room.room_id, "viewer_id": session["viewer_id"], "product_id": product.id,
            "qty": msg.qty, "price": product.price, "card_id": msg.card_id,
        })
        return {"ok": True, "product_id": product.id, "qty": msg.qty}

    async def on_like(self, sid: str, data: Any) -> Ack:
        session, room = await self._joined(sid)
        if data is not None and not isinstance(data, dict):
            raise EventError(P.BAD_PAYLOAD, "like: payload must be a JSON object or nothing")
        self.log.record("viewer_events", {"room_id": room.room_id, "viewer_id": session["viewer_id"], "event": "like"})
        return {"ok": True}


def card_payload(card: ProductCard) -> dict[str, Any]:
    return {
        "card_id": card.card_id, "product_id": card.product_id, "title": card.title, "price": card.price,
        "original_price": card.original_price, "link": card.link, "in_stock": card.in_stock,
        "reason": card.reason,
    }
