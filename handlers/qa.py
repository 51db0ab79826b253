"""Comment → kind → product → answer or escalation. Pure: returns a Decision, emits nothing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from domain.catalog import Product
from domain.messages import Decision, Lang
from handlers.fields import FieldMatch, detect_fields, render_field
from handlers.intent import (
    about_streamer,
    asks_for_goods,
    is_complaint,
    is_link_request,
    is_order_done,
    is_purchase,
    is_question,
)
from handlers.knowledge import RoomKnowledge
from handlers.normalize import detect_lang, normalize
from handlers.products import ProductRef
from recommender.retrieval import Hit


class QASettings(BaseModel):
    """Thresholds of the answer gate; see docs/answering.md for how they were chosen."""

    model_config = ConfigDict(extra="forbid")

    answer_threshold: float = Field(0.6, ge=0, le=1, description="below this confidence: streamer's queue")
    faq_threshold: float = Field(
        0.42, ge=0, le=1, description="least FAQ match (fused score + half its lead) worth answering"
    )
    faq_strong: float = Field(0.6, ge=0, le=1, description="FAQ match that beats a structured field")
    dense_weight: float = Field(0.7, ge=0, le=1, description="share of the dense score in the FAQ fusion")


@dataclass(frozen=True, slots=True)
class Understanding:
    """Everything decided about one comment, kept for logging and evaluation."""

    text: str
    lang: Lang
    ref: ProductRef
    fields: list[FieldMatch]
    faq: list[Hit]
    focus: str = ""  # the comment without link phrase and product name: what the FAQ was searched with
    qvec: np.ndarray | None = None  # the embedding of the whole cleaned comment (for the recommender)


def faq_match(hits: list[Hit]) -> float:
    """How surely the best FAQ entry is the one asked: its fused score plus half its lead over the
    runner-up of the same search (a clear winner among a product's few entries is worth more than
    a close call), the lead taken on the ordering key. Bounded to 0..1."""
    if not hits:
        return 0.0
    top = hits[0].score
    lead = hits[0].rank - hits[1].rank if len(hits) > 1 else 0.1
    return max(0.0, min(1.0, top + 0.5 * lead))


def _faq_reply(product: Product, hit: Hit, lang: Lang) -> str:
    answer = hit.doc.answer or ""
    return f"{product.link}号链接：{answer}" if lang == "zh" else f"Link {product.link}: {answer}"


def understand(
    raw_text: str,
    room: RoomKnowledge,
    on_screen: str | None,
    recent: str | None = None,
    qvec: np.ndarray | None = None,
) -> Understanding:
    """Normalise, resolve the product, find asked fields and the best FAQ entries.

    `qvec`, if given, is the embedding of the cleaned comment; otherwise it is computed here, once,
    and handed back in the Understanding for the recommender."""
    text = normalize(raw_text)
    lang = detect_lang(text)
    ref = room.matcher.resolve(text, on_screen, recent)
    fields = detect_fields(text, ref.product)
    faq: list[Hit] = []
    focus = room.matcher.focus(text, ref.product) if text else ""
    if text and qvec is None:
        qvec = room.faq.encoder.encode([text])[0]
    if text:
        # the comment's vector serves the search only if the search text is the whole comment
        fvec = qvec if focus == text else None
        if ref.product is not None:
            faq = room.faq.search(focus, k=3, product_id=ref.product.id, qvec=fvec)
        elif ref.how == "none":
            faq = room.faq.search(focus, k=3, qvec=fvec)
    return Understanding(text, lang, ref, fields, faq, focus, qvec if text else None)


def decide(u: Understanding, room: RoomKnowledge, settings: QASettings) -> Decision:
    """The kind of the comment and, for a product question, the reply or the escalation."""
    t, lang, ref = u.text, u.lang, u.ref
    if not t:
        return Decision(kind="chat", lang=lang, reason="empty after cleaning")
    if is_complaint(t):
        return Decision(kind="complaint", lang=lang, product_id=_pid(ref), reason="after-sales trouble")

    question = is_question(t)
    fields = [f for f in u.fields if f.strength >= 0.5]
    best_field = fields[0] if fields else None
    top = u.faq[0] if u.faq else None
    match = faq_match(u.faq)
    product = ref.product
    if product is None and top is not None and match >= settings.faq_strong:
        product = room.catalog.product(top.doc.product_id or "")

    strong_field = best_field is not None and best_field.strength >= 0.8
    if is_purchase(t) or is_order_done(t):
        # an order placed stays an order unless it clearly asks a field ("拍了能退吗");
        # a wish to buy stays one unless it asks anything at all ("想要带松紧的 有吗")
        asks = question and (strong_field or match >= settings.faq_strong) and not is_link_request(t)
        if (is_order_done(t) and not asks) or not question:
            return Decision(kind="purchase", lang=lang, product_id=_pid(ref), reason="order or intent to buy")
    if not question and not (strong_field and ref.how in ("link", "name")):
        return Decision(kind="chat", lang=lang, reason="no question")
    if about_streamer(t) and ref.how not in ("link", "name"):
        return Decision(kind="chat", lang=lang, reason="about the streamer")
    if ref.how == "unknown_link":
        return Decision(kind="escalate", lang=lang, confidence=0.0, reason=f"no link {ref.link} on the shelf")
    if product is None:
        if best_field is None and match < settings.faq_threshold and not asks_for_goods(t):
            # a question about nothing on the shelf ("队长怎么不说话"): room talk, not the streamer's queue
            return Decision(kind="chat", lang=lang, reason="question not about the goods")
        return Decision(kind="escalate", lang=lang, confidence=0.0, reason="no product could be identified")

    # a field asked outright (its live value) wins over a written FAQ answer; the FAQ wins over a
    # field that was only hinted at (a value named in passing, a value word with no field word)
    use_faq = top is not None and match >= settings.faq_threshold and not strong_field
    if use_faq and top is not None:
        conf = _faq_confidence(match, settings) * ref.confidence
        return _gate(
            Decision(
                kind="answer",
                lang=lang,
                product_id=product.id,
                source=top.doc.doc_id,
                confidence=round(conf, 3),
                reply=_faq_reply(product, top, lang),
                reason="faq",
            ),
            settings,
        )
    if best_field is not None:
        conf = best_field.strength * ref.confidence
        return _gate(
            Decision(
                kind="answer",
                lang=lang,
                product_id=product.id,
                source=best_field.key,
                confidence=round(conf, 3),
                reply=render_field(product, best_field, lang, room.catalog.currency),
                reason="field",
            ),
            settings,
        )
    guess = _faq_reply(product, top, lang) if top is not None else None
    return Decision(
        kind="escalate",
        lang=lang,
        product_id=product.id,
        source=top.doc.doc_id if top else None,
        confidence=round(match * ref.confidence, 3),
        guess=guess,
        reason="the catalog does not answer this",
    )


def _faq_confidence(match: float, settings: QASettings) -> float:
    """FAQ match mapped onto the answer gate's scale: the FAQ threshold sits at 0.75, a strong match
    at 0.95 and above."""
    span = max(settings.faq_strong - settings.faq_threshold, 1e-6)
    return max(0.0, min(1.0, 0.75 + 0.2 * (match - settings.faq_threshold) / span))


def _gate(d: Decision, settings: QASettings) -> Decision:
    """Answers below the threshold go to the streamer with the bot's guess attached."""
    if d.confidence >= settings.answer_threshold:
        return d
    return Decision(
        kind="escalate",
        lang=d.lang,
        product_id=d.product_id,
        source=d.source,
        confidence=d.confidence,
        guess=d.reply,
        reason=f"low confidence ({d.confidence:.2f})",
    )


def _pid(ref: ProductRef) -> str | None:
    return ref.product.id if ref.product is not None and ref.how in ("link", "name", "this") else None


def answer_with_vector(
    raw_text: str,
    room: RoomKnowledge,
    on_screen: str | None,
    settings: QASettings,
    recent: str | None = None,
    qvec: np.ndarray | None = None,
) -> tuple[Decision, np.ndarray | None]:
    """The Q&A path plus the comment's embedding, so the recommender learns from what was said.
    `qvec`, when the caller already encoded the comment (in a batch), saves encoding it again."""
    u = understand(raw_text, room, on_screen, recent, qvec)
    return decide(u, room, settings), u.qvec


def answer_comment(
    raw_text: str,
    room: RoomKnowledge,
    on_screen: str | None,
    settings: QASettings,
    recent: str | None = None,
) -> Decision:
    """Understand and decide in one call: the whole Q&A path for one comment."""
    return decide(understand(raw_text, room, on_screen, recent), room, settings)
