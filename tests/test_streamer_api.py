"""Streamer controls over HTTP: live price and stock, on-screen product, whole-catalog swap, auth."""

from __future__ import annotations

import aiohttp
import yaml

from bot.config import BUNDLED_CATALOG
from tests.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_price_change_shows_in_the_next_answer(live_server, demo_catalog) -> None:
    live = await live_server()
    viewer = await live.viewer("demo-room", "v1")
    product = demo_catalog.by_link(3)
    async with aiohttp.ClientSession() as http:
        r = await http.patch(
            f"{live.url}/api/rooms/demo-room/products/{product.id}", json={"price": 66.6}, headers=AUTH
        )
        assert r.status == 200, await r.text()
    await viewer.call("comment", {"text": "3号链接多少钱"})
    [reply] = await viewer.wait_for("bot_reply")
    assert "66.6" in reply["text"] and f"{product.price:g}元" not in reply["text"]


async def test_on_screen_product_is_what_this_one_means(live_server, demo_catalog) -> None:
    live = await live_server()
    viewer = await live.viewer("demo-room", "v1")
    product = demo_catalog.by_link(5)
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{live.url}/api/rooms/demo-room/on_screen", json={"product_id": product.id}, headers=AUTH
        )
        assert r.status == 200
    [event] = await viewer.wait_for("on_screen")
    assert event["product_id"] == product.id
    ack = await viewer.call("comment", {"text": "这个多少钱"})
    assert ack["kind"] == "answer"
    [reply] = await viewer.wait_for("bot_reply")
    assert reply["product_id"] == product.id and f"{product.price:g}" in reply["text"]


async def test_a_product_put_on_screen_after_a_viewers_question_is_the_one_asked_next(
    live_server, demo_catalog
) -> None:
    live = await live_server()
    viewer = await live.viewer("demo-room", "v1")
    asked, shown = demo_catalog.by_link(6), demo_catalog.by_link(2)
    await viewer.call("comment", {"text": "6号链接多少钱"})
    [reply] = await viewer.wait_for("bot_reply")
    assert reply["product_id"] == asked.id
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{live.url}/api/rooms/demo-room/on_screen", json={"product_id": shown.id}, headers=AUTH
        )
        assert r.status == 200
    await viewer.wait_for("on_screen")
    ack = await viewer.call("comment", {"text": "现在多少钱"})  # the viewer's last product was link 6
    assert ack["kind"] == "answer"
    reply = (await viewer.wait_for("bot_reply", 2))[-1]
    assert reply["product_id"] == shown.id and f"{shown.price:g}" in reply["text"]


async def test_the_last_one_is_the_product_on_screen_before(live_server, demo_catalog) -> None:
    live = await live_server()
    viewer = await live.viewer("demo-room", "v1")
    first, second = demo_catalog.by_link(5), demo_catalog.by_link(2)
    ack = await viewer.call("comment", {"text": "上一个多少钱"})
    assert ack["kind"] == "escalate"  # nothing was on screen before: the streamer says which
    async with aiohttp.ClientSession() as http:
        for product in (first, second):
            r = await http.post(
                f"{live.url}/api/rooms/demo-room/on_screen", json={"product_id": product.id}, headers=AUTH
            )
            assert r.status == 200
    await viewer.wait_for("on_screen", 2)
    ack = await viewer.call("comment", {"text": "上一个多少钱"})
    assert ack["kind"] == "answer"
    [reply] = await viewer.wait_for("bot_reply")
    assert reply["product_id"] == first.id and f"{first.price:g}" in reply["text"]


async def test_catalog_replaced_while_live_and_the_index_follows(live_server) -> None:
    live = await live_server()
    viewer = await live.viewer("demo-room", "v1")
    data = yaml.safe_load(BUNDLED_CATALOG.read_text(encoding="utf-8"))
    new_product = {
        "id": "n99",
        "link": 42,
        "title": "手工竹编收纳篮",
        "category": "家居",
        "price": 35.0,
        "stock": 12,
        "faq": [
            {"id": "n99-f1", "q": "能放潮湿的地方吗？", "a": "竹子怕长期受潮，放在通风干燥处能用很多年。"}
        ],
    }
    data["products"].append(new_product)
    async with aiohttp.ClientSession() as http:
        r = await http.put(
            f"{live.url}/api/rooms/demo-room/catalog",
            data=yaml.safe_dump(data, allow_unicode=True),
            headers=AUTH,
        )
        assert r.status == 200, await r.text()
        assert (await r.json())["products"] == len(data["products"])
    ack = await viewer.call("comment", {"text": "42号链接能放潮湿的地方吗"})
    assert ack["kind"] == "answer", ack
    [reply] = await viewer.wait_for("bot_reply")
    assert reply["source"] == "n99-f1" and "通风干燥" in reply["text"]


