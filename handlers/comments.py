"""What happens to a comment once understood: hygiene, grouped replies, cards, the streamer's queue.

Pure with respect to sockets: every method returns an Outcome (ack, emits, log rows) that the
namespace delivers. Time comes in as `now` (unix seconds) so tests can drive the clock.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from domain.catalog import Catalog, Product
from domain.messages import Comment, Decision, Lang, ProductCard, new_id
from handlers.grouping import Asker, Group, ReplyGrouper, answer_key
from handlers.hygiene import BannedWords, FloodGuard, HygieneSettings, ReplyBudget, expiring
from handlers.normalize import in_viewers_script, shelf_traditional
from handlers.outbox import Outcome
from handlers.qa import field_asked, held_answer
from handlers.rooms import QueueItem, Room
from recommender.cards import card_from_pick, card_reasons, card_titles
from recommender.ranking import Pick, Recommender
from storage.controls import BURSTS, RATE_BURST_S
from storage.schema import TABLES

# what a viewer with a complaint is told (to them alone): a person takes it from here
COMPLAINT_ACK: dict[Lang, str] = {
    "zh": "抱歉给你添麻烦了，已经转给主播和客服，会有人尽快跟进处理。",
    "en": "Sorry about this. We've passed it to the streamer and our support team; a person will follow up soon.",
}


def grouped_payload(group: Group, due: float) -> dict[str, Any]:
    """What the cluster's other processes need to name a grouped asker in their follow-up."""
    a = group.askers[0]
    asker = {"comment_id": a.comment_id, "viewer_id": a.viewer_id, "name": a.name, "sid": a.sid, "at": a.at}
    return {"key": list(group.key), "text": group.text, "meta": group.meta, "due": due, "asker": asker}


def room_channel(room_id: str) -> str:
    """The Socket.IO room that carries a live room's broadcasts."""
    return f"room:{room_id}"


def viewer_channel(room_id: str, viewer_id: str) -> str:
    """The Socket.IO room of one viewer's connections in a live room: what is said to them alone
    reaches them on whichever connection (and process) they are on now."""
    return f"viewer:{room_id}/{viewer_id}"  # ids may hold ":", never "/"


def traditional_room(room: Room) -> bool:
    """Whether the room's shelf is written in traditional characters (its replies are then too)."""
    return shelf_traditional(tuple(p.title for p in room.catalog.products))


def streamer_channel(room_id: str) -> str:
    """The Socket.IO room of a live room's streamers (queue items, moderation)."""
    return f"streamer:{room_id}"


def comment_row(comment: Comment, decision: Decision | None, filtered: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "comment_id": comment.comment_id,
        "room_id": comment.room_id,
        "viewer_id": comment.viewer_id,
        "viewer_name": comment.viewer_name,
        "text": comment.text,
        "filtered": filtered,
        "created_at": comment.created_at,
    }
    if decision is not None:
        row.update(
            kind=decision.kind,
            product_id=decision.product_id,
            source=decision.source,
            confidence=decision.confidence,
            lang=decision.lang,
            reason=decision.reason,
        )
    return row


