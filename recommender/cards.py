"""Product cards: a recommender Pick turned into the card one viewer sees."""

from __future__ import annotations

import time

from domain.catalog import Product
from domain.messages import Lang, ProductCard, new_id
from recommender.ranking import REASONS, Pick, short_name


def card_from_pick(room_id: str, viewer_id: str, product: Product, pick: Pick, lang: Lang) -> ProductCard:
    return ProductCard(
        card_id=new_id("k"),
        room_id=room_id,
        viewer_id=viewer_id,
        product_id=product.id,
        title=product.display_name(lang),
        price=product.price,
        original_price=product.was_price,
        link=product.link,
        in_stock=product.in_stock,
        reason=pick.reason,
        strategy=pick.strategy,
        score=pick.score,
        created_at=time.time(),
        extra={**pick.scores, "trigger": pick.trigger, "reason_key": pick.reason_key},
    )


def card_reasons(pick: Pick, anchor: Product | None) -> dict[str, str]:
    """The card's reason in both page languages: a viewer's page shows the one its switch is set to,
    whatever language the question that brought the card was written in."""
    texts = REASONS.get(pick.reason_key)
    if texts is None:
        return {"zh": pick.reason, "en": pick.reason}
    name = {lang: short_name(anchor, lang) if anchor is not None else "" for lang in ("zh", "en")}
    return {lang: texts[lang].format(anchor=name[lang]) for lang in ("zh", "en")}


def card_titles(product: Product) -> dict[str, str]:
    """The product's name in both page languages (the Chinese title where no English one is written)."""
    return {"zh": product.title, "en": product.display_name("en")}
