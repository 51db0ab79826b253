"""Property-based fuzzing of every event payload against a real server: never a crash, always a
well-formed ack with a documented code, and the room keeps answering.

Hypothesis drives plain (sync) test functions, so the server and its clients run on an event loop
in a background thread and each example is submitted to it.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import create_app
from bot.config import Settings
from tests.conftest import TOKEN

DOC = (Path(__file__).resolve().parent.parent / "docs" / "events.md").read_text(encoding="utf-8")
DOCUMENTED_CODES = set(re.findall(r"^\| `([a-z_]+)` \| ", DOC, flags=re.M))
EVENTS = [
    "join_room",
    "comment",
    "card_click",
    "add_to_cart",
    "purchase",
    "like",
    "leave_room",
    "streamer_join",
    "queue_list",
    "queue_answer",
    "queue_dismiss",
    "made_up_event",
]
KEYS = [
    "room_id",
    "viewer_id",
    "name",
    "text",
    "card_id",
    "product_id",
    "qty",
    "token",
    "escalation_id",
    "use_guess",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True),
    st.text(max_size=200),
    st.binary(max_size=200),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=8,
)
payloads = st.one_of(values, st.dictionaries(st.sampled_from(KEYS), values, max_size=5))

Run = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture(scope="module")
def server(encoder, demo_catalog, tmp_path_factory) -> Iterator[tuple[Run, dict[str, socketio.AsyncClient]]]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)

    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    cfg = Settings.model_validate(
        {
            "storage": {"db_path": str(db), "flush_interval_s": 0.05},
            "limits": {"comments_per_10s": 1000},
            "hygiene": {"flood_repeats": 100},
        }
    )
    app = create_app(cfg, [demo_catalog], encoder, token=TOKEN)
    srv = run(_start(app))
    url = f"http://127.0.0.1:{srv.port}"
    clients = {
        name: run(_client(url, joined_as))
        for name, joined_as in (("joined", "fuzzed"), ("fresh", None), ("bystander", "bystander"))
    }
    yield run, clients
    for c in clients.values():
        run(c.disconnect())
    run(srv.close())
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()


async def _start(app) -> TestServer:
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    return srv


async def _client(url: str, viewer_id: str | None) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, transports=["websocket"])
    if viewer_id:
        ack = await client.call("join_room", {"room_id": "demo-room", "viewer_id": viewer_id})
        assert ack["ok"]
    return client


SEEN: set[str] = set()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(event=st.sampled_from(EVENTS), payload=payloads, joined=st.booleans())
def test_arbitrary_payloads_get_a_documented_answer(server, event: str, payload: Any, joined: bool) -> None:
    run, clients = server
    client = clients["joined" if joined else "fresh"]
    ack = run(client.call(event, payload, timeout=20))
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if not ack["ok"]:
        code = ack["error"]["code"]
        assert code in DOCUMENTED_CODES and code != "internal_error", ack
        assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
        SEEN.add(code)
    if joined and event in ("join_room", "leave_room"):  # keep the joined viewer in the room
        run(client.call("join_room", {"room_id": "demo-room", "viewer_id": "fuzzed"}))


def test_room_still_answers_after_the_fuzzing(server) -> None:
    run, clients = server
    assert {"bad_payload", "unknown_event", "not_in_room"} <= SEEN
    ack = run(clients["bystander"].call("comment", {"text": "1号链接多少钱"}))
    assert ack["ok"] and ack["kind"] == "answer"