def card_payload(
    card: ProductCard,
    titles: dict[str, str] | None = None,
    reasons: dict[str, str] | None = None,
    prices: dict[str, float] | None = None,
    versions_en: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`title` and `reason` are in the language of what brought the card; `titles` and `reasons` carry
    both page languages, so a viewer's page shows the one its 中文 / English switch is set to.
    `prices`: the product's prices by version, if it has them (`price` is then the lowest);
    `versions_en`: their English names, where the catalog gives them (an English page shows those)."""
    return {
        "card_id": card.card_id,
        "product_id": card.product_id,
        "title": card.title,
        "titles": titles or {"zh": card.title, "en": card.title},
        "reason_key": str(card.extra.get("reason_key", "")),
        "reasons": reasons or {"zh": card.reason, "en": card.reason},
        "price": card.price,
        "original_price": card.original_price,
        "prices": dict(prices or {}),
        "versions_en": dict(versions_en or {}),
        "link": card.link,
        "in_stock": card.in_stock,
        "reason": card.reason,
    }


def versions_en(product: Product) -> dict[str, str]:
    """The English names of a product's versions (`en.versions`), for an English page."""
    return dict(product.en.versions) if product.en is not None else {}


def product_payload(product: Product) -> dict[str, Any]:
    """A product as a viewer's page shows it on screen: its name in both languages, link and price
    (and its prices by version, if it has them)."""
    return {
        "product_id": product.id,
        "link": product.link,
        "titles": card_titles(product),
        "price": product.price,
        "original_price": product.was_price,
        "prices": dict(product.prices),
        "versions_en": versions_en(product),
        "in_stock": product.in_stock,
    }


def shelf_payload(catalog: Catalog) -> list[dict[str, Any]]:
    """The room's shelf as a viewer's page shows it: every product's payload, by link."""
    return [product_payload(p) for p in sorted(catalog.products, key=lambda p: p.link)]


class CommentFlow:
    """Room policy around answers, shared by every room this process serves."""

    def __init__(
        self,
        hygiene: HygieneSettings,
        recommender: Recommender,
        cards_enabled: bool = True,
        card_repeat_s: float = 60.0,
    ) -> None:
        self.settings = hygiene
        self.recommender = recommender
        self.cards_enabled = cards_enabled
        # one card per viewer per product within card_repeat_s, whatever pushed it (a question, the
        # screen, the periodic push): (room, viewer, product) -> when its last card went out
        self.card_repeat_s = card_repeat_s
        self._carded: dict[tuple[str, str, str], float] = {}
        self.banned = BannedWords(hygiene.banned_words, hygiene.allowed_words)
        self.flood = FloodGuard(hygiene.flood_repeats, hygiene.flood_window_s, hygiene.max_viewers_tracked)
        self.grouper = ReplyGrouper(hygiene.repeat_cooldown_s)
        self.budgets: dict[str, ReplyBudget] = {}
        # (room_id, viewer_id) -> the viewer's share of the room's reply budget; a full bucket is the
        # same as none, and every bucket is full again within a minute: kept a minute after last use
        self.viewer_budgets = expiring(hygiene.max_viewers_tracked, 60.0)
        # (room_id, viewer_id, reason) of a rate-limited or flooding comment within the last RATE_BURST_S:
        # a burst going on
        self._refusing = expiring(hygiene.max_viewers_tracked, RATE_BURST_S)

    # -- before understanding ---------------------------------------------------------------------
    def screen(
        self, comment: Comment, now: float, flood: bool | None = None, shelf_words: Sequence[str] = ()
    ) -> str | None:
        """Why this comment must not be answered (banned word, flood), or None. `flood` is the verdict
        of counters shared by a cluster; None: this process's flood guard decides. `shelf_words`: the
        room's own words, which a banned word inside does not ban (`RoomKnowledge.shelf_words`)."""
        word = self.banned.find(comment.text, shelf_words)
        if word is not None:
            return "banned_word"
        if flood is None:
            flood = self.flood.is_flood(f"{comment.room_id}/{comment.viewer_id}", comment.text, now)
        return "flood" if flood else None

    def filtered(self, comment: Comment, reason: str) -> Outcome:
        """A comment kept out of the Q&A: logged with the reason, seen by the streamers (of a viewer's
        burst of rate-limited or flooding comments, the first: storage/controls.py lists the same)."""
        out = Outcome({"ok": True, "comment_id": comment.comment_id, "kind": "filtered", "filtered": reason})
        out.log("comments", comment_row(comment, None, reason))
        if reason in BURSTS:
            key = (comment.room_id, comment.viewer_id, reason)
            going_on = key in self._refusing
            self._refusing[key] = True  # the burst lasts until RATE_BURST_S without one
            if going_on:
                return out
        out.emit(
            "moderation",
            {
                "comment_id": comment.comment_id,
                "viewer_id": comment.viewer_id,
                "name": comment.viewer_name,  # as the streamer sees the viewer in the chat
                "text": comment.text,
                "reason": reason,
                "ts": comment.created_at,  # as logged: console_state's list has the same time
            },
            streamer_channel(comment.room_id),
        )
        return out

    # -- after understanding ----------------------------------------------------------------------
    def apply(
        self, room: Room, comment: Comment, decision: Decision, sid: str, now: float, qvec: Any = None
    ) -> Outcome:
        """`qvec`, the comment's embedding, feeds the viewer's interest when the comment asks about
        something no product on the shelf stands for ("有没有适合油皮的"); a product, when known, says
        more than the words around it."""
        out = Outcome({"ok": True, "comment_id": comment.comment_id, "kind": decision.kind})
        if decision.lang == "zh" and decision.reply:
            # "呢個幾多錢" is answered "1號鏈接現在168元", as logged
            reply = in_viewers_script(decision.reply, comment.text, traditional_room(room))
            decision = dataclasses.replace(decision, reply=reply)
        out.log("comments", comment_row(comment, decision))
        room.langs[comment.viewer_id] = decision.lang
        asked = decision.kind in ("answer", "escalate")
        if decision.kind != "answer" and (decision.product_id or (asked and qvec is not None)):
            self.recommender.observe(
                room.room_id,
                comment.viewer_id,
                "question" if asked else "comment",
                decision.product_id,
                now,
                text_vec=None if decision.product_id else qvec,
            )
        if decision.kind == "answer" and decision.reply:
            self._answer(out, room, comment, decision, sid, now)
        elif decision.kind == "escalate":
            self._escalate(out, room, comment, decision)
        elif decision.kind == "complaint":
            self._complaint(out, room, comment, decision, sid, now)
        return out

    def _answer(
        self, out: Outcome, room: Room, comment: Comment, decision: Decision, sid: str, now: float
    ) -> None:
        group = Group(
            room.room_id,
            answer_key(decision, comment.text),
            decision.reply or "",
            [Asker(comment.comment_id, comment.viewer_id, comment.viewer_name, sid, comment.created_at)],
            {
                "product_id": decision.product_id,
                "source": decision.source,
                "confidence": decision.confidence,
                "lang": decision.lang,
            },
        )
        if not self._viewer_share(room.room_id, comment.viewer_id, now):
            # this viewer's questions had their share of the room's replies: answered to them alone,
            # neither spending the room's budget nor making others' same question wait a cooldown
            reply_id = self._over_cap(out, group, now, "viewer_share")
            if reply_id is not None:
                out.ack["reply_id"] = reply_id
        elif (ready := self.grouper.offer(group, now)) is None:
            out.ack["grouped"] = True  # addressed in the follow-up when the cooldown ends
            due = self.grouper.waiting(group.room_id, group.key).due
            out.share("grouped", room.room_id, grouped_payload(group, due))  # the cluster's follow-up
        else:
            reply_id = self._send_group(out, ready, now)
            if reply_id is not None:
                out.ack["reply_id"] = reply_id
        product = room.catalog.product(decision.product_id or "")
        if product is None:
            return
        room.remember_product(comment.viewer_id, product.id, field_asked(decision))
        self.recommender.observe(room.room_id, comment.viewer_id, "question", product.id, now)
        if self.cards_enabled:
            picks = self.recommender.recommend(
                room.room_id,
                comment.viewer_id,
                now,
                room.on_screen,
                "question",
                anchor=product.id,
                k=2,
                lang=decision.lang,
            )
            cards = self._cards(out, room, comment.viewer_id, sid, picks, decision.lang, now)
            if cards:
                out.ack["card_id"] = cards[0].card_id

    def _cards(
        self,
        out: Outcome,
        room: Room,
        viewer_id: str,
        sid: str,
        picks: list[Pick],
        lang: Lang,
        now: float,
    ) -> list[ProductCard]:
        """Turn picks into cards for one viewer: remembered for clicks, sent, logged with their scores.
        A product carded to this viewer within `card_repeat_s` is not carded again."""
        cards = []
        self._forget_carded(now)
        for pick in picks:
            product = room.catalog.product(pick.product_id)
            if product is None or not product.in_stock:
                continue
            seen = (room.room_id, viewer_id, product.id)
            last = self._carded.get(seen)
            if last is not None and now - last < self.card_repeat_s:
                continue
            self._carded[seen] = now
            card = card_from_pick(room.room_id, viewer_id, product, pick, lang)
            room.remember_card(card)
            anchor = room.catalog.product(pick.anchor) if pick.anchor else None
            payload = card_payload(
                card, card_titles(product), card_reasons(pick, anchor), product.prices, versions_en(product)
            )
            out.emit("product_card", payload, sid)
            out.log(
                "card_impressions",
                {
                    "card_id": card.card_id,
                    "room_id": card.room_id,
                    "viewer_id": card.viewer_id,
                    "product_id": card.product_id,
                    "reason": card.reason,
                    "strategy": card.strategy,
                    "score": card.score,
                    "scores": json.dumps(card.extra),
                    "created_at": card.created_at,
                },
            )
            cards.append(card)
        return cards

    def _forget_carded(self, now: float) -> None:
        """Bound the de-duplication memory: entries older than the window say nothing any more."""
        if len(self._carded) > 10_000:
            window = self.card_repeat_s
            self._carded = {k: t for k, t in self._carded.items() if now - t < window}

    # -- behaviour and the cards it triggers ------------------------------------------------------
    def noticed(self, room: Room, viewer_id: str, event: str, product_id: str | None, now: float) -> None:
        """Behaviour that shapes the viewer's profile without a card in return (a like, a click)."""
        self.recommender.observe(room.room_id, viewer_id, event, product_id, now)

    def ordered(
        self, room: Room, viewer_id: str, sid: str, event: str, product: Product, now: float
    ) -> Outcome:
        """An add-to-cart or purchase: profile updated, and a complement card when one fits."""
        self.recommender.observe(room.room_id, viewer_id, event, product.id, now)
        out = Outcome({"ok": True, "product_id": product.id})
        if self.cards_enabled:
            picks = self.recommender.recommend(
                room.room_id,
                viewer_id,
                now,
                room.on_screen,
                event,
                anchor=product.id,
                lang=room.lang_of(viewer_id),
            )
            cards = self._cards(out, room, viewer_id, sid, picks, room.lang_of(viewer_id), now)
            if cards:
                out.ack["card_id"] = cards[0].card_id
        return out

    def watched(self, room: Room, viewer_id: str, now: float) -> None:
        """Credit a viewer's watch time of the product on screen (on leaving, or when it changes)."""
        member = room.members.get(viewer_id)
        if room.on_screen is None or member is None:
            return
        seconds = now - max(room.on_screen_since, member[1])
        if seconds > 0:
            self.recommender.observe(room.room_id, viewer_id, "watch", room.on_screen, now, amount=seconds)

    def screen_changed(
        self, room: Room, product_id: str | None, now: float, announce: bool = True
    ) -> Outcome:
        """The streamer put a product on screen: watch time credited for the last one, and a card to
        each viewer whose interest matches the new one. Scores every viewer at once: run off the loop."""
        out = Outcome({"ok": True, "room_id": room.room_id, "on_screen": product_id})
        members = list(room.members.items())
        for viewer_id, _ in members:
            self.watched(room, viewer_id, now)
        if room.on_screen is not None and product_id != room.on_screen:
            room.shown_before = room.on_screen  # what "上一个" means
        room.on_screen, room.on_screen_since = product_id, now
        if announce:  # the process the streamer spoke to tells the room, logs it and tells the cluster
            out.log(
                "room_events",
                {"room_id": room.room_id, "event": "on_screen", "detail": product_id, "created_at": now},
            )
            shown = room.catalog.product(product_id) if product_id else None
            out.emit(
                "on_screen",
                {
                    "room_id": room.room_id,
                    "product_id": product_id,
                    "product": product_payload(shown) if shown is not None else None,
                },
                room_channel(room.room_id),
            )
            out.share("on_screen", room.room_id, {"product_id": product_id})
        if product_id is None or not self.cards_enabled or not members:
            return out
        picks = self.recommender.recommend_many(room.room_id, [v for v, _ in members], now, product_id)
        for (viewer_id, (sid, _)), pick in zip(members, picks, strict=True):
            if pick is not None:
                self._cards(out, room, viewer_id, sid, [pick], room.lang_of(viewer_id), now)
        return out

    def periodic(self, room: Room, now: float) -> Outcome:
        """The periodic push: one card for each engaged viewer still in the room, when one fits."""
        out = Outcome()
        if not self.cards_enabled:
            return out
        for viewer_id in self.recommender.engaged_viewers(room.room_id, now):
            member = room.members.get(viewer_id)
            if member is None:
                continue
            lang = room.lang_of(viewer_id)
            picks = self.recommender.recommend(
                room.room_id, viewer_id, now, room.on_screen, "periodic", lang=lang
            )
            self._cards(out, room, viewer_id, member[0], picks, lang, now)
        return out

    def _budget(self, room_id: str) -> ReplyBudget:
        budget = self.budgets.get(room_id)
        if budget is None:
            s = self.settings
            budget = self.budgets[room_id] = ReplyBudget(
                s.max_replies_per_minute, s.repeat_share, s.reply_burst
            )
        return budget

    def remote_reply(
        self, room_id: str, key: tuple[str, str], text: str, at: float, reply_to: list[str]
    ) -> None:
        """Another process of the cluster sent this answer to the room at `at`: the same answer asked
        here within the cooldown is grouped, and the room's reply budget counts it as spent."""
        self.grouper.record(room_id, key, text, at, reply_to)
        self._budget(room_id).spend(at)

    def remote_grouped(self, room_id: str, payload: dict[str, Any]) -> None:
        """An asker grouped on another process joins the follow-up of the same answer here."""
        a = payload["asker"]
        asker = Asker(
            a["comment_id"], a["viewer_id"], a.get("name"), a.get("sid"), float(a["at"]), here=False
        )
        key = (str(payload["key"][0]), str(payload["key"][1]))
        group = Group(room_id, key, payload["text"], [asker], payload["meta"], float(payload["due"]), True)
        self.grouper.join(group)

    def _viewer_budget(self, room_id: str, viewer_id: str) -> ReplyBudget:
        budget = self.viewer_budgets.get((room_id, viewer_id))
        if budget is None:
            s = self.settings
            # as many back to back as the room allows (a viewer asking three things at once is
            # answered in the room), but only its share of the minute's budget
            per_minute = max(1, int(s.max_replies_per_minute * s.viewer_reply_share))
            budget = ReplyBudget(per_minute, 1.0, s.reply_burst)
        self.viewer_budgets[(room_id, viewer_id)] = budget  # set again: kept a minute after last use
        return budget

    def _viewer_share(self, room_id: str, viewer_id: str, now: float) -> bool:
        """Whether one more of this viewer's questions may be answered in the room: one viewer's
        questions use at most `viewer_reply_share` of the room's replies per minute."""
        return self._viewer_budget(room_id, viewer_id).allow(False, now)

    def _send_group(self, out: Outcome, group: Group, now: float, author: str = "bot") -> str | None:
        """Send a reply to the room; beyond the room's budget, to its askers only or not at all."""
        if author != "bot" or self._budget(group.room_id).allow(group.repeat, now):
            return self._send_reply(out, group, now, author, "room")
        return self._over_cap(out, group, now, "reply_cap")

    def _over_cap(self, out: Outcome, group: Group, now: float, reason: str) -> str | None:
        """A reply the room's budget (or the asker's share of it) has no room for: to its askers only
        (`over_cap: private`) or not sent, logged as `reply_dropped` with the reason."""
        if self.settings.over_cap == "private" and any(a.sid for a in group.askers):
            return self._send_reply(out, group, now, "bot", "asker")
        out.log(
            "room_events",
            {
                "room_id": group.room_id,
                "event": "reply_dropped",
                "created_at": now,
                "detail": json.dumps(
                    {
                        "reason": reason,
                        "text": group.text,
                        "reply_to": [a.comment_id for a in group.askers],
                    },
                    ensure_ascii=False,
                ),
            },
        )
        return None

    def _send_reply(self, out: Outcome, group: Group, now: float, author: str, audience: str) -> str:
        """One reply: to the room's channel, or (`audience` "asker") to each asker's own connection,
        addressed to them alone."""
        reply_id = new_id("r")
        payload = {
            "reply_id": reply_id,
            "text": group.render(),
            "reply_to": [a.comment_id for a in group.askers],
            "viewer_ids": list(dict.fromkeys(a.viewer_id for a in group.askers)),
            "author": author,
            "audience": audience,
            **group.meta,
        }
        if audience == "room":
            out.emit("bot_reply", payload, room_channel(group.room_id))
            if author == "bot":  # the cluster's other processes group repeats of it and count it
                out.share(
                    "reply_sent",
                    group.room_id,
                    {
                        "key": list(group.key),
                        "text": group.text,
                        "at": now,
                        "repeat": group.repeat,
                        "reply_to": payload["reply_to"],
                    },
                )
        else:
            # each viewer once, on the connection they asked from last (one who asked twice within
            # the cooldown is in the follow-up twice, and got it twice)
            for asker in {a.viewer_id: a for a in group.askers}.values():
                alone = Group(group.room_id, group.key, group.text, [asker])
                to = asker.sid or viewer_channel(group.room_id, asker.viewer_id)
                out.emit("bot_reply", {**payload, "text": alone.render()}, to)
        out.log(
            "replies",
            {
                **payload,
                "room_id": group.room_id,
                "created_at": now,
                "reply_to": json.dumps(payload["reply_to"]),
                "viewer_ids": json.dumps(payload["viewer_ids"]),
            },
        )
        return reply_id

    def followups(self, now: float, every: bool = False) -> Outcome:
        """Grouped answers whose cooldown ended (`every`: all still waiting, as the server stops):
        one reply addressing every viewer who asked."""
        out = Outcome()
        for group in self.grouper.due(now, every):
            if group.leads():
                self._send_group(out, group, now)
            else:  # the earliest asker asked on another process: its follow-up names everyone
                self.grouper.hand_off(group, now)
        for group in self.grouper.unconfirmed(now):
            self._send_group(out, group, now)
        return out

    # -- the streamer's queue ---------------------------------------------------------------------
    def _complaint(
        self, out: Outcome, room: Room, comment: Comment, decision: Decision, sid: str, now: float
    ) -> None:
        """After-sales trouble reaches a person: a queue item marked `complaint` (never a policy text
        from the bot), and the viewer alone is told, in their language, that someone will follow up."""
        self._escalate(out, room, comment, decision, kind="complaint")
        text = in_viewers_script(COMPLAINT_ACK[decision.lang], comment.text, traditional_room(room))
        group = Group(
            room.room_id,
            (decision.product_id or "", "complaint"),
            text,
            [Asker(comment.comment_id, comment.viewer_id, comment.viewer_name, sid, comment.created_at)],
            {"product_id": decision.product_id, "source": "complaint", "confidence": decision.confidence},
        )
        out.ack["reply_id"] = self._send_reply(out, group, now, "bot", "asker")

    def _escalate(
        self, out: Outcome, room: Room, comment: Comment, decision: Decision, kind: str = "question"
    ) -> None:
        who = comment.viewer_id
        # this viewer's open asks of this kind: items of their own and each time they were folded
        # into one (the same question asked again folds too, so repeating it cannot grow an item
        # without end). Complaints count apart: a viewer's open questions never keep their
        # complaint from a person, whom the viewer is told will follow up. Answers the console holds
        # (paused, approve before send) are neither counted nor capped: the bot has them, and the
        # streamer sends them with a click; the room's queue size and the viewer's rate limit bound them
        held = held_answer(decision.reason)
        waiting = sum(
            (i.viewer_id == who) + sum(g["viewer_id"] == who for g in i.grouped)
            for i in room.queue
            if i.kind == kind and not held_answer(i.reason)
        )
        item = QueueItem(
            new_id("e"),
            comment.comment_id,
            comment.viewer_id,
            comment.text,
            decision.product_id,
            decision.guess,
            decision.confidence,
            decision.reason,
            comment.created_at,
            kind,
            source=decision.source,
            on_screen=room.on_screen,
        )
        if not held and waiting >= self.settings.queue_per_viewer:
            # one viewer cannot fill the streamer's queue (and push out everyone else's questions);
            # the question is logged as not queued, so the operators' review list shows it
            out.log("escalations", escalation_row(item, room.room_id, "queue_full"))
            out.ack["escalated"] = False
            out.ack["queue_full"] = True
            return
        oldest = room.pushed_out_by(item)
        if oldest is not None:
            # the queue is full: its oldest question leaves it as expired, said to the consoles and
            # logged, instead of the deque dropping its oldest item (a complaint too) unseen, which
            # the consoles went on showing and could no longer answer
            out.extend(self.resolve(room, oldest, None, comment.created_at, status="expired"))
        out.log("escalations", escalation_row(item, room.room_id, "open"))
        held = room.enqueue(item, comment.viewer_name)
        out.emit("queue_item", held.as_dict(), streamer_channel(room.room_id))
        if held is item:
            out.share("queue_add", room.room_id, item.as_dict())
        else:  # the same question as an open item: one item, one more asker (the cluster's copy too)
            out.share("queue_resolve", room.room_id, {"escalation_id": held.escalation_id})
            out.share("queue_add", room.room_id, held.as_dict())
            out.ack["queued_with"] = held.escalation_id
        out.ack["escalated"] = True

    def resolve(self, room: Room, item: QueueItem, text: str | None, now: float, status: str = "") -> Outcome:
        """The streamer answers (text) or dismisses (None) a queued question; the answer names every
        viewer who asked it, each once. `status` "expired": dismissed by the console's timeout."""
        room.queue.remove(item)
        status = "answered" if text else (status or "dismissed")
        out = Outcome({"ok": True, "escalation_id": item.escalation_id, "status": status})
        out.log("escalations", escalation_row(item, room.room_id, status))
        for g in item.grouped:  # each folded asker's own row, as logged when they asked
            asked = {k: g[k] for k in ("escalation_id", "comment_id", "viewer_id", "text", "created_at")}
            out.log("escalations", escalation_row(dataclasses.replace(item, **asked), room.room_id, status))
        if text:
            askers = [Asker(item.comment_id, item.viewer_id, item.name)]
            for g in item.grouped:
                if all(a.viewer_id != g["viewer_id"] for a in askers):
                    askers.append(Asker(g["comment_id"], g["viewer_id"], g.get("name")))
            group = Group(
                room.room_id,
                (item.product_id or "", "streamer"),
                text,
                askers,
                {"product_id": item.product_id, "source": "streamer", "confidence": 1.0},
            )
            if item.kind == "complaint":  # after-sales trouble is the asker's, as the bot's note was
                out.ack["reply_id"] = self._send_reply(out, group, now, "streamer", "asker")
            else:
                out.ack["reply_id"] = self._send_group(out, group, now, author="streamer")
        out.emit(
            "queue_resolved",
            {"escalation_id": item.escalation_id, "status": status},
            streamer_channel(room.room_id),
        )
        out.share("queue_resolve", room.room_id, {"escalation_id": item.escalation_id})
        return out


def escalation_row(item: QueueItem, room_id: str, status: str) -> dict[str, Any]:
    """The `escalations` log row of a queued question: the table's columns only."""
    row = {**item.as_dict(), "room_id": room_id, "status": status}
    return {k: v for k, v in row.items() if k in TABLES["escalations"]}
