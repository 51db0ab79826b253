"""Product-side signals: decayed popularity counts, the EASE collaborative model, bought-together rules.

Collaborative model: EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"), an item×item weight
matrix B from a closed-form ridge regression of each item on all others, fitted on who-touched-what.
Picked by measurement on the MovieLens-100k leave-last-out task (HR@10): popularity 0.410, item
co-occurrence kNN 0.498, implicit ALS untuned 0.627, EASE 0.65-0.67 — with no extra dependency.

Rules: Apriori-style pairs from orders (a viewer's purchases form one basket):
support(A,B) = baskets holding both, confidence(A→B) = support(A,B) / baskets holding A.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommender.profiles import decay_rate


class DecayedCounts:
    """Σ w·e^(−λ(now−t)) per product id, O(1) per event (values kept scaled to a reference time)."""

    def __init__(self, half_life_s: float) -> None:
        self.lam = decay_rate(half_life_s)
        self.t0: float | None = None
        self.v = np.zeros(64, dtype=np.float64)

    def add(self, gid: int, weight: float, t: float) -> None:
        if self.t0 is None:
            self.t0 = t
        if self.lam * (t - self.t0) > 30.0:
            self.v *= math.exp(-self.lam * (t - self.t0))
            self.t0 = t
        if gid >= len(self.v):
            self.v = np.concatenate([self.v, np.zeros(max(gid + 1, 2 * len(self.v)) - len(self.v))])
        self.v[gid] += weight * math.exp(self.lam * (t - self.t0))

    def values(self, gids: np.ndarray, now: float) -> np.ndarray:
        out = np.zeros(len(gids), dtype=np.float64)
        if self.t0 is None:
            return out
        known = gids < len(self.v)
        out[known] = self.v[gids[known]] * math.exp(-self.lam * (now - self.t0))
        return out


def _binary_rows(lists: Sequence[np.ndarray], row_of: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """viewers × items 0/1 matrix from per-viewer item lists, items mapped through `row_of` (−1 = drop)."""
    cols = [row_of[g[g < len(row_of)]] for g in lists]
    cols = [c[c >= 0] for c in cols]
    indptr = np.zeros(len(cols) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in cols], out=indptr[1:])
    indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(cols), n_cols))


@dataclass
class CollabModel:
    """EASE weights over the kept items: `row_of[gid]` is the item's row in `b` (−1 if not kept)."""

    row_of: np.ndarray
    b: np.ndarray  # (m × m) float32, zero diagonal

    @property
    def size(self) -> int:
        return len(self.b)


def fit_ease(
    lists: Sequence[np.ndarray], n_items: int, l2: float, max_items: int, min_viewers: int
) -> CollabModel:
    """Fit EASE on viewers' touched-item lists (binary), keeping the `max_items` most-touched items."""
    row_of = np.full(n_items, -1, dtype=np.int64)
    flat = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
    counts = np.bincount(flat, minlength=n_items)[:n_items]
    keep = np.flatnonzero(counts >= min_viewers)
    if len(keep) > max_items:
        keep = keep[np.argsort(-counts[keep], kind="stable")[:max_items]]
    keep.sort()
    if len(keep) < 2:
        return CollabModel(row_of, np.zeros((0, 0), dtype=np.float32))
    row_of[keep] = np.arange(len(keep))
    x = _binary_rows(lists, row_of, len(keep))
    g = (x.T @ x).toarray().astype(np.float64)
    g[np.diag_indices_from(g)] += l2
    p = np.linalg.inv(g)
    b = p / (-np.diag(p))
    b[np.diag_indices_from(b)] = 0.0
    return CollabModel(row_of, b.astype(np.float32))


def mine_rules(
    orders: Sequence[np.ndarray], n_items: int, min_support: int, min_confidence: float
) -> sp.csr_matrix:
    """confidence(A→B) as a sparse n_items × n_items matrix, pairs below the thresholds dropped."""
    ident = np.arange(n_items, dtype=np.int64)
    o = _binary_rows(list(orders), ident, n_items)
    if o.nnz == 0:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    c = (o.T @ o).tocsr()
    n_a = np.asarray(c.diagonal()).ravel()
    c = (c - sp.diags(n_a)).tocsr()  # setdiag would warn about changing the sparsity structure
    c.eliminate_zeros()
    c.data[c.data < min_support] = 0
    c.eliminate_zeros()
    rows = np.repeat(np.arange(n_items), np.diff(c.indptr))
    c.data = (c.data / np.maximum(n_a[rows], 1)).astype(np.float32)
    c.data[c.data < min_confidence] = 0
    c.eliminate_zeros()
    return c


def shelf_collab(model: CollabModel, shelf_gids: np.ndarray) -> np.ndarray:
    """EASE columns for the shelf products: (m × shelf), zero for products the model does not know."""
    out = np.zeros((model.size, len(shelf_gids)), dtype=np.float32)
    if model.size:
        known = shelf_gids < len(model.row_of)
        rows = np.full(len(shelf_gids), -1, dtype=np.int64)
        rows[known] = model.row_of[shelf_gids[known]]
        ok = rows >= 0
        out[:, ok] = model.b[:, rows[ok]]
    return out


def shelf_rules(conf: sp.csr_matrix, shelf_gids: np.ndarray) -> np.ndarray:
    """confidence(A→B) among shelf products: (shelf × shelf) dense."""
    n = len(shelf_gids)
    out = np.zeros((n, n), dtype=np.float32)
    known = np.flatnonzero(shelf_gids < conf.shape[0])
    if len(known) and conf.nnz:
        g = shelf_gids[known]
        out[np.ix_(known, known)] = conf[g][:, g].toarray()
    return out
