"""`cohost eval-qa`, `eval-rooms` and `eval-retrieval`: the bot's own code run over labelled data."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from bot.rooms_data import LabelledRoom, load_rooms, score
from domain.catalog import load_catalog
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.qa import QASettings, Understanding, decide, search_texts, understand
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


# ---- leave-one-room-out over the labelled rooms -------------------------------------------------


@dataclass
class PreparedRoom:
    """One labelled room made ready once: its knowledge and each comment's Understanding (encoded in
    one batch), reused by every fold."""

    room: LabelledRoom
    knowledge: RoomKnowledge
    understood: list[Understanding]


# A trainer fits one learned part on the training rooms and returns what `decide` takes for it, as
# keyword arguments (the answer model today; the comment-kind classifier can join as another trainer).
Trainer = Callable[[list[PreparedRoom], QASettings], dict[str, Any]]


def prepare_room(room: LabelledRoom, encoder: TextEncoder, settings: QASettings) -> PreparedRoom:
    """Index the shelf and understand every comment alone with its `on_screen`, as `eval_qa` does,
    encoding every search text of the room in one batch."""
    know = build_knowledge(load_catalog(str(room.catalog_path)), encoder, settings.dense_weight)
    texts = [search_texts(q["text"], know, q.get("on_screen")) for q in room.questions]
    flat = [t for ts in texts for t in ts]
    vecs = encoder.encode(flat) if flat else np.zeros((0, encoder.dim), "float32")
    understood, i = [], 0
    for q, ts in zip(room.questions, texts, strict=True):
        qvec = vecs[i] if ts else None
        fvec = vecs[i + 1] if len(ts) > 1 else None
        i += len(ts)
        understood.append(understand(q["text"], know, q.get("on_screen"), qvec=qvec, fvec=fvec))
    return PreparedRoom(room, know, understood)


def predict_room(prepared: PreparedRoom, settings: QASettings, fold: dict[str, Any]) -> list[dict[str, Any]]:
    """`eval_qa`'s prediction lines for one prepared room, decided with the fold's learned parts."""
    out = []
    for q, u in zip(prepared.room.questions, prepared.understood, strict=True):
        d = decide(u, prepared.knowledge, settings, **fold)
        out.append(
            {
                "id": q["id"],
                "kind": d.kind,
                "product": d.product_id,
                "source": d.source,
                "confidence": d.confidence,
                "reply": d.reply or d.guess,
            }
        )
    return out


def train_fold(train: list[PreparedRoom], settings: QASettings, trainers: list[Trainer]) -> dict[str, Any]:
    """Every trainer fitted on the training rooms only; their parts merged into `decide`'s kwargs."""
    fold: dict[str, Any] = {}
    for trainer in trainers:
        fold.update(trainer(train, settings))
    return fold


FIGURES = ("answer_correct", "wrong_answer_rate", "kind_accuracy", "escalate_recall")


def eval_rooms(
    eval_dir: str,
    encoder: TextEncoder,
    settings: QASettings,
    trainers: list[Trainer],
    out: TextIO = sys.stdout,
) -> dict[str, dict[str, float]]:
    """Leave-one-room-out: for each room, fit the trainers on the other rooms, decide the room's
    comments, score them with the evaluation set's scorer; print one row a room, the macro average
    and the worst room (lowest right answers, highest wrong answers)."""
    rooms = [prepare_room(r, encoder, settings) for r in load_rooms(eval_dir)]
    table: dict[str, dict[str, float]] = {}
    for held in rooms:
        fold = train_fold([r for r in rooms if r is not held], settings, trainers)
        figures = score(eval_dir, predict_room(held, settings, fold), held.room.questions_path)
        table[held.room.name] = {k: float(figures[k]) for k in FIGURES}
    write_table(table, out)
    return table


def write_table(table: dict[str, dict[str, float]], out: TextIO) -> None:
    """The leave-one-room-out table as Markdown: every room, the macro average, the worst figures."""
    head = "| room | right | wrong sent | kind right | handed over |"
    out.write(head + "\n|---|---|---|---|---|\n")
    for name, f in table.items():
        out.write(f"| {name} | " + " | ".join(f"{f[k]:.1%}" for k in FIGURES) + " |\n")
    macro = {k: sum(f[k] for f in table.values()) / len(table) for k in FIGURES}
    worst = {k: (max if k == "wrong_answer_rate" else min)(f[k] for f in table.values()) for k in FIGURES}
    out.write("| **macro** | " + " | ".join(f"{macro[k]:.1%}" for k in FIGURES) + " |\n")
    out.write("| **worst room** | " + " | ".join(f"{worst[k]:.1%}" for k in FIGURES) + " |\n")
