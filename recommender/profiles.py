"""Viewer state: decayed behaviour and interest profiles (live), and the bounded history rebuilds read.

Decay is α(t) = e^(−λt). A profile stores every value scaled to its own reference time t0
(value(now) = stored · e^(−λ(now − t0))), so an event costs O(1) instead of decaying every entry;
the reference moves forward before the exponent grows large.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Iterator

import numpy as np

_REBASE = 30.0  # rebase once stored values grow by e^30


def decay_rate(half_life_s: float) -> float:
    """λ for a half-life; 0 means no decay."""
    return math.log(2) / half_life_s if half_life_s > 0 else 0.0


class ViewerProfile:
    """One viewer in one room: b(u,v) per product, interest embedding, purchases, cards shown."""

    __slots__ = (
        "asked",
        "bought",
        "cap",
        "carted",
        "gids",
        "interest",
        "lam",
        "last_seen",
        "n",
        "shown",
        "slot_of",
        "t0",
        "w",
    )

    def __init__(self, dim: int, lam: float, cap: int, shown_log: int, now: float) -> None:
        self.lam = lam
        self.cap = cap
        self.t0 = now
        self.last_seen = now
        self.n = 0
        self.gids = np.zeros(min(cap, 16), dtype=np.int64)
        self.w = np.zeros(min(cap, 16), dtype=np.float64)
        self.slot_of: dict[int, int] = {}
        self.interest = np.zeros(dim, dtype=np.float32)
        self.bought: dict[int, float] = {}  # gid → time of last purchase
        self.carted: dict[int, float] = {}
        self.asked: dict[int, float] = {}
        self.shown: deque[tuple[float, int, str]] = deque(maxlen=shown_log)  # (time, gid, category)

    def _scale(self, t: float) -> float:
        if self.lam and self.lam * (t - self.t0) > _REBASE:
            f = math.exp(-self.lam * (t - self.t0))
            self.w[: self.n] *= f
            self.interest *= f
            self.t0 = t
        return math.exp(self.lam * (t - self.t0)) if self.lam else 1.0

    def factor(self, now: float) -> float:
        """Multiply stored values by this to get their value at `now`."""
        return math.exp(-self.lam * (now - self.t0)) if self.lam else 1.0

    def add(self, gid: int | None, weight: float, vector: np.ndarray | None, t: float) -> None:
        """Add w·α to product `gid`'s affinity and w·α·vector to the interest sum."""
        s = self._scale(t)
        if gid is not None and weight:
            slot = self.slot_of.get(gid)
            if slot is None:
                slot = self._free_slot()
                self.slot_of[gid] = slot
                self.gids[slot] = gid
                self.w[slot] = 0.0
            self.w[slot] += weight * s
        if vector is not None and weight > 0:
            self.interest += (weight * s) * vector

    def _free_slot(self) -> int:
        if self.n < len(self.w):
            self.n += 1
            return self.n - 1
        if self.n < self.cap:
            size = min(self.cap, 2 * len(self.w))
            self.gids = np.concatenate([self.gids, np.zeros(size - len(self.gids), dtype=np.int64)])
            self.w = np.concatenate([self.w, np.zeros(size - len(self.w))])
            self.n += 1
            return self.n - 1
        slot = int(np.argmin(self.w[: self.n]))  # full: forget the weakest product
        del self.slot_of[int(self.gids[slot])]
        return slot

    def affinity(self, now: float) -> tuple[np.ndarray, np.ndarray]:
        """(gids, decayed b(u,v)) of the products this viewer touched."""
        return self.gids[: self.n], self.w[: self.n] * self.factor(now)

    def total(self, now: float) -> float:
        """Decayed positive behaviour: how engaged the viewer is now."""
        return float(np.clip(self.w[: self.n], 0, None).sum()) * self.factor(now)


class ProfileStore:
    """Live profiles keyed by (room, viewer), LRU-bounded and evicted when idle."""

    def __init__(
        self, dim: int, half_life_s: float, items_cap: int, shown_log: int, max_viewers: int, idle_s: float
    ):
        self.dim = dim
        self.lam = decay_rate(half_life_s)
        self.items_cap = items_cap
        self.shown_log = shown_log
        self.max_viewers = max_viewers
        self.idle_s = idle_s
        self._p: OrderedDict[tuple[str, str], ViewerProfile] = OrderedDict()

    def __len__(self) -> int:
        return len(self._p)

    def forget(self, viewer_id: str) -> int:
        """Drop a viewer's profiles in every room; returns how many there were."""
        keys = [k for k in self._p if k[1] == viewer_id]
        for k in keys:
            del self._p[k]
        return len(keys)

    def get(self, room_id: str, viewer_id: str) -> ViewerProfile | None:
        return self._p.get((room_id, viewer_id))

    def touch(self, room_id: str, viewer_id: str, now: float) -> ViewerProfile:
        """The viewer's profile (created when new), marked as active at `now`."""
        key = (room_id, viewer_id)
        p = self._p.get(key)
        if p is None:
            p = ViewerProfile(self.dim, self.lam, self.items_cap, self.shown_log, now)
            self._p[key] = p
            self._evict(now)
        else:
            self._p.move_to_end(key)
        p.last_seen = max(p.last_seen, now)
        return p

    def _evict(self, now: float) -> None:
        while self._p:
            key, oldest = next(iter(self._p.items()))
            if len(self._p) > self.max_viewers or oldest.last_seen < now - self.idle_s:
                del self._p[key]
            else:
                break

    def in_room(self, room_id: str) -> Iterator[tuple[str, ViewerProfile]]:
        for (room, viewer), p in self._p.items():
            if room == room_id:
                yield viewer, p


class InteractionHistory:
    """Who touched what and who ordered what, across rooms: the input of collaborative rebuilds.

    Bounded: at most `max_viewers` viewers (least recently active dropped) and `max_items` products
    per viewer (least recently touched dropped).
    """

    def __init__(self, max_viewers: int, max_items: int) -> None:
        self.max_viewers = max_viewers
        self.max_items = max_items
        self.touched: OrderedDict[str, OrderedDict[int, None]] = OrderedDict()
        self.ordered: dict[str, OrderedDict[int, None]] = {}
        self.events = 0  # events since the last rebuild

    def add(self, viewer_id: str, gid: int, order: bool) -> None:
        self.events += 1
        for store, is_order in ((self.touched, False), (self.ordered, True)):
            if is_order and not order:
                continue
            items = store.get(viewer_id)
            if items is None:
                items = store[viewer_id] = OrderedDict()
            items[gid] = None
            items.move_to_end(gid)
            if len(items) > self.max_items:
                items.popitem(last=False)
        self.touched.move_to_end(viewer_id)
        while len(self.touched) > self.max_viewers:
            gone, _ = self.touched.popitem(last=False)
            self.ordered.pop(gone, None)

    def forget(self, viewer_id: str) -> None:
        self.touched.pop(viewer_id, None)
        self.ordered.pop(viewer_id, None)

    def touch_lists(self) -> list[np.ndarray]:
        return [np.fromiter(items, dtype=np.int64, count=len(items)) for items in self.touched.values()]

    def order_lists(self) -> list[np.ndarray]:
        return [np.fromiter(items, dtype=np.int64, count=len(items)) for items in self.ordered.values()]
