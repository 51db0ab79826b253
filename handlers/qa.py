"""Comment → kind → product → answer or escalation. Pure: returns a Decision, emits nothing."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from domain.catalog import Product
from domain.messages import MAYBE_COMPLAINT, Decision, Lang
from handlers.answer_model import (
    AnswerModel,
    Candidate,
    Recorder,
    comment_features,
    field_aspect_conflict,
    shipped_model,
)
from handlers.destinations import address_unsaid, courier_unnamed, fee_unsaid, policy_is_silent
from handlers.field_entries import field_value_text
from handlers.fields import (
    CLAUSE_SPLIT,
    SENTENCE_SPLIT,
    FieldMatch,
    asked_aspects,
    asks_alone,
    asks_availability,
    asks_custom,
    asks_deal_only,
    asks_fee,
    asks_goods_left,
    asks_meters,
    asks_other_amount,
    asks_price,
    asks_restock,
    asks_ship_from,
    asks_unit_price,
    asks_version,
    asks_when,
    aspect_conflict,
    beyond_guide,
    body_measures,
    compared_with,
    detect_fields,
    field_text,
    field_value,
    named_parts,
    naming,
    only_field_name,
    other_group,
    other_model,
    other_version,
    price_version,
    prices_agree,
    quoted_in_chinese,
    render_field,
    says_field_name,
    says_money,
    sold_out_said,
)
from handlers.intent import (
    about_streamer,
    asks_for_goods,
    asks_model_fit,
    asks_opinion,
    asks_streamer_fit,
    is_purchase,
    is_question,
    only_asks_to_ask,
    tells_trouble,
)
from handlers.kind_model import KindModel, active_kind_model, comment_kind, maybe_complaint
from handlers.knowledge import RoomKnowledge
from handlers.normalize import detect_lang, normalize, words_only
from handlers.products import ProductRef, without_links
from handlers.which_link import link_decision
from recommender.retrieval import Hit
from recommender.text import HAN, blanked, han_chars, tokens

# added to the FAQ match of an entry whose question asks the very aspect the comment asks
ASPECT_BONUS = 0.05
# why an answer the model would send goes to the streamer after all: the entry does not say all that
# was asked. A streamer who sends such a guess answers that comment; the wording is not the entry's
SHIPS_THERE = "the shipping policy does not say whether it goes there"
COURIER = "the shipping policy does not say which courier"
FEE_UNSAID = "the shipping policy does not say what delivery costs"
NO_ADDRESS = "the returns policy does not give the address"
OTHER_ASPECT = "asks another aspect than the entry answers"
TWO_THINGS = "asks two things at once"
DEAL_ONLY = "asks a coupon or a bargain, which the price does not say"
VERSION_ASKED = "asks for a version, which the stock count does not say"
WHEN_ASKED = "asks when, which the stock count does not say"
OTHER_VERSION = "the entry speaks of another version than the one asked"
OTHER_MODEL = "the entry is about another model number than the one asked"
OPINION = "asks the streamer's judgement, which the listing does not give"
UNIT_PRICE = (
    "asks the price of one gram, jin or metre, or of one piece of a pack, which the price does not say"
)
CUSTOM = "asks for something made to order, which the listing does not say"
ALONE = "asks to buy one piece of a set, which the listing does not say"
GOODS_LEFT = "asks whether any are left, which the list of versions does not say"
PRICES_OLD = "the price was changed, and each version's price is the catalog's"
BEYOND_GUIDE = "no size of the guide holds the viewer's measures"
NOT_SURE = "not sure enough"  # the gate held it: the model's probability under its bar
SAYS_LESS = frozenset(
    {
        SHIPS_THERE,
        COURIER,
        FEE_UNSAID,
        NO_ADDRESS,
        OTHER_ASPECT,
        TWO_THINGS,
        DEAL_ONLY,
        VERSION_ASKED,
        WHEN_ASKED,
        OTHER_VERSION,
        OTHER_MODEL,
        OPINION,
        UNIT_PRICE,
        CUSTOM,
        PRICES_OLD,
        GOODS_LEFT,
        BEYOND_GUIDE,
    }
)
# an answer held only because the streamer paused the bot (handlers/console.py): sent afterwards, it
# is what the bot would have said anyway, and releasing a pause's answers together judges no wording
PAUSED = "bot paused by the streamer"
# an answer held because it is below the console's approve-before-send threshold
APPROVE = "approve before send"


def held_answer(reason: str) -> bool:
    """Whether a queued item is an answer the bot had and the console held (paused, or to approve),
    not a question the streamer must answer by hand."""
    return reason == PAUSED or reason.startswith(APPROVE)


class QASettings(BaseModel):
    """Thresholds of the answer gate; see docs/answering.md for how they were chosen."""

    model_config = ConfigDict(extra="forbid")

    answer_threshold: float = Field(0.6, ge=0, le=1, description="below this confidence: streamer's queue")
    faq_threshold: float = Field(
        0.42, ge=0, le=1, description="least FAQ match (fused score + half its lead) worth answering"
    )
    faq_strong: float = Field(0.6, ge=0, le=1, description="FAQ match that beats a structured field")
    dense_weight: float = Field(0.7, ge=0, le=1, description="share of the dense score in the FAQ fusion")
    decider: Literal["learned", "rules"] = Field(
        "learned",
        description="which entry answers and whether to say it: the shipped answer model (its own "
        "calibrated threshold), or the pattern rules with answer_threshold",
    )


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
    # for a comment holding several questions ("能白一点吗 多久能看出来"): each question's best FAQ
    # entry and its match, in order
    clauses: tuple[tuple[str, float], ...] = ()
    asked_before: str | None = None  # the field of the viewer's last answered question ("3号呢")
    fvec: np.ndarray | None = None  # the embedding the search text was searched with
    # the same questions' best entry among the product's fields and FAQ together, and its match
    clause_tops: tuple[tuple[str, float], ...] = ()
    on_screen: str | None = None  # the product on screen when it was asked


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
    """An FAQ answer as written; in English, the catalog's English answer (`en.faq`) when it gives
    one, else the written answer, said to be the shelf's Chinese."""
    return entry_reply(product, hit.doc.doc_id, hit.doc.answer or "", lang)


