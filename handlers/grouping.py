"""One answer for many askers: the same answer is not repeated in a room within a cooldown.

The first viewer to ask gets the answer at once. Viewers asking the same thing (same product and
field or FAQ entry, same answer) during the cooldown are collected and addressed together in one
follow-up when it ends ("@A @B @C 3号链接现在89元"). A changed value (a new price) is answered at once,
addressing everyone waiting.

In a cluster, answers another process sent are `record`ed, so a repeat is grouped whichever process it
reaches, and askers waiting on other processes `join` the follow-up here. When the cooldown ends, the
process of the earliest waiting asker sends the one follow-up naming all of them; the others hand
their askers off and send to those the leader's follow-up did not name (`unconfirmed`) only after
HANDOFF_S: a message through Redis can be late, an answer must not be lost.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from domain.messages import Decision
from handlers.normalize import writes_traditional
from recommender.text import has_han

HANDOFF_S = 2.0  # how long askers handed to another process's follow-up wait for it to name them

# how a comment names a product by its link number ("3号链接", "链接3", "link 3", "#3"): the product
# is in the key already, so these numbers say nothing about the question's own values
_LINK_REF = re.compile(r"\d+\s*号(?:链接)?|链接\s*\d+|\blink\s*#?\s*\d+|#\s*\d+", re.IGNORECASE)
# a value a viewer gives: a number with its unit ("160", "50kg", "1.5米", "38码") or a letter size
_VALUE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:kg|cm|mm|ml|g|m|斤|公斤|千克|厘米|公分|米|码|岁|寸|个|件|天|元|块)?"
    r"|(?<![a-z'’])(?:x{0,3}s|x{0,4}l|m|均码)(?![a-z])",
    re.IGNORECASE,
)


def given_values(text: str) -> tuple[str, ...]:
    """The values a comment gives (heights, weights, sizes, amounts), link references left out:
    "160 50kg穿什么码" gives ("160", "50kg"). Two comments giving different values are different
    questions even when the bot's answer reads the same."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = _LINK_REF.sub(" ", folded)
    return tuple(re.sub(r"\s+", "", m.group(0)) for m in _VALUE.finditer(folded))


def answer_key(decision: Decision, text: str = "") -> tuple[str, str]:
    """What makes two answers the same: the language of the reply, the product and the field or FAQ
    entry, the value named ("有黑色吗" and "有白色吗" are two questions of one field) and the values the
    comment `text` gives ("160 50kg穿什么码" and "175 70kg穿什么码" are two questions of one size chart).
    An English and a Chinese asker of one field are two replies, also across processes, and so are
    askers in traditional and in simplified characters (each is answered in their own)."""
    source = decision.source or ""
    key = f"{source}={decision.asked.lower()}" if decision.asked else source
    script = "zh-hant" if decision.lang == "zh" and writes_traditional(text) else decision.lang
    key = f"{script}:{key}"
    values = given_values(text)
    if values:
        key += "|" + ",".join(values)
    return (decision.product_id or "", key)


@dataclass(frozen=True, slots=True)
class Asker:
    comment_id: str
    viewer_id: str
    name: str | None = None
    sid: str | None = None  # the asker's connection, for an answer sent to them only
    at: float = 0.0  # when they asked
    here: bool = True  # asked on this process (not joined from another one of the cluster)

    @property
    def mention(self) -> str:
        return "@" + (self.name or self.viewer_id)


def mentions(askers: list[Asker]) -> list[str]:
    """Each asker named once, in the order they asked: a viewer who asked twice is one "@name"."""
    seen: dict[str, str] = {}
    for a in askers:
        seen.setdefault(a.viewer_id, a.mention)
    return list(seen.values())


@dataclass
class Group:
    """A reply to send: the answer and everyone it addresses."""

    room_id: str
    key: tuple[str, str]
    text: str
    askers: list[Asker]
    meta: dict[str, object] = field(default_factory=dict)
    due: float = 0.0
    repeat: bool = False

    def leads(self) -> bool:
        """Whether this process sends the follow-up: its earliest asker asked here."""
        return min(self.askers, key=lambda a: (a.at, a.comment_id)).here

    def render(self, max_names: int = 5) -> str:
        everyone = mentions(self.askers)
        names = " ".join(everyone[:max_names])
        more = len(everyone) - max_names
        if more > 0:
            # "@a … @e 等26人" counts everyone, as 等N人 is read; "+21" counts the others
            names += f" 等{len(everyone)}人" if has_han(self.text) else f" +{more}"
        return f"{names} {self.text}"


