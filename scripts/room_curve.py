"""How the bot on an unseen room improves with the number of labelled rooms it was trained on.

    .venv/bin/python scripts/room_curve.py --eval-dir ../shared/eval --sizes 4 6   # about 15 minutes

`cohost eval-rooms` fits on the eight rooms beside the one scored. This fits on fewer: for each room
scored and each size k, k of the eight other rooms drawn with a fixed seed (the room's name and k),
every learned part (the comment-kind model, the answer model and its nested thresholds) fitted on
them alone, the room scored by the evaluation set's scorer. One table per size, with the macro and
the worst room; the row for eight rooms is `cohost eval-rooms`. If the figures still climb from four
rooms to eight, labelling more rooms is worth more than another feature; if they are flat, it is not.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from functools import partial
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import load_settings
from bot.evaluate import FIGURES, KindFitter, predict_room, prepare_room, train_fold, write_table
from bot.rooms_data import load_rooms, score
from handlers.answer_model import train_answer_model
from recommender.encoder import load_encoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", default="../shared/eval")
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 6], help="training rooms per fold")
    args = parser.parse_args()
    labelled = load_rooms(args.eval_dir)
    for k in args.sizes:
        # the nested fits hold one training room out, and the asked-field columns one more: three at least
        if not 3 <= k < len(labelled):
            sys.exit(
                f"--sizes: {k} is not between 3 and {len(labelled) - 1} (the rooms beside the one scored)"
            )
    config = load_settings(args.config)
    settings = config.qa
    encoder = load_encoder(config.encoder.model, config.encoder.batch_size)
    kinds = KindFitter(args.eval_dir, encoder)
    trainers = [kinds.trainer, partial(train_answer_model, kinds=kinds)]
    rooms = [prepare_room(r, encoder, settings) for r in labelled]
    for k in args.sizes:
        table: dict[str, dict[str, float]] = {}
        for held in rooms:
            others = [p for p in rooms if p is not held]
            train = random.Random(f"{held.room.name}/{k}").sample(others, k)
            figures = score(
                args.eval_dir,
                predict_room(held, settings, train_fold(train, settings, trainers)),
                held.room.questions_path,
            )
            table[held.room.name] = {f: float(figures[f]) for f in FIGURES}
            print(k, held.room.name, [p.room.name for p in train], file=sys.stderr, flush=True)
        print(f"\n### trained on {k} rooms\n")
        write_table(table, sys.stdout)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