def entry_reply(product: Product, faq_id: str, answer: str, lang: Lang) -> str:
    """The reply an FAQ entry's answer makes, in the comment's language."""
    if lang == "zh":
        return f"{product.link}号链接：{answer}"
    english = product.en_answer(faq_id)
    if english is not None:
        return f"Link {product.link}: {english}"
    return f"Link {product.link}{quoted_in_chinese(answer)}: {answer}"


def search_texts(
    raw_text: str,
    room: RoomKnowledge,
    on_screen: str | None,
    recent: str | None = None,
    *,
    earlier: str | None = None,
) -> list[str]:
    """What `understand` encodes for this comment: nothing for chatter; the cleaned comment, and the
    part of it that names no product when that differs (what the FAQ is searched with). Computed
    ahead, both are encoded in one batch with other viewers' comments."""
    text = normalize(raw_text)
    if not needs_retrieval(text):
        return []
    focus = room.matcher.focus(text, room.matcher.resolve(text, on_screen, recent, earlier).product)
    return [text] if focus in (text, "") else [text, focus]


def understand(
    raw_text: str,
    room: RoomKnowledge,
    on_screen: str | None,
    recent: str | None = None,
    qvec: np.ndarray | None = None,
    fvec: np.ndarray | None = None,
    *,
    earlier: str | None = None,
    asked_before: str | None = None,
) -> Understanding:
    """Normalise, resolve the product, find asked fields and the best FAQ entries.

    `qvec`, if given, is the embedding of the cleaned comment; otherwise it is computed here, once,
    and handed back in the Understanding for the recommender. `fvec`, if given, is the embedding of
    the focus (see `search_texts`)."""
    text = normalize(raw_text)
    lang = detect_lang(text)
    ref = room.matcher.resolve(text, on_screen, recent, earlier)
    fields = _not_the_link(detect_fields(text, ref.product), text, ref)
    faq: list[Hit] = []
    focus = room.matcher.focus(text, ref.product, fields) if text else ""
    retrieve = needs_retrieval(text)
    if retrieve:
        # the comment's vector serves the search only if the search text is the whole comment
        if focus == text:
            fvec = qvec
        # what is still to encode, in one batch: two short texts cost little more than one
        todo = list(dict.fromkeys(t for t, v in ((text, qvec), (focus, fvec)) if v is None))
        got = dict(zip(todo, room.faq.encoder.encode(todo), strict=True)) if todo else {}
        qvec = got[text] if qvec is None else qvec
        fvec = got[focus] if fvec is None else fvec
        if ref.product is not None:
            faq = room.faq.search(focus, k=3, product_id=ref.product.id, qvec=fvec)
        elif ref.how == "none":
            faq = room.faq.search(focus, k=3, qvec=fvec)
    clauses: tuple[tuple[str, float], ...] = ()
    clause_tops: tuple[tuple[str, float], ...] = ()
    asked = question_clauses(text, whole_english=True) if retrieve and ref.product is not None else []
    if ref.product is not None and len(asked) > 1:
        pid = ref.product.id
        foci = [room.matcher.focus(c, ref.product) for c in asked]
        vecs = room.faq.encoder.encode(foci)  # every question in one batch
        tops = [room.faq.search(f, k=2, product_id=pid, qvec=v) for f, v in zip(foci, vecs, strict=True)]
        if faq:
            clauses = tuple((h[0].doc.doc_id, faq_match(h)) for h in tops if h)
        both = [
            _live_asked(c, ref.product)
            or max(
                ((h[0].doc.doc_id, faq_match(h)) for h in (t, room.fields.search(f, 2, pid, v)) if h),
                key=lambda dm: dm[1],
                default=("", 0.0),
            )
            for c, f, v, t in zip(asked, foci, vecs, tops, strict=True)
        ]
        clause_tops = tuple(_said_again(asked, both, ref.product))
    return Understanding(
        text,
        lang,
        ref,
        fields,
        faq,
        focus,
        qvec if retrieve else None,
        clauses,
        asked_before,
        fvec,
        clause_tops,
        on_screen,
    )


def _not_the_link(fields: list[FieldMatch], text: str, ref: ProductRef) -> list[FieldMatch]:
    """The fields found, but for a value named only by the link's own number, said once: "3号链接有几个号"
    of brushes sized 0号 to 10号 asks their sizes, and "3号" is the link (it was answered "没有3号")."""
    said = f"{ref.link}号"
    if ref.how != "link" or text.count(said) != 1:
        return fields
    return [f for f in fields if f.asked != said]


def _said_again(asked: list[str], tops: list[tuple[str, float]], product: Product) -> list[tuple[str, float]]:
    """Each question's best entry, a question asking again an aspect of an earlier one ("充电宝有多重
    放包里沉不沉", both the weight) taking that one's: the same question said another way, which a short
    clause finds its entry by less surely. Not when it names another part ("鞋底多厚 鞋面厚不厚")."""
    read = [(asked_aspects(c), named_parts(c, product)) for c in asked]
    out = list(tops)
    for i, (aspects, parts) in enumerate(read):
        earlier = next((j for j in range(i) if aspects & read[j][0] and parts <= read[j][1]), None)
        if earlier is not None:
            out[i] = out[earlier]
    return out


def _live_asked(clause: str, product: Product) -> tuple[str, float] | None:
    """The live value (price or stock) a question asks outright ("有货吗", "多少钱啊"), by the
    patterns: a clause that short finds the entry that answers it by its words less surely."""
    found = detect_fields(clause, product)
    if found and found[0].key in ("price", "stock"):
        return found[0].key, found[0].strength
    return None


def needs_retrieval(text: str, model: KindModel | None = None, bar: float | None = None) -> bool:
    """Whether the comment is encoded and searched: everything but what the kind model's light head
    (character n-grams and rules, no encoder) is sure is chatter, three comments in four in a busy
    room, decided in a fraction of a millisecond. `text` may be raw or cleaned; `model` and `bar`
    stand in for the active kind model and its `chat_sure` (scripts/chat_sure.py chooses the bar)."""
    cleaned = normalize(text)
    light = model or active_kind_model()
    return bool(cleaned) and (not light.surely_chat(cleaned, bar) or _short_question(cleaned))


def _short_question(text: str) -> bool:
    """A comment of a few characters that is one question ("怎么洗", "起球吗"): the light head, which
    met thousands of short remarks in the chatter it learned from, is sure of chat for such a question
    too (two shops' trials: "怎么洗" and "起球吗" watching a jacket vanished); it is searched, and the
    answer side decides (`_asked_after_all`). About one sure-chat comment in 50 of real danmaku."""
    return len(text) <= 6 and len(question_clauses(text)) == 1


