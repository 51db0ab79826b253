"""Recommender timing: one viewer's ranking on 50 and 1,000-product shelves, and an on-screen push to
10,000 viewers.

    .venv/bin/python bench/rec.py

Product embeddings come from the HashEncoder at the real model's 512 dimensions (ranking time does not
depend on which model made the vectors). Viewers carry 20 events each, the collaborative model and rules
are built from them before timing.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.catalog import Product
from recommender.encoder import HashEncoder
from recommender.ranking import EVENTS, Recommender
from recommender.rec_settings import RecSettings

CATEGORIES = ["女装", "男装", "鞋包", "美妆", "护肤", "食品", "家居", "数码", "母婴", "小家电"]
WORDS = "纯棉 防晒 真皮 冰感 气垫 礼盒 白茶 记忆棉 便携 智能 婴儿 编程 百搭 通勤 保湿 零食 运动 护颈".split()


def shelf(n: int, rng: random.Random) -> list[Product]:
    return [
        Product(
            id=f"p{i:04d}",
            link=i % 999 + 1,
            title=" ".join(rng.sample(WORDS, 3)) + f" {i}",
            category=rng.choice(CATEGORIES),
            price=99.0,
            stock=rng.randint(0, 500),
            tags=tuple(rng.sample(WORDS, 2)),
        )
        for i in range(n)
    ]


def populate(rec: Recommender, room: str, products: list[Product], viewers: int, rng: random.Random) -> None:
    events = [e for e in EVENTS if e != "impression"]
    t = 0.0
    for v in range(viewers):
        for _ in range(20):
            t += 0.01
            rec.observe(room, f"u{v}", rng.choice(events), rng.choice(products).id, t, amount=30.0)
    rec.rebuild(t)


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]


def bench_one(n_products: int, rng: random.Random) -> None:
    rec = Recommender(RecSettings(cap_cards=1000, cooldown_s=0), HashEncoder(512))
    products = shelf(n_products, rng)
    rec.set_shelf("room", products)
    populate(rec, "room", products, 2000, rng)
    times = []
    for i in range(2000):
        v = f"u{rng.randrange(2000)}"
        t0 = time.perf_counter()
        rec.recommend("room", v, 1e5 + i, on_screen=products[0].id, trigger="periodic", k=1, record=False)
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"rank one viewer, {n_products:>5} products: p50 {statistics.median(times):.3f} ms  "
        f"p99 {pct(times, 0.99):.3f} ms"
    )


def bench_push(n_products: int, rng: random.Random) -> None:
    rec = Recommender(RecSettings(), HashEncoder(512))
    products = shelf(n_products, rng)
    rec.set_shelf("room", products)
    populate(rec, "room", products, 10_000, rng)
    viewers = [f"u{i}" for i in range(10_000)]
    times, picked = [], 0
    for i in range(5):
        product = next(p for p in products[i * 7 :] if p.stock > 0)
        t0 = time.perf_counter()
        picks = rec.recommend_many("room", viewers, 1e5 + 60 * i, product.id)
        times.append(time.perf_counter() - t0)
        picked += sum(p is not None for p in picks)
    print(
        f"on-screen push, 10,000 viewers, {n_products} products: median {statistics.median(times):.3f} s  "
        f"max {max(times):.3f} s  ({picked / 5:.0f} cards per push)"
    )


def main() -> None:
    rng = random.Random(7)
    bench_one(50, rng)
    bench_one(1000, rng)
    bench_push(50, rng)
    bench_push(1000, rng)


if __name__ == "__main__":
    main()
