"""Comment → kind → product → answer or escalation. Pure: returns a Decision, emits nothing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from domain.catalog import Product
from domain.messages import Decision, Lang
from handlers.fields import FieldMatch, detect_fields, render_field
from handlers.intent import about_streamer, is_complaint, is_purchase, is_question
from handlers.knowledge import RoomKnowledge
from handlers.normalize import detect_lang, normalize
from handlers.products import ProductRef
from recommender.retrieval import Hit


class QASettings(BaseModel):
    """Thresholds of the answer gate; see docs/answering.md for how they were chosen."""

    model_config = ConfigDict(extra="forbid")

    answer_threshold: float = Field(0.6, ge=0, le=1, description="below this confidence: streamer's queue")
    faq_threshold: float = Field(0.55, ge=0, le=1, description="least fused FAQ score worth answering")
    faq_strong: float = Field(0.8, ge=0, le=1, description="FAQ score that beats a structured field")
    dense_weight: float = Field(0.6, ge=0, le=1, description="share of the dense score in the FAQ fusion")


@dataclass(frozen=True, slots=True)
class Understanding:
    """Everything decided about one comment, kept for logging and evaluation."""

    text: str
    lang: Lang
    ref: ProductRef
    fields: list[FieldMatch]
    faq: list[Hit]


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
    """Normalise, resolve the product, find asked fields and the best FAQ entries."""
    text = normalize(raw_text)
    lang = detect_lang(text)
    ref = room.matcher.resolve(text, on_screen, recent)
    fields = detect_fields(text, ref.product)
    faq: list[Hit] = []
    if text:
        if ref.product is not None:
            faq = room.faq.search(text, k=3, product_id=ref.product.id, qvec=qvec)
        elif ref.how == "none":
            faq = room.faq.search(text, k=3, qvec=qvec)
    return Understanding(text, lang, ref, fields, faq)


def decide(u: Understanding, room: RoomKnowledge, settings: QASettings) -> Decision:
    """The kind of the comment and, for a product question, the reply or the escalation."""
    t, lang, ref = u.text, u.lang, u.ref
    if not t:
        return Decision(kind="chat", lang=lang, reason="empty after cleaning")
    if is_complaint(t):
        return Decision(kind="complaint", lang=lang, product_id=_pid(ref), reason="after-sales trouble")

    question = is_question(t)
    best_field = u.fields[0] if u.fields else None
    top = u.faq[0] if u.faq else None
    product = ref.product
    if product is None and top is not None and top.score >= settings.faq_strong:
        product = room.catalog.product(top.doc.product_id or "")

    strong_field = best_field is not None and best_field.strength >= 0.8
    if is_purchase(t) and not (question and (strong_field or (top and top.score >= settings.faq_strong))):
        return Decision(kind="purchase", lang=lang, product_id=_pid(ref), reason="order or intent to buy")
    if not question and not (strong_field and ref.how in ("link", "name")):
        return Decision(kind="chat", lang=lang, reason="no question")
    if about_streamer(t) and ref.how not in ("link", "name"):
        return Decision(kind="chat", lang=lang, reason="about the streamer")
    if ref.how == "unknown_link":
        return Decision(kind="escalate", lang=lang, confidence=0.0, reason=f"no link {ref.link} on the shelf")
    if product is None:
        return Decision(kind="escalate", lang=lang, confidence=0.0, reason="no product could be identified")

    use_faq = (
        top is not None
        and top.score >= settings.faq_threshold
        and (
            not strong_field
            or (top.score >= settings.faq_strong and (best_field is None or best_field.asked is None))
        )
    )
    if use_faq and top is not None:
        conf = min(1.0, top.score) * ref.confidence
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
    if best_field is not None and best_field.strength >= 0.5:
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
        confidence=round(top.score * ref.confidence, 3) if top else 0.0,
        guess=guess,
        reason="the catalog does not answer this",
    )


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


def answer_comment(
    raw_text: str,
    room: RoomKnowledge,
    on_screen: str | None,
    settings: QASettings,
    recent: str | None = None,
) -> Decision:
    """Understand and decide in one call: the whole Q&A path for one comment."""
    return decide(understand(raw_text, room, on_screen, recent), room, settings)