def question_clauses(text: str, whole_english: bool = False) -> list[str]:
    """The separate questions of a comment ("用一瓶能白一点吗 多久能看出来", "多少钱 还有吗" → two);
    a clause counts if it asks something and has at least two Chinese characters or two words, and
    is more than a way in ("兄弟们帮问下", "请问一下"). Split at every space, an English question is
    no clause of its own ("how much is link 6" is words): the answer model's feature counts so, as it
    was fitted. `whole_english` keeps an English question's words together, for the check that each
    question asked is answered ("how much is link 6? any XL left" asks two things)."""
    split = SENTENCE_SPLIT if whole_english else CLAUSE_SPLIT
    parts = [c.strip() for c in split.split(text) if c and c.strip()]
    # every Chinese character counts, function words too: "还有吗" is a whole question
    return [
        c
        for c in parts
        if is_question(c) and (len(HAN.findall(c)) >= 2 or len(c.split()) >= 2) and not only_asks_to_ask(c)
    ]


def _asked_after_all(u: Understanding, probs: dict[str, float], settings: QASettings) -> bool:
    """A question form about a known product that the kind model reads as chat, but not surely
    ("能测心率不 哈哈" with a fitness band on screen): the answer side decides, or the streamer."""
    return (
        u.ref.product is not None
        and bool(question_clauses(u.text))
        and (
            (
                (bool(u.fields) or faq_match(u.faq) >= settings.faq_threshold)
                and probs.get("question", 0.0) >= active_kind_model().settings.question_floor
            )
            # "0.5还是0.38的" of a "0.5mm" pen: asked of the product in view in words of its listing, in a
            # way the kind model has not met; read as chat, the comment vanished (no reply, no queue item)
            or _speaks_of(u.text, u.ref.product)
            # "和飞天比怎么样": the goods against something named, a buyer's question
            or bool(compared_with(u.text, u.ref.product))
            # "怎么洗" watching a jacket whose FAQ says how to wash it: an entry of the product in view
            # answers it surely, however unlike a question the kind model finds so short a comment
            or faq_match(u.faq) >= settings.faq_strong
        )
    )


# words of asking and pointing, in any listing's text as in any chatter: they say nothing of which
# product a comment is about
_ASKING_WORD = re.compile(
    r"什么|怎么|怎样|多少|哪个|哪些|为什么|为啥|是不是|能不能|可以|有没有|还是|这是|这个|那个|一下"
)
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")


def _speaks_of(text: str, product: Product) -> bool:
    """Whether the comment uses a word of the product's title, aliases or values (a word of two
    characters or more, not one of asking; a number as a whole): of the product, not of the room."""
    listing = f"{product.names_text()} {product.values_text().lower()}"
    numbers = set(_NUMBER.findall(listing))
    return any(len(w) >= 2 and w in numbers for w in _NUMBER.findall(text)) or any(
        len(w) >= 2 and not w.isdigit() and w in listing and not _ASKING_WORD.fullmatch(w)
        for w in tokens(text)
    )


