"""What comes into a room and what goes out: comments, replies, cards, escalations."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["answer", "escalate", "purchase", "chat", "complaint"]
Lang = Literal["zh", "en"]
# how the reason of chat or an order that may be after-sales trouble starts: the operators' review
# list shows those comments by it (storage/reports.py, status `maybe_complaint`)
MAYBE_COMPLAINT = "may be after-sales trouble"

# ids unique across processes and restarts: a random part drawn once per process, then a counter
# (a uuid4 per comment asks the OS for randomness each time: a syscall on the event loop's hot path)
_RUN = secrets.token_hex(5)
_SEQ = itertools.count(1)


def new_id(prefix: str) -> str:
    """A fresh id for a comment, reply, card, escalation or timer: `prefix` + 10 hex + a counter."""
    return f"{prefix}{_RUN}{next(_SEQ):x}"


@dataclass(frozen=True, slots=True)
class Comment:
    """A viewer comment, already validated and stamped by the server."""

    comment_id: str
    room_id: str
    viewer_id: str
    text: str
    created_at: float
    viewer_name: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What the bot understood of one comment and what it would say.

    `reply` is set only when the bot answers in the room; an escalation carries the bot's best guess
    in `guess` so the streamer can approve it.
    """

    kind: Kind
    lang: Lang
    product_id: str | None = None
    source: str | None = None
    confidence: float = 0.0
    reply: str | None = None
    guess: str | None = None
    reason: str = ""
    # the value a field answer is about ("XL", "黑色"), if the viewer named one; of a size for the
    # viewer's measures, the measures ("腰2尺4"): answers that differ in it are never grouped
    asked: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A bot message to the whole room."""

    reply_id: str
    room_id: str
    text: str
    reply_to: tuple[str, ...]
    product_id: str | None
    source: str | None
    confidence: float
    created_at: float


@dataclass(frozen=True, slots=True)
class ProductCard:
    """A product card pushed to one viewer."""

    card_id: str
    room_id: str
    viewer_id: str
    product_id: str
    title: str
    price: float
    original_price: float | None
    link: int
    in_stock: bool
    reason: str
    strategy: str
    score: float
    created_at: float
    extra: dict[str, float | str] = field(default_factory=dict)
