"""The streamer console's room controls: pause, approve-before-send, announcements, timers, feedback.

Pure with respect to sockets: the namespace keeps one ConsoleState per room and delivers the Outcomes
these functions return. Time comes in as `now` (unix seconds).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.catalog import Product
from domain.messages import Decision, new_id
from handlers.comments import room_channel
from handlers.outbox import Outcome
from handlers.payloads import SaidText
from handlers.qa import APPROVE, PAUSED
from storage.controls import SHOW_GAP_S


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class ConsoleSettingsIn(_Payload):
    paused: bool | None = None
    approve_mode: bool | None = None
    approve_below: float | None = Field(default=None, ge=0, le=1)
    guess_above: float | None = Field(default=None, ge=0, le=1)
    expire_min: float | int | None = Field(default=None, ge=0, le=1440)


class QueueDismissManyIn(_Payload):
    escalation_ids: list[str] = Field(min_length=1, max_length=500)


class AnnounceIn(_Payload):
    text: SaidText


class TimerSetIn(_Payload):
    text: SaidText
    every_min: float | int | None = Field(default=None, ge=0.05, le=1440)
    every_comments: int | None = Field(default=None, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _some_trigger(self) -> TimerSetIn:
        if self.every_min is None and self.every_comments is None:
            raise ValueError("give every_min, every_comments or both")
        return self


class TimerClearIn(_Payload):
    timer_id: str = Field(min_length=1, max_length=64)


class ReplyFeedbackIn(_Payload):
    reply_id: str = Field(min_length=1, max_length=64)
    helpful: bool


@dataclass
class Timer:
    """A message the bot sends every `every_min` minutes and/or every `every_comments` comments."""

    timer_id: str
    text: str
    every_min: float | None
    every_comments: int | None
    last_at: float
    comments_at_last: int = 0
    sent: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "timer_id": self.timer_id,
            "text": self.text,
            "every_min": self.every_min,
            "every_comments": self.every_comments,
            "sent": self.sent,
        }

    def due(self, now: float, comments: int) -> bool:
        by_time = self.every_min is not None and now - self.last_at >= self.every_min * 60
        by_count = self.every_comments is not None and comments - self.comments_at_last >= self.every_comments
        return by_time or by_count


@dataclass
class ConsoleState:
    """One room's console controls and the counts its timers need."""

    room_id: str
    opened_at: float  # the console's counters count from here: the show's start
    approve_below: float
    paused: bool = False
    approve_mode: bool = False
    guess_above: float = 0.5  # the console shows the bot's guess only from this confidence up
    expire_min: float = 30.0  # a queued question waits this long at most (0: until answered)
    comments: int = 0  # comments that reached the answer path, for the timers (refused ones do not count)
    timers: dict[str, Timer] = field(default_factory=dict)
    last_comment_at: float | None = None

    def heard(self, now: float) -> None:
        """A comment said in the room, refused or not (the log's view: `show_started`). The first
        one heard, and the first after SHOW_GAP_S without one, starts a new show: the counters count
        from it (before it, from `opened_at`, the server's start)."""
        if self.last_comment_at is None or now - self.last_comment_at >= SHOW_GAP_S:
            self.opened_at = now
        self.last_comment_at = now

    def settings(self) -> dict[str, Any]:
        return {
            "paused": self.paused,
            "approve_mode": self.approve_mode,
            "approve_below": self.approve_below,
            "guess_above": self.guess_above,
            "expire_min": self.expire_min,
        }

    def apply(self, msg: ConsoleSettingsIn) -> dict[str, Any]:
        """Change the given settings; returns the whole set."""
        if msg.paused is not None:
            self.paused = msg.paused
        if msg.approve_mode is not None:
            self.approve_mode = msg.approve_mode
        if msg.approve_below is not None:
            self.approve_below = float(msg.approve_below)
        if msg.guess_above is not None:
            self.guess_above = float(msg.guess_above)
        if msg.expire_min is not None:
            self.expire_min = float(msg.expire_min)
        return self.settings()

    def expired(self, created_at: float, now: float) -> bool:
        """Whether a question asked at `created_at` has waited longer than the console allows."""
        return self.expire_min > 0 and now - created_at >= self.expire_min * 60


# a price change this large is refused unless the streamer confirms it (a cleared box, a slipped digit)
PRICE_CUT_CONFIRM = 0.5  # new price below half the old one
PRICE_RISE_CONFIRM = 3.0  # new price above three times the old one


def price_jump(old: float, new: float) -> bool:
    """Whether going from `old` to `new` is a jump the streamer must confirm."""
    if old <= 0:
        return False
    return new < old * (1 - PRICE_CUT_CONFIRM) or new > old * PRICE_RISE_CONFIRM