def decide(
    u: Understanding,
    room: RoomKnowledge,
    settings: QASettings,
    *,
    answer_model: AnswerModel | Recorder | None = None,
    rules_only: bool = False,
) -> Decision:
    """The kind of the comment and, for a product question, the reply or the escalation.

    Which entry answers and whether to say it is the learned answer model's (`answer_model`, by
    default the one shipped in the package); `rules_only` decides with the pattern rules alone."""
    t, lang, ref = u.text, u.lang, u.ref
    if not t:
        return Decision(kind="chat", lang=lang, reason="empty after cleaning")
    # the kind is learned (handlers/kind_model.py): the rules are its features, not its verdict
    kind, probs = comment_kind(t, u.qvec, room.faq.encoder.name)
    # chat or an order that may be after-sales trouble (`maybe_complaint`), whose words say trouble
    # with the goods ("衣服起球了": two shops' trials, read as chat, it reached no one during the show)
    told_trouble = maybe_complaint(kind, probs) and tells_trouble(t)
    # a complaint: a person follows it up (the streamer's queue), never the bot alone
    if kind == "complaint" or told_trouble:
        return Decision(
            kind="complaint",
            lang=lang,
            product_id=_pid(ref),
            confidence=round(probs["complaint"], 3),
            reason="after-sales trouble" if kind == "complaint" else "after-sales trouble (its words say so)",
        )
    # "枕头是几号链接", "14号链接是什么": the shelf's link numbers and titles answer it, whatever the
    # kind model reads in a comment this short
    linked = link_decision(t, lang, ref, room.matcher)
    if linked is not None:
        return linked
    # worded as a comment an operator labelled with an entry of this product: that entry answers it,
    # whatever the models read in it (a person said what this wording asks)
    taught = _taught(u, room)
    if taught is not None:
        return taught
    # chat or an order that an operator should look at all the same (the review list's
    # `maybe_complaint`): a complaint read as an order must not vanish into the log
    flagged = maybe_complaint(kind, probs)
    # the unambiguous core: a field of a known product asked outright is a question, whatever the
    # model says of a comment this short ("3号链接 价格" by link or name, "有货吗" of the one on screen)
    # (a field word said without asking anything, "3号链接 价格", counts only for the live price and
    # stock: "这顶头盔颜色好帅" names the colours and asks nothing); of the product on screen, when
    # worded as a question or by a word that asks a price ("这个多钱": read as chat, lost)
    named_field = (
        any(f.strength >= 0.8 and (is_question(t) or f.key in ("price", "stock")) for f in u.fields)
        and (
            ref.how in ("link", "name", "earlier")
            or (ref.product is not None and (is_question(t) or asks_price(t)))
            # "1.5的价格": a version of the product in view named, as a link would name the product
            or (ref.product is not None and price_version(ref.product, t) is not None)
        )
    ) or (
        # "保质期" alone of the product in view, "半年抛直径" of the one named: a question, though it asks
        # with no word (a specialty food shop's trial: chat at 0.95, lost)
        ref.product is not None
        and any(
            f.strength >= 0.8 and only_field_name(_without_names(t, ref.product, room), ref.product, f.key)
            for f in u.fields
        )
    )
    # "4号链接价格" reads like "4号链接" said to order, but no order pattern is in it
    if kind == "purchase" and not (named_field and not is_purchase(t)):
        return Decision(
            kind="purchase",
            lang=lang,
            # "拍了" with nothing named buys the product on screen (or the one this viewer just asked
            # about): logged with it, for the operators' conversion figures and the viewer's profile
            product_id=ref.product.id if ref.product is not None else None,
            confidence=round(probs[kind], 3),
            reason=f"{MAYBE_COMPLAINT} (read as an order)" if flagged else "order or intent to buy",
        )
    if kind == "chat" and not named_field and not _asked_after_all(u, probs, settings):
        return Decision(
            kind="chat",
            lang=lang,
            confidence=round(probs[kind], 3),
            reason=f"{MAYBE_COMPLAINT} (read as chat)" if flagged else "no question",
        )

    fields = [f for f in u.fields if f.strength >= 0.5]
    best_field = fields[0] if fields else None
    top = u.faq[0] if u.faq else None
    match = faq_match(u.faq)
    product = ref.product
    if product is None and top is not None and match >= settings.faq_strong:
        product = room.catalog.product(top.doc.product_id or "")

    if best_field is None and _follows_up(t, ref, product, u.asked_before):
        # "3号呢" right after "1号多少钱": the same field, of the product named now; "75的呢" after
        # "65寸多少钱": the price of the version named now
        version = price_version(product, t) if product is not None and u.asked_before == "price" else None
        best_field = FieldMatch(u.asked_before or "", 0.85, version)
    strong_field = best_field is not None and best_field.strength >= 0.8
    if asks_streamer_fit(t) or (asks_model_fit(t) and not _states_the_model(product)):
        return Decision(
            kind="escalate",
            lang=lang,
            product_id=product.id if product is not None else None,
            reason="asks the streamer's own size",
        )
    if (
        about_streamer(t)
        and ref.how not in ("link", "name")
        and all(map(about_streamer, question_clauses(t)))
    ):
        # a remark or a question about the streamer; a question about the goods beside a remark
        # ("多少钱 主播今天好漂亮") goes on
        return Decision(kind="chat", lang=lang, reason="about the streamer")
    several = room.matcher.several(t, u.on_screen)
    if several:
        known = [p for p in several if p is not None]
        if len(known) < len(several):
            return Decision(
                kind="escalate", lang=lang, confidence=0.0, reason="a link named is not on the shelf"
            )
        return _several(known, t, lang, best_field, room, settings)
    if ref.how == "day_or_link":
        return Decision(
            kind="escalate", lang=lang, confidence=0.0, reason=f"{ref.link}号 may be a link or a day"
        )
    if ref.how == "unknown_link":
        return Decision(kind="escalate", lang=lang, confidence=0.0, reason=f"no link {ref.link} on the shelf")
    if ref.how == "earlier" and ref.product is None:
        return Decision(
            kind="escalate", lang=lang, confidence=0.0, reason="asks about a product shown earlier"
        )
    if product is None:
        if best_field is None and match < settings.faq_threshold and not asks_for_goods(t):
            # a question about nothing on the shelf ("队长怎么不说话"): room talk, not the streamer's queue
            return Decision(kind="chat", lang=lang, reason="question not about the goods")
        return Decision(kind="escalate", lang=lang, confidence=0.0, reason="no product could be identified")

    if (
        product.in_stock
        and asks_restock(t)
        and (sold_out_said(product) or any(asks_restock(f.q) for f in product.faq))
        and not any(f.key != "stock" for f in fields)
    ):
        # "什么时候补货" of goods in stock again, whose listing says they are sold out or when they
        # come back, or has an entry for when they come back: the stock now answers it, not an FAQ
        # entry written while they were sold out ("预计下周补货", sent at 0.90 with 20 in stock in a
        # trial; "补货时间以直播间通知为准…等下次开抢" with 50 in stock in another); of goods whose
        # listing says neither, when the next batch comes is the streamer's to say
        stock = render_field(product, FieldMatch("stock", 1.0), lang, room.catalog.currency)
        return _said_where(
            _gate(
                Decision(
                    kind="answer",
                    lang=lang,
                    product_id=product.id,
                    source="stock",
                    confidence=0.95,
                    reply=stock,
                    reason="field",
                ),
                settings,
            ),
            t,
            product,
        )
    rule = _decide_by_rules(u, room, settings, product, best_field, strong_field)
    rules_only = rules_only or settings.decider == "rules"
    model = None if rules_only else answer_model if answer_model is not None else shipped_model()
    if model is not None and not model.fits(room.faq.encoder.name):
        model = None  # fitted on another encoder's vectors (a test stand-in, say): the rules decide
    if model is None or u.fvec is None or _follows_up(t, ref, product, u.asked_before):
        # no model, a comment never encoded (not a question), or a bare "3号呢": the rules' core
        if rule.kind == "answer" and rule.reason == "field" and asks_opinion(u.text):
            # "什么颜色好看 主播推荐一下", read as surely chat but for the colours it names: as below
            rule = _as_guess(rule, OPINION)
        return _said_where(rule, t, product)
    return _said_where(_decide_learned(u, room, product, rule, model, probs), t, product)


def _without_names(text: str, product: Product, room: RoomKnowledge) -> str:
    """The comment without its link phrases and the names it calls the product by."""
    text = without_links(text)
    return blanked(text, room.matcher.names_said(text, product))


# the model wearing the goods, as a listing speaks of them ("模特身高165cm 穿S码", "model is 175cm,
# wearing M"); not a model number ("model: 126610LN")
_THE_MODEL = re.compile(r"模特|\bmodel'?s?\s+(is|wears|wearing|height|size|in)\b", re.IGNORECASE)


def _states_the_model(product: Product | None) -> bool:
    """Whether the product's field values or FAQ speak of the model wearing it."""
    if product is None:
        return False
    values = [str(v) for v in product.attributes.values()]
    if product.en is not None:
        values += [str(v) for v in product.en.attributes.values()]
    texts = values + [f"{f.q} {f.a}" for f in product.faq]
    return any(_THE_MODEL.search(t) for t in texts)


def _asked_outright(cands: Sequence[Candidate], but: int) -> bool:
    """Whether a field other than candidate `but` is asked outright: found by `detect_fields` (by the
    lexicon's words, a value named or a name of the shop's) at strength 0.8 or more."""
    return any(c.match is not None and c.match.strength >= 0.8 for j, c in enumerate(cands) if j != but)


