"""The operator's review of the bot's answers: a correction of a wrong answer (the right answer becomes
an FAQ entry of the product) and a label of what a comment is and which entry answers it (the rows
`cohost export-labels` turns into a labelled room to train on)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from domain.catalog import MAX_ASKED_AS, Catalog, FaqEntry, Product
from handlers.field_entries import field_value_text, product_fields
from handlers.fields import label_en, label_zh
from handlers.normalize import detect_lang, normalize, words_only
from handlers.products import ShelfMatcher
from handlers.qa import PAUSED, SAYS_LESS, entry_reply
from handlers.rooms import QueueItem, Room

_OPS_ID = re.compile(r"-ops(\d+)$")
HINT_CHARS = 24  # how much of an entry's answer the review page shows beside its name
OPERATOR_WROTE = "an operator wrote the answer"  # a queued question's reason once corrected


def faq_question(catalog: Catalog, product_id: str, text: str) -> str:
    """The question as the FAQ search will see it next time: without the link phrase or product name."""
    product = catalog.product(product_id)
    cleaned = normalize(text)
    focus = ShelfMatcher(catalog).focus(cleaned, product) if cleaned else ""
    return (focus or cleaned or text).strip()[:500]


def add_faq(
    catalog: Catalog, product_id: str, question: str, answer: str, used: Iterable[str] = ()
) -> tuple[Catalog, FaqEntry]:
    """A copy of the shelf whose product has the entry (question → answer). An operator entry with
    the same question is replaced rather than added twice; a new one is numbered past every
    operators' entry of the product and every id in `used` (ids labels named: an entry taken back
    or dropped with an upload leaves its labels behind, and they must not name the new one)."""
    product = catalog.product(product_id)
    if product is None:
        raise KeyError(product_id)
    same = next((f for f in product.faq if _OPS_ID.search(f.id) and f.q == question), None)
    kept = [f for f in product.faq if f is not same]
    ids = [f.id for f in product.faq] + [u for u in used if u.startswith(f"{product.id}-ops")]
    numbers = [int(m.group(1)) for i in ids if (m := _OPS_ID.search(i))]
    faq_id = same.id if same else f"{product.id}-ops{max(numbers, default=0) + 1}"
    entry = FaqEntry(id=faq_id, q=question, a=answer[:2000])
    update: dict[str, object] = {"faq": (*kept, entry)}
    if product.en is not None and faq_id in product.en.faq:
        # the English answer was of the entry replaced: an English question gets the operator's now
        english = {k: v for k, v in product.en.faq.items() if k != faq_id}
        update["en"] = product.en.model_copy(update={"faq": english})
    changed = product.model_copy(update=update)
    return catalog.with_product(changed), entry


def answer_in_queue(room: Room, comment_id: str, product_id: str, entry: FaqEntry) -> QueueItem | None:
    """A corrected question still waiting in the streamer's queue (its own item or the one it was
    folded into) gets the operator's answer as its guess: one click (send the guess) answers the
    viewers who asked. Returns the item changed; None when no question's item holds the comment or
    the product is not on the room's shelf."""
    item = room.queued_for(comment_id)
    product = room.catalog.product(product_id)
    if item is None or item.kind != "question" or product is None:
        return None
    item.product_id, item.source, item.confidence, item.reason = product_id, entry.id, 1.0, OPERATOR_WROTE
    item.guess = entry_reply(product, entry.id, entry.a, detect_lang(item.text))
    return item


def answers_in_restored_queue(room: Room, corrections: Iterable[dict[str, Any]]) -> list[QueueItem]:
    """The operators' corrections of the room's comments (`answer_corrected` details, oldest first)
    put into its queue brought back from the log, as `answer_in_queue` puts one into an open room's:
    a comment corrected while its room was closed waits with the operator's answer as its guess when
    the room opens again. The entry is the shelf's (a question corrected twice: its last answer); a
    correction whose entry was taken back since changes nothing. Returns the items whose guess changed
    (a cluster's queue from Redis may hold the operator's answer already)."""
    changed: list[QueueItem] = []
    for fixed in corrections:
        product = room.catalog.product(str(fixed.get("product_id")))
        entry = next((f for f in product.faq if f.id == fixed.get("faq_id")), None) if product else None
        held = room.queued_for(str(fixed.get("comment_id")))
        if product is None or entry is None or held is None:
            continue
        before = (held.source, held.guess)
        item = answer_in_queue(room, str(fixed.get("comment_id")), product.id, entry)
        if item is not None and (item.source, item.guess) != before and all(item is not i for i in changed):
            changed.append(item)
    return changed


# what a comment is, as the evaluation rooms label it (`expect.kind`): the operator's label says the same
LABEL_KINDS = ("answer", "escalate", "purchase", "chat", "complaint")


