"""`cohost eval-qa`, `eval-rooms` and `eval-retrieval`: the bot's own code run over labelled data."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from bot.rooms_data import LabelledRoom, RoomsError, load_rooms, score
from domain.catalog import load_catalog
from domain.messages import Decision
from handlers.kind_model import KindModel, fit_kind_model, room_examples, use_kind_model
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.normalize import normalize
from handlers.qa import QASettings, Understanding, decide, needs_retrieval, understand
from recommender.encoder import TextEncoder
from recommender.retrieval import Doc, HybridIndex


def _jsonl(path: str) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def json_line(record: dict[str, Any]) -> str:
    """One line of a JSON-lines output (Chinese kept readable)."""
    return json.dumps(record, ensure_ascii=False) + "\n"


def prediction(qid: str, d: Decision) -> dict[str, Any]:
    """One line of `cohost eval-qa`'s output, the fields `score_qa.py` reads."""
    return {
        "id": qid,
        "kind": d.kind,
        "product": d.product_id,
        "source": d.source,
        "confidence": d.confidence,
        "reply": d.reply or d.guess,
        "reason": d.reason,
    }


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
        out.write(json_line(prediction(q["id"], d)))
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
        out.write(json_line({"query": q, "ranked": [h.doc.text for h in hits]}))
    return len(queries)


# ---- leave-one-room-out over the labelled rooms -------------------------------------------------


@dataclass
class PreparedRoom:
    """One labelled room made ready once: its knowledge, the embedding of every comment's cleaned
    text and search text (encoded in one batch), and each comment's Understanding under the kind
    model active when it was made (`understood_with` redoes it under another, reusing the vectors)."""

    room: LabelledRoom
    knowledge: RoomKnowledge
    understood: list[Understanding]
    vecs: dict[str, np.ndarray] = field(default_factory=dict)


# A trainer fits one learned part on the training rooms and returns what `decide` takes for it, as
# keyword arguments; `kind_model` is the exception: `use_kind_model` puts it in place while the held-out
# room is understood and decided.
Trainer = Callable[[list[PreparedRoom], QASettings], dict[str, Any]]


def _what_is_encoded(raw_text: str, know: RoomKnowledge, on_screen: str | None) -> tuple[str, str]:
    """The cleaned comment and its search text (the comment without the product's name)."""
    text = normalize(raw_text)
    return text, know.matcher.focus(text, know.matcher.resolve(text, on_screen).product) if text else ""


def _understand_all(
    room: LabelledRoom, know: RoomKnowledge, vecs: dict[str, np.ndarray]
) -> list[Understanding]:
    """Every comment understood alone with its `on_screen` under the active kind model; a comment
    that model would not encode (sure chatter) gets no vectors, as in the live room."""
    out = []
    for q in room.questions:
        text, focus = _what_is_encoded(q["text"], know, q.get("on_screen"))
        enc = needs_retrieval(text)
        qvec = vecs.get(text) if enc else None
        fvec = vecs.get(focus) if enc and focus != text else None
        out.append(understand(q["text"], know, q.get("on_screen"), qvec=qvec, fvec=fvec))
    return out


def prepare_room(room: LabelledRoom, encoder: TextEncoder, settings: QASettings) -> PreparedRoom:
    """Index the shelf, encode every comment's text and search text in one batch (whatever a kind
    model would encode) and understand every comment alone with its `on_screen`, as `eval_qa` does."""
    know = build_knowledge(load_catalog(str(room.catalog_path)), encoder, settings.dense_weight)
    wanted: dict[str, None] = {}  # ordered, no repeats
    for q in room.questions:
        text, focus = _what_is_encoded(q["text"], know, q.get("on_screen"))
        # every text (the kind model trains on them all, "" included); an empty focus is searched
        # with ""'s vector, as live
        wanted |= {text: None, focus: None} if text else {text: None}
    vecs = encoder.encode(list(wanted)) if wanted else np.zeros((0, encoder.dim), "float32")
    by_text = dict(zip(wanted, vecs, strict=True))
    return PreparedRoom(room, know, _understand_all(room, know, by_text), by_text)


