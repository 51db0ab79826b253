"""Per-room streamer tokens and the operator's token: made once, stored hashed, kept across restarts,
rotated by `cohost tokens`, each room's token opening that room only."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import socketio
import yaml
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.config import BUNDLED_CATALOG, Settings
from domain.catalog import load_catalog
from recommender.encoder import load_encoder
from storage.tokens import OPERATOR, STREAMER, TokenCheck, connect, ensure_tokens, hash_token, make_token
from tests.processes import Served, free_port, wait_exit, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"console (\S+): (http://\S+/console/\S+)\?token=(\S+)")
OPERATOR_LINK = re.compile(r"operator: (http://\S+/ops)\?token=(\S+)")


def test_tokens_are_made_once_and_stored_as_hashes_only(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    hashes, made = ensure_tokens(db, ["room-a", "room-b"], streamer=True, operator=True)
    assert set(made) == {(STREAMER, "room-a"), (STREAMER, "room-b"), (OPERATOR, "")}
    stored = db.read_bytes()
    for token in made.values():
        assert len(token) >= 40 and token.encode() not in stored  # the database alone opens nothing
        assert hash_token(token).encode() in stored
    again, none = ensure_tokens(db, ["room-a", "room-b"], streamer=True, operator=True)
    assert none == {} and again == hashes  # a restart makes nothing and keeps every token
    check = TokenCheck()
    check.hashes = again
    a, b, op = made[(STREAMER, "room-a")], made[(STREAMER, "room-b")], made[(OPERATOR, "")]
    assert check.streamer_ok("room-a", a) and check.streamer_ok("room-b", b)
    assert not check.streamer_ok("room-b", a) and not check.streamer_ok("room-a", b)
    assert not check.streamer_ok("room-a", op) and not check.operator_ok(a) and check.operator_ok(op)
    assert not check.streamer_ok("room-a", "") and not check.streamer_ok("room-a", "x\ud800")


def test_an_environment_token_opens_every_room_and_makes_none(tmp_path: Path) -> None:
    hashes, made = ensure_tokens(tmp_path / "c.db", ["room-a"], streamer=False, operator=False)
    assert hashes == {} and made == {}
    check = TokenCheck("from-env", "op-env")
    assert check.streamer_ok("room-a", "from-env") and check.streamer_ok("any-room", "from-env")
    assert check.operator_ok("op-env") and not check.operator_ok("from-env")


@pytest.fixture
async def two_rooms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[tuple[str, dict[str, str], str, list[logging.LogRecord]]]:
    """A real server on 127.0.0.1 with demo-room and room-b, no token in the environment."""
    monkeypatch.delenv("COHOST_STREAMER_TOKEN", raising=False)
    monkeypatch.delenv("COHOST_OPERATOR_TOKEN", raising=False)
    demo = load_catalog(BUNDLED_CATALOG)
    settings = Settings.model_validate(
        {"storage": {"db_path": str(tmp_path / "c.db"), "flush_interval_s": 0.05}, "auth": {"reload_s": 0.1}}
    )
    caplog.set_level(logging.INFO, logger="bot.app")
    app = create_app(settings, [demo, demo.model_copy(update={"room_id": "room-b"})], load_encoder("hash"))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    records = [r for r in caplog.records if r.name == "bot.app"]
    tokens = {m[1]: m[3] for r in records if (m := LINK.search(r.getMessage()))}
    operator = next(m[2] for r in records if (m := OPERATOR_LINK.search(r.getMessage())))
    try:
        yield f"http://127.0.0.1:{server.port}", tokens, operator, records
    finally:
        await server.close()


async def test_first_start_prints_a_console_link_per_room_at_info(two_rooms) -> None:
    url, tokens, operator, records = two_rooms
    assert set(tokens) == {"demo-room", "room-b"} and tokens["demo-room"] != tokens["room-b"]
    lines = [r for r in records if "?token=" in r.getMessage()]
    assert len(lines) == 3 and {r.levelno for r in lines} == {logging.INFO}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/ops", headers={"Authorization": f"Bearer {operator}"}) as r:
            assert r.status == 200


async def test_a_room_token_opens_that_room_only(two_rooms) -> None:
    url, tokens, _, _ = two_rooms
    a = tokens["demo-room"]
    async with aiohttp.ClientSession() as http:

        async def status(path: str, token: str) -> int:
            async with http.get(url + path, headers={"Authorization": f"Bearer {token}"}) as r:
                return r.status

        assert await status("/api/rooms/demo-room/queue", a) == 200
        assert await status("/console/demo-room", a) == 200
        assert await status("/api/rooms/room-b/queue", a) == 401
        assert await status("/console/room-b", a) == 401
        assert await status("/api/rooms/room-b/queue", tokens["room-b"]) == 200
        assert await status("/ops", a) == 401  # a streamer's token is not the operator's
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, transports=["websocket"])
    try:
        refused = await client.call("streamer_join", {"room_id": "room-b", "token": a}, timeout=10)
        assert refused["ok"] is False and refused["error"]["code"] == "unauthorized"
        joined = await client.call("streamer_join", {"room_id": "demo-room", "token": a}, timeout=10)
        assert joined["ok"] is True
    finally:
        await client.disconnect()


async def test_a_console_opened_by_link_keeps_its_token_in_a_cookie_of_its_own(two_rooms) -> None:
    url, tokens, _, _ = two_rooms
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:  # keeps IP cookies
        async with http.get(f"{url}/console/demo-room?token={tokens['demo-room']}") as r:
            assert r.status == 200 and str(r.url) == f"{url}/console/demo-room"  # token out of the address
            page = await r.text()
        assert f'data-token="{tokens["demo-room"]}"' in page  # the page's own calls carry it
        async with http.get(f"{url}/console/room-b") as r:
            assert r.status == 401  # demo-room's cookie is not sent to, nor valid for, room-b
        async with http.get(f"{url}/console/room-b?token={tokens['room-b']}") as r:
            assert r.status == 200
        for room in ("demo-room", "room-b"):  # one streamer, two rooms: each console reopens by cookie
            async with http.get(f"{url}/console/{room}") as r:
                assert r.status == 200 and f'data-token="{tokens[room]}"' in await r.text()


async def test_rotating_a_room_token_closes_the_streamer_connections_it_opened(
    two_rooms, tmp_path: Path
) -> None:
    url, tokens, _, _ = two_rooms
    streamer, bystander = (socketio.AsyncClient(reconnection=False) for _ in range(2))
    for client in (streamer, bystander):
        await client.connect(url, transports=["websocket"])
    joined = await streamer.call(
        "streamer_join", {"room_id": "room-b", "token": tokens["room-b"]}, timeout=10
    )
    assert joined["ok"]
    assert (await bystander.call("streamer_join", {"room_id": "demo-room", "token": tokens["demo-room"]}))[
        "ok"
    ]
    db = connect(tmp_path / "c.db")
    new = make_token(db, STREAMER, "room-b")  # what `cohost tokens rotate --room room-b` does
    db.close()
    for _ in range(100):
        if not streamer.connected:
            break
        await asyncio.sleep(0.05)
    assert not streamer.connected and bystander.connected  # demo-room's console is left alone
    again = socketio.AsyncClient(reconnection=False)
    await again.connect(url, transports=["websocket"])
    try:
        refused = await again.call(
            "streamer_join", {"room_id": "room-b", "token": tokens["room-b"]}, timeout=10
        )
        assert refused["ok"] is False
        assert (await again.call("streamer_join", {"room_id": "room-b", "token": new}, timeout=10))["ok"]
    finally:
        await again.disconnect()
        await bystander.disconnect()


# -- a real `cohost serve`, restarted ---------------------------------------------------------------
def _env() -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("COHOST_STREAMER_TOKEN", None)
    env.pop("COHOST_OPERATOR_TOKEN", None)
    return env


def _config(tmp: Path, port: int) -> Path:
    data = {
        "server": {"port": port},
        "storage": {"db_path": str(tmp / "show.db")},
        "encoder": {"model": "hash", "process": False},  # tokens, not answers, are under test
        "auth": {"reload_s": 0.2},
    }
    path = tmp / "cohost.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


async def _serve(tmp: Path, config: Path, port: int, name: str) -> Served:
    log = tmp / f"{name}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--config", str(config)],
            cwd=ROOT,
            env=_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Served(proc, f"http://127.0.0.1:{port}", tmp / "show.db", log)
    await wait_healthy(served)
    return served


async def _stop(served: Served) -> None:
    served.stop(signal.SIGTERM)
    assert await wait_exit(served) == 0, served.log.read_text()[-2000:]


async def _status(path: str, url: str, token: str) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.get(url + path, headers={"Authorization": f"Bearer {token}"}) as r,
    ):
        return r.status


async def _streamer_join(url: str, token: str) -> bool:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, transports=["websocket"])
    try:
        return (await client.call("streamer_join", {"room_id": "demo-room", "token": token}, timeout=10))[
            "ok"
        ]
    finally:
        await client.disconnect()


def _cohost(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


async def _until(check, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_tokens_survive_a_restart_and_rotation_replaces_them(tmp_path: Path) -> None:
    port = free_port()
    config = _config(tmp_path, port)
    first = await _serve(tmp_path, config, port, "first")
    try:
        text = first.log.read_text()
        token = LINK.search(text)[3]
        operator = OPERATOR_LINK.search(text)[2]
        assert f"console demo-room: http://127.0.0.1:{port}/console/demo-room?token={token}" in text
        assert "WARNING" not in text
        assert await _status("/console/demo-room", first.url, token) == 200
    finally:
        await _stop(first)

    second = await _serve(tmp_path, config, port, "second")
    try:
        text = second.log.read_text()
        assert "?token=" not in text  # shown only when made
        assert f"console demo-room: http://127.0.0.1:{port}/console/demo-room (" in text
        assert await _status("/console/demo-room", second.url, token) == 200
        assert await _status("/api/rooms/demo-room/queue", second.url, token) == 200
        assert await _streamer_join(second.url, token)
        assert await _status("/ops", second.url, operator) == 200

        listed = _cohost("tokens", "list", "--config", str(config))
        assert listed.returncode == 0, listed.stderr
        assert "streamer demo-room: made" in listed.stdout and "operator: made" in listed.stdout
        assert token not in listed.stdout and operator not in listed.stdout

        rotated = _cohost("tokens", "rotate", "--room", "demo-room", "--config", str(config))
        assert rotated.returncode == 0, rotated.stderr
        new = LINK.search(rotated.stdout)[3]
        assert new != token

        async def old_refused() -> bool:
            return await _status("/api/rooms/demo-room/queue", second.url, token) == 401

        assert await _until(old_refused)  # the running server re-reads the stored tokens
        assert await _status("/console/demo-room", second.url, token) == 401
        assert await _status("/console/demo-room", second.url, new) == 200
        assert await _status("/api/rooms/demo-room/queue", second.url, new) == 200
        assert not await _streamer_join(second.url, token) and await _streamer_join(second.url, new)

        op = _cohost("tokens", "rotate", "--operator", "--config", str(config))
        new_operator = OPERATOR_LINK.search(op.stdout)[2]

        async def old_operator_refused() -> bool:
            return await _status("/ops", second.url, operator) == 401

        assert await _until(old_operator_refused)
        assert await _status("/ops", second.url, new_operator) == 200
    finally:
        await _stop(second)

    third = await _serve(tmp_path, config, port, "third")  # the rotated tokens hold after a restart
    try:
        assert await _status("/console/demo-room", third.url, new) == 200
        assert await _status("/console/demo-room", third.url, token) == 401
    finally:
        await _stop(third)


def test_rotate_refuses_an_unknown_room_and_a_missing_database(tmp_path: Path) -> None:
    ensure_tokens(tmp_path / "c.db", ["demo-room"], streamer=True, operator=True)
    r = _cohost("tokens", "rotate", "--room", "demo-rom", "--db", str(tmp_path / "c.db"))
    assert r.returncode == 2 and "no room 'demo-rom'" in r.stderr and "demo-room" in r.stderr
    r = _cohost("tokens", "list", "--db", str(tmp_path / "none.db"))
    assert r.returncode == 2 and "no database" in r.stderr
    r = _cohost("tokens", "rotate", "--db", str(tmp_path / "c.db"))
    assert r.returncode == 2 and "--room ROOM or --operator" in r.stderr
    r = _cohost("tokens", "rotate", "--room", "demo-room", "--operator", "--db", str(tmp_path / "c.db"))
    assert r.returncode == 2 and "not both" in r.stderr and "?token=" not in r.stdout


def test_list_honours_room_and_operator(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    ensure_tokens(tmp_path / "c.db", ["demo-room", "room-b"], streamer=True, operator=True)
    every = _cohost("tokens", "list", "--db", db).stdout.splitlines()
    assert [line.split(":")[0] for line in every] == ["streamer demo-room", "streamer room-b", "operator"]
    r = _cohost("tokens", "list", "--room", "room-b", "--db", db)
    assert r.returncode == 0 and [line.split(":")[0] for line in r.stdout.splitlines()] == ["streamer room-b"]
    r = _cohost("tokens", "list", "--operator", "--db", db)
    assert r.returncode == 0 and [line.split(":")[0] for line in r.stdout.splitlines()] == ["operator"]
    r = _cohost("tokens", "list", "--room", "room-c", "--db", db)
    assert r.returncode == 2 and "no room 'room-c'" in r.stderr and r.stdout == ""


def test_rotate_prints_links_at_the_host_and_port_given_as_to_serve(tmp_path: Path) -> None:
    """`serve --port 19010` with config.yaml's 8080 in the working folder: the link must name 19010."""
    db = str(tmp_path / "c.db")
    ensure_tokens(tmp_path / "c.db", ["demo-room"], streamer=True, operator=True)
    r = _cohost("tokens", "rotate", "--room", "demo-room", "--db", db, "--port", "19010")
    assert r.returncode == 0, r.stderr
    assert LINK.search(r.stdout)[2] == "http://127.0.0.1:19010/console/demo-room"
    r = _cohost("tokens", "rotate", "--operator", "--db", db, "--host", "live.example", "--port", "19010")
    assert r.returncode == 0, r.stderr
    assert OPERATOR_LINK.search(r.stdout)[1] == "http://live.example:19010/ops"
    r = _cohost("tokens", "rotate", "--operator", "--db", db, "--port", "0")
    assert r.returncode == 2 and "--port 0" in r.stderr and "?token=" not in r.stdout