def _said_where(d: Decision, text: str, product: Product) -> Decision:
    """A shipping answer to "能寄到台湾吗" from a policy that never speaks of Taiwan (nor of Hong Kong,
    Macau and Taiwan, nor of the mainland only), or to "能发顺丰吗" from one that names no courier,
    would read as a yes, and a returns answer to "退货地址在哪" from one that gives none answers another
    question: the streamer answers it. A guess the gate held says so too: that reason tells
    the streamer more than an unsure probability, and sent, the guess teaches no wording."""
    held = d.kind == "escalate" and d.guess is not None and d.reason.startswith(NOT_SURE)
    if (d.kind != "answer" and not held) or d.source not in ("shipping", "returns"):
        return d
    if d.source == "returns":
        returns = [product.returns or "", (product.en.returns if product.en else None) or ""]
        return _as_guess(d, NO_ADDRESS) if address_unsaid(text, returns) else d
    policies = [product.shipping or "", (product.en.shipping if product.en else None) or ""]
    if policy_is_silent(text, policies):
        return _as_guess(d, SHIPS_THERE)
    if courier_unnamed(text, policies):
        # "能发顺丰吗" of "48小时内发货，全国包邮": quoting it would read as a yes
        return _as_guess(d, COURIER)
    if fee_unsaid(text, policies):
        return _as_guess(d, FEE_UNSAID)
    return d


