"""Live state of the rooms this process serves: shelf knowledge, on-screen product, queue, cards."""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cachetools import TTLCache

from domain.catalog import Catalog, Product
from domain.messages import Lang, ProductCard
from handlers.fields import FieldMatch, price_version, render_field
from handlers.hygiene import expiring
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.normalize import detect_lang, normalize
from recommender.encoder import TextEncoder
from recommender.ranking import Recommender

RECENT_PRODUCT_S = 120.0  # "这个" may mean what the same viewer asked about this long ago
MAX_CARDS = 50_000
MAX_QUEUE = 500
MAX_VIEWERS_REMEMBERED = 100_000  # per room: viewers whose last product and language are kept
LANG_KEPT_S = 3600.0  # a viewer's language is kept this long after their last comment


class RecentAsks:
    """What each viewer last asked about: the product and, for a plain field answer, the field
    ("3号呢" asks it of another product). Kept RECENT_PRODUCT_S after the question, for at most
    MAX_VIEWERS_REMEMBERED viewers; the product no longer counts once another one is put on screen
    (a viewer's "多少钱" then asks about what the streamer shows now)."""

    def __init__(self) -> None:
        # viewer_id -> (product, field, wall-clock time asked)
        self._asks: TTLCache = expiring(MAX_VIEWERS_REMEMBERED, RECENT_PRODUCT_S)

    def remember(self, viewer_id: str, product_id: str, field: str | None = None) -> None:
        self._asks[viewer_id] = (product_id, field, time.time())

    def forget(self, viewer_id: str) -> None:
        self._asks.pop(viewer_id, None)

    def product(self, viewer_id: str, on_screen: str | None, on_screen_since: float) -> str | None:
        hit = self._asks.get(viewer_id)
        if hit is None or (on_screen not in (None, hit[0]) and on_screen_since > hit[2]):
            return None
        return hit[0]

    def field(self, viewer_id: str) -> str | None:
        hit = self._asks.get(viewer_id)
        return hit[1] if hit is not None else None


@dataclass
class QueueItem:
    """A comment handed to the streamer: a question with the bot's best guess, or a complaint."""

    escalation_id: str
    comment_id: str
    viewer_id: str
    text: str
    product_id: str | None
    guess: str | None
    confidence: float
    reason: str
    created_at: float
    # "question" (the bot could not answer it) or "complaint" (after-sales trouble: a person must
    # follow it up; the console shows it in a lane of its own)
    kind: str = "question"
    source: str | None = None  # the field or FAQ entry the guess comes from
    # later askers of the same question folded into this item:
    # {escalation_id, comment_id, viewer_id, name, text, created_at}
    grouped: list[dict[str, Any]] = field(default_factory=list)
    name: str | None = None  # the asker's display name, as the reply names them
    # the product on screen when it was asked: a complaint or a question the bot tied to no product,
    # or to another one, is often about it, and the streamer judges that (the console shows it)
    on_screen: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {**self.__dict__, "grouped": list(self.grouped)}


def asked_at(item: QueueItem) -> list[float]:
    """When the askers folded into an item asked."""
    return [float(g["created_at"]) for g in item.grouped]


def live_guess(item: QueueItem, catalog: Catalog) -> str | None:
    """A queued price or stock guess said again with the shelf's value now (the streamer may have
    changed the price since the question came), or None when the guess quotes no live value."""
    product = catalog.product(item.product_id) if item.product_id else None
    if item.kind != "question" or item.source not in ("price", "stock") or product is None or not item.guess:
        return None
    asked = price_version(product, normalize(item.text)) if item.source == "price" else None
    return render_field(
        product, FieldMatch(item.source, 1.0, asked), detect_lang(item.text), catalog.currency
    )


# what two wordings of one question may differ in: punctuation, spaces, sentence-final particles
_NOT_ASKED = re.compile(r"[\s\W_]+|[吗嘛呢呀啊吖哇哦噢啦么]+(?=[\s\W_]*$)")


def question_key(item: QueueItem) -> tuple[str, str, str] | None:
    """What makes two queued questions the same one: the product, the product on screen when each was
    asked, and the text once punctuation, case, spaces and trailing particles are gone ("有XL吗" =
    "有xl吗？？"). Complaints are never grouped. "带盆吗" asked watching the succulents is not the
    same question as it was watching the potted plant, whichever product the bot tied each to: one
    answer from the console would be said to both."""
    if getattr(item, "kind", "question") == "complaint":
        return None
    text = _NOT_ASKED.sub("", normalize(item.text))
    return (item.product_id or "", item.on_screen or "", text) if text else None


