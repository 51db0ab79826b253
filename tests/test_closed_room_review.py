"""An operator reviews a show after it, with its room closed: labels and corrections of its comments
are checked against the shelf the log stored last, recorded, and part of that shelf when the room
opens again."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from bot.app import LOG, OPERATOR, REGISTRY
from bot.export_labels import export_labels
from domain.catalog import load_catalog
from tests.conftest import TOKEN, second_room

LAYERS = "包包里面有几个隔层?"  # the tote's pockets: its FAQ on the zip pocket answers it, the bot is unsure
WRONG = "6号链接洗了会掉色吗"
RIGHT = "不会掉色，这款用的是活性染料，冷水手洗放心穿。"


async def test_a_closed_rooms_comments_are_labelled_and_corrected_and_it_reopens_with_them(
    live_server, demo_catalog, tmp_path
) -> None:
    # a show: a price changed (the shelf is stored), two questions the bot handed over
    show = await live_server()
    operator = show.app[OPERATOR]  # stored hashed: the later servers check it without making another
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        r = await http.post(f"{show.url}/api/rooms/demo-room/on_screen", json={"product_id": "d03"})
        assert r.status == 200
        r = await http.patch(f"{show.url}/api/rooms/demo-room/products/d03", json={"price": 199.0})
        assert r.status == 200
    viewer = await show.viewer("demo-room", "v1")
    layers = await viewer.call("comment", {"text": LAYERS})
    wrong = await viewer.call("comment", {"text": WRONG})
    assert layers["kind"] == "escalate" and wrong["kind"] == "escalate"
    assert await asyncio.to_thread(show.app[LOG].flush, 10)
    await show.stop()

    # the next day only room-b is open: demo-room is closed, its show is reviewed
    review = await live_server([second_room(demo_catalog)])
    assert review.app[REGISTRY].get("demo-room") is None
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {operator}"}) as http:

        async def post(path: str, **body: object) -> tuple[int, dict]:
            async with http.post(f"{review.url}/api/ops/{path}", json=body) as r:
                return r.status, await r.json()

        async def closed_shelf() -> dict[str, dict]:
            async with http.get(f"{review.url}/api/ops/rooms") as r:
                data = await r.json()
            assert [room["room_id"] for room in data["rooms"]] == ["room-b"]
            [room] = [r for r in data["closed_rooms"] if r["room_id"] == "demo-room"]
            return {p["product_id"]: p for p in room["products"]}

        # the label form's products and entries: the room's stored shelf, the show's price in it
        products = await closed_shelf()
        says = {e["source"]: e["says"] for e in products["d03"]["entries"]}
        assert products["d03"]["title"] == demo_catalog.product("d03").title and says["price"] == "199"
        assert "d03-f3" in says and products["d03"]["learned"] == {"answers": [], "wordings": []}

        # checked against that shelf, as for an open room
        status, body = await post(
            "labels", comment_id=layers["comment_id"], kind="answer", product_id="d03", source="brim"
        )
        assert status == 400 and body["error"]["code"] == "bad_label" and "d03-f3" in body["error"]["message"]

        # two operators label the comment at once, from the same row: one is kept, one is told
        label = {"comment_id": layers["comment_id"], "kind": "answer", "product_id": "d03"}
        saved = await asyncio.gather(
            post("labels", **label, source="d03-f3", expect={"label_at": None}),
            post("labels", **label, source="capacity", expect={"label_at": None}),
        )
        assert sorted(status for status, _ in saved) == [200, 409], saved
        [(_, first)] = [s for s in saved if s[0] == 200]
        if first["source"] != "d03-f3":  # the other operator's label went first: replaced knowingly
            status, first = await post(
                "labels", **label, source="d03-f3", expect={"label_at": first["label_at"]}
            )
            assert status == 200
        assert first["taught"] is True and first["open"] is False
        assert (await closed_shelf())["d03"]["learned"]["wordings"] == [
            {"source": "d03-f3", "wording": "里面有几个隔层?"}
        ]

        shared: list[tuple[str, str, dict]] = []  # what a cluster's Redis is told (bot/cluster.py)

        async def share(kind: str, room_id: str, payload: dict) -> None:
            shared.append((kind, room_id, payload))

        review.app[REGISTRY].share = share
        status, fixed = await post(
            "corrections", comment_id=wrong["comment_id"], answer=RIGHT, expect={"label_at": None}
        )
        assert status == 200 and fixed["open"] is False, fixed
        # a cluster's processes reopen the room on the shelf in Redis: it is told, as for an open room
        [(kind, room_id, payload)] = shared
        [told] = [p for p in payload["products"] if p["id"] == fixed["product_id"]]
        assert (kind, room_id) == ("catalog", "demo-room") and fixed["faq_id"] in {
            f["id"] for f in told["faq"]
        }
        review.app[REGISTRY].share = None
        assert (await closed_shelf())[fixed["product_id"]]["learned"]["answers"] == [
            {"faq_id": fixed["faq_id"], "q": fixed["question"], "a": RIGHT}
        ]
        async with http.get(f"{review.url}/api/ops/qa", params={"room": "demo-room"}) as r:
            rows = {row["comment_id"]: row for row in (await r.json())["rows"]}
        assert (rows[layers["comment_id"]]["label_kind"], rows[layers["comment_id"]]["label_source"]) == (
            "answer",
            "d03-f3",
        )
        assert rows[wrong["comment_id"]]["corrected_answer"] == RIGHT
        assert rows[wrong["comment_id"]]["label_source"] == fixed["faq_id"]

        # a room neither open nor with a stored shelf: refused, saying so
        review.app[LOG].record(
            "comments",
            {"comment_id": "c-old", "room_id": "old-room", "viewer_id": "v9", "text": "这个多少钱"},
        )
        assert await asyncio.to_thread(review.app[LOG].flush, 10)
        status, body = await post("labels", comment_id="c-old", kind="chat")
        assert status == 404 and body["error"]["code"] == "unknown_room"
        assert "not open now" in body["error"]["message"] and "no shelf" in body["error"]["message"]
        async with http.get(f"{review.url}/api/ops/rooms") as r:
            [old] = [r for r in (await r.json())["closed_rooms"] if r["room_id"] == "old-room"]
        assert "products" not in old
    assert await asyncio.to_thread(review.app[LOG].flush, 10)

    # the labels leave with the room's export: its stored shelf holds the operators' answer
    done = export_labels([review.db_path], "demo-room", tmp_path / "labelled")
    assert (done.questions, done.skipped) == (2, [])
    lines = [
        json.loads(x) for x in (tmp_path / "labelled" / "questions.jsonl").read_text("utf-8").splitlines()
    ]
    assert [(x["text"], x["expect"]) for x in lines] == [
        (LAYERS, {"kind": "answer", "product": "d03", "source": "d03-f3"}),
        (WRONG, {"kind": "answer", "product": fixed["product_id"], "source": fixed["faq_id"]}),
    ]
    exported = load_catalog(tmp_path / "labelled" / "catalog.yaml")
    assert fixed["faq_id"] in exported.product(fixed["product_id"]).entries()
    await review.stop()

    # the room opens again (its catalog file unchanged): it has learned both
    reopened = await live_server()
    shelf = reopened.app[REGISTRY].get("demo-room").catalog
    assert shelf.product("d03").price == 199.0  # the show's shelf, as before
    assert shelf.product("d03").asked_as == {"d03-f3": ("里面有几个隔层?",)}
    bob = await reopened.viewer("demo-room", "bob")
    ack = await bob.call("comment", {"text": "2号链接 包包里面有几个隔层！"})
    assert ack["kind"] == "answer", ack
    [reply] = await bob.wait_for("bot_reply")
    assert (reply["product_id"], reply["source"]) == ("d03", "d03-f3") and "拉链暗袋" in reply["text"]
    ack = await bob.call("comment", {"text": WRONG})
    assert ack["kind"] == "answer", ack
    replies = await bob.wait_for("bot_reply", 2)
    assert replies[-1]["source"] == fixed["faq_id"] and RIGHT in replies[-1]["text"]


async def test_a_room_whose_shelf_never_changed_during_its_show_is_labelled_closed(
    live_server, demo_catalog
) -> None:
    # a shelf was stored only when it changed: after a show with no price change and nothing
    # labelled live, the closed room could not be labelled at all
    show = await live_server()
    operator = show.app[OPERATOR]
    viewer = await show.viewer("demo-room", "v1")
    layers = await viewer.call("comment", {"text": "2号链接 " + LAYERS})
    assert layers["kind"] == "escalate"
    await show.stop()
    again = await live_server()  # reopened on the shelf it stored: the file's, not "changed live"
    assert await asyncio.to_thread(again.app[LOG].flush, 10)
    opened = "select detail from room_events where event = 'open' and room_id = 'demo-room'"
    details = [r["detail"] for r in await asyncio.to_thread(again.app[LOG].query, opened)]
    assert details == [f"{len(demo_catalog.products)} products"] * 2, details
    await again.stop()

    review = await live_server([second_room(demo_catalog)])
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {operator}"}) as http:
        body = {"comment_id": layers["comment_id"], "kind": "answer", "product_id": "d03", "source": "d03-f3"}
        async with http.post(f"{review.url}/api/ops/labels", json=body) as r:
            assert r.status == 200, await r.text()
            assert (await r.json())["taught"] is True


async def test_a_closed_rooms_correction_is_the_guess_of_its_question_when_the_room_reopens(
    live_server, demo_catalog
) -> None:
    # before: the correction went into the stored shelf only; the question's open escalation kept the
    # bot's guess, so the reopened console offered the wrong answer to send as it was
    show = await live_server()
    operator = show.app[OPERATOR]
    first, second = await show.viewer("demo-room", "v1"), await show.viewer("demo-room", "v2")
    wrong = await first.call("comment", {"text": WRONG})
    again = await second.call("comment", {"text": WRONG + "？"})  # folded into the same item
    assert wrong["kind"] == again["kind"] == "escalate" and again["queued_with"]
    assert await asyncio.to_thread(show.app[LOG].flush, 10)
    await show.stop()

    # demo-room closed: the operator corrects the folded asker's comment, as the open path allows
    review = await live_server([second_room(demo_catalog)])
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {operator}"}) as http:
        body = {"comment_id": again["comment_id"], "answer": RIGHT}
        async with http.post(f"{review.url}/api/ops/corrections", json=body) as r:
            assert r.status == 200, await r.text()
            fixed = await r.json()
    assert fixed["open"] is False
    await review.stop()

    # reopened within the restore window: the waiting item's guess is the operator's answer
    reopened = await live_server()
    console = await reopened.viewer()
    joined = await console.call("streamer_join", {"room_id": "demo-room", "token": TOKEN})
    [item] = joined["queue"]
    assert item["escalation_id"] == again["queued_with"]
    assert [g["comment_id"] for g in item["grouped"]] == [again["comment_id"]]
    link = demo_catalog.product(fixed["product_id"]).link
    assert item["guess"] == f"{link}号链接：{RIGHT}", item
    assert (item["product_id"], item["source"], item["confidence"], item["reason"]) == (
        fixed["product_id"],
        fixed["faq_id"],
        1.0,
        "an operator wrote the answer",
    )
    # sent as it is, the room hears the operator's answer, addressed to both askers
    viewer = await reopened.viewer("demo-room", "v1")
    ack = await console.call("queue_answer", {"escalation_id": item["escalation_id"], "use_guess": True})
    assert ack["ok"], ack
    [reply] = await viewer.wait_for("bot_reply")
    assert reply["author"] == "streamer" and RIGHT in reply["text"]
    assert reply["reply_to"] == [wrong["comment_id"], again["comment_id"]]