def _decide_learned(
    u: Understanding,
    room: RoomKnowledge,
    product: Product,
    rule: Decision,
    model: AnswerModel | Recorder,
    kind_probs: dict[str, float],
) -> Decision:
    """The product's fields and FAQ entries, retrieved alike, scored by the model: the likeliest
    answers if its probability clears the model's threshold, else the streamer gets it as a guess."""
    lang = u.lang
    k = len(room.fields) + len(room.faq)
    hits = [Candidate(h.doc.doc_id, True, h) for h in room.fields.search(u.focus, k, product.id, u.fvec)]
    hits += [Candidate(h.doc.doc_id, False, h) for h in room.faq.search(u.focus, k, product.id, u.fvec)]
    if not hits:
        return rule
    found = {f.key: f for f in u.fields}
    cands = sorted(
        (Candidate(c.source, c.is_field, c.hit, found.get(c.source) if c.is_field else None) for c in hits),
        key=lambda c: c.hit.score,
        reverse=True,
    )

    def other(c: Candidate) -> bool:
        if c.is_field:
            return c.source not in ("price", "stock") and field_aspect_conflict(u, c, product)
        return _other_aspect(u.text, c.hit, product)

    x = comment_features(u, cands, product, rule, other, len(question_clauses(u.text)), kind_probs)
    i, p = model.choose(cands, x, u.fvec)
    verbatim = next(
        (j for j, c in enumerate(cands) if not c.is_field and _typed_question(u, c, product)), None
    )
    if verbatim is not None:
        # the viewer typed one of the streamer's own FAQ questions: its answer is what was asked,
        # however the model reads a comment whose search text lost the product's name with the word
        # asked ("这个是纯棉的吗" of a "纯棉衬衫")
        i, p = verbatim, max(p if i == verbatim else 0.0, model.gate(cands[verbatim]))
    priced = next(
        (
            j
            for j, c in enumerate(cands)
            if c.source == "price" and c.match and c.match.asked in product.prices and c.match.strength >= 0.8
        ),
        None,
    )
    if priced is not None and verbatim is None:
        # "1米8的多少钱" of a bed priced by size: that size's price, a live value asked outright
        # (the size list, naming the size too, read likelier to the model, which never met `prices`)
        i, p = priced, max(p if i == priced else 0.0, model.gate(cands[priced]))
    live_choice = cands[i].source in ("price", "stock") and verbatim is None and priced is None
    shop_named = (
        next(
            (j for j, c in enumerate(cands) if c.is_field and says_field_name(u.text, product, c.source)),
            None,
        )
        if live_choice
        else None
    )
    if shop_named is not None and shop_named != i and not _asked_outright(cands, shop_named):
        # "是A货吗" with `treatment: [处理方式, 是不是A货]`: the model, which never met a shop's names,
        # chose a live value nothing asks (a jade shop's trial: the 货 of stock, "还有1件现货" sent; a
        # hardware shop's: "how many spray modes" got the price, its English title says "3 spray
        # modes"); the shop's own name for a field said is what is asked
        i, p = shop_named, model.gate(cands[shop_named])
    best = cands[i]
    if best.is_field:
        match = naming(best.match or FieldMatch(best.source, p), product, u.text)
        reply = render_field(product, match, lang, room.catalog.currency)
        asked, reason = match.named, "field"
    else:
        reply, asked, reason = _faq_reply(product, best.hit, lang), None, "faq"
    conf = math.floor(p * 1000) / 1000  # rounded down: a learned probability never says certain
    if p >= model.gate(best):
        # but an answer sent at its bar shows the bar as the docs round it, not a thousandth under it
        conf = max(conf, round(model.gate(best), 3))
    answer = Decision(
        kind="answer",
        lang=lang,
        product_id=product.id,
        source=best.source,
        confidence=conf,
        reply=reply,
        reason=reason,
        asked=asked,
    )
    if verbatim is not None:
        # the streamer's own wording of this entry (its probability raised to the gate): the checks
        # below second-guess a learned match, not what a person wrote the entry for
        return answer
    # the checks first, the gate last: a guess held back says the surest reason why, and one that
    # says the entry does not answer all that was asked teaches nothing when the streamer sends it
    # (a console trial: "有优惠券吗" held as merely "not sure enough", approved, taught the price)
    # a field named by a name the shop gave it ("跟高" of a `heel_height` whose value speaks of the
    # sole's thickness) is that field asked: the checks reading the value's own words do not overrule it
    if not says_field_name(u.text, product, best.source) and (
        other(best) or _list_misses_aspect(u.text, best, product)
    ):
        # the entry is about another aspect or part than the one asked ("袖子多长" against the
        # garment's length): a feature of the model too, but one it meets too seldom in training to
        # weigh it as it deserves (leave-one-room-out, 7 of the 8 such first choices were wrong)
        return _as_guess(answer, OTHER_ASPECT)
    said = (
        field_value_text(product, best.source)
        if best.is_field
        else f"{best.hit.doc.text} {best.hit.doc.answer}"
    )
    # a list names every version, so it says "no" to one it lacks ("有28寸的吗": "没有28寸")
    listed = best.is_field and isinstance(product.attributes.get(best.source), list)
    unlinked = without_links(u.text)
    if other_version(unlinked, said, product, best.source) or (
        not listed and asks_other_amount(unlinked, said)
    ):
        # "34的多重" against the weight the listing gives for the 32cm pan, "有没有宽5mm的款" against a
        # 3mm band: another version's value
        return _as_guess(answer, OTHER_VERSION)
    if not best.is_field and other_model(unlinked, best.hit.doc.text):
        # "6075可以用吗" against the FAQ "2132能用吗": its "不能哦" answers another printer
        return _as_guess(answer, OTHER_MODEL)
    if best.source == "size_guide" and beyond_guide(
        str(field_value(product, "size_guide")), body_measures(u.text)
    ):
        # "160斤能穿吗" of a shirt whose guide stops at 135斤: the chart sent whole reads as a yes
        return _as_guess(answer, BEYOND_GUIDE)
    if listed and asks_goods_left(u.text):
        # "12公斤有现货吗", "1.5匹有現貨嗎": the version is on the list; whether any are left, the
        # stock of the product says at best, and of that version nothing does
        return _as_guess(answer, GOODS_LEFT)
    if best.is_field and asks_opinion(u.text):
        # "什么颜色好看 主播推荐一下" against the colour list: the options, not which is best
        return _as_guess(answer, OPINION)
    if any(doc != best.source for doc, _ in u.clause_tops):
        # several questions, and one of them is best answered by another entry (a field or an FAQ
        # entry) or by none: one answer would leave it unanswered
        return _as_guess(answer, TWO_THINGS)
    if best.source == "price" and not prices_agree(product):
        # a bed at 2599 / 2899 by size, its price changed from the console since: which version's
        # price is what now, the streamer knows; the guess gives the live price alone, never the
        # versions' prices as the catalog had them (a florist's trial: sent with one click at 1.0)
        live = product.model_copy(update={"prices": {}})
        guess = render_field(live, FieldMatch("price", p), lang, room.catalog.currency)
        return _as_guess(replace(answer, reply=guess), PRICES_OLD)
    if best.is_field and asks_unit_price(u.text, product):
        # "一克多少钱" of a bangle sold by weight, "多少钱一斤" of a five-jin box: the live price is of
        # another amount, and no field of a listing that gives no price per unit says it ("how much
        # per gram" was answered with the weight in grams)
        return _as_guess(answer, UNIT_PRICE)
    if (
        best.is_field
        and best.source not in ("price", "shipping", "returns")
        and any(f.key == "price" and f.strength >= 0.8 for f in u.fields)
        and not says_money(field_value_text(product, best.source))
        and not asks_meters(u.text, field_value_text(product, best.source))
    ):
        # "1米8的床多少钱" against the bed's dimensions (which name the 1.8 m bed): the price asked
        # outright, and the entry gives no amount of money
        return _as_guess(answer, OTHER_ASPECT)
    if best.source == "price" and asks_fee(u.text):
        # "运费多少钱": what the delivery costs, which the goods' price is not
        return _as_guess(answer, OTHER_ASPECT)
    if best.source == "shipping" and asks_ship_from(u.text, field_value_text(product, "shipping")):
        # "你们是哪里发货的" against "付款后48小时内发货，全国包邮": when and at what cost, not from where
        return _as_guess(answer, OTHER_ASPECT)
    if (
        best.is_field
        and asks_custom(u.text)
        and not asks_custom(f"{product.names_text()} {product.category}")
    ):
        # "衣柜能定制尺寸吗" against the wardrobe's dimensions: what it is, not what the shop makes; goods
        # made to order by name ("定制印字气球") have fields about the making ("定制的多久能发货" got the
        # reason while its `lead_time` answered: a party shop's trial)
        return _as_guess(answer, CUSTOM)
    if (
        best.is_field
        and asks_alone(u.text)
        and best.source not in ("shipping", "returns")
        and not (best.source == "price" and answer.asked)
    ):
        # "能不能只买一根50磅的" against the set's five bands, "椅子单买多少钱" against the set's price:
        # what the set holds or costs, not whether the shop splits it; the delivery and returns
        # policies hold for one bought alone too ("单买一本包邮吗")
        return _as_guess(answer, ALONE)
    if best.source == "price" and any(asks_deal_only(c) for c in [u.text, *question_clauses(u.text)]):
        # "有优惠券吗", "能便宜点吗": the live price says neither whether a coupon applies nor whether
        # the streamer goes lower, asked alone or after the price ("1提多少钱 能便宜点吗"); the price
        # goes along as the guess
        return _as_guess(answer, DEAL_ONLY)
    if best.source == "stock" and asks_version(u.text):
        # "is it available in XL?" of a product sold in no sizes: "64 in stock" would say yes
        return _as_guess(answer, VERSION_ASKED)
    if best.source == "stock" and asks_when(u.text):
        # "when will the white tea be back in stock?": "sold out for now" does not say when
        return _as_guess(answer, WHEN_ASKED)
    if p < model.gate(best):
        # with the bar it missed: each kind of answer has its own, and 0.91 held where 0.85 was sent
        # read as arbitrary (both shown rounded away from each other)
        bar = math.ceil(model.gate(best) * 100) / 100
        return _as_guess(answer, f"{NOT_SURE} ({math.floor(p * 100) / 100:.2f} < {bar:.2f})")
    return answer