@dataclass
class Room:
    knowledge: RoomKnowledge
    on_screen: str | None = None
    viewers: int = 0
    queue: deque[QueueItem] = field(default_factory=lambda: deque(maxlen=MAX_QUEUE))
    cards: OrderedDict[str, ProductCard] = field(default_factory=OrderedDict)
    recent: RecentAsks = field(default_factory=RecentAsks)
    # viewer_id -> (sid, joined_at): the viewers connected now (removed when they leave)
    members: dict[str, tuple[str, float]] = field(default_factory=dict)
    on_screen_since: float = 0.0
    shown_before: str | None = None  # the product on screen before this one ("上一个")
    # the language each viewer last wrote in, kept LANG_KEPT_S after their last comment
    langs: TTLCache = field(default_factory=lambda: expiring(MAX_VIEWERS_REMEMBERED, LANG_KEPT_S))

    @property
    def room_id(self) -> str:
        return self.knowledge.catalog.room_id

    @property
    def catalog(self) -> Catalog:
        return self.knowledge.catalog

    def queue_item(self, escalation_id: str) -> QueueItem | None:
        return next((i for i in self.queue if i.escalation_id == escalation_id), None)

    def queued_for(self, comment_id: str) -> QueueItem | None:
        """The open item holding a comment: its own, or one it was folded into."""
        return next(
            (
                i
                for i in self.queue
                if i.comment_id == comment_id or any(g["comment_id"] == comment_id for g in i.grouped)
            ),
            None,
        )

    def same_question(self, item: QueueItem) -> QueueItem | None:
        """The open item asking what `item` asks (`question_key`), to fold `item` into."""
        key = question_key(item)
        if key is None:
            return None
        return next((i for i in self.queue if i is not item and question_key(i) == key), None)

    def pushed_out_by(self, item: QueueItem) -> QueueItem | None:
        """The open item that must leave the full queue for `item` to come in: its oldest question
        (its oldest complaint only when it holds nothing else); None while there is room, or when
        `item` folds into an open item (the deque would otherwise drop its oldest item unseen)."""
        if self.queue.maxlen is None or len(self.queue) < self.queue.maxlen or self.same_question(item):
            return None
        return next((i for i in self.queue if i.kind != "complaint"), self.queue[0])

    def enqueue(self, item: QueueItem, name: str | None = None) -> QueueItem:
        """Add a question to the queue, or fold it (its asker's `name` too) into the open item asking
        the same; returns the item that now holds it."""
        name = name if name is not None else item.name
        same = self.same_question(item)
        if same is None:
            item.name = name
            self.queue.append(item)
            return item
        same.grouped.append(
            {
                "escalation_id": item.escalation_id,
                "comment_id": item.comment_id,
                "viewer_id": item.viewer_id,
                "name": name,
                "text": item.text,
                "created_at": item.created_at,
            }
        )
        return same

    def remember_card(self, card: ProductCard) -> None:
        self.cards[card.card_id] = card
        while len(self.cards) > MAX_CARDS:
            self.cards.popitem(last=False)

    def lang_of(self, viewer_id: str) -> Lang:
        return self.langs.get(viewer_id, "zh")

    def remember_product(self, viewer_id: str, product_id: str, field: str | None = None) -> None:
        """The product a viewer just asked about and, for a field answer, the field ("price")."""
        self.recent.remember(viewer_id, product_id, field)

    def recent_product(self, viewer_id: str) -> str | None:
        return self.recent.product(viewer_id, self.on_screen, self.on_screen_since)

    def recent_field(self, viewer_id: str) -> str | None:
        """The field the viewer's last answered question asked ("3号呢" asks it of another product)."""
        return self.recent.field(viewer_id)


class RoomRegistry:
    """Rooms by id. Index building runs in `executor`-style threads, never on the event loop."""

    def __init__(self, encoder: TextEncoder, dense_weight: float, recommender: Recommender) -> None:
        self.encoder = encoder
        self.dense_weight = dense_weight
        self.recommender = recommender
        self.rooms: dict[str, Room] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._edit_locks: dict[str, asyncio.Lock] = {}
        # set when several processes serve the rooms: tells the others (kind, room_id, payload)
        self.share: Callable[[str, str, dict[str, Any]], Awaitable[None]] | None = None
        # told every shelf a room changes to, from here or from the cluster (kept across restarts)
        self.changed: Callable[[Catalog], None] | None = None

    def get(self, room_id: str) -> Room | None:
        return self.rooms.get(room_id)

    def forget(self, viewer_id: str) -> None:
        """Drop what the rooms keep about a viewer: the product last asked about, the language, and
        the viewer's questions waiting in the streamer's queue (answered later, they would be logged
        again after the viewer's rows were deleted)."""
        for room in self.rooms.values():
            room.recent.forget(viewer_id)
            room.langs.pop(viewer_id, None)
            for item in [i for i in room.queue if i.viewer_id == viewer_id]:
                room.queue.remove(item)

    def open_sync(self, catalog: Catalog) -> Room:
        """Open a room at start-up (blocking: builds the FAQ index)."""
        room = Room(build_knowledge(catalog, self.encoder, self.dense_weight))
        self.recommender.set_shelf(catalog.room_id, catalog.products)
        self.rooms[catalog.room_id] = room
        return room

    def editing(self, room_id: str) -> asyncio.Lock:
        """Held around every read-modify-write of a room's shelf (`async with registry.editing(id)`:
        read `room.catalog`, change it, `replace_catalog`): two changes at once (a streamer's price
        and another product's stock, an operator's correction) each start from the shelf the other
        left, instead of the later swap putting back what the earlier one changed."""
        return self._edit_locks.setdefault(room_id, asyncio.Lock())

    async def replace_catalog(self, catalog: Catalog, share: bool = True) -> Room:
        """Swap a room's whole shelf while live; the index is rebuilt off the loop, then swapped in.
        `share` tells the other processes of a cluster (False when the change came from them)."""
        lock = self._locks.setdefault(catalog.room_id, asyncio.Lock())
        async with lock:
            room = self.rooms.get(catalog.room_id)
            if room is None:
                room = await asyncio.to_thread(self.open_sync, catalog)
            else:
                room.knowledge = await asyncio.to_thread(
                    room.knowledge.with_catalog, catalog, self.encoder, self.dense_weight
                )
                await asyncio.to_thread(self.recommender.set_shelf, catalog.room_id, catalog.products)
                if room.on_screen and catalog.product(room.on_screen) is None:
                    room.on_screen = None
            if self.changed is not None:
                self.changed(catalog)
        if share and self.share is not None:
            await self.share("catalog", catalog.room_id, catalog.model_dump(mode="json"))
        return room

    async def update_product(self, room: Room, product: Product) -> None:
        """A live price or stock change: the next answer quotes the new value. The caller holds
        `editing(room)` from the moment it read the product."""
        await self.replace_catalog(room.catalog.with_product(product))
