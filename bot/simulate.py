"""A scripted show: simulated viewers replayed against a real server over Socket.IO.

Each viewer arrives at a random time, watches for a log-normal while, comments (product questions
and chatter), likes, and reacts to the product cards it is pushed (click, add to cart, order), then
leaves. An engagement level per viewer makes some talk and buy much more than others. With a streamer
token the show also puts products on screen in turn. Everything is drawn from one seed; `speed`
compresses show time (speed 60: a show minute takes one real second). The server stamps the log
with real time, so a compressed show is logged compressed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

logger = logging.getLogger(__name__)

QUESTIONS = [
    "3号链接多少钱",
    "1号链接多少钱",
    "2号链接还有货吗",
    "有XL吗",
    "这个是纯棉的吗",
    "这个多少钱",
    "6号链接有什么颜色",
    "洗了会缩水吗",
    "几天发货",
    "2号包是真皮的吗",
    "4号链接能便宜点吗",
    "11号裤子夏天穿热不热",
    "5号链接保质期多久",
    "do you ship abroad?",
    "how much is link 3?",
    "3号链接可以开发票吗",
]
CHATTER = [
    "主播好",
    "来了来了",
    "哈哈哈",
    "好看",
    "666",
    "支持主播",
    "刚下班",
    "晚上好",
    "主播声音好好听",
    "冲冲冲",
]
NAMES = ["小鱼", "阿杰", "Lily", "糖糖", "大海", "momo", "橙子", "阿May", "小白", "Kevin", "豆豆", "七七"]


@dataclass
class ShowTally:
    """What the simulated viewers did, counted from the server's acks."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def ack(self, event: str, ack: Any) -> bool:
        if isinstance(ack, dict) and ack.get("ok"):
            self.counts[event] += 1
            return True
        code = ack.get("error", {}).get("code", "?") if isinstance(ack, dict) else "no_ack"
        self.errors[f"{event}:{code}"] += 1
        return False


class SimViewer:
    """One simulated viewer with its own random stream."""

    def __init__(self, show: Show, index: int) -> None:
        self.show = show
        self.rng = random.Random(f"{show.seed}-{index}")
        self.viewer_id = f"sim{show.seed}-{index:04d}"
        self.name = self.rng.choice(NAMES)
        self.engagement = self.rng.lognormvariate(0.0, 0.9)
        self.client = socketio.AsyncClient(reconnection=False)
        self.on_screen: str | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.client.on("product_card", self._card)
        self.client.on("on_screen", self._on_screen)

    async def _on_screen(self, data: dict[str, Any]) -> None:
        # a viewer buys what is on screen only while it is in stock (the page disables the button)
        product = data.get("product") or {}
        self.on_screen = data.get("product_id") if product.get("in_stock", True) else None

    async def _card(self, card: dict[str, Any]) -> None:
        task = asyncio.create_task(self._react(card))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _react(self, card: dict[str, Any]) -> None:
        """A card may be clicked, then put in the cart, then ordered, each less likely than the last."""
        show, rng = self.show, self.rng
        await asyncio.sleep(rng.uniform(2, 10) / show.speed)
        if not self.client.connected or rng.random() > min(0.85, 0.3 * self.engagement):
            return
        if not await show.call(self, "card_click", {"card_id": card["card_id"]}):
            return
        await asyncio.sleep(rng.uniform(3, 15) / show.speed)
        if not self.client.connected or rng.random() > 0.5:
            return
        ok = await show.call(
            self, "add_to_cart", {"product_id": card["product_id"], "card_id": card["card_id"]}
        )
        await asyncio.sleep(rng.uniform(3, 20) / show.speed)
        if ok and self.client.connected and rng.random() < 0.55:
            qty = 1 if rng.random() < 0.8 else 2
            await show.call(
                self, "purchase", {"product_id": card["product_id"], "card_id": card["card_id"], "qty": qty}
            )

    async def run(self, arrive_s: float, stay_s: float) -> None:
        show, rng = self.show, self.rng
        await asyncio.sleep(arrive_s / show.speed)
        await self.client.connect(show.url, transports=["websocket"], wait_timeout=10)
        try:
            joined = await self.client.call(
                "join_room",
                {"room_id": show.room_id, "viewer_id": self.viewer_id, "name": self.name},
                timeout=10,
            )
            if not show.tally.ack("join_room", joined):
                return
            self.on_screen = joined.get("on_screen")
            loop = asyncio.get_running_loop()
            leave_at = loop.time() + stay_s / show.speed
            last_comment = 0.0
            while True:
                # about one action per 45 show-seconds for an average viewer; at least 1.2 s real
                # between two comments of one viewer, so the per-viewer rate limit is not the story
                await asyncio.sleep(rng.expovariate(self.engagement / 45.0) / show.speed)
                if loop.time() >= leave_at or not self.client.connected:
                    break
                roll = rng.random()
                if roll < 0.45 and loop.time() - last_comment > 1.2:
                    last_comment = loop.time()
                    text = rng.choice(QUESTIONS) if rng.random() < 0.6 else rng.choice(CHATTER)
                    await show.call(self, "comment", {"text": text})
                elif roll < 0.75:
                    await show.call(self, "like", {})
                elif roll < 0.8 and self.on_screen and rng.random() < 0.3 * self.engagement:
                    await show.call(self, "purchase", {"product_id": self.on_screen})
            if self.tasks:
                await asyncio.wait(list(self.tasks), timeout=30 / show.speed + 5)
            await show.call(self, "leave_room", None)
        finally:
            await self.client.disconnect()