def _decide_by_rules(
    u: Understanding,
    room: RoomKnowledge,
    settings: QASettings,
    product: Product,
    best_field: FieldMatch | None,
    strong_field: bool,
) -> Decision:
    """Today's pattern rules for the answer: kept as the model's features and as the decision where
    no model runs."""
    t, lang, ref = u.text, u.lang, u.ref
    top = u.faq[0] if u.faq else None
    # entries answering another aspect or part than the one asked are no candidates ("鞋底多厚"
    # against "鞋底软吗"); an entry asking the very aspect asked is likelier the one meant
    faq = [h for h in u.faq if not _other_aspect(t, h, product)]
    other = top if top is not None and (not faq or faq[0] is not top) else None
    top = faq[0] if faq else None
    match = faq_match(faq) + (ASPECT_BONUS if top is not None and _same_aspect(t, top) else 0.0)
    # a field asked outright (its live value) wins over a written FAQ answer, unless the comment
    # holds the FAQ's whole question about that field; the FAQ wins over a field that was only
    # hinted at (a value named in passing, a value word with no field word)
    if (
        strong_field
        and best_field is not None
        and top is not None
        and _faq_asks_it(t, top, best_field, product)
    ):
        strong_field = False
    use_faq = top is not None and match >= settings.faq_threshold and not strong_field
    asked = {doc for doc, m in u.clauses if m >= settings.faq_threshold}
    if use_faq and top is not None and len(asked) > 1:
        # two questions, each with its own entry: one answer would leave the other unanswered or,
        # worse, answer a blend of both; the streamer takes it
        return _escalate_other_aspect(
            product,
            top.doc.doc_id,
            _faq_reply(product, top, lang),
            match,
            ref,
            lang,
            TWO_THINGS,
        )
    if not use_faq and other is not None and not strong_field and faq_match(u.faq) >= settings.faq_threshold:
        guess = _faq_reply(product, other, lang)
        return _escalate_other_aspect(product, other.doc.doc_id, guess, faq_match(u.faq), ref, lang)
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
    if best_field is not None and best_field.key not in ("price", "stock"):
        ftext = field_text(product, best_field.key)
        if aspect_conflict(t, ftext, ftext, product):
            reply = render_field(product, best_field, lang, room.catalog.currency)
            return _escalate_other_aspect(product, best_field.key, reply, best_field.strength, ref, lang)
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
                asked=best_field.named,
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


def _other_aspect(text: str, hit: Hit, product: Product | None) -> bool:
    """The entry answers another aspect or part than the comment asks (see `aspect_conflict`), or
    it is about a part of the product ("鞋垫能拿出来换吗") that a Chinese comment neither names nor
    shares a single content word with."""
    entry = f"{hit.doc.text} {hit.doc.answer or ''}"
    if aspect_conflict(text, hit.doc.text, entry, product) or other_group(text, hit.doc.text, entry, product):
        return True
    asked = asked_aspects(text)
    if asked and not asked & asked_aspects(entry) and not _shares_a_word(text, entry, product):
        # "这件衣服起球吗" against "这个是纯棉的吗？": the entry never speaks of the aspect asked nor
        # of anything else the comment names; only the sentence shape is alike
        return True
    parts = named_parts(hit.doc.text, product)
    if not parts or any(p in text for p in parts) or not han_chars(text):
        return False
    return not _shares_a_word(text, entry, product)


def _list_misses_aspect(text: str, c: Candidate, product: Product) -> bool:
    """A list field (colours, sizes, flavours) asked how the goods behave ("会掉色吗", "会透光吗")
    where its entry never speaks of that: the list says which versions there are, not that. A
    comment asking whether a version is there ("有没有薄荷味的") is what the list answers."""
    if not c.is_field or not isinstance(product.attributes.get(c.source), list):
        return False
    asked = asked_aspects(text)
    return bool(asked) and not asked & asked_aspects(c.hit.doc.text) and not asks_availability(text)


def _shares_a_word(text: str, entry: str, product: Product | None) -> bool:
    """Whether a content word of the comment (two characters or more, not the product's name) is in
    the entry."""
    name = _product_words(product)
    return any(w in entry for w in tokens(text) if len(w) >= 2 and w not in name)


def _product_words(product: Product | None) -> str:
    if product is None:
        return ""
    return product.names_text(tags=True)


def _faq_asks_it(text: str, hit: Hit, field: FieldMatch, product: Product) -> bool:
    """An FAQ entry whose whole question is in the comment and asks the very field the comment asks
    ("鲜花饼保质期多久" and "保质期多久？"): its written answer says more than the field's bare value.
    Never for price and stock, nor a value named ("有XL吗"), whose live state is the answer."""
    if field.key in ("price", "stock") or field.asked is not None:
        return False
    q = normalize(hit.doc.text)
    words = han_chars(q) + re.findall(r"[a-z0-9]+", q)
    if not words or any(w not in text for w in words):
        return False
    return any(f.key == field.key and f.strength >= 0.5 for f in detect_fields(q, product))


def _same_aspect(text: str, hit: Hit) -> bool:
    """The entry's question asks an aspect the comment asks ("变小" / "缩不缩水")."""
    return bool(asked_aspects(text) & asked_aspects(hit.doc.text))


def _escalate_other_aspect(
    product: Product,
    source: str,
    guess: str,
    match: float,
    ref: ProductRef,
    lang: Lang,
    reason: str = OTHER_ASPECT,
) -> Decision:
    """The best entry speaks of another aspect or part than the one asked ("鞋底多厚" against
    "鞋底软吗", "袖子多长" against the garment's length): the streamer answers, the entry is the guess."""
    return Decision(
        kind="escalate",
        lang=lang,
        product_id=product.id,
        source=source,
        confidence=round(min(match, 0.5) * ref.confidence, 3),
        guess=guess,
        reason=reason,
    )


def _faq_confidence(match: float, settings: QASettings) -> float:
    """FAQ match mapped onto the answer gate's scale: the FAQ threshold sits at 0.75, a strong match
    at 0.95 and above."""
    span = max(settings.faq_strong - settings.faq_threshold, 1e-6)
    return max(0.0, min(1.0, 0.75 + 0.2 * (match - settings.faq_threshold) / span))


# "1号和2号一起买有优惠吗", "一共多少": a bundle or a total is the streamer's to price
_TOGETHER = re.compile(r"(一起|搭配|组合|套装|合买|一共|总共|都买|together|bundle|total)")
SEVERAL_MAX = 3  # products one reply quotes at most (a chat line stays short)


