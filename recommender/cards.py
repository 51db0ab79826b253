"""Product cards: which product to show a viewer, and why."""

from __future__ import annotations

import time
import uuid

from domain.catalog import Product
from domain.messages import Lang, ProductCard

REASONS = {
    "asked": {"zh": "你刚问过这款", "en": "You just asked about this"},
}


def card_for_answer(room_id: str, viewer_id: str, product: Product, lang: Lang, confidence: float) -> ProductCard:
    """The card that follows an answer: the product the viewer asked about."""
    return ProductCard(
        card_id="k" + uuid.uuid4().hex[:15],
        room_id=room_id,
        viewer_id=viewer_id,
        product_id=product.id,
        title=product.display_name(lang),
        price=product.price,
        original_price=product.original_price,
        link=product.link,
        in_stock=product.in_stock,
        reason=REASONS["asked"][lang],
        strategy="asked",
        score=round(confidence, 4),
        created_at=time.time(),
    )
