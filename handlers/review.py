"""The operator's correction of a wrong answer: the right answer becomes an FAQ entry of the product."""

from __future__ import annotations

import re

from domain.catalog import Catalog, FaqEntry
from handlers.normalize import normalize
from handlers.products import ShelfMatcher

_OPS_ID = re.compile(r"-ops(\d+)$")


def faq_question(catalog: Catalog, product_id: str, text: str) -> str:
    """The question as the FAQ search will see it next time: without the link phrase or product name."""
    product = catalog.product(product_id)
    cleaned = normalize(text)
    focus = ShelfMatcher(catalog).focus(cleaned, product) if cleaned else ""
    return (focus or cleaned or text).strip()[:500]


def add_faq(catalog: Catalog, product_id: str, question: str, answer: str) -> tuple[Catalog, FaqEntry]:
    """A copy of the shelf whose product has the entry (question → answer). An operator entry with
    the same question is replaced rather than added twice."""
    product = catalog.product(product_id)
    if product is None:
        raise KeyError(product_id)
    same = next((f for f in product.faq if _OPS_ID.search(f.id) and f.q == question), None)
    kept = [f for f in product.faq if f is not same]
    numbers = [int(m.group(1)) for f in product.faq if (m := _OPS_ID.search(f.id))]
    faq_id = same.id if same else f"{product.id}-ops{max(numbers, default=0) + 1}"
    entry = FaqEntry(id=faq_id, q=question, a=answer[:2000])
    update: dict[str, object] = {"faq": (*kept, entry)}
    if product.en is not None and faq_id in product.en.faq:
        # the English answer was of the entry replaced: an English question gets the operator's now
        english = {k: v for k, v in product.en.faq.items() if k != faq_id}
        update["en"] = product.en.model_copy(update={"faq": english})
    changed = product.model_copy(update=update)
    return catalog.with_product(changed), entry
