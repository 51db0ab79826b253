"""Products as the recommender sees them: a global id table with embeddings, and each room's shelf.

`ProductTable` maps product ids (global across rooms, so collaborative data is shared) to dense integer
ids and holds one embedding per product (title, tags, category and attributes). `Shelf` is one room's
current products as arrays, with a faiss inner-product index over their embeddings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import faiss
import numpy as np

from domain.catalog import Product
from recommender.encoder import TextEncoder


def product_text(p: Product) -> str:
    """The text a product is embedded from: names, category, tags and short attribute values."""
    parts = [p.title, p.title_en or "", p.category, " ".join(p.tags), " ".join(p.aliases)]
    for value in p.attributes.values():
        text = " ".join(value) if isinstance(value, list) else value
        if len(text) <= 40:  # long size guides and usage notes dilute the meaning
            parts.append(text)
    return " ".join(x for x in parts if x)


class ProductTable:
    """Global product id → dense id, embedding and category; grows as products appear."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.gid_of: dict[str, int] = {}
        self.ids: list[str] = []
        self.category: list[str] = []
        self._hash: list[str] = []
        self.emb = np.zeros((64, dim), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def gid(self, product_id: str) -> int:
        """The dense id of a product, registering it (without embedding) when new."""
        g = self.gid_of.get(product_id)
        if g is None:
            g = len(self.ids)
            self.gid_of[product_id] = g
            self.ids.append(product_id)
            self.category.append("")
            self._hash.append("")
            if g >= len(self.emb):
                grown = np.zeros((2 * len(self.emb), self.dim), dtype=np.float32)
                grown[: len(self.emb)] = self.emb
                self.emb = grown
        return g

    def changed(self, products: Sequence[Product]) -> list[tuple[Product, str, str]]:
        """(product, text, hash) for products that are new or whose text changed."""
        out = []
        for p in products:
            text = product_text(p)
            h = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
            g = self.gid_of.get(p.id)
            if g is None or self._hash[g] != h:
                out.append((p, text, h))
        return out

    def install(self, items: Sequence[tuple[Product, str, str]], vectors: np.ndarray) -> None:
        """Store embeddings computed for `changed()` items."""
        for (p, _text, h), v in zip(items, vectors, strict=True):
            g = self.gid(p.id)
            self.emb[g] = v
            self._hash[g] = h
            self.category[g] = p.category

    def embed(self, products: Sequence[Product], encoder: TextEncoder) -> None:
        """(Re)embed the products whose text changed."""
        items = self.changed(products)
        if items:
            self.install(items, encoder.encode([t for _, t, _ in items]))


class Shelf:
    """One room's products now, as column arrays; column order is the shelf order."""

    def __init__(self, room_id: str, products: Sequence[Product], table: ProductTable, consumables: set[str]):
        self.room_id = room_id
        self.products = list(products)
        self.ids = [p.id for p in products]
        self.col_of = {pid: i for i, pid in enumerate(self.ids)}
        self.gids = np.array([table.gid(pid) for pid in self.ids], dtype=np.int64)
        self.categories = [p.category for p in products]
        codes: dict[str, int] = {}
        self.cat_code = np.array([codes.setdefault(c, len(codes)) for c in self.categories], dtype=np.int32)
        self.consumable = np.array([c in consumables for c in self.categories], dtype=bool)
        self.in_stock = np.array([p.stock > 0 for p in products], dtype=bool)
        self.stock = np.array([p.stock for p in products], dtype=np.float32)
        self.emb = np.ascontiguousarray(table.emb[self.gids]) if len(products) else np.zeros((0, table.dim))
        self.index = faiss.IndexFlatIP(table.dim)
        if len(products):
            self.index.add(self.emb)
        self._col_of_gid = np.full(len(table), -1, dtype=np.int64)
        self._col_of_gid[self.gids] = np.arange(len(self.ids))
        # filled by the recommender whenever the collaborative model or rules change
        self.collab: np.ndarray | None = None  # (collab items × shelf) EASE weights
        self.rules: np.ndarray | None = None  # (shelf × shelf) confidence antecedent → consequent
        self.has_rules = False

    def __len__(self) -> int:
        return len(self.ids)

    def cols(self, gids: np.ndarray) -> np.ndarray:
        """Shelf column of each global id, −1 when not on this shelf."""
        out = np.full(len(gids), -1, dtype=np.int64)
        known = gids < len(self._col_of_gid)
        out[known] = self._col_of_gid[gids[known]]
        return out

    def similar(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k shelf products nearest to an embedding (faiss inner product = cosine)."""
        if not len(self.ids):
            return []
        scores, idx = self.index.search(vector.reshape(1, -1).astype(np.float32), min(k, len(self.ids)))
        return [(self.ids[i], float(s)) for s, i in zip(scores[0], idx[0], strict=True) if i >= 0]
