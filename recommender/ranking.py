"""Which product card a viewer sees next, and why: the `Recommender` facade the handlers call.

Interface (all times are seconds on one clock, passed in as `now`; nothing reads the wall clock):

    rec = Recommender(settings: RecSettings, encoder: TextEncoder)
    rec.set_shelf(room_id, products)           # (re)embeds changed products; CPU-heavy: run off the loop
    rec.observe(room_id, viewer_id, event, product_id, now, amount=1.0, text_vec=None)
        # event: view, watch (amount = seconds on screen), like, comment, question, click, cart,
        # purchase, impression; text_vec = the comment's embedding (adds to the interest embedding)
    rec.recommend(room_id, viewer_id, now, on_screen, trigger, anchor=None, k=1, lang="zh") -> list[Pick]
        # trigger: "question" (anchor = product asked about: its card, plus at most one complement when
        # k ≥ 2), "cart" / "purchase" (anchor: complements), "periodic" (a push to an engaged viewer,
        # only above `periodic_threshold`), anything else: plain top-k
    rec.recommend_many(room_id, viewer_ids, now, product_id) -> list[Pick | None]
        # the streamer put `product_id` on screen: one vectorised pass scores it for every viewer;
        # a Pick for viewers whose personal match reaches `push_threshold`
    rec.record_shown(room_id, viewer_id, product_id, now)   # cards sent by other paths
    rec.rebuild(now) / rec.maybe_rebuild(now)                 # EASE + rules from the observed history
    rec.forget(viewer_id)                                     # a privacy request
    rec.on_observe, rec.on_forget                             # hooks told of both (a cluster shares them)
    rec.strategy_for(viewer_id) -> "personalized" | "popularity"
    rec.rank(room_id, viewer_id, now, on_screen=None, candidates=None) -> [(product_id, score, scores)]
    rec.engaged_viewers(room_id, now) -> list[str]           # who gets the periodic push

`recommend` and `recommend_many` record the picks they return as shown (frequency cap, cooldown,
category runs) unless called with `record=False`; the handler then calls `record_shown` itself.

The blend, every signal in [0, 1] (weights in `RecSettings.blend`):

    score(u, v) = w_sim·sim + w_aff·aff + w_collab·collab + w_pop·pop + w_rule·rule + w_screen·screen
    sim    = clip((cos(interest_u, emb_v) − sim_floor) / (1 − sim_floor), 0, 1)
             interest_u = Σ w·α(t)·emb over the products u touched and u's own comments
    aff    = sign(b)·(1 − e^(−|b|/affinity_scale)),  b(u,v) = Σ wᵢ·rᵢ(u,v)·α(tᵢ), α(t) = e^(−λt)
    collab = (Σ_i b⁺(u,i)·B[i,v]) / max over the shelf, B = EASE item weights (≥ 0 part)
    pop    = room_pop_share·now + (1 − room_pop_share)·overall; now = log1p(decayed clicks/carts/
             orders in the room) / shelf max; overall = (1 − stock_share)·log1p(decayed engagement
             everywhere) / shelf max + stock_share·log1p(stock) / shelf max
    rule   = max over anchors a (the trigger's product, the viewer's purchases·α) of confidence(a→v)
    screen = 1 for the product on screen
The "popularity" strategy keeps only pop and screen. Candidates: products on the room's shelf, in
stock, not bought by the viewer within `bought_block_s` unless their category is consumable; cards
then obey the per-viewer cap, per-product cooldown and at most `max_same_category_run` in a row.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from domain.catalog import Product
from recommender.encoder import TextEncoder
from recommender.profiles import InteractionHistory, ProfileStore, ViewerProfile
from recommender.rec_settings import BlendWeights, RecSettings
from recommender.shelf import ProductTable, Shelf
from recommender.signals import (
    CollabModel,
    DecayedCounts,
    fit_ease,
    mine_rules,
    shelf_collab,
    shelf_rules,
)

__all__ = ["EVENTS", "REASONS", "Pick", "RecSettings", "Recommender", "short_name"]

EVENTS = ("view", "watch", "like", "comment", "question", "click", "cart", "purchase", "impression")
_ROOM_NOW_EVENTS = {"click", "cart", "purchase"}
SIGNALS = ("similarity", "affinity", "collaborative", "popularity", "rule", "on_screen")

REASONS: dict[str, dict[str, str]] = {
    "bought_together": {"zh": "买了{anchor}的人也买了", "en": "People who bought {anchor} also bought this"},
    "asked": {"zh": "你刚问过", "en": "You just asked about this"},
    "hot": {"zh": "直播间热卖", "en": "Selling fast in this room"},
    "for_you": {"zh": "猜你喜欢", "en": "Picked for you"},
    "on_screen": {"zh": "正在讲解", "en": "On screen now"},
}


@dataclass(frozen=True, slots=True)
class Pick:
    """One card for one viewer: what, how sure, the reason the viewer reads, and the log's details."""

    product_id: str
    score: float
    reason: str
    reason_key: str
    strategy: str
    trigger: str
    scores: dict[str, float] = field(default_factory=dict)
    anchor: str | None = None  # the product a "bought together" reason names, for its other language