def label_problem(catalog: Catalog, kind: str, product_id: str | None, source: str | None) -> str | None:
    """Why this label cannot be stored for a comment of this shelf, or None. An answer names the
    product and the entry that answers it: one of the product's fields (`price`, `stock`, `shipping`,
    `returns`, an attribute key) or the id of one of its FAQ entries; no other kind names either."""
    if kind not in LABEL_KINDS:
        return f"kind must be one of {', '.join(LABEL_KINDS)}"
    if kind != "answer":
        return None if product_id is None and source is None else "only an answer names a product and source"
    if not isinstance(product_id, str):
        return "an answer names its product (product_id) and the entry that answers it (source)"
    product = catalog.product(product_id)
    if product is None:
        return f"no product {product_id[:64]!r} on the room's shelf"
    if source not in product.entries():
        return f"source must be one of {product.id}'s entries: {', '.join(product.entries())}"
    return None


def teach(catalog: Catalog, product_id: str | None, wording: str, source: str | None) -> Catalog:
    """A copy of the shelf where `wording` (a comment's search text, `faq_question`) is one of the
    product's `asked_as` wordings of `source` and of no other entry of it (source None: of none), a
    wording with the same words but other punctuation counting as the same.
    The same shelf when nothing changes; an entry keeps its newest `MAX_ASKED_AS` wordings."""
    product = catalog.product(product_id) if product_id else None
    if product is None or not wording:
        return catalog
    same = words_only(wording)
    asked = {k: tuple(w for w in ws if words_only(w) != same) for k, ws in product.asked_as.items()}
    if source is not None:
        asked[source] = (*asked.get(source, ()), wording)[-MAX_ASKED_AS:]
    asked = {k: ws for k, ws in asked.items() if ws}
    if asked == product.asked_as:
        return catalog
    return catalog.with_product(product.model_copy(update={"asked_as": asked}))


def product_entries(product: Product) -> list[dict[str, str]]:
    """The entries that can answer a question about the product, as the review page lists them: each
    field (`source` its key, named in both languages) and each FAQ entry (`source` its id, named by
    its question); `says` is the start of what the entry answers (a field's value, an FAQ answer), so
    that a field whose name is only its key ("brim") can be told apart; `says_en`, of its English
    value or answer, when the catalog gives one (its `en:` block)."""

    def says(text: str) -> str:
        return text if len(text) <= HINT_CHARS else text[: HINT_CHARS - 1] + "…"

    def english(value: str | list[str] | None) -> dict[str, str]:
        text = ", ".join(value) if isinstance(value, list) else value
        return {"says_en": says(text)} if text else {}

    live = {"price": f"{product.price:g}", "stock": str(product.stock)}
    fields = [
        {
            "source": k,
            "zh": label_zh(k, product),
            "en": label_en(k, product),
            "says": says(live.get(k) or field_value_text(product, k)),
            **english(product.en_value(k)),
        }
        for k in product_fields(product)
    ]
    faq = [
        {
            "source": f.id,
            "zh": f.q,
            "en": product.en_question(f.id) or f.q,
            "says": says(f.a),
            **english(product.en_answer(f.id)),
        }
        for f in product.faq
    ]
    return fields + faq


def teach_comment(catalog: Catalog, product_id: str | None, text: str, source: str | None) -> Catalog:
    """`teach` with a logged comment's wording: its search text about the product (`faq_question`)."""
    if not product_id:
        return catalog
    return teach(catalog, product_id, faq_question(catalog, product_id, text), source)


def label_row(
    comment_id: str, room_id: str, kind: str, product_id: str | None, source: str | None
) -> dict[str, Any]:
    """A `qa_labels` row (the comment's label, replacing any earlier one)."""
    return {
        "comment_id": comment_id,
        "room_id": room_id,
        "kind": kind,
        "product_id": product_id,
        "source": source,
        "created_at": time.time(),
    }


def guess_confirmed(catalog: Catalog, item: QueueItem) -> tuple[Catalog, list[dict[str, Any]]]:
    """The streamer sent a queued question's guess as it was: the guess was the answer. The labels of
    its comment and of every asker folded into it, and the shelf with their wordings taught for the
    guess's entry (the same shelf when the guess names no entry of the product; when the bot held
    it back because the entry does not say all that was asked: "有优惠券吗" answered with the price
    today would teach every product's price for it; or when it was held only by a pause)."""
    if item.kind != "question" or label_problem(catalog, "answer", item.product_id, item.source) is not None:
        return catalog, []
    asked = [(item.comment_id, item.text), *((g["comment_id"], g["text"]) for g in item.grouped)]
    rows = [label_row(c, catalog.room_id, "answer", item.product_id, item.source) for c, _ in asked]
    if item.reason in SAYS_LESS or item.reason == PAUSED:
        return catalog, rows
    for _, text in asked:
        catalog = teach_comment(catalog, item.product_id, text, item.source)
    return catalog, rows


@dataclass(frozen=True)
class Carried:
    """What a new catalog kept of what the room learned on the old shelf."""

    answers: int = 0  # operators' FAQ entries (corrections)
    wordings: int = 0  # taught `asked_as` wordings
    dropped: int = 0  # either, of a product or entry the new catalog no longer has

    def as_dict(self) -> dict[str, int]:
        return {"answers": self.answers, "wordings": self.wordings, "dropped": self.dropped}

    def describe(self) -> str:
        def n(count: int, what: str) -> str:
            return f"{count} {what}{'' if count == 1 else 's'}"

        kept = f"kept {n(self.answers, 'operator answer')} and {n(self.wordings, 'taught wording')}"
        return kept + (
            f", dropped {self.dropped} of products or entries no longer on it" if self.dropped else ""
        )


