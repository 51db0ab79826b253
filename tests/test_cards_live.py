"""Cards in a live room: complements after a purchase, the on-screen push, strategies in the log."""

from __future__ import annotations

import json
import time

import aiohttp
import sqlite_utils

from bot.app import LOG, REGISTRY
from tests.conftest import TOKEN


def _personalized(live, prefix: str) -> str:
    rec = live.app[REGISTRY].recommender
    return next(f"{prefix}{i}" for i in range(1000) if rec.strategy_for(f"{prefix}{i}") == "personalized")


async def test_purchase_brings_a_bought_together_complement_once_the_rule_exists(
    live_server, demo_catalog
) -> None:
    live = await live_server()
    sunscreen = next(p for p in demo_catalog.products if "防晒霜" in p.title)
    hat = next(p for p in demo_catalog.products if "防晒" in p.title and p.id != sunscreen.id and p.in_stock)
    for i in range(3):  # earlier shoppers bought both
        shopper = await live.viewer("demo-room", f"shopper{i}")
        assert (await shopper.call("purchase", {"product_id": sunscreen.id}))["ok"]
        assert (await shopper.call("purchase", {"product_id": hat.id}))["ok"]
    live.app[REGISTRY].recommender.rebuild(time.time())

    buyer = await live.viewer("demo-room", _personalized(live, "buyer"))
    ack = await buyer.call("purchase", {"product_id": sunscreen.id, "qty": 1})
    assert ack["ok"] and ack["qty"] == 1 and "card_id" in ack
    [card] = await buyer.wait_for("product_card")
    assert card["product_id"] == hat.id
    assert card["reason"].startswith("买了")

    assert live.app[LOG].flush(timeout=10)
    db = sqlite_utils.Database(live.db_path)
    [row] = list(db["card_impressions"].rows_where("card_id = ?", [card["card_id"]]))
    scores = json.loads(row["scores"])
    assert row["strategy"] == "personalized" and scores["rule"] > 0 and scores["trigger"] == "purchase"


async def test_on_screen_push_reaches_interested_viewers_only(live_server, demo_catalog) -> None:
    live = await live_server()
    sunscreen = next(p for p in demo_catalog.products if "防晒霜" in p.title)
    hat = next(p for p in demo_catalog.products if "防晒" in p.title and p.id != sunscreen.id and p.in_stock)
    fan = await live.viewer("demo-room", _personalized(live, "fan"))
    newcomer = await live.viewer("demo-room", _personalized(live, "new"))
    ack = await fan.call("comment", {"text": f"{sunscreen.link}号链接多少钱"})
    assert ack["kind"] == "answer"
    [asked_card] = await fan.wait_for("product_card")
    assert asked_card["product_id"] == sunscreen.id

    async with aiohttp.ClientSession() as http:
        r = await http.post(  # by the link number the streamer says on air, as by the id
            f"{live.url}/api/rooms/demo-room/on_screen",
            json={"link": hat.link},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert r.status == 200 and (await r.json())["on_screen"] == hat.id
        mistyped = (
            {},
            {"product": hat.id},
            {"product_id": 4},
            {"link": "3"},
            {"link": 3, "product_id": "d01"},
        )
        for body in mistyped:  # nothing changes on a mistyped body
            r = await http.post(
                f"{live.url}/api/rooms/demo-room/on_screen",
                json=body,
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            assert r.status == 400 and (await r.json())["error"]["code"] == "bad_payload"
        r = await http.post(
            f"{live.url}/api/rooms/demo-room/on_screen",
            json={"link": 999},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert r.status == 404 and "no link 999" in (await r.json())["error"]["message"]
    assert live.app[REGISTRY].get("demo-room").on_screen == hat.id  # `{}` used to take it off screen
    await newcomer.wait_for("on_screen")
    cards = await fan.wait_for("product_card", 2)
    assert cards[1]["product_id"] == hat.id and cards[1]["reason"] == "正在讲解"
    assert newcomer.events.get("product_card") is None  # no interest yet: no push


async def test_every_card_records_its_strategy_and_split_is_stable(live_server) -> None:
    live = await live_server()
    rec = live.app[REGISTRY].recommender
    viewers = [f"split{i}" for i in range(400)]
    first = [rec.strategy_for(v) for v in viewers]
    assert first == [rec.strategy_for(v) for v in viewers]
    assert 0.8 < first.count("personalized") / len(first) < 0.97
    v = await live.viewer("demo-room", viewers[0])
    await v.call("comment", {"text": "1号链接多少钱"})
    [card] = await v.wait_for("product_card")
    assert live.app[LOG].flush(timeout=10)
    db = sqlite_utils.Database(live.db_path)
    [row] = list(db["card_impressions"].rows_where("card_id = ?", [card["card_id"]]))
    assert row["strategy"] == first[0]
