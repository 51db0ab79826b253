"""What a client sends over the socket cannot fake a leave, outrun the limits or fill the error log
(issue 12): reserved event names, malformed packets, many connections as one viewer, viewer sessions."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import sqlite_utils

from bot.app import LOG
from tests.rawsocket import RawSocket


async def _viewers(url: str, room_id: str = "demo-room") -> int:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/api/rooms") as r:
        return next(x["viewers"] for x in (await r.json())["rooms"] if x["room_id"] == room_id)


async def test_a_client_cannot_trigger_disconnect_or_connect(live_server) -> None:
    # before: a client emitting `disconnect` ran the disconnect handler while staying connected: the
    # room's viewer count fell, a leave row was logged and its rate limit was reset
    live = await live_server(limits={"comments_per_10s": 3})
    for i in range(5):
        await live.viewer("demo-room", f"fan{i}")
    raw = await RawSocket.open(live.url)
    try:
        assert (await raw.call("join_room", {"room_id": "demo-room", "viewer_id": "mallory"}))["ok"]
        assert await _viewers(live.url) == 6
        for i in range(3):
            assert (await raw.call("comment", {"text": f"主播好 {i}"}))["ok"]
        assert (await raw.call("comment", {"text": "主播好 3"}))["error"]["code"] == "rate_limited"
        for event in ("disconnect", "disconnect", "connect", "connect_error", "disconnecting"):
            ack = await raw.call(event, {"text": "x"})
            assert ack["ok"] is False and ack["error"]["code"] == "reserved_event", ack
        assert (await raw.call("disconnect"))["error"]["code"] == "reserved_event"
        assert await _viewers(live.url) == 6
        assert (await raw.call("comment", {"text": "主播好 4"}))["error"]["code"] == "rate_limited"
        assert (await raw.call("like"))["ok"]  # still connected, still in the room
    finally:
        await raw.close()
    await asyncio.sleep(0.2)
    assert await asyncio.to_thread(live.app[LOG].flush)
    leaves = list(
        sqlite_utils.Database(live.db_path).query(
            "select viewer_id, detail from viewer_events where event = 'leave'"
        )
    )
    assert leaves == [{"viewer_id": "mallory", "detail": "disconnect"}]  # the real one, once
    assert await _viewers(live.url) == 5


MALFORMED = [
    "42",  # an event packet without data
    "42[]",  # without an event name
    "42[7]",  # a number for a name
    '42[{"a": 1}]',  # an object for a name
    "42[null]",
    '42["comment"',  # JSON cut short
    "42not json",
    "421x",
    "44{}",  # CONNECT_ERROR, which only a server sends
    "49",  # no such packet type
    '451-["comment",{"_placeholder":true,"num":7}]',  # a binary event whose attachment never comes
    "4",
    b"\xff\x00 a binary frame out of the blue",
    "43999[]",  # an ack for nothing
]


async def test_malformed_packets_are_dropped_and_counted_without_a_traceback_each(
    live_server, caplog
) -> None:
    # before: each malformed packet wrote a traceback (engineio's "message async handler error")
    live = await live_server()
    bystander = await live.viewer("demo-room", "bystander")
    caplog.set_level(logging.WARNING)
    for _ in range(3):
        raw = await RawSocket.open(live.url)
        assert (await raw.call("join_room", {"room_id": "demo-room", "viewer_id": "fuzz"}))["ok"]
        for frame in MALFORMED:
            if raw.open_:
                await raw.frame(frame)
        await asyncio.sleep(0.2)
        await raw.close()
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert tracebacks == [], [r.getMessage() for r in tracebacks]
    warnings = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(warnings) == 1
    async with aiohttp.ClientSession() as http, http.get(f"{live.url}/healthz") as r:
        health = await r.json()
    assert r.status == 200 and health["malformed_packets"] >= 3 * 8, health
    ack = await bystander.call("comment", {"text": "1号链接多少钱"})
    assert ack["ok"] and ack["kind"] == "answer"
