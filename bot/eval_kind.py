"""`cohost eval-kind` and `cohost train-kind`: the comment-kind classifier, measured leave-one-room-out
on the labelled rooms of the evaluation set and fitted on all of them for the package."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from bot.rooms_data import LabelledRoom, load_rooms, read_jsonl
from handlers.kind_model import (
    KINDS,
    LABEL_KIND,
    KindModel,
    KindSettings,
    fit_kind_model,
    kind_of,
    maybe_complaint,
    room_examples,
)
from handlers.normalize import normalize
from recommender.encoder import TextEncoder

CHATTER_N = 3000  # real chatter comments added as `chat` (sampled deterministically)
CHATTER_SEED = 0


def chatter_sample(eval_dir: str | Path, n: int = CHATTER_N, seed: int = CHATTER_SEED) -> list[str]:
    """Normalised real danmaku for training: distinct, non-empty, none of the held-out chatter
    measure (`chatter-dev.jsonl`, compared raw and normalised), `n` of them drawn with a fixed seed."""
    data = Path(eval_dir) / "data"
    held = read_jsonl(data / "chatter-dev.jsonl")
    held_out = {q["text"] for q in held} | {normalize(q["text"]) for q in held}
    seen: set[str] = set()
    for row in read_jsonl(data / "danmaku-trace.jsonl"):
        t = normalize(row["text"])
        if t and row["text"] not in held_out and t not in held_out:
            seen.add(t)
    pool = sorted(seen)
    return random.Random(seed).sample(pool, min(n, len(pool)))


def held_out_chatter(eval_dir: str | Path) -> list[str]:
    return [normalize(q["text"]) for q in read_jsonl(Path(eval_dir) / "data" / "chatter-dev.jsonl")]


@dataclass
class KindCorpus:
    """The kind model's training comments: each labelled room's, then the chatter sample, encoded."""

    rooms: list[LabelledRoom]
    texts: list[str]
    kinds: list[str]
    vecs: np.ndarray
    spans: list[tuple[int, int]]  # each room's rows; the chatter sample's follow the last

    def fit(self, rows: Sequence[int], encoder_name: str, settings: KindSettings | None = None) -> KindModel:
        return fit_kind_model(
            [self.texts[j] for j in rows],
            [self.kinds[j] for j in rows],
            self.vecs[rows],
            encoder_name,
            settings,
        )


def kind_corpus(
    eval_dir: str | Path,
    encoder: TextEncoder,
    extra: Sequence[str | Path] = (),
    train_only: Sequence[str | Path] = (),
) -> KindCorpus:
    rooms = load_rooms(eval_dir, extra, train_only)
    chatter = chatter_sample(eval_dir)
    by_room = [room_examples([r]) for r in rooms]
    texts = [t for ts, _ in by_room for t in ts] + chatter
    kinds = [k for _, ks in by_room for k in ks] + ["chat"] * len(chatter)
    spans, start = [], 0
    for ts, _ in by_room:
        spans.append((start, start + len(ts)))
        start += len(ts)
    return KindCorpus(rooms, texts, kinds, encoder.encode(texts), spans)


def kind_folds(
    corpus: KindCorpus, encoder_name: str, settings: KindSettings | None = None
) -> Iterator[tuple[LabelledRoom, slice, KindModel]]:
    """Leave-one-room-out: each room that is scored (not only trained on), its rows, and the model
    fitted on every other row (the other rooms and the chatter sample)."""
    for room, (a, b) in zip(corpus.rooms, corpus.spans, strict=True):
        if room.calibrates:
            rows = [j for j in range(len(corpus.texts)) if not a <= j < b]
            yield room, slice(a, b), corpus.fit(rows, encoder_name, settings)


def two_stage(model: KindModel, texts: list[str], vecs: np.ndarray) -> tuple[list[str], list[float], int]:
    """What the bot decides: the light head's sure chatter without the encoder, the full head for
    the rest. Returns the kinds, each comment's P(complaint) (0 for sure chatter) and how many were
    decided without the encoder."""
    kinds, complaint, light = [], [], 0
    for t, v in zip(texts, vecs, strict=True):
        if not t or model.surely_chat(t):
            kinds.append("chat")
            complaint.append(0.0)
            light += bool(t)
        else:
            probs = model.predict([t], [v])[0]
            kinds.append(kind_of(probs, model.settings.complaint_min))
            complaint.append(probs["complaint"])
    return kinds, complaint, light


FLAGS = (0.2, 0.25, 0.3, 0.35, 0.4)  # complaint_flag values compared by `eval-kind`


def complaints_seen(
    gold: list[str],
    pred: list[str],
    complaint: list[float],
    flag: float,
    chatter: tuple[list[str], list[float]],
) -> dict[str, Any]:
    """At one `complaint_flag`: the complaints a person sees (read as complaints: the streamer's lane;
    flagged from chat or an order: the operators' review list), the other comments flagged with them,
    and the chatter comments flagged."""
    flagged = [maybe_complaint(k, {"complaint": p}, flag) for k, p in zip(pred, complaint, strict=True)]
    seen = sum(
        g == "complaint" and (p == "complaint" or f) for g, p, f in zip(gold, pred, flagged, strict=True)
    )
    others = Counter(g for g, f in zip(gold, flagged, strict=True) if f and g != "complaint")
    return {
        "complaints": gold.count("complaint"),
        "seen": seen,
        "others_flagged": dict(sorted(others.items())),
        "chatter_flagged": sum(
            maybe_complaint(k, {"complaint": p}, flag) for k, p in zip(*chatter, strict=True)
        ),
    }


def _confusion(gold: list[str], pred: list[str], out: TextIO) -> None:
    c = Counter(zip(gold, pred, strict=True))
    out.write("confusion (expected -> predicted):\n")
    out.write(f"{'':>10} " + " ".join(f"{k:>9}" for k in KINDS) + "\n")
    for g in KINDS:
        out.write(f"{g:>10} " + " ".join(f"{c[(g, p)]:>9}" for p in KINDS) + "\n")


def _through_decide(room: LabelledRoom, model: KindModel, encoder: TextEncoder) -> float:
    """Kind accuracy of the whole path (`understand` + `decide`, the fold's model in place of the
    shipped one) on one room: what the bot does, core rules and the answer side's verdicts included."""
    from domain.catalog import load_catalog
    from handlers.kind_model import use_kind_model
    from handlers.knowledge import build_knowledge
    from handlers.qa import QASettings, decide, understand

    qa = QASettings()
    know = build_knowledge(load_catalog(room.catalog_path), encoder, qa.dense_weight)
    use_kind_model(model)
    try:
        right = sum(
            LABEL_KIND[decide(understand(q["text"], know, q.get("on_screen")), know, qa).kind]
            == LABEL_KIND[q["expect"]["kind"]]
            for q in room.questions
        )
    finally:
        use_kind_model(None)
    return right / len(room.questions)


def eval_kind(
    eval_dir: str | Path,
    encoder: TextEncoder,
    settings: KindSettings | None = None,
    out: TextIO | None = None,
    through_decide: bool = True,
    extra: Sequence[str | Path] = (),
    train_only: Sequence[str | Path] = (),
) -> dict[str, Any]:
    """Leave-one-room-out: for each of the nine rooms (and `extra`) a model fitted on the other rooms
    (+ `train_only`, which are never scored, + chatter) scores it, alone ("kind right") and inside
    the bot's whole path ("via decide"). Then the chatter measure with the model fitted on all rooms.
    Prints and returns figures."""
    import sys

    out = out or sys.stdout
    corpus = kind_corpus(eval_dir, encoder, extra, train_only)
    held = held_out_chatter(eval_dir)
    held_vecs = encoder.encode(held)

    figures: dict[str, Any] = {"rooms": {}}
    gold_all: list[str] = []
    pred_all: list[str] = []
    complaint_all: list[float] = []
    out.write(f"{'room':<14} {'n':>4} {'kind right':>10} {'no encoder':>10} {'via decide':>10}\n")
    for room, rows, model in kind_folds(corpus, encoder.name, settings):
        gold = corpus.kinds[rows]
        pred, complaint, light = two_stage(model, corpus.texts[rows], corpus.vecs[rows])
        acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
        end = _through_decide(room, model, encoder) if through_decide else float("nan")
        figures["rooms"][room.name] = {
            "n": len(gold),
            "kind_right": round(acc, 4),
            "no_encoder": light,
            "via_decide": round(end, 4),
        }
        out.write(f"{room.name:<14} {len(gold):>4} {acc:>10.1%} {light:>10} {end:>10.1%}\n")
        gold_all += gold
        pred_all += pred
        complaint_all += complaint
    accs = [r["kind_right"] for r in figures["rooms"].values()]
    ends = [r["via_decide"] for r in figures["rooms"].values()]
    figures["macro"], figures["worst"] = round(float(np.mean(accs)), 4), round(min(accs), 4)
    figures["macro_via_decide"] = round(float(np.mean(ends)), 4)
    figures["worst_via_decide"] = round(min(ends), 4)
    out.write(
        f"{'macro':<14} {'':>4} {figures['macro']:>10.1%} {'':>10} {figures['macro_via_decide']:>10.1%}\n"
        f"{'worst':<14} {'':>4} {figures['worst']:>10.1%} {'':>10} {figures['worst_via_decide']:>10.1%}\n"
    )
    _confusion(gold_all, pred_all, out)

    full = corpus.fit(range(len(corpus.texts)), encoder.name, settings)
    pred, complaint, light = two_stage(full, held, held_vecs)
    kinds = Counter(pred)
    not_chat = sum(v for k, v in kinds.items() if k != "chat") / max(len(held), 1)
    figures["chatter"] = {
        "n": len(held),
        "not_chat": round(not_chat, 4),
        "no_encoder": light,
        "kinds": dict(kinds),
    }
    out.write(
        f"chatter-dev ({len(held)}, model fitted on all {len(corpus.rooms)} rooms): classed other than chat {not_chat:.1%} "
        f"{dict(kinds)}; decided without the encoder: {light}\n"
    )
    shipped = (settings or KindSettings()).complaint_flag
    out.write(
        "complaints a person sees, as complaints or flagged for the operators (leave-one-room-out, the model "
        "alone), by complaint_flag (* the setting):\n"
    )
    figures["complaint_flag"] = {}
    for flag in sorted({*FLAGS, shipped}):
        seen = complaints_seen(gold_all, pred_all, complaint_all, flag, (pred, complaint))
        figures["complaint_flag"][str(flag)] = seen
        out.write(
            f"{'*' if flag == shipped else ' '} {flag:.2f}: {seen['seen']} of {seen['complaints']}; other comments "
            f"flagged {sum(seen['others_flagged'].values())} {seen['others_flagged']}; chatter-dev flagged "
            f"{seen['chatter_flagged']} of {len(held)}\n"
        )
    return figures


def train_kind(
    eval_dir: str | Path, encoder: TextEncoder, folder: str | Path, extra: Sequence[str] = ()
) -> list[Path]:
    """Fit on all nine rooms (and the `extra` labelled rooms) + the chatter sample and write the model
    files into `folder`."""
    rooms = load_rooms(eval_dir, extra)
    texts, kinds = room_examples(rooms)
    chatter = chatter_sample(eval_dir)
    texts, kinds = texts + chatter, kinds + ["chat"] * len(chatter)
    model = fit_kind_model(texts, kinds, encoder.encode(texts), encoder.name)
    return model.save(folder)


def write_json(figures: dict[str, Any], path: str | Path) -> None:
    Path(path).write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
