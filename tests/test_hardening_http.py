"""Issue 12, the HTTP side: what an attacker can send over HTTP does not grow the database, hold
sockets, crash a route, drop the live shelf, leak a token or expand YAML; pages run under a CSP.

Every test here failed on the code before the change (see the commit messages).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
import yaml
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import refusals
from bot.app import LOG, OPERATOR, REGISTRY, create_app
from bot.config import BUNDLED_CATALOG, Settings
from domain.catalog import CatalogError, load_catalog
from tests.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
HERE = Path(__file__).parent


async def flushed(live: Any) -> None:
    assert await asyncio.to_thread(live.app[LOG].flush, 10)


async def count_rows(live: Any, sql: str) -> int:
    return (await asyncio.to_thread(live.app[LOG].query, sql))[0]["n"]


def refused_total(metrics: str) -> int:
    return sum(int(n) for n in re.findall(r"^cohost_refused_requests_total\{[^}]*\} (\d+)$", metrics, re.M))


# -- 1. refused requests are counted, not logged row by row -----------------------------------------
async def test_a_thousand_refused_requests_add_no_rows_and_show_in_metrics(live_server, caplog) -> None:
    live = await live_server()
    caplog.set_level(logging.INFO)
    await flushed(live)
    before = await count_rows(live, "select count(*) as n from room_events")
    long_room = "r" * 2000
    requests = (
        [("PATCH", f"/api/rooms/{long_room}/products/d01", {"Authorization": "Bearer wrong"})] * 250
        + [("GET", f"/console/{long_room}?token=wrong", {})] * 250
        + [("GET", "/ops", {"Authorization": "Bearer wrong"})] * 250
        + [("GET", "/api/ops/qa", {})] * 250
    )
    async with aiohttp.ClientSession() as http:

        async def send(method: str, path: str, headers: dict[str, str]) -> int:
            async with http.request(method, live.url + path, headers=headers, json={"price": 1}) as r:
                return r.status

        statuses: list[int] = []
        for i in range(0, len(requests), 50):
            statuses += await asyncio.gather(*(send(*req) for req in requests[i : i + 50]))
        assert set(statuses) == {401}
        async with http.get(f"{live.url}/metrics") as r:
            assert r.status == 200
            metrics = await r.text()
    assert refused_total(metrics) == 1000, metrics
    assert 'kind="streamer_api"} 250' in metrics and 'kind="operator_api"} 250' in metrics
    await flushed(live)
    assert await count_rows(live, "select count(*) as n from room_events") == before
    # one warning line sums them up (the next comes after server.refused_log_interval_s)
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING and "refused" in r.getMessage()]
    assert len(warned) <= 1, [r.getMessage()[:120] for r in warned[:5]]


# -- 2. a connection that never finishes its request head is closed ---------------------------------
async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1024), seconds) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


async def test_slowloris_sockets_are_closed_and_others_keep_working(live_server) -> None:
    live = await live_server(server={"header_timeout_s": 1})
    port = int(live.url.rsplit(":", 1)[1])
    viewer = await live.viewer("demo-room", "patient")
    silent = [await asyncio.open_connection("127.0.0.1", port) for _ in range(20)]
    for _, writer in silent:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and then nothing
        await writer.drain()
    reader, trickler = await asyncio.open_connection("127.0.0.1", port)

    async def trickle() -> None:  # one header byte every 0.2 s: data arriving does not reset the clock
        for byte in b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200:
            if trickler.is_closing():
                return
            trickler.write(bytes([byte]))
            await asyncio.sleep(0.2)

    dripping = asyncio.create_task(trickle())
    try:
        async with aiohttp.ClientSession() as http:  # while they hang, ordinary requests are answered
            async with http.get(f"{live.url}/healthz") as r:
                assert r.status == 200 and (await r.json())["ok"]
        # closed within the timeout plus a generous margin (the trickle alone would take 50 s)
        assert await _closed_within(reader, 10)
        for silent_reader, _ in silent:
            assert await _closed_within(silent_reader, 10)
        # a Socket.IO viewer idle for longer than the header timeout is not a slow request: still served
        ack = await viewer.call("comment", {"text": "1号链接多少钱"})
        assert ack["ok"] and ack["kind"] == "answer"
    finally:
        dripping.cancel()
        for _, writer in [*silent, (reader, trickler)]:
            writer.close()
            await writer.wait_closed()


async def test_malformed_requests_are_one_warning_line_not_a_traceback(
    live_server, caplog, monkeypatch
) -> None:
    # a non-ASCII byte in the path was logged at ERROR with the parser's traceback, each time
    monkeypatch.setattr(refusals._MALFORMED, "_summary", refusals.Throttled(60.0))  # none logged yet
    live = await live_server()
    port = int(live.url.rsplit(":", 1)[1])
    with caplog.at_level(logging.DEBUG, logger="aiohttp.server"):
        for _ in range(5):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /room/demo\xe4\xb8\xad HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            await writer.drain()
            assert (await reader.read(64)).startswith(b"HTTP/1.0 400")
            writer.close()
            await writer.wait_closed()
    server = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert not [r for r in server if r.levelno >= logging.ERROR or r.exc_info]
    assert [r.getMessage() for r in server] == [
        "malformed HTTP requests answered 400: 1 since the last such line (last: Invalid char in url path:)"
    ]
    async with aiohttp.ClientSession() as http:  # and the server still serves
        async with http.get(f"{live.url}/healthz") as r:
            assert r.status == 200


async def test_a_long_polling_viewer_outlives_the_header_timeout(live_server) -> None:
    # pings every 3 s: each pong is a POST on a connection idle for longer than the header timeout,
    # which the client finds closed and reopens (an idle connection closed is ordinary HTTP)
    live = await live_server(server={"header_timeout_s": 1, "ping_interval_s": 3, "ping_timeout_s": 3})
    # the client lets idle connections go before the server's header timeout closes them, as
    # aiohttp's clients do with the defaults (15 s idle against 20 s): otherwise a request sent on a
    # connection at the very moment the server closes it is lost, a race of any keep-alive server
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(keepalive_timeout=0.5))
    client = socketio.AsyncClient(reconnection=False, http_session=http)
    replies: list[dict[str, Any]] = []
    client.on("bot_reply", replies.append)
    await client.connect(live.url, transports=["polling"])  # a request held open, then the next one
    try:
        assert (await client.call("join_room", {"room_id": "demo-room", "viewer_id": "poller"}))["ok"]
        await asyncio.sleep(4)  # four header timeouts and a ping go by
        assert client.connected
        ack = await client.call("comment", {"text": "1号链接多少钱"}, timeout=10)
        assert ack["ok"] and ack["kind"] == "answer"
        for _ in range(250):
            if replies:
                break
            await asyncio.sleep(0.02)
        assert replies and client.connected
    finally:
        await client.disconnect()
        await http.close()


async def test_a_body_sent_a_byte_at_a_time_gets_408(live_server) -> None:
    live = await live_server(server={"body_timeout_s": 1})
    port = int(live.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        body = b'{"price": 12.5}'
        writer.write(
            b"PATCH /api/rooms/demo-room/products/d01 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[:3]
        )
        await writer.drain()
        # the rest never comes: the route answers 408 instead of waiting for it (margin: 10 s)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 408"), head
    finally:
        writer.close()
        await writer.wait_closed()
    assert live.app[REGISTRY].get("demo-room").catalog.product("d01").price != 12.5


# -- 3. bodies: NaN, Infinity, huge or deep numbers are 400, never a 500 ----------------------------
async def test_nan_infinity_and_out_of_range_numbers_are_refused(live_server, demo_catalog) -> None:
    live = await live_server()
    product = demo_catalog.by_link(1)
    url = f"{live.url}/api/rooms/demo-room/products/{product.id}"
    bodies = [
        b'{"price": NaN}',
        b'{"price": Infinity}',
        b'{"price": -Infinity}',
        b'{"original_price": NaN}',
        b'{"stock": ' + b"9" * 5000 + b"}",
        b'{"stock": ' + b"9" * 4000 + b"}",
        b'{"price": 1e400}',
        b'{"price": 10000000000}',
        b'{"price": -1}',
        b'{"price": null}',
        b'{"price": ""}',
        b'{"price": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"price": 1, "x": ' + b"[" * 40 + b"]" * 40 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
    ]
    async with aiohttp.ClientSession() as http:
        for body in bodies:
            async with http.patch(url, data=body, headers=AUTH) as r:
                assert r.status == 400, (body[:40], r.status, await r.text())
                assert (await r.json())["error"]["code"] == "bad_payload"
        async with http.patch(url, json={"price": 88.5}, headers=AUTH) as r:
            assert r.status == 200
    viewer = await live.viewer("demo-room", "v1")
    await viewer.call("comment", {"text": "1号链接多少钱"})
    [reply] = await viewer.wait_for("bot_reply")
    assert "88.5" in reply["text"] and "nan" not in reply["text"].lower() and "inf" not in reply["text"]


# -- 4. a stored shelf that cannot be read back is reported and kept aside --------------------------
async def _start(app: Any) -> TestServer:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def test_a_bad_stored_shelf_is_reported_kept_aside_and_later_changes_survive(
    encoder, demo_catalog, make_settings, caplog
) -> None:
    settings = make_settings()
    db = settings.storage.db_path
    first, second = demo_catalog.by_link(1), demo_catalog.by_link(2)

    # a show: the streamer changes two products, then the server stops
    app = create_app(settings, [demo_catalog], encoder, token=TOKEN)
    server = await _start(app)
    async with aiohttp.ClientSession() as http:
        for pid, change in ((first.id, {"price": 79}), (second.id, {"stock": 3})):
            async with http.patch(
                f"http://127.0.0.1:{server.port}/api/rooms/demo-room/products/{pid}",
                json=change,
                headers=AUTH,
            ) as r:
                assert r.status == 200
    await server.close()

    # the stored shelf holds what an older release let through: NaN (Python's json writes it)
    with sqlite3.connect(db) as conn:
        [(stored,)] = conn.execute("select catalog from shelves where room_id = 'demo-room'").fetchall()
        shelf = json.loads(stored)
        next(p for p in shelf["products"] if p["id"] == first.id)["price"] = math.nan
        bad = json.dumps(shelf, ensure_ascii=False)
        conn.execute("update shelves set catalog = ? where room_id = 'demo-room'", (bad,))

    caplog.set_level(logging.INFO)
    app = create_app(settings, [demo_catalog], encoder, token=TOKEN)
    server = await _start(app)
    base = f"http://127.0.0.1:{server.port}"
    room = app[REGISTRY].get("demo-room")
    assert room.catalog.product(first.id).price == first.price  # opened on the catalog file
    assert any(r.levelno >= logging.ERROR and "demo-room" in r.getMessage() for r in caplog.records)
    assert await asyncio.to_thread(app[LOG].flush, 10)
    events = await asyncio.to_thread(
        app[LOG].query, "select detail from room_events where event = 'shelf_rejected'"
    )
    assert len(events) == 1
    kept_as = json.loads(events[0]["detail"])["kept_as"]
    aside = await asyncio.to_thread(
        app[LOG].query, "select catalog from shelves where room_id = :r", {"r": kept_as}
    )
    assert aside and aside[0]["catalog"] == bad  # the bad shelf is still in the database, as it was
    async with aiohttp.ClientSession() as http:  # a live change after the restart
        async with http.patch(
            f"{base}/api/rooms/demo-room/products/{first.id}", json={"price": 66}, headers=AUTH
        ) as r:
            assert r.status == 200
    await server.close()

    # the next restart opens on it, and reports nothing
    app = create_app(settings, [demo_catalog], encoder, token=TOKEN)
    server = await _start(app)
    try:
        assert app[REGISTRY].get("demo-room").catalog.product(first.id).price == 66
        assert await asyncio.to_thread(app[LOG].flush, 10)
        events = await asyncio.to_thread(
            app[LOG].query, "select count(*) as n from room_events where event = 'shelf_rejected'"
        )
        assert events[0]["n"] == 1
    finally:
        await server.close()


# -- 5. operator API by header only; no token in the access log; pages with no-store and a CSP -------
async def test_operator_api_refuses_a_token_in_the_url(live_server) -> None:
    live = await live_server()
    operator = live.app[OPERATOR]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{live.url}/api/ops/rooms?token={operator}") as r:
            assert r.status == 401
        async with http.get(
            f"{live.url}/api/ops/rooms", headers={"Authorization": f"Bearer {operator}"}
        ) as r:
            assert r.status == 200 and r.headers["Cache-Control"] == "no-store"


async def test_tokens_in_the_url_never_reach_the_access_log(live_server, caplog) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    live = await live_server()
    operator = live.app[OPERATOR]
    async with aiohttp.ClientSession() as http:
        for path in (f"/console/demo-room?token={TOKEN}", f"/ops?x=1&token={operator}", "/ops?token=guess"):
            async with http.get(live.url + path, allow_redirects=False) as r:
                assert r.status in (303, 401)
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) >= 3
    assert not any(TOKEN in line or operator in line or "guess" in line for line in lines), lines
    assert sum("token=[redacted]" in line for line in lines) >= 3


PAGES = ("/", "/room/demo-room", "/console/demo-room", "/ops", "/ops/rooms/demo-room", "/ops?token=wrong")


async def test_every_page_is_no_store_with_a_content_security_policy(live_server) -> None:
    live = await live_server()
    operator = live.app[OPERATOR]
    async with aiohttp.ClientSession() as http:
        for path in PAGES:
            token = TOKEN if path.startswith("/console") else operator
            for headers in ({"Authorization": f"Bearer {token}"}, {}):  # the page, and the sign-in page
                async with http.get(live.url + path, headers=headers, allow_redirects=False) as r:
                    assert r.content_type == "text/html", path
                    assert r.headers.get("Cache-Control") == "no-store", (path, r.status)
                    csp = r.headers.get("Content-Security-Policy", "")
                    assert "default-src 'self'" in csp and "script-src 'self';" in csp, (path, csp)
                    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
                    assert "<script>" not in await r.text()  # no inline script anywhere


async def test_pages_work_in_the_browser_without_a_csp_violation(live_server, browser) -> None:
    from playwright.async_api import expect

    live = await live_server()
    context = await browser.new_context(locale="zh-CN")
    await context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = await context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))

    async def violations() -> list[str]:
        return await page.evaluate("window.__csp")

    await page.goto(f"{live.url}/room/demo-room?viewer=csp-viewer&name=Csp")
    await expect(page.locator("body[data-joined]")).to_have_count(1)  # Socket.IO over ws: connect-src
    await page.fill("#comment", "1号链接多少钱")
    await page.click("#say button[type=submit]")
    await expect(page.locator("#chat .msg.bot")).to_have_count(1, timeout=15000)
    assert await violations() == []
    # the policy is in force: a script written into the page (what an XSS would do) does not run
    await page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.append(s); }"
    )
    assert await page.evaluate("window.__ran") is None
    assert [v for v in await violations() if v.startswith("script-src")] != []
    await page.evaluate("window.__csp = []")
    console.clear()

    await page.goto(f"{live.url}/console/demo-room?token={TOKEN}")  # the token lands in a cookie
    await expect(page.locator("#shelf tr")).not_to_have_count(0)  # console.js fetched with the token
    assert await violations() == []

    await page.goto(f"{live.url}/ops?token={live.app[OPERATOR]}")
    await expect(page.locator("#qa tbody tr")).not_to_have_count(0)
    assert await violations() == []
    await page.goto(f"{live.url}/ops/rooms/demo-room")
    assert await page.locator("img").count() > 0
    assert await page.evaluate(
        "Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0)"
    )  # the charts are data URLs: img-src 'self' data:
    assert await page.evaluate("getComputedStyle(document.body).fontFamily") != ""
    assert await violations() == []
    assert not [m for m in console if "Content Security Policy" in m], console
    await context.close()


# -- 6. YAML: a node budget that counts aliases expanded, and syntax errors name the line -----------
def _catalog_with(extra_attributes: str) -> str:
    """The demo catalog as YAML text, with lines added to its first product's attributes."""
    data = yaml.safe_load(BUNDLED_CATALOG.read_text(encoding="utf-8"))
    data["products"][0].setdefault("attributes", {})["placeholder"] = "x"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)
    return text.replace("    placeholder: x", extra_attributes, 1)


