"""What the bot knows of one room's shelf: the catalog, its name matcher, its FAQ index and its
field entries (every product's fields, found by the same retrieval as the FAQ)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from domain.catalog import Catalog
from handlers.field_entries import field_docs
from handlers.normalize import words_only
from handlers.products import ShelfMatcher
from recommender.encoder import TextEncoder
from recommender.retrieval import Doc, HybridIndex

# a run of Chinese characters, or of Latin letters and digits
_RUNS = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z0-9]{2,}")


def faq_docs(catalog: Catalog) -> list[Doc]:
    return [Doc(doc_id=f.id, text=f.q, product_id=p.id, answer=f.a) for p in catalog.products for f in p.faq]


@dataclass(frozen=True)
class RoomKnowledge:
    catalog: Catalog
    matcher: ShelfMatcher
    faq: HybridIndex
    fields: HybridIndex

    @cached_property
    def taught_entries(self) -> dict[tuple[str, str], str]:
        """Every wording taught on the shelf (products' `asked_as`): (product id, its `words_only`)
        → the entry of that product it asks (the first, should a catalog give one twice)."""
        out: dict[tuple[str, str], str] = {}
        for p in self.catalog.products:
            for key, wordings in p.asked_as.items():
                for w in wordings:
                    out.setdefault((p.id, words_only(w)), key)
        return out

    @cached_property
    def taught_fields(self) -> dict[str, str | None]:
        """Every field wording taught on the shelf (by `words_only`) and the field it asks; None where
        two products were taught the same words for different fields."""
        out: dict[str, str | None] = {}
        for p in self.catalog.products:
            faq = {f.id for f in p.faq}
            for key, wordings in p.asked_as.items():
                for w in wordings:
                    if key not in faq:
                        words = words_only(w)
                        out[words] = key if out.get(words, key) == key else None
        return out

    @cached_property
    def shelf_words(self) -> tuple[str, ...]:
        """The shelf's own words: each product's title, aliases, tags, category, field names and the
        items of its lists, cut into runs of Chinese characters and of Latin letters. Said in a comment,
        a banned word inside one of them is the shop's goods speaking (an aquarium shop's 水草泥 sounds
        like 操你 in part; a scrub's 去死皮), not the viewer (`BannedWords.find`)."""
        texts = [
            t
            for p in self.catalog.products
            for t in (
                p.title,
                p.title_en or "",
                p.category,
                *p.aliases,
                *p.tags,
                *(n for names in p.names.values() for n in names),
                *(item for v in p.attributes.values() if isinstance(v, list) for item in v),
            )
        ]
        return tuple(dict.fromkeys(w for t in texts for w in _RUNS.findall(t.lower())))

    def with_catalog(self, catalog: Catalog, encoder: TextEncoder, dense_weight: float) -> RoomKnowledge:
        """Knowledge for a changed shelf; the FAQ and the field entries are re-encoded only if their
        entries changed (a live price or stock is in neither)."""
        faq = self.faq
        if faq_docs(catalog) != faq.docs:
            faq = HybridIndex(encoder, faq_docs(catalog), dense_weight=dense_weight)
        fields = self.fields
        if field_docs(catalog) != fields.docs:
            fields = HybridIndex(encoder, field_docs(catalog), dense_weight=dense_weight)
        return RoomKnowledge(catalog, ShelfMatcher(catalog), faq, fields)


def build_knowledge(catalog: Catalog, encoder: TextEncoder, dense_weight: float) -> RoomKnowledge:
    """Index a shelf. CPU-heavy (encodes every FAQ question and field entry): run it off the event loop."""
    return RoomKnowledge(
        catalog,
        ShelfMatcher(catalog),
        HybridIndex(encoder, faq_docs(catalog), dense_weight),
        HybridIndex(encoder, field_docs(catalog), dense_weight),
    )