def version_prices(product: Product, raw: Any, price_given: bool) -> dict[str, float] | str:
    """The versions' prices a live change gives (`{version: price}`, some or all of the product's
    versions), or what is wrong with them. The product's price then follows, the lowest of them:
    a change giving both is refused, as is a version the product does not have."""
    if not product.prices:
        return "this product has one price: change price, not prices"
    if price_given:
        return "give prices or price, not both: the price is the lowest version's"
    if not isinstance(raw, dict) or not raw:
        return 'prices: an object of version: price, e.g. {"M": 99}'
    unknown = [str(v) for v in raw if v not in product.prices]
    if unknown:
        have = " / ".join(product.prices)
        return f"no version {unknown[0][:40]!r} in {product.id}: its versions are {have}"
    bad = [v for v, a in raw.items() if isinstance(a, bool) or not isinstance(a, (int, float)) or a < 0]
    if bad:
        return f"prices.{bad[0]} must be a number, 0 or more"
    return {v: float(a) for v, a in raw.items()}


def changed_since(product: Product, expect: dict[str, Any]) -> str:
    """The values that differ from what a change expects to find ("" if none), said for a person:
    "price is 99, prices.M is 109". `expect["prices"]` gives some versions' prices."""
    moved: list[str] = []
    for key, value in expect.items():
        if key == "prices":
            given = value if isinstance(value, dict) else {}  # the caller checked it is an object
            moved += [
                f"prices.{v} is {product.prices[v]:g}" if v in product.prices else f"prices.{v} is unset"
                for v, a in given.items()
                if product.prices.get(v) != a
            ]
        elif getattr(product, key) != value:
            now = getattr(product, key)
            moved.append(f"{key} is {now:g}" if now is not None else f"{key} is unset")
    return ", ".join(moved)


def gate(decision: Decision, state: ConsoleState) -> Decision:
    """An answer the bot must not send on its own (paused, or unsure in approve mode) becomes an
    escalation carrying the answer as its guess, so the streamer can approve it with one click."""
    if decision.kind != "answer" or not decision.reply:
        return decision
    if state.paused:
        reason = PAUSED
    elif state.approve_mode and decision.confidence < state.approve_below:
        # rounded down: a 0.996 held below 1 reads "0.99 < 1", not "1.00 < 1.00"
        shown = math.floor(round(decision.confidence * 100, 6)) / 100  # 0.29 * 100 is 28.999…
        reason = f"{APPROVE} ({shown:.2f} < {state.approve_below:g})"
    else:
        return decision
    return dataclasses.replace(decision, kind="escalate", guess=decision.reply, reply=None, reason=reason)


def streamer_message(room_id: str, text: str, source: str, now: float) -> Outcome:
    """A message from the streamer to the whole room (announcement or timer), sent and logged."""
    reply_id = new_id("r")
    payload: dict[str, Any] = {
        "reply_id": reply_id,
        "text": text,
        "reply_to": [],
        "viewer_ids": [],
        "author": "streamer",
        "audience": "room",
        "product_id": None,
        "source": source,
        "confidence": 1.0,
    }
    out = Outcome({"ok": True, "reply_id": reply_id})
    out.emit("bot_reply", payload, room_channel(room_id))
    out.log(
        "replies",
        {**payload, "room_id": room_id, "created_at": now, "reply_to": "[]", "viewer_ids": "[]"},
    )
    return out


def restore(state: ConsoleState, settings: dict[str, Any], timers: list[dict[str, Any]], now: float) -> None:
    """Controls stored before a restart (`ConsoleState.settings`, `Timer.as_dict`): the settings apply
    again, each timer's clocks start over from `now`."""
    state.apply(ConsoleSettingsIn.model_validate(settings))
    for t in timers:
        msg = TimerSetIn.model_validate(t)
        every_min = float(msg.every_min) if msg.every_min is not None else None
        timer = Timer(str(t["timer_id"]), msg.text, every_min, msg.every_comments, now, state.comments)
        state.timers[timer.timer_id] = timer


def add_timer(state: ConsoleState, msg: TimerSetIn, now: float) -> Timer:
    timer = Timer(
        new_id("t"),
        msg.text,
        float(msg.every_min) if msg.every_min is not None else None,
        msg.every_comments,
        now,
        state.comments,
    )
    state.timers[timer.timer_id] = timer
    return timer


def due_timers(state: ConsoleState, now: float) -> Outcome:
    """Every timer that is due fires once; its clocks restart."""
    out = Outcome()
    for timer in list(state.timers.values()):
        if timer.due(now, state.comments):
            timer.last_at, timer.comments_at_last = now, state.comments
            timer.sent += 1
            out.extend(streamer_message(state.room_id, timer.text, "timer", now))
    return out


def feedback_row(room_id: str, viewer_id: str, msg: ReplyFeedbackIn) -> dict[str, Any]:
    """A viewer's thumbs up or down on a reply, as a viewer_events row."""
    return {
        "room_id": room_id,
        "viewer_id": viewer_id,
        "event": "feedback",
        "detail": json.dumps({"reply_id": msg.reply_id, "helpful": msg.helpful}),
    }