async def test_alias_bombs_and_oversized_catalogs_are_refused_and_plain_aliases_read(live_server) -> None:
    live = await live_server(server={"yaml_max_nodes": 2000})
    indent = " " * 4  # yaml.safe_dump's, under a product's attributes
    laughs = "\n".join(
        [f'{indent}l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        + [f"{indent}l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 6)]
    )
    too_many = f"{indent}many: [{', '.join(['x'] * 3000)}]"
    looped = f"{indent}loop: &loop [a, *loop]"
    url = f"{live.url}/api/rooms/demo-room/catalog"
    async with aiohttp.ClientSession() as http:
        for text, says in (
            (_catalog_with(laughs), "more than 2000 YAML nodes (aliases counted expanded)"),
            (_catalog_with(too_many), "more than 2000 YAML nodes"),
            (_catalog_with(looped), "a YAML alias inside the node it names"),
        ):
            async with http.put(url, data=text.encode(), headers=AUTH) as r:
                body = await r.json()
                assert r.status == 400 and says in body["error"]["message"], body
        async with http.put(url, data=_catalog_with("    fine: yes").encode(), headers=AUTH) as r:
            assert r.status == 200, await r.text()  # an ordinary catalog still goes through
        # a list written once and repeated by an alias, as PyYAML writes one (a florist's trial: the
        # upload refused a file check-catalog and the server had taken)
        twice = f"{indent}sizes_a: &sizes [S, M, L]\n{indent}sizes_b: *sizes"
        async with http.put(url, data=_catalog_with(twice).encode(), headers=AUTH) as r:
            assert r.status == 200, await r.text()
        async with http.put(url, data=b"room_id: demo-room\nproducts: [1, 2\nfoo: bar\n", headers=AUTH) as r:
            assert r.status == 400 and "line 3" in (await r.json())["error"]["message"]
    attributes = live.app[REGISTRY].get("demo-room").catalog.products[0].attributes
    assert "l5" not in attributes and "many" not in attributes and "loop" not in attributes
    assert attributes["sizes_b"] == attributes["sizes_a"] == ["S", "M", "L"]


def test_a_catalog_file_is_held_to_the_upload_budget(tmp_path: Path) -> None:
    # check-catalog and `serve --catalog` read a file as the upload does: an alias bomb is refused
    # there too, with the file's name
    bomb = tmp_path / "bomb.yaml"
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 7)]
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"bomb\.yaml: more than 200000 YAML nodes"):
        load_catalog(bomb)


