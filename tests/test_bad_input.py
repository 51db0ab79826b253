"""Bad input gets {ok: false, error: {code, message}} with a stable code; the room keeps working."""

from __future__ import annotations

import sqlite_utils

from bot.app import LOG


def _refused(ack, code: str) -> None:
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == code, ack
    assert ack["error"]["message"]


async def test_every_kind_of_bad_payload_is_refused_and_others_are_still_served(live_server) -> None:
    live = await live_server()
    bystander = await live.viewer("demo-room", "bystander")
    assert (await bystander.call("comment", {"text": "这个多少钱"}))["ok"]

    newcomer = await live.viewer()
    _refused(await newcomer.call("comment", {"text": "3号多少钱"}), "not_in_room")
    _refused(await newcomer.call("card_click", {"card_id": "k1"}), "not_in_room")
    _refused(await newcomer.call("join_room", "demo-room"), "bad_payload")
    _refused(await newcomer.call("join_room", [1, 2]), "bad_payload")
    _refused(await newcomer.call("join_room", {"room_id": "demo-room"}), "bad_payload")
    _refused(await newcomer.call("join_room", {"room_id": 7, "viewer_id": "x"}), "bad_payload")
    _refused(await newcomer.call("join_room", {"room_id": "no-such-room", "viewer_id": "x"}), "unknown_room")
    _refused(
        await newcomer.call("join_room", {"room_id": "demo-room", "viewer_id": "a" * 500}), "bad_payload"
    )

    viewer = await live.viewer("demo-room", "mallory")
    _refused(await viewer.call("comment", None), "bad_payload")
    _refused(await viewer.call("comment", 42), "bad_payload")
    _refused(await viewer.call("comment", {"txt": "typo in the key"}), "bad_payload")
    _refused(await viewer.call("comment", {"text": 3}), "bad_payload")
    _refused(await viewer.call("comment", {"text": "   \x00\x01  "}), "bad_payload")
    _refused(await viewer.call("comment", {"text": "a" * 100_000}), "comment_too_long")
    _refused(await viewer.call("comment", {"text": "多" * 100_000}), "comment_too_long")
    _refused(await viewer.call("comment", b"\x00\xff\xfe binary"), "bad_payload")
    _refused(await viewer.call("comment", {"text": b"\x89PNG\r\n"}), "bad_payload")
    _refused(await viewer.call("card_click", {"card_id": "k-never-shown"}), "unknown_card")
    _refused(await viewer.call("add_to_cart", {"product_id": "no-such-product"}), "unknown_product")
    _refused(await viewer.call("purchase", {"product_id": "no-such-product", "qty": 1}), "unknown_product")
    _refused(await viewer.call("purchase", {"product_id": "d02", "qty": "lots"}), "bad_payload")
    _refused(await viewer.call("purchase", {"product_id": "d02", "qty": -3}), "bad_payload")
    _refused(await viewer.call("like", "yes"), "bad_payload")
    _refused(await viewer.call("no_such_event", {}), "unknown_event")

    # the refusals also arrive as `error` events for clients that do not use acks
    errors = viewer.events.get("error", [])
    assert {"bad_payload", "comment_too_long", "unknown_card", "unknown_event"} <= {e["code"] for e in errors}

    # the server still serves everyone, the refusing viewer included
    ack = await bystander.call("comment", {"text": "3号链接多少钱"})
    assert ack["ok"] and ack["kind"] == "answer"
    assert (await viewer.call("comment", {"text": "有XL吗"}))["ok"]

    # nothing already logged was lost, and refused comments were not logged as comments
    assert live.app[LOG].flush(timeout=10)
    db = sqlite_utils.Database(live.db_path)
    texts = [r["text"] for r in db["comments"].rows_where(order_by="created_at")]
    assert texts == ["这个多少钱", "3号链接多少钱", "有XL吗"]


async def test_flooding_viewer_is_rate_limited_without_affecting_others(live_server) -> None:
    live = await live_server(limits={"comments_per_10s": 5})
    flooder = await live.viewer("demo-room", "flooder")
    other = await live.viewer("demo-room", "calm")
    acks = [await flooder.call("comment", {"text": f"刷屏 {i}"}) for i in range(8)]
    assert [a["ok"] for a in acks] == [True] * 5 + [False] * 3
    _refused(acks[-1], "rate_limited")
    assert (await other.call("comment", {"text": "3号链接多少钱"}))["kind"] == "answer"


async def test_sold_out_product_cannot_be_added_to_cart_and_gets_no_card(live_server, demo_catalog) -> None:
    sold_out = next(p for p in demo_catalog.products if not p.in_stock)
    live = await live_server()
    viewer = await live.viewer("demo-room", "sam")
    ack = await viewer.call("add_to_cart", {"product_id": sold_out.id})
    _refused(ack, "sold_out")
    # named as the room names it, not by the catalog's id ("d08 is sold out")
    assert f"link {sold_out.link}" in ack["error"]["message"] and sold_out.id not in ack["error"]["message"]
    ack = await viewer.call("comment", {"text": f"{sold_out.link}号链接多少钱"})
    assert ack["kind"] == "answer" and "card_id" not in ack
    [reply] = await viewer.wait_for("bot_reply")
    assert "卖完" in reply["text"]
