"""Room hygiene: banned words (with their common evasions), floods, and the bot's own reply budget."""

from __future__ import annotations

import re
import time
import unicodedata
from collections import deque
from collections.abc import Sequence
from typing import Literal

from cachetools import TTLCache
from pydantic import BaseModel, ConfigDict, Field

from recommender.text import HAN, char_pinyin

_NOT_WORD = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")


class HygieneSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    banned_words: list[str] = Field(
        default_factory=lambda: [
            "加微信",
            "加vx",
            "加qq",
            "私聊我",
            "刷单",
            "兼职日结",
            "傻逼",
            "操你",
            "去死",
        ],
        description="comments containing one of these (or an evasion of it) are not answered; logged",
    )
    allowed_words: list[str] = Field(
        default_factory=lambda: ["去死皮", "去死角", "去死茧", "去死细胞", "去死叶", "去死根", "草拟"],
        description="words a banned word (or its sound) is part of that say something else: a comment "
        "whose every banned stretch lies inside one is answered (the shelf's own names are allowed too)",
    )
    flood_repeats: int = Field(
        3, ge=2, le=100, description="the same text this often from one viewer is a flood"
    )
    flood_window_s: float = Field(30, gt=0, le=3600)
    max_replies_per_minute: int = Field(
        30, ge=1, le=10_000, description="bot messages to one room per minute"
    )
    reply_burst: int = Field(
        3,
        ge=1,
        le=10_000,
        description="room replies sent back to back at most; then they are spaced over the minute",
    )
    repeat_share: float = Field(
        0.8, gt=0, le=1, description="share of the budget that grouped repeats may use"
    )
    over_cap: Literal["private", "drop"] = Field(
        "private",
        description="an answer beyond the room's budget goes to its askers only (private) or is not sent",
    )
    repeat_cooldown_s: float = Field(10, ge=0, le=600, description="the same answer is not repeated sooner")
    viewer_reply_share: float = Field(
        0.2,
        gt=0,
        le=1,
        description="share of the room's replies a minute one viewer's questions may use; beyond it their "
        "answers go to them alone, so one viewer cannot spend the room's budget",
    )
    queue_per_viewer: int = Field(
        3,
        ge=1,
        le=500,
        description="open questions one viewer may have in a room's streamer queue (and, apart from "
        "them, open complaints)",
    )
    max_viewers_tracked: int = Field(
        100_000,
        ge=100,
        le=10_000_000,
        description="per-viewer state kept (flood guard, reply share); the least recently used goes first",
    )


class SenderLimitSettings(BaseModel):
    """Comment rates per viewer, per connection and per source address (the `limits` section)."""

    model_config = ConfigDict(extra="forbid")

    comments_per_10s: int = Field(
        10, ge=1, le=1000, description="per viewer id and per connection; more is refused with rate_limited"
    )
    comments_per_10s_per_address: int = Field(
        200,
        ge=1,
        le=100_000,
        description="per source address, every viewer behind it together (a shared NAT or proxy counts once)",
    )
    trust_forwarded_for: bool = Field(
        False,
        description="behind a reverse proxy: the source address is X-Forwarded-For's first hop, not the peer",
    )
    max_senders_tracked: int = Field(
        100_000, ge=100, le=10_000_000, description="rate windows kept; idle ones expire after 10 s"
    )


