"""Product cards: a recommender Pick turned into the card one viewer sees."""

from __future__ import annotations

import time

from domain.catalog import Product
from domain.messages import Lang, ProductCard, new_id
from recommender.ranking import Pick


def card_from_pick(room_id: str, viewer_id: str, product: Product, pick: Pick, lang: Lang) -> ProductCard:
    return ProductCard(
        card_id=new_id("k"),
        room_id=room_id,
        viewer_id=viewer_id,
        product_id=product.id,
        title=product.display_name(lang),
        price=product.price,
        original_price=product.original_price,
        link=product.link,
        in_stock=product.in_stock,
        reason=pick.reason,
        strategy=pick.strategy,
        score=pick.score,
        created_at=time.time(),
        extra={**pick.scores, "trigger": pick.trigger, "reason_key": pick.reason_key},
    )
