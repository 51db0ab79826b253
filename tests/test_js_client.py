"""The official JavaScript client (socket.io-client v4 on Node.js) in a live room of our server."""

from __future__ import annotations

import asyncio
import json

import sqlite_utils

from domain.catalog import Catalog
from tests.nodejs import NODE_DIR, node_ready


async def test_js_client_joins_asks_and_gets_the_price_and_a_card(live_server, demo_catalog: Catalog) -> None:
    node = node_ready()
    live = await live_server()
    product = demo_catalog.by_link(3)
    assert product is not None

    proc = await asyncio.create_subprocess_exec(
        node,
        str(NODE_DIR / "js_client.js"),
        live.url,
        "demo-room",
        "js-alice",
        "3号链接多少钱",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=40)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    lines = out.decode().strip().splitlines()
    assert lines, f"js_client.js printed nothing; stderr: {err.decode()[-2000:]}"
    result = json.loads(lines[-1])
    assert proc.returncode == 0, (result, err.decode()[-2000:])

    assert result["join"]["ok"] and result["join"]["room_id"] == "demo-room"
    ack = result["comment"]
    assert ack["ok"] and ack["kind"] == "answer", ack
    reply = result["bot_reply"]
    assert f"{product.price:g}" in reply["text"] and "3号链接" in reply["text"], reply
    assert reply["product_id"] == product.id and reply["source"] == "price"
    assert reply["reply_to"] == [ack["comment_id"]] and reply["viewer_ids"] == ["js-alice"]
    card = result["product_card"]
    assert card["product_id"] == product.id and card["price"] == product.price and card["link"] == 3

    from bot.app import LOG

    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    db = sqlite_utils.Database(live.db_path)
    [row] = db["comments"].rows_where("comment_id = ?", [ack["comment_id"]])
    assert row["viewer_id"] == "js-alice" and row["text"] == "3号链接多少钱" and row["kind"] == "answer"
