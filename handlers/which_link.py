"""Which link a product is on ("枕头是几号链接", "which link is the pillow?") and what is on a link
("14号链接是什么"): the commonest shopping question of a live room after the price. The shelf's link
numbers and titles answer both, so no model decides it; what the bot cannot see (the streamer's own
outfit) goes to the streamer."""

from __future__ import annotations

import re

from domain.catalog import Product
from domain.messages import Decision, Lang
from handlers.fields import SENTENCE_SPLIT, currency_symbol, detect_fields, money, priced_from, zh_amount
from handlers.intent import is_question
from handlers.products import ProductRef, ShelfMatcher, without_links

_END = r"\s*[啊呀呢吗嘛哈哦~～?？!！.。]*\s*$"

# the number of a product's link: "几号链接", "在哪个链接", "链接是多少号", "枕头是几号" at the end (a date
# or a size has a verb before or after it: "几号发货", "穿几号", "戴几号"), "which link", "what number is it"
_WHICH = re.compile(
    r"(几|多少|哪)\s*号\s*(链接|连接|宝贝)"
    rf"|(?<![穿戴拿买选要挑码])\s*(几|多少|哪)\s*号{_END}"
    r"|(哪个|哪一个|哪条|哪款)\s*(是.{1,12}的?)?\s*(链接|连接)"
    r"|(链接|连接)\s*(是|在)?\s*(几号|多少号|哪个|哪一个|哪号)"
    r"|\b(which|what)\s+(link|number|item number|link number)\b",
    re.IGNORECASE,
)
# what a link named is: the whole question once the link phrase is gone ("14号链接是什么" → "是什么")
_WHAT = re.compile(
    rf"(是|叫)?\s*(什么|啥|哪个|哪款|什么东西|啥东西)\s*(东西|产品|宝贝|商品|来着)?{_END}"
    r"|(what(\s*'?s| is)?|which one is)\s*(it|this|that|on)?\s*\??\s*$",
    re.IGNORECASE,
)
# the streamer's own things: what they wear or hold is not known to the shelf
_WORN = re.compile(
    r"(主播|小姐姐|模特|老板娘|你)\s*(身上|穿的|穿着|戴的|戴着|用的|手上|手里|拿的|背的|脚上|头上)"
)
# the viewer points at something ("这个", "this one") the bot may not know
_POINTED = re.compile(r"这|\b(this|that)\b", re.IGNORECASE)

REASON = "which link"


def asks_which_link(text: str) -> bool:
    """The comment asks the link number of a product ("枕头是几号链接", "which link is the pillow")."""
    return bool(_WHICH.search(text))


def _asks_what(rest: str) -> bool:
    return bool(_WHAT.fullmatch(rest.strip()))


def link_decision(text: str, lang: Lang, ref: ProductRef, matcher: ShelfMatcher) -> Decision | None:
    """The reply to a comment asking which link a product is on or what a link is, or None when
    it asks neither (or asks something more than its price besides, which the rest of the path
    answers)."""
    which = asks_which_link(text)
    what = ref.how == "link" and any(_asks_what(c) for c in SENTENCE_SPLIT.split(without_links(text)))
    if not (which or what):
        return None
    others = [
        c
        for c in SENTENCE_SPLIT.split(text)
        if c.strip() and is_question(c) and not asks_which_link(c) and not _asks_what(without_links(c))
    ]
    if any(not _asks_price(c) for c in others):
        return None
    if what:
        products = [ref.product] if ref.product is not None else []
    else:
        products = _named(text, ref, matcher)
    worn = _WORN.search(text) is not None
    if worn or (not products and _POINTED.search(text)):
        # "主播手上拿的是几号", "这个是几号" with nothing on screen: the bot cannot see what the
        # streamer wears or points at; its guess, if any, goes along
        return Decision(
            kind="escalate",
            lang=lang,
            product_id=products[0].id if products else None,
            source="link" if products else None,
            guess=listing(products, lang, matcher.catalog.currency) if products else None,
            reason="asks which link the streamer's own one is"
            if worn
            else "asks which link, product unknown",
        )
    if not products:
        return None
    return Decision(
        kind="answer",
        lang=lang,
        product_id=products[0].id,
        source="link",
        confidence=1.0 if ref.how == "link" else 0.95,
        reply=listing(products, lang, matcher.catalog.currency),
        reason=REASON,
        asked="links " + ",".join(str(p.link) for p in products) if len(products) > 1 else None,
    )


def _asks_price(clause: str) -> bool:
    """The clause asks the price outright, which the link line says ("多少钱"; not "有券吗")."""
    found = detect_fields(clause, None)
    return bool(found) and found[0].key == "price" and found[0].strength >= 0.8


def _named(text: str, ref: ProductRef, matcher: ShelfMatcher) -> list[Product]:
    """The products whose link is asked: several named ("衬衫和裤子分别几号"), every product a name
    fits equally well ("帽子几号链接" with two hats on the shelf), or the one resolved by name, by
    "this" or on screen."""
    several = matcher.several(text)
    if several and all(p is not None for p in several):
        return [p for p in several if p is not None]
    if ref.how == "name":
        tied = matcher.tied(text)
        return tied if len(tied) > 1 else [ref.product] if ref.product is not None else []
    if ref.how in ("this", "on_screen") and ref.product is not None:
        return [ref.product]
    return []


def listing(products: list[Product], lang: Lang, currency: str = "CNY") -> str:
    """Each product's link number, title and live price: "14号链接：慢回弹记忆棉护颈枕，现在89元"."""
    if lang == "zh":
        return "；".join(
            f"{p.link}号链接：{p.title}，现在{zh_amount(p.price, currency)}"
            + ("起" if priced_from(p) else "")
            + ("" if p.in_stock else "，已经卖完了")
            for p in products
        )
    sym = currency_symbol(currency)
    return " ".join(
        f"Link {p.link}: {p.display_name('en')}, {'from ' if priced_from(p) else ''}{sym}{money(p.price)} now"
        + ("." if p.in_stock else ", sold out.")
        for p in products
    )
