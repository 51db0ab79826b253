"""Two `cohost serve` processes sharing one room through a real redis-server."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
import socketio
import sqlite_utils
import yaml

from recommender.ranking import Recommender
from recommender.rec_settings import RecSettings
from tests.conftest import second_room
from tests.processes import TOKEN, Served, serve, start_redis, stop_redis, wait_exit, wait_healthy

AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "3号链接多少钱"


@pytest.fixture
async def start_cluster(tmp_path: Path):
    """Start a redis-server and two processes on it, with `config` sections merged over the defaults."""
    started: list = []
    clients: list[socketio.AsyncClient] = []

    async def start(**config) -> tuple:
        redis = start_redis()
        a = serve(tmp_path, "a", redis={"url": redis.url}, **config)
        b = serve(tmp_path, "b", redis={"url": redis.url}, **config)
        started.extend([a, b, redis])
        await asyncio.gather(wait_healthy(a), wait_healthy(b))
        return redis, a, b, clients

    try:
        yield start
    finally:
        for c in clients:
            if c.connected:
                await c.disconnect()
        servers = [one for one in started if isinstance(one, Served)]
        await asyncio.gather(*(_stop(one) for one in servers))
        for one in started:
            if not isinstance(one, Served):
                stop_redis(one)


async def _stop(served: Served) -> None:
    """SIGTERM, so the server stops what it started; kill -9 if it does not stop in time."""
    served.stop()
    try:
        await wait_exit(served, timeout=15)
    except AssertionError:
        served.kill()


@pytest.fixture
async def cluster(start_cluster):
    return await start_cluster()


async def _viewer(
    url: str, viewer_id: str, clients: list, received: list, cards: list | None = None
) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    client.on("bot_reply", received.append)
    if cards is not None:
        client.on("product_card", cards.append)
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
            f"{a.url}/api/rooms/demo-room/products/{product.id}",
            json={"price": 12.5, "confirm": True},
            headers=AUTH,
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
                f"{b.url}/api/rooms/demo-room/products/{product.id}",
                json={"price": 7.0, "confirm": True},
                headers=AUTH,
            )
            assert r.status == 200
        await _ask_price_until(va, on_a, "现在7元", timeout=40)
    finally:
        stop_redis(cluster_redis)


async def test_queue_on_screen_and_pause_agree_across_processes(cluster, demo_catalog) -> None:
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

    # the streamer on B pauses the bot: the viewer on A gets no answer, the streamer gets the question
    assert (await streamer.call("console_settings", {"paused": True}))["settings"]["paused"]
    await asyncio.sleep(0.5)
    paused = await asker.call("comment", {"text": "1号链接多少钱"})
    assert paused["kind"] == "escalate"
    await _until(lambda: len(items) == 2)
    assert items[-1]["comment_id"] == paused["comment_id"] and items[-1]["guess"]


async def test_repeats_asked_on_two_processes_get_one_follow_up(start_cluster) -> None:
    _, a, b, clients = await start_cluster(hygiene={"repeat_cooldown_s": 3})
    on_a: list[dict] = []
    on_b: list[dict] = []
    va = await _viewer(a.url, "viewer-a", clients, on_a)
    vb = await _viewer(b.url, "viewer-b", clients, on_b)
    vc = await _viewer(a.url, "viewer-c", clients, [])

    first = await va.call("comment", {"text": QUESTION})
    assert first["kind"] == "answer" and first["reply_id"]
    await _until(lambda: on_b)
    await asyncio.sleep(0.2)  # B hears of the answer on the room channel, beside the fan-out
    again_b = await vb.call("comment", {"text": QUESTION})
    assert again_b["kind"] == "answer" and again_b.get("grouped") is True and "reply_id" not in again_b
    again_c = await vc.call("comment", {"text": QUESTION})  # the same, asked on A
    assert again_c.get("grouped") is True

    # when the cooldown ends, one follow-up names both askers, whichever process they asked on
    await _until(lambda: len(on_b) >= 2, timeout=6)
    await asyncio.sleep(1.0)
    assert len(on_a) == len(on_b) == 2, (on_a, on_b)
    follow_up = on_b[1]
    assert on_a[1]["reply_id"] == follow_up["reply_id"] and follow_up["audience"] == "room"
    assert sorted(follow_up["reply_to"]) == sorted([again_b["comment_id"], again_c["comment_id"]])
    assert follow_up["text"].startswith("@viewer-b @viewer-c ")


async def test_a_reply_sent_by_one_process_spends_the_room_budget_of_the_other(start_cluster) -> None:
    # one reply back to back, then one every 10 s: A's answer leaves B nothing to spend at once
    _, a, b, clients = await start_cluster(hygiene={"reply_burst": 1, "max_replies_per_minute": 6})
    on_a: list[dict] = []
    on_b: list[dict] = []
    va = await _viewer(a.url, "viewer-a", clients, on_a)
    vb = await _viewer(b.url, "viewer-b", clients, on_b)

    assert (await va.call("comment", {"text": QUESTION}))["kind"] == "answer"
    await _until(lambda: on_b)
    await asyncio.sleep(0.2)
    ack = await vb.call("comment", {"text": "1号链接多少钱"})
    await _until(lambda: any(r["reply_id"] == ack["reply_id"] for r in on_b))
    reply = next(r for r in on_b if r["reply_id"] == ack["reply_id"])
    assert reply["audience"] == "asker"  # over the room's budget: to its asker alone
    await asyncio.sleep(0.3)
    assert all(r["reply_id"] != ack["reply_id"] for r in on_a)


async def test_per_viewer_limits_hold_after_reconnecting_to_another_process(start_cluster) -> None:
    _, a, b, clients = await start_cluster(limits={"comments_per_10s": 3}, hygiene={"flood_repeats": 3})
    spammer = await _viewer(a.url, "spammer", clients, [])
    for i in range(3):
        assert (await spammer.call("comment", {"text": f"主播好美{i}"}))["ok"]
    assert (await spammer.call("comment", {"text": "主播好美3"}))["error"]["code"] == "rate_limited"
    await spammer.disconnect()
    spammer = await _viewer(b.url, "spammer", clients, [])
    assert (await spammer.call("comment", {"text": "主播好美4"}))["error"]["code"] == "rate_limited"
    bystander = await _viewer(b.url, "bystander", clients, [])
    assert (await bystander.call("comment", {"text": "主播好美"}))["ok"]  # only the spammer is held

    repeater = await _viewer(a.url, "repeater", clients, [])
    for _ in range(2):
        assert (await repeater.call("comment", {"text": "冲冲冲!"}))["kind"] != "filtered"
    await repeater.disconnect()
    repeater = await _viewer(b.url, "repeater", clients, [])
    ack = await repeater.call("comment", {"text": "冲 冲 冲"})  # the third time, on B: a flood
    assert ack["kind"] == "filtered" and ack["filtered"] == "flood"


def _personalized(prefix: str) -> str:
    """A viewer id the default settings rank with the personalized strategy (every process agrees)."""
    rec = Recommender(RecSettings(), SimpleNamespace(dim=8))
    return next(f"{prefix}{i}" for i in range(1000) if rec.strategy_for(f"{prefix}{i}") == "personalized")


async def _fan_moves_to_b(a, b, clients, demo_catalog, forget: bool = False) -> tuple[list, list, str]:
    """A viewer asks about the sunscreen on A (and is forgotten there, with `forget`), reconnects to B
    beside a newcomer; the streamer, on A, puts the sun hat on screen. The cards each got on B."""
    sunscreen = next(p for p in demo_catalog.products if "防晒霜" in p.title)
    hat = next(p for p in demo_catalog.products if "防晒" in p.title and p.id != sunscreen.id and p.in_stock)
    fan_id = _personalized("fan")
    fan = await _viewer(a.url, fan_id, clients, [])
    assert (await fan.call("comment", {"text": f"{sunscreen.link}号链接多少钱"}))["kind"] == "answer"
    await fan.disconnect()
    async with aiohttp.ClientSession() as http:
        if forget:  # a privacy request on A (the operator's token is the streamer's here)
            r = await http.delete(f"{a.url}/api/viewers/{fan_id}", headers=AUTH)
            assert r.status == 200 and (await r.json())["profiles"] == 1
            await asyncio.sleep(0.3)

        fan_cards: list[dict] = []
        newcomer_cards: list[dict] = []
        await _viewer(b.url, fan_id, clients, [], fan_cards)
        newcomer = await _viewer(b.url, _personalized("new"), clients, [], newcomer_cards)
        screens: list[dict] = []
        newcomer.on("on_screen", screens.append)
        r = await http.post(
            f"{a.url}/api/rooms/demo-room/on_screen", json={"product_id": hat.id}, headers=AUTH
        )
        assert r.status == 200
    await _until(lambda: screens)
    await asyncio.sleep(0.3)  # B pushes its cards as it learns of the change
    return fan_cards, newcomer_cards, hat.id


async def test_a_viewer_keeps_their_profile_on_another_process(start_cluster, demo_catalog) -> None:
    _, a, b, clients = await start_cluster()
    fan_cards, newcomer_cards, hat_id = await _fan_moves_to_b(a, b, clients, demo_catalog)
    # B pushes to the viewer whose question on A it knows, not to everyone
    assert [(c["product_id"], c["reason"]) for c in fan_cards] == [(hat_id, "正在讲解")]
    assert newcomer_cards == []


async def test_a_viewer_forgotten_on_one_process_is_forgotten_on_the_other(
    start_cluster, demo_catalog
) -> None:
    _, a, b, clients = await start_cluster(auth={"operator_token_env": "COHOST_STREAMER_TOKEN"})
    fan_cards, newcomer_cards, _ = await _fan_moves_to_b(a, b, clients, demo_catalog, forget=True)
    assert fan_cards == newcomer_cards == []  # B dropped the profile too: the fan is a newcomer there


async def test_a_forget_request_on_one_process_clears_the_other_process_log(start_cluster) -> None:
    _, a, b, clients = await start_cluster(auth={"operator_token_env": "COHOST_STREAMER_TOKEN"})
    private = await _viewer(b.url, "private-fan", clients, [])
    assert (await private.call("comment", {"text": "1号链接多少钱"}))["kind"] == "answer"
    await private.disconnect()
    on_b = sqlite_utils.Database(b.db)

    def rows() -> int:
        return on_b["comments"].count_where("viewer_id = ?", ["private-fan"]) + on_b[
            "viewer_events"
        ].count_where("viewer_id = ?", ["private-fan"])

    await _until(lambda: rows() >= 3)  # the comment, the join and the leave, written by B
    async with aiohttp.ClientSession() as http:  # the request reaches A, which never saw the viewer
        r = await http.delete(f"{a.url}/api/viewers/private-fan", headers=AUTH)
        assert r.status == 200
    await _until(lambda: rows() == 0)


async def test_a_price_changed_while_redis_is_down_reaches_the_other_process(cluster, demo_catalog) -> None:
    redis, a, b, clients = cluster
    on_b: list[dict] = []
    vb = await _viewer(b.url, "viewer-b", clients, on_b)
    product = demo_catalog.by_link(3)
    stop_redis(redis)
    # the streamer's change is taken at once (a 3 s limit: the Redis client would retry for longer)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as http:
        r = await http.patch(
            f"{a.url}/api/rooms/demo-room/products/{product.id}",
            json={"price": 6.5, "confirm": True},
            headers=AUTH,
        )
        assert r.status == 200
    restarted = start_redis(redis.port)  # back, empty: A sends the change it could not share
    try:
        await _ask_price_until(vb, on_b, "6.5", timeout=40)
    finally:
        stop_redis(restarted)


async def test_comments_are_answered_while_redis_is_down(cluster) -> None:
    redis, a, b, clients = cluster
    on_a: list[dict] = []
    on_b: list[dict] = []
    va = await _viewer(a.url, "viewer-a", clients, on_a)
    vb = await _viewer(b.url, "viewer-b", clients, on_b)
    stop_redis(redis)

    # limits fail open and shared changes wait in the background: nobody is refused or kept waiting
    for viewer, replies, text in ((va, on_a, QUESTION), (vb, on_b, "1号链接多少钱")):
        for _ in range(2):
            assert (await viewer.call("comment", {"text": text}, timeout=2))["kind"] == "answer"
        await _until(lambda r=replies: r, timeout=5)
    ack = await va.call("comment", {"text": "3号链接可以免费刻字吗"}, timeout=2)
    assert ack["kind"] == "escalate"
    for served in (a, b):  # the outage is in the log once, not once per message
        assert served.log.read_text().count("Cannot publish to redis") == 1, served.log.read_text()


async def test_comments_are_answered_and_logged_while_redis_hangs(cluster) -> None:
    """A Redis host that stops answering (frozen, or cut off by the network) rather than refusing."""
    redis, a, b, clients = cluster
    on_a: list[dict] = []
    on_b: list[dict] = []
    va = await _viewer(a.url, "viewer-a", clients, on_a)
    await _viewer(b.url, "viewer-b", clients, on_b)
    redis.proc.send_signal(signal.SIGSTOP)
    try:
        for text in (QUESTION, "1号链接多少钱"):
            ack = await va.call("comment", {"text": text}, timeout=3)
            assert ack["kind"] == "answer"
        await _until(lambda: len(on_a) == 2, timeout=5)
        log = sqlite_utils.Database(a.db)
        await _until(lambda: log["replies"].count == 2, timeout=5)
    finally:
        redis.proc.send_signal(signal.SIGCONT)
    # Redis answers again: the processes share replies again
    ack = await va.call("comment", {"text": "2号链接多少钱"}, timeout=3)
    await _until(lambda: any(r["reply_id"] == ack["reply_id"] for r in on_b), timeout=10)


async def test_a_closed_rooms_correction_is_the_guess_of_the_queue_redis_holds(
    tmp_path: Path, demo_catalog
) -> None:
    # before: the process reopening the room took Redis's queue, which still had the bot's guess: the
    # operator's answer, written while the room was closed, reached the shelf but not the question
    wrong, right = "6号链接洗了会掉色吗", "不会掉色，冷水手洗放心穿。"
    room_b = tmp_path / "room-b.yaml"
    room_b.write_text(yaml.safe_dump(second_room(demo_catalog).model_dump(mode="json"), allow_unicode=True))
    redis = start_redis()
    config = {"redis": {"url": redis.url}, "auth": {"operator_token_env": "COHOST_STREAMER_TOKEN"}}
    started: list[Served] = []
    clients: list[socketio.AsyncClient] = []

    async def start(**more) -> Served:
        served = serve(tmp_path, "a", **config, **more)  # the same log file each time
        started.append(served)
        await wait_healthy(served)
        return served

    try:
        show = await start()
        viewer = await _viewer(show.url, "v1", clients, [])
        asked = await viewer.call("comment", {"text": wrong})
        assert asked["kind"] == "escalate"
        await viewer.disconnect()
        await _stop(show)  # a graceful stop writes the log

        closed = await start(rooms={"catalogs": [str(room_b)]})  # demo-room closed, Redis keeps its queue
        async with aiohttp.ClientSession(headers=AUTH) as http:
            body = {"comment_id": asked["comment_id"], "answer": right}
            async with http.post(f"{closed.url}/api/ops/corrections", json=body) as r:
                assert r.status == 200, await r.text()
                fixed = await r.json()
        assert fixed["open"] is False
        await _stop(closed)

        reopened = await start()
        streamer = socketio.AsyncClient(reconnection=False)
        clients.append(streamer)
        await streamer.connect(reopened.url, transports=["websocket"])
        joined = await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN})
        [item] = joined["queue"]
        assert item["comment_id"] == asked["comment_id"] and right in item["guess"]
        assert item["reason"] == "an operator wrote the answer"
    finally:
        for c in clients:
            if c.connected:
                await c.disconnect()
        for served in started:
            if served.proc.poll() is None:
                await _stop(served)
        stop_redis(redis)