async def test_a_console_open_in_chromium_keeps_working_across_a_restart(tmp_path: Path, browser) -> None:
    from playwright.async_api import expect

    port = free_port()
    config = _config(tmp_path, port)
    first = await _serve(tmp_path, config, port, "first")
    context = await browser.new_context(viewport={"width": 1100, "height": 720}, locale="zh-CN")
    try:
        link = LINK.search(first.log.read_text())
        page = await context.new_page()
        await page.goto(f"{link[2]}?token={link[3]}")  # the link start-up printed
        await expect(page.locator("body[data-joined]")).to_have_count(1)
        await _stop(first)
        await page.evaluate("delete document.body.dataset.joined")  # set again by the next join only

        second = await _serve(tmp_path, config, port, "second")
        try:
            # the open page reconnects by itself and joins again with the token it holds
            await expect(page.locator("body[data-joined]")).to_have_count(1, timeout=30_000)
            queue = await page.evaluate(
                """async () => (await fetch('/api/rooms/demo-room/queue',
                     {headers: {Authorization: 'Bearer ' + document.body.dataset.token}})).status"""
            )
            assert queue == 200  # the page's own HTTP calls too
            await page.reload()  # and a reload opens it again from its cookie, no sign-in form
            await expect(page.locator("body[data-joined]")).to_have_count(1)
            assert "token=" not in page.url
        finally:
            await _stop(second)
    finally:
        await context.close()
        first.kill()