def short_name(p: Product, lang: str) -> str:
    if lang == "en" and p.title_en:
        return p.title_en if len(p.title_en) <= 40 else p.title_en[:37] + "..."
    return p.aliases[0] if p.aliases else p.title[:12]


class Recommender:
    """Viewer profiles, product signals and the ranking blend for every room of the process."""

    def __init__(self, settings: RecSettings, encoder: TextEncoder) -> None:
        self.settings = settings
        self.encoder = encoder
        s = settings
        self._lock = threading.RLock()
        self._table = ProductTable(encoder.dim)
        self._shelves: dict[str, Shelf] = {}
        self._profiles = ProfileStore(
            encoder.dim, s.half_life_s, s.max_items_per_viewer, s.shown_log, s.max_viewers, s.idle_evict_s
        )
        self._history = InteractionHistory(s.history_viewers, s.history_items_per_viewer)
        self._overall = DecayedCounts(s.overall_pop_half_life_s)
        self._room_now: dict[str, DecayedCounts] = {}
        self._collab = CollabModel(np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32))
        self._rules: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._last_rebuild: float | None = None
        self._consumable = set(s.consumable_categories)
        self._bought_lam = math.log(2) / s.half_life_s
        names = sorted(k for k, v in s.strategy_shares.items() if v > 0)
        total = sum(s.strategy_shares[n] for n in names)
        self._strategy_edges = [
            (n, sum(s.strategy_shares[m] for m in names[: i + 1]) / total) for i, n in enumerate(names)
        ]
        # told of every observe / forget (set by a cluster of processes to share them; any thread)
        self.on_observe: Callable[..., None] | None = None
        self.on_forget: Callable[[str], None] | None = None

    # ---------------------------------------------------------------- shelves and events

    def set_shelf(self, room_id: str, products: Sequence[Product]) -> None:
        """Install a room's current shelf; embeds only new or changed products (call off the event loop)."""
        items = self._table.changed(products)
        vectors = self.encoder.encode([t for _, t, _ in items]) if items else None
        with self._lock:
            if items:
                self._table.install(items, vectors)
            shelf = Shelf(room_id, products, self._table, self._consumable)
            shelf.collab = shelf_collab(self._collab, shelf.gids)
            shelf.rules = shelf_rules(self._rules, shelf.gids)
            shelf.has_rules = bool(shelf.rules.any())
            self._shelves[room_id] = shelf
            self._room_now.setdefault(room_id, DecayedCounts(self.settings.room_pop_half_life_s))

    def observe(
        self,
        room_id: str,
        viewer_id: str,
        event: str,
        product_id: str | None,
        now: float,
        amount: float = 1.0,
        text_vec: np.ndarray | None = None,
        notify: bool = True,
    ) -> None:
        """Fold one viewer event into the profile, popularity and history (events in time order).
        `notify` False: the event came from another process, `on_observe` is not told."""
        ew = self.settings.events
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        r = min(max(amount, 0.0), ew.watch_cap_s) / 60.0 if event == "watch" else amount
        weight = getattr(ew, event) * r
        with self._lock:
            profile = self._profiles.touch(room_id, viewer_id, now)
            gid = self._table.gid(product_id) if product_id else None
            if gid is not None:
                profile.add(gid, weight, self._table.emb[gid], now)
                if weight > 0:
                    self._overall.add(gid, weight, now)
                    self._history.add(viewer_id, gid, order=event == "purchase")
                if event in _ROOM_NOW_EVENTS:
                    self._room_now.setdefault(room_id, DecayedCounts(self.settings.room_pop_half_life_s)).add(
                        gid, weight, now
                    )
                if event == "purchase":
                    profile.bought[gid] = now
                elif event == "cart":
                    profile.carted[gid] = now
                elif event == "question":
                    profile.asked[gid] = now
            if text_vec is not None:
                text_w = ew.question if event == "question" else ew.comment
                profile.add(None, text_w, np.asarray(text_vec, dtype=np.float32).ravel(), now)
        if notify and self.on_observe is not None:
            self.on_observe(room_id, viewer_id, event, product_id, now, amount, text_vec)

    def record_shown(self, room_id: str, viewer_id: str, product_id: str, now: float) -> None:
        """Count a card as shown: frequency cap, cooldown and category runs read this."""
        with self._lock:
            profile = self._profiles.touch(room_id, viewer_id, now)
            gid = self._table.gid(product_id)
            profile.shown.append((now, gid, self._table.category[gid]))

    # ---------------------------------------------------------------- collaborative rebuild

    def rebuild(self, now: float) -> None:
        """Refit EASE and the bought-together rules from the history observed so far."""
        s = self.settings
        with self._lock:
            touched = self._history.touch_lists()
            orders = self._history.order_lists()
            n_items = len(self._table)
            self._history.events = 0
        collab = fit_ease(touched, n_items, s.ease_l2, s.collab_max_items, s.collab_min_viewers)
        rules = mine_rules(orders, n_items, s.rule_min_support, s.rule_min_confidence)
        with self._lock:
            self._collab, self._rules, self._last_rebuild = collab, rules, now
            for shelf in self._shelves.values():
                shelf.collab = shelf_collab(collab, shelf.gids)
                shelf.rules = shelf_rules(rules, shelf.gids)
                shelf.has_rules = bool(shelf.rules.any())

    def maybe_rebuild(self, now: float) -> bool:
        """Rebuild when `rebuild_interval_s` passed and new events arrived; True if it did."""
        due = self._last_rebuild is None or now - self._last_rebuild >= self.settings.rebuild_interval_s
        if due and self._history.events:
            self.rebuild(now)
            return True
        return False

    def bought_together(self, product_id: str) -> list[tuple[str, float]]:
        """Mined rules product → [(other product, confidence)], best first (for reports and tests)."""
        g = self._table.gid_of.get(product_id)
        if g is None or g >= self._rules.shape[0]:
            return []
        row = self._rules.getrow(g)
        pairs = sorted(zip(row.indices, row.data, strict=True), key=lambda x: -x[1])
        return [(self._table.ids[i], float(c)) for i, c in pairs]

    # ---------------------------------------------------------------- strategies

    def forget(self, viewer_id: str, notify: bool = True) -> int:
        """Remove everything known about one viewer (privacy request); the next rebuild drops them from
        the collaborative model too. Returns the number of room profiles removed. `notify` as in
        `observe`."""
        with self._lock:
            self._history.forget(viewer_id)
            removed = self._profiles.forget(viewer_id)
        if notify and self.on_forget is not None:
            self.on_forget(viewer_id)
        return removed

    def strategy_for(self, viewer_id: str) -> str:
        """The viewer's strategy, from a stable hash of the viewer id (same answer in every process)."""
        h = hashlib.blake2b(f"{self.settings.strategy_salt}:{viewer_id}".encode(), digest_size=8).digest()
        x = int.from_bytes(h, "big") / 2**64
        for name, edge in self._strategy_edges:
            if x < edge:
                return name
        return self._strategy_edges[-1][0]

    def _weights(self, strategy: str) -> BlendWeights:
        w = self.settings.blend
        if strategy == "popularity":
            return w.model_copy(
                update={"similarity": 0.0, "affinity": 0.0, "collaborative": 0.0, "rule": 0.0}
            )
        return w

    # ---------------------------------------------------------------- signals (vectorised)

    def _popularity(self, shelf: Shelf, now: float) -> np.ndarray:
        s = self.settings

        def norm(x: np.ndarray) -> np.ndarray:
            x = np.log1p(np.clip(x, 0, None))
            top = x.max() if len(x) else 0.0
            return x / top if top > 0 else np.zeros_like(x)

        room = self._room_now.get(shelf.room_id)
        now_pop = norm(room.values(shelf.gids, now)) if room else np.zeros(len(shelf))
        overall = (1 - s.stock_share) * norm(self._overall.values(shelf.gids, now)) + s.stock_share * norm(
            shelf.stock.astype(np.float64)
        )
        return s.room_pop_share * now_pop + (1 - s.room_pop_share) * overall

    def _signals(
        self,
        shelf: Shelf,
        profiles: Sequence[ViewerProfile | None],
        now: float,
        cols: np.ndarray,
        on_screen: str | None,
        anchor: str | None,
    ) -> dict[str, np.ndarray]:
        """Every signal for viewers × `cols` (shelf columns), each (V × len(cols)) in [0, 1]."""
        s = self.settings
        nv, nc = len(profiles), len(cols)
        live = [(i, p) for i, p in enumerate(profiles) if p is not None and p.n]
        out: dict[str, np.ndarray] = {}

        # similarity: cosine of the interest embedding with the product embedding
        sim = np.zeros((nv, nc), dtype=np.float32)
        if live:
            idx = np.array([i for i, _ in live])
            interest = np.stack([p.interest for _, p in live])
            norms = np.linalg.norm(interest, axis=1, keepdims=True)
            interest /= np.where(norms > 0, norms, 1.0)
            whole = nc == len(shelf) and bool((cols == np.arange(nc)).all())
            cos = interest @ (shelf.emb if whole else shelf.emb[cols]).T
            sim[idx] = np.clip((cos - s.sim_floor) / (1 - s.sim_floor), 0, 1) * (norms > 0)
        out["similarity"] = sim

        # behaviour affinity and collaborative score, from one flattened pass over the profiles
        aff = np.zeros((nv, nc), dtype=np.float32)
        collab = np.zeros((nv, nc), dtype=np.float32)
        if live:
            gids = [p.gids[: p.n] for _, p in live]
            ws = [p.w[: p.n] * p.factor(now) for _, p in live]
            lens = np.array([len(g) for g in gids])
            rows = np.repeat(np.array([i for i, _ in live]), lens)
            g_all, w_all = np.concatenate(gids), np.concatenate(ws)
            pos = np.full(len(shelf), -1, dtype=np.int64)
            pos[cols] = np.arange(nc)
            c = shelf.cols(g_all)
            hit = c >= 0
            c_req = np.where(hit, pos[np.where(hit, c, 0)], -1)
            ok = c_req >= 0
            b = w_all[ok] / s.affinity_scale
            aff[rows[ok], c_req[ok]] = np.sign(b) * (1 - np.exp(-np.abs(b)))
            if self._collab.size and shelf.collab is not None:
                crow = np.full(len(g_all), -1, dtype=np.int64)
                known = g_all < len(self._collab.row_of)
                crow[known] = self._collab.row_of[g_all[known]]
                ok = (crow >= 0) & (w_all > 0)
                x = sp.csr_matrix(
                    (w_all[ok].astype(np.float32), (rows[ok], crow[ok])), shape=(nv, self._collab.size)
                )
                full = np.clip(np.asarray(x @ shelf.collab), 0, None)  # (V × shelf)
                top = full.max(axis=1, keepdims=True)
                collab = (full / np.where(top > 0, top, 1.0))[:, cols]
        out["affinity"] = aff

        # rules: confidence from the anchor and from the viewer's purchases (decayed)
        rule = np.zeros((nv, nc), dtype=np.float32)
        anchor_col = shelf.col_of.get(anchor) if anchor else None
        if shelf.has_rules:
            for i, p in enumerate(profiles):
                anchors: dict[int, float] = {}
                if anchor_col is not None:
                    anchors[anchor_col] = 1.0
                if p is not None:
                    for g, t in p.bought.items():
                        c = shelf.cols(np.array([g]))[0]
                        if c >= 0:
                            anchors[int(c)] = max(
                                anchors.get(int(c), 0.0), math.exp(-self._bought_lam * (now - t))
                            )
                if anchors:
                    a = np.fromiter(anchors, dtype=np.int64)
                    d = np.fromiter(anchors.values(), dtype=np.float32)
                    rule[i] = (shelf.rules[np.ix_(a, cols)] * d[:, None]).max(axis=0)
        # a complement trigger: the anchor's own collaborative neighbours count too
        if anchor_col is not None and self._collab.size and shelf.collab is not None:
            g = int(shelf.gids[anchor_col])
            r = self._collab.row_of[g] if g < len(self._collab.row_of) else -1
            if r >= 0:
                nb = np.clip(shelf.collab[r], 0, None)
                if nb.max() > 0:
                    collab = np.maximum(collab, (nb / nb.max())[cols][None, :])
        out["collaborative"] = collab
        out["rule"] = rule
        out["popularity"] = np.broadcast_to(self._popularity(shelf, now)[cols], (nv, nc)).astype(np.float32)
        screen = np.zeros((nv, nc), dtype=np.float32)
        if on_screen in shelf.col_of:
            screen[:, np.flatnonzero(cols == shelf.col_of[on_screen])] = 1.0
        out["on_screen"] = screen
        return out

    @staticmethod
    def _blend(sig: dict[str, np.ndarray], w: BlendWeights) -> np.ndarray:
        return (
            w.similarity * sig["similarity"]
            + w.affinity * sig["affinity"]
            + w.collaborative * sig["collaborative"]
            + w.popularity * sig["popularity"]
            + w.rule * sig["rule"]
            + w.on_screen * sig["on_screen"]
        )

    def _eligible(self, shelf: Shelf, profile: ViewerProfile | None, now: float) -> np.ndarray:
        """In stock and not just bought (unless consumable)."""
        ok = shelf.in_stock.copy()
        if profile is not None and profile.bought:
            block = self.settings.bought_block_s
            for g, t in profile.bought.items():
                c = shelf.cols(np.array([g]))[0]
                if c >= 0 and now - t < block and not shelf.consumable[c]:
                    ok[c] = False
        return ok

    # ---------------------------------------------------------------- ranking

    def rank(
        self,
        room_id: str,
        viewer_id: str,
        now: float,
        on_screen: str | None = None,
        candidates: Sequence[str] | None = None,
        anchor: str | None = None,
        strategy: str | None = None,
    ) -> list[tuple[str, float, dict[str, float]]]:
        """Eligible shelf products (or `candidates` among them) by blended score, best first; no caps."""
        with self._lock:
            shelf = self._shelves.get(room_id)
            if shelf is None:
                return []
            profile = self._profiles.get(room_id, viewer_id)
            ok = self._eligible(shelf, profile, now)
            if candidates is None:
                cols = np.flatnonzero(ok)
            else:
                cols = np.array(
                    [c for c in (shelf.col_of.get(x) for x in candidates) if c is not None], dtype=np.int64
                )
                cols = cols[ok[cols]]
            sig = self._signals(shelf, [profile], now, cols, on_screen, anchor)
            total = self._blend(sig, self._weights(strategy or self.strategy_for(viewer_id)))[0]
        order = np.argsort(-total, kind="stable")
        return [
            (shelf.ids[cols[j]], float(total[j]), {k: float(v[0, j]) for k, v in sig.items()}) for j in order
        ]

    def _reason(
        self,
        shelf: Shelf,
        col: int,
        sig: dict[str, float],
        w: BlendWeights,
        profile: ViewerProfile,
        now: float,
        anchor: str | None,
        lang: str,
    ) -> tuple[str, str, str | None]:
        parts = {
            "for_you": w.similarity * sig["similarity"] + w.collaborative * sig["collaborative"],
            "asked": w.affinity * sig["affinity"],
            "hot": w.popularity * sig["popularity"],
            "bought_together": w.rule * sig["rule"],
            "on_screen": w.on_screen * sig["on_screen"],
        }
        key = max(parts, key=lambda k: parts[k])
        if sig["rule"] > 0:  # a mined rule is the most concrete reason there is: say it
            key = "bought_together"
        if key == "asked":
            t = profile.asked.get(int(shelf.gids[col]))
            key = "asked" if t is not None and now - t < self.settings.half_life_s else "for_you"
        if key == "bought_together":
            src = self._rule_source(shelf, col, profile, anchor)
            name = short_name(shelf.products[src], lang) if src is not None else ""
            return key, REASONS[key][lang].format(anchor=name), shelf.ids[src] if src is not None else None
        return key, REASONS[key][lang], None

    def _rule_source(self, shelf: Shelf, col: int, profile: ViewerProfile, anchor: str | None) -> int | None:
        if shelf.rules is None:
            return None
        cands = [shelf.col_of[anchor]] if anchor in shelf.col_of else []
        cands += [int(c) for c in shelf.cols(np.fromiter(profile.bought, dtype=np.int64)) if c >= 0]
        cands = [c for c in cands if shelf.rules[c, col] > 0]
        return max(cands, key=lambda c: shelf.rules[c, col]) if cands else None

    def _capped(self, profile: ViewerProfile, now: float, extra: int = 0) -> bool:
        s = self.settings
        recent = sum(1 for t, _, _ in profile.shown if now - t < s.cap_window_s)
        return recent + extra >= s.cap_cards

    def _blocked(
        self, profile: ViewerProfile, gid: int, category: str, now: float, picked: list[tuple[int, str]]
    ) -> bool:
        """Cooldown for this card, or it would make a category run too long."""
        s = self.settings
        if any(g == gid and now - t < s.cooldown_s for t, g, _ in profile.shown) or any(
            g == gid for g, _ in picked
        ):
            return True
        run = [c for _, _, c in profile.shown][-s.max_same_category_run :] + [c for _, c in picked]
        run = run[-s.max_same_category_run :]
        return len(run) == s.max_same_category_run and all(c == category for c in run)

    def recommend(
        self,
        room_id: str,
        viewer_id: str,
        now: float,
        on_screen: str | None,
        trigger: str,
        anchor: str | None = None,
        k: int = 1,
        lang: str = "zh",
        record: bool = True,
    ) -> list[Pick]:
        """Up to k cards for one viewer now (see the module docstring for triggers)."""
        s = self.settings
        with self._lock:
            shelf = self._shelves.get(room_id)
            if shelf is None or k < 1:
                return []
            profile = self._profiles.touch(room_id, viewer_id, now)
            strategy = self.strategy_for(viewer_id)
            w = self._weights(strategy)
            ok = self._eligible(shelf, profile, now)
            cols = np.arange(len(shelf))
            complement = trigger in ("question", "cart", "purchase") and anchor in shelf.col_of
            sig = self._signals(shelf, [profile], now, cols, on_screen, anchor if complement else None)
            total = self._blend(sig, w)[0]
            picks: list[Pick] = []
            picked: list[tuple[int, str]] = []

            def make(col: int, key: str | None = None) -> Pick:
                one = {k2: round(float(v[0, col]), 4) for k2, v in sig.items()}
                named = None
                if key is None:
                    key, text, named = self._reason(shelf, col, one, w, profile, now, anchor, lang)
                else:
                    text = REASONS[key][lang]
                one["total"] = round(float(total[col]), 4)
                picked.append((int(shelf.gids[col]), shelf.categories[col]))
                return Pick(
                    shelf.ids[col], round(float(total[col]), 4), text, key, strategy, trigger, one, named
                )

            limit = k
            if trigger == "question" and anchor in shelf.col_of:
                a = shelf.col_of[anchor]
                if ok[a]:  # the card the viewer asked for: an answer, not a push, so no cap or cooldown
                    picks.append(make(a, "asked"))
                limit = min(k, len(picks) + 1)  # plus at most one complement
                ok &= (sig["rule"][0] > 0) | (sig["collaborative"][0] > 0)  # a real complement or none
            if complement:
                ok[shelf.col_of[anchor]] = False
            threshold = s.periodic_threshold if trigger == "periodic" else -math.inf
            exempt = len(picks)
            for col in np.argsort(-total, kind="stable"):
                if len(picks) >= limit or self._capped(profile, now, len(picks) - exempt):
                    break
                if not ok[col] or total[col] < threshold:
                    continue
                if self._blocked(profile, int(shelf.gids[col]), shelf.categories[col], now, picked):
                    continue
                picks.append(make(int(col)))
            if record:
                for p in picks:
                    g = self._table.gid_of[p.product_id]
                    profile.shown.append((now, g, self._table.category[g]))
            return picks

    def recommend_many(
        self,
        room_id: str,
        viewer_ids: Sequence[str],
        now: float,
        product_id: str,
        lang: str = "zh",
        record: bool = True,
    ) -> list[Pick | None]:
        """`product_id` went on screen: a Pick for each viewer whose match reaches `push_threshold`."""
        s = self.settings
        with self._lock:
            shelf = self._shelves.get(room_id)
            col = shelf.col_of.get(product_id) if shelf else None
            if shelf is None or col is None or not shelf.in_stock[col]:
                return [None] * len(viewer_ids)
            profiles = [self._profiles.get(room_id, v) for v in viewer_ids]
            sig = self._signals(shelf, profiles, now, np.array([col]), product_id, None)
            strategies = [self.strategy_for(v) for v in viewer_ids]
            personal = self._blend(sig, s.blend.model_copy(update={"popularity": 0.0, "on_screen": 0.0}))[
                :, 0
            ]
            pop_arm = self._blend(sig, self._weights("popularity"))[:, 0]
            full = self._blend(sig, s.blend)[:, 0]
            gid, cat = int(shelf.gids[col]), shelf.categories[col]
            text = REASONS["on_screen"][lang]
            out: list[Pick | None] = []
            for i, viewer in enumerate(viewer_ids):
                strategy = strategies[i]
                match = pop_arm[i] if strategy == "popularity" else personal[i]
                if match < s.push_threshold:
                    out.append(None)
                    continue
                p = self._profiles.touch(room_id, viewer, now) if profiles[i] is None else profiles[i]
                bought = p.bought.get(gid)
                if (
                    (bought is not None and now - bought < s.bought_block_s and not shelf.consumable[col])
                    or self._capped(p, now)
                    or self._blocked(p, gid, cat, now, [])
                ):
                    out.append(None)
                    continue
                score = float(pop_arm[i] if strategy == "popularity" else full[i])
                scores = {k: round(float(v[i, 0]), 4) for k, v in sig.items()}
                scores["total"] = round(score, 4)
                out.append(
                    Pick(product_id, round(score, 4), text, "on_screen", strategy, "on_screen", scores)
                )
                if record:
                    p.shown.append((now, gid, cat))
            return out

    def engaged_viewers(self, room_id: str, now: float) -> list[str]:
        """Viewers whose decayed behaviour reaches `engaged_min_weight`: the periodic push's audience."""
        with self._lock:
            return [
                v
                for v, p in self._profiles.in_room(room_id)
                if p.total(now) >= self.settings.engaged_min_weight
            ]

    def similar_products(self, room_id: str, product_id: str, k: int = 5) -> list[tuple[str, float]]:
        """Shelf products nearest in meaning to one product (faiss), itself excluded."""
        with self._lock:
            shelf = self._shelves.get(room_id)
            g = self._table.gid_of.get(product_id)
            if shelf is None or g is None:
                return []
            return [x for x in shelf.similar(self._table.emb[g], k + 1) if x[0] != product_id][:k]