@dataclass
class _Sent:
    text: str
    at: float


class ReplyGrouper:
    def __init__(self, cooldown_s: float) -> None:
        self.cooldown_s = cooldown_s
        self._sent: dict[tuple[str, tuple[str, str]], _Sent] = {}
        self._waiting: dict[tuple[str, tuple[str, str]], Group] = {}
        # askers handed to another process's follow-up, until it names them (comment_id -> group, by)
        self._handed: dict[str, tuple[Group, float]] = {}

    def offer(self, group: Group, now: float) -> Group | None:
        """A group to send now, or None when the asker joins the follow-up of a recent identical answer."""
        k = (group.room_id, group.key)
        last = self._sent.get(k)
        waiting = self._waiting.pop(k, None)
        if last is None or now - last.at >= self.cooldown_s or last.text != group.text:
            if waiting is not None:
                group.askers = waiting.askers + group.askers
            self._sent[k] = _Sent(group.text, now)
            return group
        if waiting is None:
            waiting = Group(
                group.room_id,
                group.key,
                group.text,
                [],
                group.meta,
                due=last.at + self.cooldown_s,
                repeat=True,
            )
        waiting.askers.extend(group.askers)
        self._waiting[k] = waiting
        return None

    @property
    def pending(self) -> int:
        """Askers whose follow-up has not gone out yet (waiting out a cooldown, or handed off)."""
        return sum(len(g.askers) for g in self._waiting.values()) + len(self._handed)

    def waiting(self, room_id: str, key: tuple[str, str]) -> Group:
        """The follow-up an asker was just added to (`offer` answered None)."""
        return self._waiting[(room_id, key)]

    def join(self, group: Group) -> None:
        """Askers grouped on another process (`here` False) join the follow-up of the same answer here;
        with none waiting here yet, the group waits with the other process's due time."""
        waiting = self._waiting.setdefault((group.room_id, group.key), group)
        if waiting is not group:
            waiting.askers.extend(group.askers)

    def hand_off(self, group: Group, now: float) -> None:
        """The follow-up is another process's to send: keep this process's askers until it names them."""
        for asker in group.askers:
            if asker.here:
                self._handed[asker.comment_id] = (
                    Group(group.room_id, group.key, group.text, [asker], group.meta, repeat=True),
                    now + HANDOFF_S,
                )

    def unconfirmed(self, now: float) -> list[Group]:
        """Askers handed off whose follow-up never named them in time: to be answered from here."""
        late = [c for c, (_, by) in self._handed.items() if by <= now]
        return [self._handed.pop(c)[0] for c in late]

    def record(
        self, room_id: str, key: tuple[str, str], text: str, at: float, reply_to: list[str] | None = None
    ) -> None:
        """Another process sent this answer to the room at `at`, to the comments `reply_to`: the same
        answer asked here within the cooldown joins a follow-up instead of being answered again; askers
        already waiting here get the newest text when their follow-up goes out."""
        for comment_id in reply_to or ():
            self._handed.pop(comment_id, None)
        k = (room_id, key)
        last = self._sent.get(k)
        if last is not None and at < last.at:
            return
        self._sent[k] = _Sent(text, at)
        waiting = self._waiting.get(k)
        if waiting is not None:
            waiting.text = text

    def due(self, now: float, every: bool = False) -> list[Group]:
        """Follow-ups whose cooldown has ended (`every`: all waiting, the server stopping); each
        starts a new cooldown."""
        ready = [g for g in self._waiting.values() if every or g.due <= now]
        for g in ready:
            k = (g.room_id, g.key)
            del self._waiting[k]
            self._sent[k] = _Sent(g.text, now)
        stale = [
            k for k, s in self._sent.items() if now - s.at > 10 * self.cooldown_s and k not in self._waiting
        ]
        for k in stale:
            del self._sent[k]
        return ready
