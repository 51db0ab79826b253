"""What the bot knows of one room's shelf: the catalog, its name matcher and its FAQ index."""

from __future__ import annotations

from dataclasses import dataclass

from domain.catalog import Catalog
from handlers.products import ShelfMatcher
from recommender.encoder import TextEncoder
from recommender.retrieval import Doc, HybridIndex


def faq_docs(catalog: Catalog) -> list[Doc]:
    return [Doc(doc_id=f.id, text=f.q, product_id=p.id, answer=f.a) for p in catalog.products for f in p.faq]


@dataclass(frozen=True)
class RoomKnowledge:
    catalog: Catalog
    matcher: ShelfMatcher
    faq: HybridIndex

    def with_catalog(self, catalog: Catalog, encoder: TextEncoder, dense_weight: float) -> RoomKnowledge:
        """Knowledge for a changed shelf; the FAQ is re-encoded only if its entries changed."""
        faq = self.faq
        if faq_docs(catalog) != faq.docs:
            faq = HybridIndex(encoder, faq_docs(catalog), dense_weight=dense_weight)
        return RoomKnowledge(catalog, ShelfMatcher(catalog), faq)


def build_knowledge(catalog: Catalog, encoder: TextEncoder, dense_weight: float) -> RoomKnowledge:
    """Index a shelf. CPU-heavy (encodes every FAQ question): run it off the event loop."""
    return RoomKnowledge(
        catalog, ShelfMatcher(catalog), HybridIndex(encoder, faq_docs(catalog), dense_weight)
    )