async def test_broken_catalog_is_refused_and_the_old_one_kept(live_server, demo_catalog) -> None:
    live = await live_server()
    viewer = await live.viewer("demo-room", "v1")
    data = yaml.safe_load(BUNDLED_CATALOG.read_text(encoding="utf-8"))
    data["products"][1]["price"] = "free"
    async with aiohttp.ClientSession() as http:
        r = await http.put(
            f"{live.url}/api/rooms/demo-room/catalog",
            data=yaml.safe_dump(data, allow_unicode=True),
            headers=AUTH,
        )
        body = await r.json()
    assert r.status == 400 and body["error"]["code"] == "bad_catalog"
    assert f"product {data['products'][1]['id']}, field price" in body["error"]["message"]
    assert (await viewer.call("comment", {"text": "3号链接多少钱"}))["kind"] == "answer"


async def test_streamer_calls_need_the_token(live_server, demo_catalog) -> None:
    live = await live_server()
    pid = demo_catalog.products[0].id
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            r = await http.patch(
                f"{live.url}/api/rooms/demo-room/products/{pid}", json={"price": 1}, headers=headers
            )
            assert r.status == 401
            assert (await r.json())["error"]["code"] == "unauthorized"
        r = await http.get(f"{live.url}/api/rooms/nope/queue", headers=AUTH)
        assert r.status == 404
        r = await http.patch(
            f"{live.url}/api/rooms/demo-room/products/{pid}", json={"price": "cheap"}, headers=AUTH
        )
        assert r.status == 400
        r = await http.post(
            f"{live.url}/api/rooms/demo-room/on_screen", json={"product_id": "ghost"}, headers=AUTH
        )
        assert r.status == 404
        r = await http.get(f"{live.url}/healthz")
        assert (await r.json())["rooms"] == ["demo-room", "room-b"]


async def test_a_versions_price_changed_live_is_the_one_the_next_answer_quotes(
    live_server, demo_catalog
) -> None:
    # three trials' streamers cut one version's price mid-show, where only the one price could change
    cup = demo_catalog.by_link(3)
    priced = cup.model_copy(update={"price": 69.0, "prices": {"小号": 69.0, "大号": 89.0}})
    others = [p for p in demo_catalog.products if p.id != cup.id][:2]
    live = await live_server([demo_catalog.model_copy(update={"products": (priced, *others)})])
    viewer = await live.viewer("demo-room", "v1")
    url = f"{live.url}/api/rooms/demo-room/products/{cup.id}"
    async with aiohttp.ClientSession(headers=AUTH) as http:

        async def patch(body: dict) -> tuple[int, dict]:
            async with http.patch(url, json=body) as r:
                return r.status, await r.json()

        status, body = await patch({"prices": {"大号": 59}})
        assert status == 200 and body["prices"] == {"大号": 59.0} and body["price"] == 59.0, body
        # the undo's body: the version's price before, its price now expected
        assert body["previous"] == {"prices": {"大号": 89.0}}
        await viewer.call("comment", {"text": "3号链接大号多少钱"})
        [reply] = await viewer.wait_for("bot_reply")
        assert "59元" in reply["text"] and "89" not in reply["text"], reply
        # what a streamer may get wrong is said, and changes nothing
        for wrong, said in (
            ({"prices": {"中号": 79}}, "小号 / 大号"),
            ({"prices": {"小号": -1}}, "0 or more"),
            ({"prices": {"小号": 60}, "price": 60}, "not both"),
            ({"price": 60}, "priced by version"),
            ({"prices": {"小号": 60}, "expect": {"prices": {"小号": 50}}}, "prices.小号 is 69"),
        ):
            status, body = await patch(wrong)
            assert status in (400, 409) and said in body["error"]["message"], (wrong, body)
        status, body = await patch({"prices": {"小号": 9}})  # a slipped digit is asked again
        assert (
            status == 409
            and body["error"]["code"] == "confirm_price_jump"
            and "小号 69 -> 9" in body["error"]["message"]
        )
        # the undo puts the version's price back; the product's price follows, the lowest again
        status, body = await patch(
            {"prices": {"大号": 89}, "confirm": True, "expect": {"prices": {"大号": 59}}}
        )
        assert status == 200 and body["price"] == 69.0, body
        # a product sold at one price has no versions to change
        async with http.patch(url.replace(cup.id, others[0].id), json={"prices": {"M": 9}}) as r:
            assert r.status == 400 and "one price" in (await r.json())["error"]["message"]