def _learned(product: Product) -> int:
    return sum(1 for f in product.faq if _OPS_ID.search(f.id)) + sum(map(len, product.asked_as.values()))


def learned_on(catalog: Catalog) -> int:
    """How many operators' answers and taught wordings the shelf holds."""
    return sum(map(_learned, catalog.products))


def _carry_product(old: Product, new: Product) -> tuple[Product, Carried]:
    """`new` with `old`'s operators' FAQ entries and taught wordings. The new catalog's own entries
    win: an operators' entry whose id or question it has is not added twice (wordings taught for it
    then belong to the new catalog's entry with that question), and a wording it teaches itself stays
    with its entry."""
    own_ids = {f.id for f in new.faq}
    own_questions = {words_only(f.q): f.id for f in new.faq}
    moved: dict[str, str] = {}
    added: list[FaqEntry] = []
    for entry in old.faq:
        if not _OPS_ID.search(entry.id) or entry.id in own_ids:
            continue
        if (same := own_questions.get(words_only(entry.q))) is not None:
            moved[entry.id] = same
        else:
            added.append(entry)
    product = new.model_copy(update={"faq": (*new.faq, *added)}) if added else new
    entries = set(product.entries())
    taught_here = {words_only(w) for ws in new.asked_as.values() for w in ws}
    kept: dict[str, list[str]] = {}
    dropped = 0
    for key, ws in old.asked_as.items():
        key = moved.get(key, key)
        for wording in ws:
            if (same := words_only(wording)) in taught_here:
                continue
            if key not in entries:
                dropped += 1
                continue
            kept.setdefault(key, []).append(wording)
            taught_here.add(same)
    wordings = sum(map(len, kept.values()))
    if wordings:  # the carried wordings are older than the new catalog's own: the cap drops them first
        keys = [*kept, *(k for k in new.asked_as if k not in kept)]
        asked = {k: (*kept.get(k, ()), *new.asked_as.get(k, ()))[-MAX_ASKED_AS:] for k in keys}
        product = product.model_copy(update={"asked_as": asked})
    return product, Carried(len(added), wordings, dropped)


def carry_learned(learned: Catalog, onto: Catalog) -> tuple[Catalog, Carried]:
    """`onto` (a new catalog of the room: an upload, an edited catalog file) with what the room
    learned on its shelf `learned`: the operators' corrections (FAQ entries `<product>-opsN`) and
    the wordings labels taught (`asked_as`), for every product still on the shelf (by id). `onto`
    itself when there is nothing to carry."""
    answers = wordings = dropped = 0
    products = []
    for new in onto.products:
        old = learned.product(new.id)
        if old is None or not _learned(old):
            products.append(new)
            continue
        product, carried = _carry_product(old, new)
        products.append(product)
        answers, wordings, dropped = (
            answers + carried.answers,
            wordings + carried.wordings,
            dropped + carried.dropped,
        )
    ids = {p.id for p in onto.products}
    dropped += sum(_learned(p) for p in learned.products if p.id not in ids)
    if not answers and not wordings:
        return onto, Carried(dropped=dropped)
    return onto.model_copy(update={"products": tuple(products)}), Carried(answers, wordings, dropped)


def learned_of(product: Product) -> dict[str, list[dict[str, str]]]:
    """What the room learned about the product, as the review page lists it: the operators' answers
    (FAQ entries `<product>-opsN`) and the wordings labels taught (entry → wording)."""
    return {
        "answers": [{"faq_id": f.id, "q": f.q, "a": f.a} for f in product.faq if _OPS_ID.search(f.id)],
        "wordings": [{"source": k, "wording": w} for k, ws in product.asked_as.items() for w in ws],
    }


def unlearn(
    catalog: Catalog, product_id: str, faq_id: str | None = None, wording: str | None = None
) -> Catalog:
    """A copy of the shelf without one thing the room learned about the product: an operators' answer
    (with the wordings taught for it) or a taught wording. ValueError says why nothing can go."""
    product = catalog.product(product_id)
    if product is None:
        raise ValueError(f"no product {product_id[:64]!r} on the room's shelf")
    if faq_id is not None:
        if not _OPS_ID.search(faq_id) or faq_id not in {f.id for f in product.faq}:
            answers = ", ".join(a["faq_id"] for a in learned_of(product)["answers"]) or "none"
            raise ValueError(
                f"{faq_id[:64]!r} is not an operators' answer of {product.id} (they are: {answers})"
            )
        update = {
            "faq": tuple(f for f in product.faq if f.id != faq_id),
            "asked_as": {k: ws for k, ws in product.asked_as.items() if k != faq_id},
        }
        return catalog.with_product(product.model_copy(update=update))
    changed = teach(catalog, product.id, wording or "", None)
    if changed is catalog:
        raise ValueError(f"{product.id} has no taught wording {(wording or '')[:64]!r}")
    return changed
