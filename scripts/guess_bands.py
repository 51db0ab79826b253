"""How often the guess of a question handed to the streamer is the labelled answer, by confidence.

    .venv/bin/cohost eval-rooms --eval-dir ../shared/eval --predictions /tmp/loo   # about 8 minutes
    .venv/bin/python scripts/guess_bands.py --eval-dir ../shared/eval /tmp/loo

The console shows a queued question's guess (and offers to send it) from `console.guess_above` up:
these are the figures that default is read from. Each room's predictions come from models that
never saw it (leave-one-room-out), so they stand for a new room's queue.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _questions(eval_dir: Path, room: str) -> Path:
    if room == "dev":
        return eval_dir / "questions-dev.jsonl"
    return eval_dir / "rooms" / room / "questions.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-dir", type=Path, required=True)
    parser.add_argument("predictions", type=Path, help="the directory eval-rooms --predictions wrote")
    args = parser.parse_args()
    bands: dict[int, list[int]] = {}
    for path in sorted(args.predictions.glob("*.jsonl")):
        lines = _questions(args.eval_dir, path.stem).read_text(encoding="utf-8").splitlines()
        expected = {q["id"]: q["expect"] for q in map(json.loads, lines)}
        for line in path.read_text(encoding="utf-8").splitlines():
            p = json.loads(line)
            if p["kind"] != "escalate" or not p.get("source"):
                continue
            e = expected[p["id"]]
            right = e["kind"] == "answer" and (p.get("product"), p["source"]) == (e["product"], e["source"])
            band = bands.setdefault(min(int(10 * (p.get("confidence") or 0.0)), 9), [0, 0])
            band[0] += right
            band[1] += 1
    print("confidence  guesses  right")
    for b, (right, n) in sorted(bands.items()):
        print(f"{b / 10:.1f}–{(b + 1) / 10:.1f}     {n:7d}  {right / n:5.0%}")


if __name__ == "__main__":
    main()
