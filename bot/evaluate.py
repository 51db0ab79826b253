"""`cohost eval-qa` and `cohost eval-retrieval`: the bot's own code run over labelled data."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import TextIO

from domain.catalog import load_catalog
from handlers.knowledge import build_knowledge
from handlers.qa import QASettings, decide, understand
from recommender.encoder import TextEncoder
from recommender.retrieval import Doc, HybridIndex


def _jsonl(path: str) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def eval_qa(
    catalog_path: str,
    questions_path: str,
    encoder: TextEncoder,
    settings: QASettings,
    out: TextIO = sys.stdout,
) -> int:
    """Each question on its own, with its on_screen product on screen; one JSON line each."""
    room = build_knowledge(load_catalog(catalog_path), encoder, settings.dense_weight)
    n = 0
    for q in _jsonl(questions_path):
        u = understand(q["text"], room, q.get("on_screen"))
        d = decide(u, room, settings)
        out.write(
            json.dumps(
                {
                    "id": q["id"],
                    "kind": d.kind,
                    "product": d.product_id,
                    "source": d.source,
                    "confidence": d.confidence,
                    "reply": d.reply or d.guess,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        n += 1
    return n


def eval_retrieval(
    pairs_path: str, encoder: TextEncoder, dense_weight: float, out: TextIO = sys.stdout
) -> int:
    """LCQMC paraphrase retrieval with the retriever the bot answers with."""
    pool: list[str] = []
    seen: set[str] = set()
    queries: list[str] = []
    qseen: set[str] = set()
    with open(pairs_path, encoding="utf-8") as f:
        for line in f:
            a, b, label = line.rstrip("\n").split("\t")
            if b not in seen:
                seen.add(b)
                pool.append(b)
            if label == "1" and a not in qseen:
                qseen.add(a)
                queries.append(a)
    index = HybridIndex(encoder, [Doc(doc_id=str(i), text=t) for i, t in enumerate(pool)], dense_weight)
    qvecs = encoder.encode(queries)
    for q, v in zip(queries, qvecs, strict=True):
        hits = index.search(q, k=10, qvec=v)
        out.write(json.dumps({"query": q, "ranked": [h.doc.text for h in hits]}, ensure_ascii=False) + "\n")
    return len(queries)