def _several(
    products: list[Product],
    t: str,
    lang: Lang,
    field: FieldMatch | None,
    room: RoomKnowledge,
    settings: QASettings,
) -> Decision:
    """A comment naming several links: their live prices (or stock) in one reply when that is all it
    asks, else the streamer's."""
    first = products[0].id
    if field is None or field.key not in ("price", "stock") or field.strength < 0.8:
        return Decision(kind="escalate", lang=lang, product_id=first, reason="asks about several products")
    if _TOGETHER.search(t) or asks_opinion(t) or len(products) > SEVERAL_MAX:
        # a bundle or a total, or which of them is the better buy ("洗衣液和凝珠哪个更划算"): the
        # prices, sent or approved as a guess, would answer neither
        return Decision(kind="escalate", lang=lang, product_id=first, reason="asks about several products")
    parts = [
        render_field(p, FieldMatch(field.key, field.strength), lang, room.catalog.currency) for p in products
    ]
    return _gate(
        Decision(
            kind="answer",
            lang=lang,
            product_id=first,
            source=field.key,
            confidence=round(field.strength, 3),
            reply=("；" if lang == "zh" else " ").join(parts),
            reason="field, several products",
            asked="links " + ",".join(str(p.link) for p in products),
        ),
        settings,
    )


# "3号呢", "那裤子呢": nothing but a product and 呢; in English, "and link 2?", "what about #5?",
# "how about the teapot?": a product of two words at most, so "and it comes with a box?" is not one
_FOLLOW_UP = re.compile(
    r"(那|那么)?\s*.{1,10}?\s*呢\s*\??"
    r"|(?:and|what about|how about)\s+(?:(?:the|this|that|for)\s+)?(?:[^\s?]+\s*){1,2}\?*"
)


def _follows_up(t: str, ref: ProductRef, product: Product | None, asked_before: str | None) -> bool:
    """A bare "what about this one" naming a product, after the viewer's answered field question; or,
    after a price question, naming another version of the product priced by version ("75的呢" after
    "65寸多少钱")."""
    if asked_before == "price" and product is not None and price_version(product, t) is not None:
        return bool(_FOLLOW_UP.fullmatch(t))
    if not asked_before or product is None or ref.how not in ("link", "name", "this", "earlier"):
        return False
    has = asked_before in ("price", "stock") or field_value(product, asked_before) not in (None, "", [])
    return has and bool(_FOLLOW_UP.fullmatch(t))


def _typed_question(u: Understanding, c: Candidate, product: Product) -> bool:
    """The cleaned comment is the FAQ entry's question, in Chinese or in the catalog's English, but for
    spaces and punctuation, or it is once the product's name or link is left out ("三德刀什么时候补货"
    of the entry "什么时候补货？"), or only the alias it was called by ("托特包是真皮吗" of "是真皮吗？",
    where the search text lost 真皮, a tag of the bag, too)."""
    unnamed = u.text
    for alias in sorted((a for a in product.aliases if len(a) >= 2), key=len, reverse=True):
        unnamed = unnamed.replace(alias.lower(), " ")
    said = {words_only(u.text), words_only(u.focus), words_only(unnamed)} - {""}
    asked = product.faq_questions(c.source)
    return bool(said & set(map(words_only, asked)))


def _gate(d: Decision, settings: QASettings) -> Decision:
    """Answers below the threshold go to the streamer with the bot's guess attached."""
    if d.confidence >= settings.answer_threshold:
        return d
    return _as_guess(d, f"low confidence ({d.confidence:.2f})")


def _as_guess(d: Decision, reason: str) -> Decision:
    """An answer not sure enough to send: the streamer's queue gets it, its reply as the guess (a
    guess already held keeps its guess and takes the new reason)."""
    if d.kind == "escalate":
        return replace(d, reason=reason)
    return Decision(
        kind="escalate",
        lang=d.lang,
        product_id=d.product_id,
        source=d.source,
        confidence=d.confidence,
        guess=d.reply,
        reason=reason,
    )


def _taught(u: Understanding, room: RoomKnowledge) -> Decision | None:
    """The answer an operator's label taught for this wording of the product the comment is about
    (its `asked_as`, handlers/review.py `teach`), or None."""
    product = u.ref.product
    if product is None or not u.focus:
        return None
    words = words_only(u.focus)
    source = room.taught_entries.get((product.id, words))
    if source is None:
        # a field's wording taught on another product of the shelf asks the same field of this one
        # ("这个怎么卖" is the price of whichever product it is said of); an FAQ entry is its own
        key = room.taught_fields.get(words)
        source = key if key is not None and key in product.entries() else None
    if source is None:
        return None
    faq = next((f for f in product.faq if f.id == source), None)
    if faq is None:
        match = naming(FieldMatch(source, 1.0), product, u.text)
        reply, asked = render_field(product, match, u.lang, room.catalog.currency), match.named
    else:
        reply, asked = entry_reply(product, faq.id, faq.a, u.lang), None
    return Decision(
        kind="answer",
        lang=u.lang,
        product_id=product.id,
        source=source,
        confidence=1.0,
        reply=reply,
        reason="field" if faq is None else "faq",
        asked=asked,
    )


def field_asked(decision: Decision) -> str | None:
    """The field a plain field answer gave ("price"): what a bare "3号呢" from the same viewer asks
    next. None for anything else (an FAQ answer, several products, an escalation)."""
    return decision.source if decision.kind == "answer" and decision.reason == "field" else None


def _pid(ref: ProductRef) -> str | None:
    return (
        ref.product.id if ref.product is not None and ref.how in ("link", "name", "this", "earlier") else None
    )


def answer_with_vector(
    raw_text: str,
    room: RoomKnowledge,
    on_screen: str | None,
    settings: QASettings,
    recent: str | None = None,
    qvec: np.ndarray | None = None,
    fvec: np.ndarray | None = None,
    *,
    earlier: str | None = None,
    asked_before: str | None = None,
) -> tuple[Decision, np.ndarray | None]:
    """The Q&A path plus the comment's embedding, so the recommender learns from what was said.
    `qvec` and `fvec`, when the caller already encoded `search_texts` (in a batch), save encoding them
    again."""
    u = understand(raw_text, room, on_screen, recent, qvec, fvec, earlier=earlier, asked_before=asked_before)
    return decide(u, room, settings), u.qvec


def answer_comment(
    raw_text: str,
    room: RoomKnowledge,
    on_screen: str | None,
    settings: QASettings,
    recent: str | None = None,
    *,
    earlier: str | None = None,
    asked_before: str | None = None,
) -> Decision:
    """Understand and decide in one call: the whole Q&A path for one comment. `earlier` is the
    product on screen before the current one ("上一个多少钱"); `asked_before` the field of the
    viewer's last answered question ("3号呢")."""
    u = understand(raw_text, room, on_screen, recent, earlier=earlier, asked_before=asked_before)
    return decide(u, room, settings)