def understood_with(prepared: PreparedRoom, kind_model: KindModel | None) -> PreparedRoom:
    """The room understood again with `kind_model` deciding what is chatter (what gets encoded and
    searched), reusing the room's vectors; `None`: the room as prepared."""
    if kind_model is None:
        return prepared
    use_kind_model(kind_model)
    try:
        understood = _understand_all(prepared.room, prepared.knowledge, prepared.vecs)
    finally:
        use_kind_model(None)
    return PreparedRoom(prepared.room, prepared.knowledge, understood, prepared.vecs)


class KindFitter:
    """Fits the comment-kind model on a set of training rooms plus the real-chatter sample, as
    `cohost eval-kind` does, reading each room's embeddings from its PreparedRoom; remembers each fit
    by its set of rooms (the nested folds ask for the same sets again)."""

    def __init__(self, eval_dir: str, encoder: TextEncoder) -> None:
        self.eval_dir, self.encoder = eval_dir, encoder
        self._chatter: tuple[list[str], np.ndarray] | None = None
        self._fits: dict[frozenset[str], KindModel] = {}

    def chatter(self) -> tuple[list[str], np.ndarray]:
        if self._chatter is None:
            from bot.eval_kind import chatter_sample

            texts = chatter_sample(self.eval_dir)
            self._chatter = (texts, self.encoder.encode(texts))
        return self._chatter

    def fit(self, rooms: list[PreparedRoom]) -> KindModel:
        key = frozenset(p.room.name for p in rooms)
        if key not in self._fits:
            rooms = sorted(rooms, key=lambda p: p.room.name)
            texts, kinds = room_examples([p.room for p in rooms])
            vecs = [p.vecs[t] for p in rooms for t in (normalize(q["text"]) for q in p.room.questions)]
            chat, chat_vecs = self.chatter()
            self._fits[key] = fit_kind_model(
                texts + chat,
                kinds + ["chat"] * len(chat),
                np.vstack([np.vstack(vecs), chat_vecs]).round(5),
                self.encoder.name,
            )
        return self._fits[key]

    def trainer(self, train: list[PreparedRoom], settings: QASettings) -> dict[str, Any]:
        """A trainer: the fold's kind model."""
        return {"kind_model": self.fit(train)}


def predict_room(prepared: PreparedRoom, settings: QASettings, fold: dict[str, Any]) -> list[dict[str, Any]]:
    """`eval_qa`'s prediction lines for one prepared room, understood and decided with the fold's
    learned parts (its kind model, if it has one, in place of the shipped one)."""
    parts = dict(fold)
    kind_model = parts.pop("kind_model", None)
    prepared = understood_with(prepared, kind_model)
    out = []
    use_kind_model(kind_model)
    try:
        decisions = [decide(u, prepared.knowledge, settings, **parts) for u in prepared.understood]
    finally:
        use_kind_model(None)
    for q, d in zip(prepared.room.questions, decisions, strict=True):
        out.append(prediction(q["id"], d))
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
    extra: Sequence[str] = (),
    keep: str | None = None,
    hold: Sequence[str] = (),
    train_only: Sequence[str] = (),
) -> dict[str, dict[str, float]]:
    """Leave-one-room-out: for each room, fit the trainers on the other rooms, decide the room's
    comments, score them with the evaluation set's scorer; print one row a room, the macro average
    and the worst room (lowest right answers, highest wrong answers). `extra`: more labelled rooms
    (`load_rooms`), each a fold of its own and a training room of the others. `keep`: a folder that
    gets each room's prediction lines (`<room>.jsonl`, as `eval_qa` writes them). `train_only`: more
    labelled rooms that are only trained on (the project's own, `data/rooms/*`). `hold`: only these
    rooms are held out and scored (when empty, all but the `train_only` ones)."""
    labelled = load_rooms(eval_dir, extra, train_only)
    unknown = sorted(set(hold) - {r.name for r in labelled})
    if unknown:
        raise RoomsError(f"--hold: no labelled room named {', '.join(unknown)}")
    hold = hold or [r.name for r in labelled if r.calibrates]
    rooms = [prepare_room(r, encoder, settings) for r in labelled]
    table: dict[str, dict[str, float]] = {}
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
    for held in (r for r in rooms if r.room.name in hold):
        fold = train_fold([r for r in rooms if r is not held], settings, trainers)
        predictions = predict_room(held, settings, fold)
        if keep:
            lines = "".join(json_line(p) for p in predictions)
            (Path(keep) / f"{held.room.name}.jsonl").write_text(lines, encoding="utf-8")
        figures = score(eval_dir, predictions, held.room.questions_path)
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