def skeleton(text: str) -> str:
    """Full-width folded, lower-cased, with every space, symbol and emoji removed: 加 微-信 → 加微信."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def pinyin_skeleton(text: str) -> str:
    """The skeleton spelt in toneless pinyin, so 加薇信 and jia wei xin both read jiaweixin. Character
    by character, each in its usual reading (banned words are spelt the same way): every comment is
    checked, and this is thirty times cheaper than reading whole phrases."""
    return "".join(char_pinyin(ch) for ch in skeleton(text))


class BannedWords:
    """Banned words found in a comment, in plain form, spaced out, full-width or by their sound (pinyin
    or homophones); not inside a word that says something else (`allowed`: "能去死皮吗" is no curse,
    nor an aquarium shop's 水草泥, whose sound holds 操你's)."""

    def __init__(self, words: Sequence[str], allowed: Sequence[str] = ()) -> None:
        self.words = [(w, skeleton(w), pinyin_skeleton(w)) for w in words if skeleton(w)]
        self.allowed = tuple(a for a in map(skeleton, allowed) if a)

    def find(self, text: str, allowed: Sequence[str] = ()) -> str | None:
        """The banned word the text says, or None. `allowed`: more words that say something else
        than a banned word inside them (a room's shelf names)."""
        plain = skeleton(text)
        spelt: str | None = None
        owner: list[int] = []  # of each letter of `spelt`, the character of `plain` it spells
        free: set[int] | None = None  # the characters of `plain` inside no allowed word
        for word, skel, py in self.words:
            spans = [(i, i + len(skel)) for i in _occurrences(skel, plain)]
            if len(HAN.findall(word)) >= 2:  # one-syllable pinyin would match far too much
                if spelt is None:
                    pieces = [char_pinyin(ch) for ch in plain]
                    spelt = "".join(pieces)
                    owner = [i for i, piece in enumerate(pieces) for _ in piece]
                spans += [(owner[i], owner[i + len(py) - 1] + 1) for i in _occurrences(py, spelt)]
            if not spans:
                continue
            if free is None:
                free = _outside(plain, (*self.allowed, *allowed))
            if any(free.intersection(range(a, b)) for a, b in spans):
                return word
        return None


def _occurrences(part: str, whole: str) -> list[int]:
    """Where `part` starts in `whole`, overlapping starts too."""
    out, at = [], whole.find(part)
    while at >= 0:
        out.append(at)
        at = whole.find(part, at + 1)
    return out


def _outside(plain: str, allowed: Sequence[str]) -> set[int]:
    """The positions of `plain` no allowed word's occurrence covers."""
    free = set(range(len(plain)))
    for word in filter(None, map(skeleton, allowed)):
        for at in _occurrences(word, plain):
            free.difference_update(range(at, at + len(word)))
    return free


def expiring(maxsize: int, ttl_s: float) -> TTLCache:
    """A dict whose entries expire `ttl_s` after they were last set and of at most `maxsize` entries
    (least recently used out first): per-viewer state that must not grow with every viewer ever seen."""
    return TTLCache(maxsize=maxsize, ttl=ttl_s, timer=time.monotonic)


class FloodGuard:
    """One viewer repeating the same text within a window. A viewer's record expires a window after
    its last comment."""

    def __init__(self, repeats: int, window_s: float, max_viewers: int = 100_000) -> None:
        self.repeats = repeats
        self.window_s = window_s
        self.seen: TTLCache = expiring(max_viewers, window_s)

    def is_flood(self, viewer_key: str, text: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        key = skeleton(text)
        q: deque[tuple[str, float]] = self.seen.get(viewer_key) or deque(maxlen=64)
        while q and now - q[0][1] > self.window_s:
            q.popleft()
        q.append((key, now))
        self.seen[viewer_key] = q  # set again: expires a window after the last comment
        return sum(1 for k, _ in q if k == key) >= self.repeats

    def forget(self, viewer_key: str) -> None:
        self.seen.pop(viewer_key, None)


class RateLimit:
    """At most `per_10s` comments from one sender (a connection, a viewer, an address) in any 10
    seconds. A sender's window expires 10 s after its last comment; at most `max_keys` are kept."""

    WINDOW_S = 10.0

    def __init__(self, per_10s: int, max_keys: int = 100_000) -> None:
        self.per_10s = per_10s
        self.recent: TTLCache = expiring(max_keys, self.WINDOW_S)

    def _window(self, key: str, now: float) -> deque[float]:
        window: deque[float] = self.recent.get(key) or deque()
        while window and now - window[0] > self.WINDOW_S:
            window.popleft()
        return window

    def has_room(self, key: str, now: float) -> bool:
        return len(self._window(key, now)) < self.per_10s

    def take(self, key: str, now: float) -> None:
        window = self._window(key, now)
        window.append(now)
        self.recent[key] = window

    def allow(self, key: str, now: float) -> bool:
        if not self.has_room(key, now):
            return False
        self.take(key, now)
        return True

    def forget(self, key: str) -> None:
        self.recent.pop(key, None)


class SenderLimits:
    """Comments counted per viewer id, per connection and per source address: 30 connections as one
    viewer share one viewer's rate, and many viewer ids from one address share the address's. A comment
    is taken only when all three have room, and then counts in all three, so a refused flood does not
    use up what the other viewers behind the same address may send."""

    def __init__(self, settings: SenderLimitSettings) -> None:
        n = settings.max_senders_tracked
        self.viewers = RateLimit(settings.comments_per_10s, n)
        self.connections = RateLimit(settings.comments_per_10s, n)
        self.addresses = RateLimit(settings.comments_per_10s_per_address, n)

    def refusal(self, viewer: str | None, sid: str, address: str | None, now: float) -> str | None:
        """None when the comment may go (it is counted then); else the limit it is over, said for the
        sender. `viewer` None: the viewer's rate was counted elsewhere (Redis, bot/cluster.py)."""
        checks = [(self.connections, sid, "this connection")]
        if viewer is not None:
            checks.append((self.viewers, viewer, "this viewer"))
        if address:
            checks.append((self.addresses, address, "this address"))
        for limit, key, who in checks:
            if not limit.has_room(key, now):
                return f"more than {limit.per_10s} comments in 10 s from {who}"
        for limit, key, _ in checks:
            limit.take(key, now)
        return None

    def forget_connection(self, sid: str) -> None:
        self.connections.forget(sid)


class ReplyBudget:
    """At most `per_minute` bot messages in a room in any minute, at most `burst` of them back to back
    (a token bucket refilled at `per_minute` a minute), so a busy start does not spend the minute in
    one second. Repeats may only use part of it: unique answers first."""

    def __init__(self, per_minute: int, repeat_share: float, burst: int | None = None) -> None:
        self.per_minute = per_minute
        self.repeat_share = repeat_share
        self.burst = float(per_minute if burst is None else min(burst, per_minute))
        self.tokens = self.burst
        self.refilled_at: float | None = None
        self.sent: deque[float] = deque()

    def allow(self, repeat: bool, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self._refill(now)
        share = self.repeat_share if repeat else 1.0
        if len(self.sent) >= self.per_minute * share or self.tokens < 1.0 + self.burst * (1.0 - share):
            return False
        self.tokens -= 1.0
        self.sent.append(now)
        return True

    def spend(self, now: float | None = None) -> None:
        """Count a message sent without asking (another process of the cluster sent it to the room):
        the minute's window and the bucket are charged even past the limit, at most one burst into
        debt, which the refill repays before this process sends again."""
        now = time.monotonic() if now is None else now
        self._refill(now)
        self.tokens = max(self.tokens - 1.0, -self.burst)
        self.sent.append(now)

    def _refill(self, now: float) -> None:
        while self.sent and now - self.sent[0] > 60.0:
            self.sent.popleft()
        if self.refilled_at is not None:
            elapsed = max(0.0, now - self.refilled_at)
            self.tokens = min(self.burst, self.tokens + elapsed * self.per_minute / 60.0)
        # a message from another process may be stamped a little before the last refill
        self.refilled_at = now if self.refilled_at is None else max(self.refilled_at, now)