def test_a_yaml_syntax_error_in_a_catalog_file_names_the_line(tmp_path: Path) -> None:
    text = BUNDLED_CATALOG.read_text(encoding="utf-8").splitlines()
    text[12] = text[12] + ' "unclosed'
    broken = tmp_path / "broken.yaml"
    broken.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"broken\.yaml: not valid YAML \(line \d+, column \d+"):
        load_catalog(broken)


# -- 7. a name cut at 64 characters keeps its last emoji whole ---------------------------------------
async def test_a_long_name_ending_in_an_emoji_joins_from_the_room_page(live_server, browser) -> None:
    from playwright.async_api import expect

    live = await live_server()
    name = "主" * 63 + "😀" + "多余"  # cut to 64: 63 characters and the emoji, whose UTF-16 halves are 64-65
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{live.url}/room/demo-room?viewer=emoji-viewer&name={name}")
    await expect(page.locator("body[data-joined]")).to_have_count(1)
    await expect(page.locator("#status")).to_have_text("joined as " + "主" * 63 + "😀")
    await page.context.close()


# -- 3b. fuzz: no body makes a 5xx on any route that takes one ----------------------------------------
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**18, max_value=10**4000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(codec=None), max_size=40),  # lone surrogates included
    st.sampled_from(["d01", "d02", "demo-room", "2001-02-30", "", "1e999"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=10,
)
KEYS = ["price", "stock", "original_price", "product_id", "comment_id", "answer", "room_id", "products"]
objects = st.dictionaries(st.sampled_from(KEYS), values, max_size=4)
bodies = st.one_of(
    objects.map(lambda v: json.dumps(v, allow_nan=True).encode()),
    values.map(lambda v: json.dumps(v, allow_nan=True).encode()),
    objects.map(lambda v: yaml.safe_dump(v, allow_unicode=True).encode("utf-8", "surrogatepass")),
    st.binary(max_size=300),
    st.integers(1, 200_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 9000).map(lambda n: b'{"stock": ' + b"7" * n + b"}"),
    st.sampled_from(
        [b"a: 2001-02-30", b"a: !!float abc", b"room_id: demo-room\nproducts: *x", b"{[1]: 2}", b"\xff\xfe"]
    ),
)
ROUTES = [
    ("PATCH", "/api/rooms/demo-room/products/d01", "streamer"),
    ("POST", "/api/rooms/demo-room/on_screen", "streamer"),
    ("PUT", "/api/rooms/demo-room/catalog", "streamer"),
    ("POST", "/api/ops/corrections", "operator"),
    ("POST", "/api/ops/labels", "operator"),
    ("POST", "/api/ops/unlearn", "operator"),
]


@pytest.fixture(scope="module")
def http_server(encoder, demo_catalog, tmp_path_factory) -> Iterator[tuple[Any, str, str]]:
    """A real server on a loop in a background thread: hypothesis drives a plain (sync) test."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)

    db = tmp_path_factory.mktemp("http-fuzz") / "fuzz.db"
    cfg = Settings.model_validate({"storage": {"db_path": str(db), "flush_interval_s": 0.05}})
    app = create_app(cfg, [demo_catalog], encoder, token=TOKEN, operator="fuzz-operator")
    server = run(_start(app))
    session = run(_session())
    yield run, f"http://127.0.0.1:{server.port}", session
    run(session.close())
    run(server.close())
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()


async def _send(
    session: aiohttp.ClientSession, method: str, url: str, body: bytes, who: str
) -> tuple[int, Any]:
    token = TOKEN if who == "streamer" else "fuzz-operator"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with session.request(method, url, data=body, headers=headers) as r:
        return r.status, await r.json(content_type=None)


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(route=st.sampled_from(ROUTES), body=bodies)
def test_no_body_makes_a_server_error(http_server, route: tuple[str, str, str], body: bytes) -> None:
    run, base, session = http_server
    method, path, who = route
    status, answer = run(_send(session, method, base + path, body, who))
    assert status < 500, (method, path, body[:200], status, answer)
    if status >= 400:
        assert answer["ok"] is False and answer["error"]["code"] and answer["error"]["message"]


def test_the_room_answers_a_finite_price_after_the_fuzzing(http_server) -> None:
    run, base, _ = http_server

    async def ask() -> str:
        client = socketio.AsyncClient(reconnection=False)
        replies: list[dict[str, Any]] = []
        client.on("bot_reply", replies.append)
        await client.connect(base, transports=["websocket"])
        try:
            ack = await client.call("join_room", {"room_id": "demo-room", "viewer_id": "after-fuzz"})
            assert ack["ok"]
            await client.call("comment", {"text": "6号链接多少钱"})
            for _ in range(250):
                if replies:
                    return replies[0]["text"]
                await asyncio.sleep(0.02)
            raise AssertionError("no reply")
        finally:
            await client.disconnect()

    text = run(ask())
    assert re.search(r"\d", text) and "nan" not in text.lower() and "inf" not in text.lower(), text
