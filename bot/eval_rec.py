"""`cohost eval-rec`: the room's own Recommender replayed over a leave-last-out split.

Every training event goes through `Recommender.observe` in time order (one room holding every
product), the collaborative model and rules are rebuilt once at the end, and each viewer's
candidates are ranked with `Recommender.rank` at the time of that viewer's last event.
Two settings differ from a live room, because the replay spans months rather than hours: every
viewer is in the "personalized" arm, and idle viewers are kept for a year instead of being evicted.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
from typing import TextIO

from domain.catalog import Product
from recommender.encoder import TextEncoder
from recommender.ranking import Recommender
from recommender.rec_settings import RecSettings

logger = logging.getLogger(__name__)

ABLATIONS = ("none", "no-collab", "no-embed", "no-behaviour")
_EVENTS = {"view": "view", "like": "like", "add_to_cart": "cart", "cart": "cart", "purchase": "purchase"}
_ROOM = "eval"


def ablate(settings: RecSettings, ablation: str | None) -> RecSettings:
    """Settings for the replay, with one family of signals switched off.

    no-collab: EASE and rules off; no-embed: interest similarity off; no-behaviour: affinity off and
    every event counts 1 with no time decay (the behaviour weights and decay no longer shape anything).
    """
    data = settings.model_dump()
    data["strategy_shares"] = {"personalized": 1.0}
    data["idle_evict_s"] = 365 * 86_400
    if ablation in (None, "none"):
        pass
    elif ablation == "no-collab":
        data["blend"].update(collaborative=0.0, rule=0.0)
    elif ablation == "no-embed":
        data["blend"]["similarity"] = 0.0
    elif ablation == "no-behaviour":
        data["blend"]["affinity"] = 0.0
        data["events"].update({k: 1.0 for k in data["events"] if k not in ("impression", "watch_cap_s")})
        data["half_life_s"] = 365 * 86_400
    else:
        raise ValueError(f"unknown ablation {ablation!r} (one of {', '.join(ABLATIONS)})")
    return RecSettings.model_validate(data)


def _products(path: str) -> list[Product]:
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
            tags = tuple((row.get("tags") or "").split())
            out.append(
                Product(
                    id=row["product_id"],
                    link=i % 999 + 1,
                    title=(row.get("title") or row["product_id"])[:200],
                    category=(tags[0] if tags else "other")[:50],
                    price=0.0,
                    stock=1,
                    tags=tags,
                )
            )
    return out


def eval_rec(
    train_path: str,
    products_path: str,
    candidates_path: str,
    encoder: TextEncoder,
    settings: RecSettings,
    out: TextIO = sys.stdout,
    ablation: str | None = None,
) -> None:
    """Replay the training events, then write {"viewer", "ranked"} for each candidate shelf."""
    rec = Recommender(ablate(settings, ablation), encoder)
    rec.set_shelf(_ROOM, _products(products_path))
    last: dict[str, float] = {}
    end = 0.0
    n = 0
    with open(train_path, encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f, delimiter="\t"), key=lambda r: float(r["timestamp"]))
    for row in rows:
        event = _EVENTS.get(row["event"])
        if event is None:
            continue
        t = float(row["timestamp"])
        rec.observe(_ROOM, row["viewer_id"], event, row["product_id"], t)
        last[row["viewer_id"]] = t
        end = max(end, t)
        n += 1
    rec.rebuild(end)
    logger.info("replayed %d events from %d viewers", n, len(last))
    with open(candidates_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            c = json.loads(line)
            viewer = str(c["viewer"])
            ranked = rec.rank(
                _ROOM, viewer, last.get(viewer, end), candidates=[str(x) for x in c["candidates"]]
            )
            ids = [pid for pid, _, _ in ranked]
            seen = set(ids)
            # ids the recommender never saw go last, in their given order
            ids += [str(x) for x in c["candidates"] if str(x) not in seen]
            out.write(json.dumps({"viewer": viewer, "ranked": ids}, ensure_ascii=False) + "\n")
