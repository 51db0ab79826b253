"""A standing attack suite: hypothesis draws hostile payloads, event names and raw packets against one
real `cohost serve` (hash encoder, 127.0.0.1). After each example an ordinary viewer must still be
answered; after each test every comment the server acknowledged as logged must be in SQLite."""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.processes import Served, serve, wait_healthy
from tests.rawsocket import RawSocket

RESERVED = ["connect", "disconnect", "connect_error", "disconnecting", "newListener", "removeListener"]
EXAMPLES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.one_of(surrogates, st.characters(codec="utf-8")), max_size=40),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=10), surrogates, st.text(max_size=10)),
    st.sampled_from(["1号链接多少钱", "有货吗\ud800", "\udfff", "x" * 600]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
comment_payloads = st.one_of(
    values,
    st.fixed_dictionaries({"text": values}),
    st.fixed_dictionaries({"text": hostile_text}),
    st.builds(lambda d: {"text": "深" + "[" * d}, st.integers(1, 50)),
)
raw_frames = st.one_of(
    st.builds(lambda t: "4" + t, st.text(max_size=60)),
    st.builds(lambda t: "42" + t, st.text(max_size=60)),
    st.builds(lambda n: "42" + "[" * n + "]" * n, st.integers(1, 3000)),
    st.builds(lambda t: f"451-{json.dumps(['comment', t])}", st.text(max_size=20)),
    st.sampled_from(["42", "42[]", "42[7]", '42[{"a":1}]', "44{}", "49", "43999[]", "4", "40/nope,"]),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = serve(
        tmp_path_factory.mktemp("attack"),
        "attack",
        encoder={"model": "hash"},
        storage={"flush_interval_s": 0.05},
        limits={"comments_per_10s": 1000, "comments_per_10s_per_address": 100_000},
        hygiene={"flood_repeats": 100},
    )
    asyncio.run(wait_healthy(served))
    yield served
    served.kill()


_ids = itertools.count()


def _fresh(prefix: str) -> str:
    """A viewer id no connection holds (a closed one may still be leaving when the next example runs)."""
    return f"{prefix}{next(_ids)}"


class Ledger:
    """Comments the server acknowledged as logged: `ok`, or refused by the rate limit (logged too)."""

    logged = 0

    @classmethod
    def count(cls, ack: Any) -> None:
        if isinstance(ack, dict) and (
            ack.get("ok") or (ack.get("error") or {}).get("code") == "rate_limited"
        ):
            cls.logged += 1


async def _ordinary_viewer_is_answered(url: str) -> None:
    raw = await RawSocket.open(url)
    try:
        assert (await raw.call("join_room", {"room_id": "demo-room", "viewer_id": _fresh("ordinary")}))["ok"]
        ack = await raw.call("comment", {"text": "1号链接多少钱"})
        Ledger.count(ack)
        assert ack["ok"] and ack["kind"] == "answer", ack
    finally:
        await raw.close()


def _every_acked_comment_is_in_sqlite(served: Served) -> None:
    async def drained() -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                async with http.get(f"{served.url}/healthz") as r:
                    health = await r.json()
                if health["log_pending"] == 0:
                    assert r.status == 200 and health["log_failed"] == 0, health
                    return
                await asyncio.sleep(0.05)
        raise AssertionError("the log never caught up")

    asyncio.run(drained())
    rows = sqlite3.connect(served.db).execute("select count(*) from comments").fetchone()[0]
    assert rows == Ledger.logged


def _send_json(event: str, data: Any) -> str:
    # allow_nan: NaN and Infinity go out as a careless client would send them
    return json.dumps([event, data], allow_nan=True)


@EXAMPLES
@given(payload=comment_payloads)
def test_no_comment_payload_silences_the_room_or_the_log(server: Served, payload: Any) -> None:
    async def attack() -> None:
        raw = await RawSocket.open(server.url)
        try:
            assert (await raw.call("join_room", {"room_id": "demo-room", "viewer_id": _fresh("mallory")}))[
                "ok"
            ]
            await raw.frame("421" + _send_json("comment", payload))
            text = await raw.ack(1)
            Ledger.count(text)
            assert isinstance(text, dict) and "ok" in text
        finally:
            await raw.close()
        await _ordinary_viewer_is_answered(server.url)

    asyncio.run(attack())


@EXAMPLES
@given(event=st.one_of(st.sampled_from(RESERVED), st.text(max_size=30)), data=values)
def test_no_event_name_fakes_a_leave(server: Served, event: str, data: Any) -> None:
    async def attack() -> None:
        raw = await RawSocket.open(server.url)
        try:
            assert (await raw.call("join_room", {"room_id": "demo-room", "viewer_id": _fresh("mallory")}))[
                "ok"
            ]
            before = await _viewers(server.url)
            await raw.frame("427" + _send_json(event, data))
            ack = await raw.ack(7)
            if event in RESERVED:
                assert ack["ok"] is False and ack["error"]["code"] == "reserved_event", ack
            if event != "leave_room" and event != "join_room":
                assert await _viewers(server.url) == before  # no fake leave
            if event == "comment":
                Ledger.count(ack)
        finally:
            await raw.close()
        await _ordinary_viewer_is_answered(server.url)

    asyncio.run(attack())


@EXAMPLES
@given(frames=st.lists(raw_frames, min_size=1, max_size=5))
def test_no_raw_packet_takes_the_server_down(server: Served, frames: list[str]) -> None:
    async def attack() -> None:
        raw = await RawSocket.open(server.url)
        try:
            for frame in frames:
                if not raw.open_:
                    break
                await raw.frame(frame)
            await asyncio.sleep(0.02)
        finally:
            await raw.close()
        await _ordinary_viewer_is_answered(server.url)

    asyncio.run(attack())


def test_every_acked_comment_reached_sqlite(server: Served) -> None:
    """Runs last in this module: everything the attacks got acknowledged is in the log."""
    assert Ledger.logged > 0
    _every_acked_comment_is_in_sqlite(server)
    log = Path(server.log).read_text()
    assert "Traceback" not in log, log[-3000:]


async def _viewers(url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/api/rooms") as r:
        return next(x["viewers"] for x in (await r.json())["rooms"] if x["room_id"] == "demo-room")
