"""Read queries over the interaction log, as (sql, params) pairs for InteractionLog.query."""

from __future__ import annotations

from typing import Any


def behaviour_events(since: float) -> tuple[str, dict[str, Any]]:
    """Viewer behaviour with a product since `since`, oldest first: questions, comments naming a
    product, card clicks, add-to-carts and purchases, as (room_id, viewer_id, event, product_id,
    created_at)."""
    sql = """
        select room_id, viewer_id, case kind when 'answer' then 'question' else 'comment' end as event,
               product_id, created_at
          from comments where product_id is not null and created_at >= :since
        union all
        select room_id, viewer_id, 'click', product_id, created_at from card_clicks where created_at >= :since
        union all
        select room_id, viewer_id, 'cart', product_id, created_at from cart_adds where created_at >= :since
        union all
        select room_id, viewer_id, 'purchase', product_id, created_at from purchases where created_at >= :since
        order by created_at
    """
    return sql, {"since": since}