class Show:
    """The whole simulated show: viewers, and the streamer's on-screen rotation."""

    def __init__(self, url: str, room_id: str, seed: int, speed: float, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.room_id = room_id
        self.seed = seed
        self.speed = speed
        self.token = token
        self.tally = ShowTally()

    async def call(self, viewer: SimViewer, event: str, data: Any) -> bool:
        try:
            ack = await viewer.client.call(event, data, timeout=15)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError) as e:
            self.tally.errors[f"{event}:{type(e).__name__}"] += 1
            return False
        return self.tally.ack(event, ack)

    async def rotate_screen(self, minutes: float, products: list[str]) -> None:
        """Put each product on screen in turn, a few per show."""
        if not self.token or not products:
            return
        rng = random.Random(f"{self.seed}-screen")
        order = rng.sample(products, len(products))
        slot = minutes * 60 / max(3, min(8, len(order)))
        headers = {"Authorization": f"Bearer {self.token}"}
        async with aiohttp.ClientSession() as http:
            for pid in order[: max(3, min(8, len(order)))]:
                async with http.post(
                    f"{self.url}/api/rooms/{self.room_id}/on_screen",
                    json={"product_id": pid},
                    headers=headers,
                ) as r:
                    self.tally.counts["on_screen" if r.status == 200 else "on_screen_refused"] += 1
                await asyncio.sleep(slot / self.speed)


class SimulateError(RuntimeError):
    """A show that cannot run (no server, no such room, token refused); the message is one line."""


async def check_server(url: str, room_id: str, timeout_s: float = 5.0) -> None:
    """SimulateError unless a live-cohost server answers at `url` and has the room open."""
    if not url.startswith(("http://", "https://")):
        raise SimulateError(f"--url {url!r}: expected http(s)://HOST:PORT of a cohost server")
    try:
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(f"{url}/healthz") as r:
            health = await r.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError) as e:
        reason = getattr(e, "strerror", None) or type(e).__name__
        raise SimulateError(f"no server answers at {url} ({reason}); is `cohost serve` running?") from None
    except ValueError:
        raise SimulateError(f"{url} is not a live-cohost server (/healthz is not JSON)") from None
    rooms = health.get("rooms") if isinstance(health, dict) else None
    if not isinstance(rooms, list):
        raise SimulateError(f"{url} is not a live-cohost server (/healthz lists no rooms)")
    if room_id not in rooms:
        raise SimulateError(f"{url} has no room {room_id!r} (rooms: {', '.join(rooms) or 'none'})")


async def room_products(url: str, room_id: str, token: str | None) -> list[str]:
    """The shelf's product ids, read from the streamer's console state when a token is given."""
    if not token:
        return []
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, transports=["websocket"], wait_timeout=10)
    try:
        ack = await client.call("streamer_join", {"room_id": room_id, "token": token}, timeout=10)
        if not ack.get("ok"):
            error = ack.get("error") or {}
            raise SimulateError(f"--token refused by the server for room {room_id}: {error.get('message')}")
        state = await client.call("console_state", None, timeout=10)
        return [p["product_id"] for p in state.get("products", [])]
    finally:
        await client.disconnect()


async def simulate_show(
    url: str,
    room_id: str,
    viewers: int = 50,
    seed: int = 0,
    minutes: float = 10.0,
    speed: float = 1.0,
    token: str | None = None,
) -> dict[str, Any]:
    """Run one show of `minutes` show-time with `viewers` viewers; returns what was done (from acks)."""
    await check_server(url.rstrip("/"), room_id)
    show = Show(url, room_id, seed, speed, token)
    # before any viewer's coroutine is made: a refused --token ends the run with none left never awaited
    products = await room_products(url, room_id, token)
    rng = random.Random(seed)
    length_s = minutes * 60
    plans = []
    for i in range(viewers):
        arrive = rng.uniform(0, 0.7 * length_s)
        stay = min(rng.lognormvariate(5.0, 0.9), length_s - arrive)  # median ~2.5 show-minutes
        plans.append(SimViewer(show, i).run(arrive, max(stay, 5.0)))
    results = await asyncio.gather(show.rotate_screen(minutes, products), *plans, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    for failure in failures:
        logger.warning("a simulated viewer failed: %r", failure)
    return {
        "room_id": room_id,
        "viewers": viewers,
        "seed": seed,
        "minutes": minutes,
        "speed": speed,
        "done": dict(show.tally.counts),
        "refused": dict(show.tally.errors),
        "failed_viewers": len(failures),
    }
