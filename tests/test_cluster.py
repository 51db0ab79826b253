"""Two `cohost serve` processes sharing one room through a real redis-server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
import socketio

from tests.processes import TOKEN, serve, start_redis, stop_redis, wait_healthy

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def cluster(tmp_path: Path):
    redis = start_redis()
    a = serve(tmp_path, "a", redis={"url": redis.url})
    b = serve(tmp_path, "b", redis={"url": redis.url})
    clients: list[socketio.AsyncClient] = []
    try:
        await asyncio.gather(wait_healthy(a), wait_healthy(b))
        yield redis, a, b, clients
    finally:
        for c in clients:
            if c.connected:
                await c.disconnect()
        a.kill()
        b.kill()
        stop_redis(redis)


async def _viewer(url: str, viewer_id: str, clients: list, received: list) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    client.on("bot_reply", received.append)
    await client.connect(url, transports=["websocket"])
    assert (await client.call("join_room", {"room_id": "demo-room", "viewer_id": viewer_id}))["ok"]
    clients.append(client)
    return client


async def _until(predicate, timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def _ask_price_until(client, replies: list, expected: str, timeout: float = 15) -> dict:
    """Ask the price (after the grouping cooldown lets a changed answer through) until it is right."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        await client.call("comment", {"text": "3号链接多少钱"})
        for _ in range(20):  # a reply may be grouped, or lost while the fan-out reconnects: ask again
            hit = next((r for r in replies if expected in r["text"]), None)
            if hit is not None:
                return hit
            await asyncio.sleep(0.1)
    raise AssertionError(f"never answered with {expected}: {[r['text'] for r in replies]}")


async def test_viewers_on_two_processes_share_replies_and_price_changes(cluster, demo_catalog) -> None:
    redis, a, b, clients = cluster
    on_a: list[dict] = []
    on_b: list[dict] = []
    va = await _viewer(a.url, "viewer-a", clients, on_a)
    vb = await _viewer(b.url, "viewer-b", clients, on_b)
    product = demo_catalog.by_link(3)

    ack = await va.call("comment", {"text": "3号链接多少钱"})
    assert ack["kind"] == "answer"
    await _until(lambda: on_a and on_b)
    assert on_a[0]["reply_id"] == on_b[0]["reply_id"] == ack["reply_id"]
    assert f"{product.price:g}" in on_b[0]["text"]

    async with aiohttp.ClientSession() as http:  # the streamer changes the price on process A
        r = await http.patch(
            f"{a.url}/api/rooms/demo-room/products/{product.id}", json={"price": 12.5}, headers=AUTH
        )
        assert r.status == 200
    reply = await _ask_price_until(vb, on_b, "12.5")  # ... and process B answers with it
    assert reply["product_id"] == product.id

    # Redis restarts mid-show: both processes reconnect and the room keeps working
    stop_redis(redis)
    await asyncio.sleep(1.0)
    restarted = start_redis(redis.port)
    cluster_redis = restarted
    try:
        await asyncio.sleep(2.5)
        async with aiohttp.ClientSession() as http:
            r = await http.patch(
                f"{b.url}/api/rooms/demo-room/products/{product.id}", json={"price": 7.0}, headers=AUTH
            )
            assert r.status == 200
        await _ask_price_until(va, on_a, "现在7元", timeout=40)
    finally:
        stop_redis(cluster_redis)


async def test_queue_and_on_screen_agree_across_processes(cluster, demo_catalog) -> None:
    _, a, b, clients = cluster
    streamer = socketio.AsyncClient(reconnection=False)
    items: list[dict] = []
    streamer.on("queue_item", items.append)
    await streamer.connect(b.url, transports=["websocket"])
    clients.append(streamer)
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]

    asker = await _viewer(a.url, "asker", clients, [])
    ack = await asker.call("comment", {"text": "3号链接可以免费刻字吗"})
    assert ack["kind"] == "escalate"
    await _until(lambda: items)  # the streamer on B sees a question asked on A
    listed = await streamer.call("queue_list")
    assert [i["comment_id"] for i in listed["queue"]] == [ack["comment_id"]]

    screens: list[dict] = []
    asker.on("on_screen", screens.append)
    product = demo_catalog.by_link(5)
    async with aiohttp.ClientSession() as http:
        r = await http.post(
            f"{b.url}/api/rooms/demo-room/on_screen", json={"product_id": product.id}, headers=AUTH
        )
        assert r.status == 200
    await _until(lambda: screens)
    await asyncio.sleep(0.3)
    assert len(screens) == 1  # announced once, not once per process
    replies: list[dict] = []
    asker.on("bot_reply", replies.append)
    assert (await asker.call("comment", {"text": "这个多少钱"}))["kind"] == "answer"
    await _until(lambda: replies)
    assert replies[0]["product_id"] == product.id
