"""What a room gains when part of its own comments are labelled and trained on.

    .venv/bin/python scripts/own_labels.py --eval-dir ../shared/eval        # about 20 minutes

Leave-one-room-out says how the bot does on a shelf and viewers it has never seen. A room that runs
for weeks does not stay unseen: its operators review the bot's answers (the review page, `cohost
export-labels`), and those labels can join the training rooms. This measures what that is worth.
Each room's comments are split in two halves (alternate comments, in file order); each half is
decided twice, by the models fitted on the eight other rooms (the plain leave-one-room-out figure)
and by the models fitted on the eight other rooms plus the room's other half, and both are scored,
over the two halves together, by the evaluation set's scorer. Thresholds are chosen as for the
shipped model (nested, the other half one more inner room); nothing of a half is fitted on itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import load_settings
from bot.evaluate import FIGURES, KindFitter, predict_room, prepare_room, train_fold, write_table
from bot.rooms_data import LabelledRoom, load_rooms, score
from handlers.answer_model import train_answer_model
from recommender.encoder import load_encoder


def halves(room: LabelledRoom) -> tuple[LabelledRoom, LabelledRoom]:
    """The room's comments split in two, alternately in file order (each half a room of its own)."""
    return tuple(  # type: ignore[return-value]
        LabelledRoom(f"{room.name}#{h}", room.catalog_path, room.questions_path, room.questions[h::2])
        for h in (0, 1)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", default="../shared/eval")
    parser.add_argument("--config", default="config.yaml")
    args = parser.parse_args()
    config = load_settings(args.config)
    settings = config.qa
    encoder = load_encoder(config.encoder.model, config.encoder.batch_size)
    kinds = KindFitter(args.eval_dir, encoder)
    trainers = [kinds.trainer, partial(train_answer_model, kinds=kinds)]
    rooms = load_rooms(args.eval_dir)
    whole = {r.name: prepare_room(r, encoder, settings) for r in rooms}
    split = {r.name: [prepare_room(h, encoder, settings) for h in halves(r)] for r in rooms}
    tables: dict[str, dict[str, dict[str, float]]] = {"unseen": {}, "half labelled": {}}
    for room in rooms:
        others = [p for name, p in whole.items() if name != room.name]
        unseen = train_fold(others, settings, trainers)
        preds: dict[str, list[dict]] = {"unseen": [], "half labelled": []}
        for i, half in enumerate(split[room.name]):
            other_half = split[room.name][1 - i]
            preds["unseen"] += predict_room(half, settings, unseen)
            preds["half labelled"] += predict_room(
                half, settings, train_fold([*others, other_half], settings, trainers)
            )
        for name, lines in preds.items():
            figures = score(args.eval_dir, lines, room.questions_path)
            tables[name][room.name] = {k: float(figures[k]) for k in FIGURES}
        print(
            room.name,
            {n: round(t[room.name]["answer_correct"], 3) for n, t in tables.items()},
            file=sys.stderr,
        )
    for name, table in tables.items():
        print(f"\n### {name}\n")
        write_table(table, sys.stdout)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(tables, f)
        print(f"\n(figures also in {f.name})")


if __name__ == "__main__":
    main()
