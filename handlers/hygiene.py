"""Room hygiene: banned words (with their common evasions), floods, and the bot's own reply budget."""

from __future__ import annotations

import functools
import re
import time
import unicodedata
from collections import deque
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pypinyin import lazy_pinyin

_NOT_WORD = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


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


def skeleton(text: str) -> str:
    """Full-width folded, lower-cased, with every space, symbol and emoji removed: 加 微-信 → 加微信."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


@functools.lru_cache(maxsize=1 << 16)
def _char_pinyin(ch: str) -> str:
    return lazy_pinyin(ch)[0] if _HAN.match(ch) else ch


def pinyin_skeleton(text: str) -> str:
    """The skeleton spelt in toneless pinyin, so 加薇信 and jia wei xin both read jiaweixin. Character
    by character, each in its usual reading (banned words are spelt the same way): every comment is
    checked, and this is thirty times cheaper than reading whole phrases."""
    return "".join(_char_pinyin(ch) for ch in skeleton(text))


class BannedWords:
    def __init__(self, words: list[str]) -> None:
        self.words = [(w, skeleton(w), pinyin_skeleton(w)) for w in words if skeleton(w)]

    def find(self, text: str) -> str | None:
        """The banned word the text contains, in plain form, spaced out, full-width or as pinyin/homophones."""
        plain = skeleton(text)
        spelt: str | None = None
        for word, skel, py in self.words:
            if skel in plain:
                return word
            if len(_HAN.findall(word)) >= 2:  # one-syllable pinyin would match far too much
                spelt = spelt if spelt is not None else pinyin_skeleton(text)
                if py in spelt:
                    return word
        return None


class FloodGuard:
    """One viewer repeating the same text within a window."""

    def __init__(self, repeats: int, window_s: float) -> None:
        self.repeats = repeats
        self.window_s = window_s
        self.seen: dict[str, deque[tuple[str, float]]] = {}

    def is_flood(self, viewer_key: str, text: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        key = skeleton(text)
        q = self.seen.setdefault(viewer_key, deque(maxlen=64))
        while q and now - q[0][1] > self.window_s:
            q.popleft()
        q.append((key, now))
        return sum(1 for k, _ in q if k == key) >= self.repeats

    def forget(self, viewer_key: str) -> None:
        self.seen.pop(viewer_key, None)


class RateLimit:
    """At most `per_10s` comments from one sender (a connection, a viewer) in any 10 seconds."""

    WINDOW_S = 10.0

    def __init__(self, per_10s: int) -> None:
        self.per_10s = per_10s
        self.recent: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float) -> bool:
        window = self.recent.setdefault(key, deque())
        while window and now - window[0] > self.WINDOW_S:
            window.popleft()
        if len(window) >= self.per_10s:
            return False
        window.append(now)
        return True

    def forget(self, key: str) -> None:
        self.recent.pop(key, None)


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
