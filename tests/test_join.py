"""`cohost join`: live-cohost as a co-host client of a platform's own Socket.IO room server.

The platform is tests/node/room_server.js on the official `socket.io` npm package, with its own event
names (enter, danmaku, say). A viewer (a real socketio.AsyncClient) asks there; the co-host answers
through the platform's `say` event; the platform server is killed and restarted on the same port and
the co-host reconnects, re-enters the room and answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import socketio
import sqlite_utils
import yaml

from bot.config import Settings
from bot.join import JoinSettings, run_join
from domain.catalog import Catalog
from recommender.encoder import TextEncoder
from tests.nodejs import NODE_DIR, node_ready

ROOT = Path(__file__).resolve().parent.parent
ROOM = "room-42"
PLATFORM = {
    "join_event": "enter",
    "join_payload": {"roomId": "{room}", "uid": "cohost", "nick": "小助手"},
    "comment_event": "danmaku",
    "text_path": "content",
    "user_id_path": "user.uid",
    "user_name_path": "user.nick",
    "reply_event": "say",
    "reply_text_field": "content",
    "on_screen_event": "goods",
    "on_screen_path": "goods.link",
    "reconnect_delay_s": 0.2,
    "reconnect_delay_max_s": 1,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RoomServer:
    """tests/node/room_server.js as a subprocess; its stdout JSON lines collected in `lines`."""

    def __init__(self, node: str, port: int) -> None:
        self.node, self.port = node, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[dict[str, Any]] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.lines = []
        self.proc = await asyncio.create_subprocess_exec(
            self.node,
            str(NODE_DIR / "room_server.js"),
            str(self.port),
            "90",  # the server's own lifetime cap, seconds
            stdin=asyncio.subprocess.PIPE,  # closed when we go: the server exits
            stdout=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read(self.proc))
        await self.wait_for(lambda e: e["event"] == "listening", "listening")

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for line in proc.stdout:
            with contextlib.suppress(ValueError):
                self.lines.append(json.loads(line))

    async def wait_for(self, match: Callable[[dict[str, Any]], bool], what: str, timeout: float = 15) -> dict:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for line in self.lines:
                if match(line):
                    return line
            if self.proc is not None and self.proc.returncode is not None:
                raise AssertionError(f"room_server.js exited ({self.proc.returncode}) before {what}")
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {what} from room_server.js in {timeout} s: {self.lines}")
            await asyncio.sleep(0.05)

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            await self._reader


@pytest.fixture
async def room_server() -> AsyncIterator[RoomServer]:
    server = RoomServer(node_ready(), _free_port())
    await server.start()
    yield server
    await server.kill()


async def _viewer(url: str, uid: str, nick: str) -> tuple[socketio.AsyncClient, list[dict]]:
    """A platform viewer: enters the room and records what is said there."""
    client = socketio.AsyncClient(reconnection=False)
    said: list[dict] = []
    client.on("say", said.append)
    await client.connect(url, transports=["websocket"], wait_timeout=10)
    assert (await client.call("enter", {"roomId": ROOM, "uid": uid, "nick": nick}, timeout=5)) == {"code": 0}
    return client, said


async def _inject(client: socketio.AsyncClient, event: str, payload: Any) -> None:
    """Make the platform itself send `event` with `payload` to the room."""
    assert (await client.call("inject", {"event": event, "payload": payload}, timeout=5)) == {"code": 0}


async def _said(said: list[dict], pattern: str, timeout: float = 20) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while not any(re.search(pattern, s["content"]) for s in said):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the co-host never said /{pattern}/; said: {said}")
        await asyncio.sleep(0.05)
    return next(s for s in said if re.search(pattern, s["content"]))


async def test_cohost_answers_on_the_platform_and_reconnects_after_a_restart(
    room_server: RoomServer,
    encoder: TextEncoder,
    demo_catalog: Catalog,
    make_settings: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.join")
    settings = make_settings(join=PLATFORM)
    link3 = demo_catalog.by_link(3)
    link1 = demo_catalog.by_link(1)
    assert link3 is not None and link1 is not None
    stop = asyncio.Event()
    cohost = asyncio.create_task(run_join(settings, room_server.url, ROOM, demo_catalog, encoder, stop))
    viewers: list[socketio.AsyncClient] = []
    try:
        await room_server.wait_for(lambda e: e["event"] == "enter" and e["uid"] == "cohost", "co-host enter")
        alice, said = await _viewer(room_server.url, "u1", "小明")
        viewers.append(alice)

        # bad platform payloads are skipped with a warning; the co-host carries on
        for bad in ("not json", 42, {"content": 5, "user": {"uid": "u9"}}, {"content": "3号链接多少钱"}):
            await _inject(alice, "danmaku", bad)
        await _inject(alice, "goods", {"goods": {}})

        assert (await alice.call("danmaku", {"content": "3号链接多少钱"}, timeout=5)) == {"code": 0}
        first = await _said(said, rf"{link3.price:g}")
        assert (
            first["uid"] == "cohost"
            and first["content"].startswith("@小明 ")
            and "3号链接" in first["content"]
        )
        assert sum("skipped" in r.getMessage() for r in caplog.records) >= 5, caplog.text

        # the platform's on-screen event: "这个" is now link 1
        await _inject(alice, "goods", {"goods": {"link": 1}})
        await asyncio.sleep(0.3)
        bob, bob_said = await _viewer(room_server.url, "u2", "阿强")
        viewers.append(bob)
        assert (await bob.call("danmaku", {"content": "这个多少钱"}, timeout=5)) == {"code": 0}
        second = await _said(bob_said, rf"^@阿强 .*{link1.price:g}")
        assert "1号链接" in second["content"]

        # the platform restarts on the same port: the co-host reconnects by itself and re-enters
        for v in viewers:
            await v.disconnect()
        await room_server.kill()
        await room_server.start()
        await room_server.wait_for(
            lambda e: e["event"] == "enter" and e["uid"] == "cohost", "co-host re-enter", timeout=20
        )
        alice, said = await _viewer(room_server.url, "u1", "小明")
        viewers.append(alice)
        assert (await alice.call("danmaku", {"content": "3号链接多少钱"}, timeout=5)) == {"code": 0}
        again = await _said(said, rf"{link3.price:g}")
        assert again["content"].startswith("@小明 ")
        await room_server.wait_for(lambda e: e["event"] == "say" and e["content"] == again["content"], "say")
    finally:
        for v in viewers:
            if v.connected:
                await v.disconnect()
        stop.set()
        await asyncio.wait_for(cohost, timeout=15)

    # everything the co-host read and said is in the interaction log (written on exit)
    db = sqlite_utils.Database(settings.storage.db_path)
    comments = list(db["comments"].rows_where("room_id = ? order by created_at", [ROOM]))
    assert [(c["viewer_id"], c["text"]) for c in comments] == [
        ("u1", "3号链接多少钱"),
        ("u2", "这个多少钱"),
        ("u1", "3号链接多少钱"),
    ]
    assert {c["kind"] for c in comments} == {"answer"}
    assert comments[0]["viewer_name"] == "小明" and comments[0]["product_id"] == link3.id
    replies = list(db["replies"].rows_where("room_id = ? order by created_at", [ROOM]))
    assert [r["text"] for r in replies] == [first["content"], second["content"], again["content"]]
    assert json.loads(replies[0]["reply_to"]) == [comments[0]["comment_id"]]
    assert json.loads(replies[1]["viewer_ids"]) == ["u2"] and replies[1]["product_id"] == link1.id


@contextlib.asynccontextmanager
async def _cohost_in(
    room_server: RoomServer, settings: Settings, catalog: Catalog, encoder: TextEncoder
) -> AsyncIterator[None]:
    """The co-host joined to the platform's room for the block; stopped (log written) after it."""
    stop = asyncio.Event()
    cohost = asyncio.create_task(run_join(settings, room_server.url, ROOM, catalog, encoder, stop))
    try:
        await room_server.wait_for(lambda e: e["event"] == "enter" and e["uid"] == "cohost", "co-host enter")
        yield
    finally:
        stop.set()
        await asyncio.wait_for(cohost, timeout=15)


async def test_a_question_repeated_in_the_room_is_answered_once_then_in_one_follow_up(
    room_server: RoomServer,
    encoder: TextEncoder,
    demo_catalog: Catalog,
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(join=PLATFORM, hygiene={"repeat_cooldown_s": 1.5})
    price = f"{demo_catalog.by_link(3).price:g}"
    async with _cohost_in(room_server, settings, demo_catalog, encoder):
        viewers = []
        for uid, nick in (("u1", "小明"), ("u2", "阿强"), ("u3", "小红")):
            viewer, said = await _viewer(room_server.url, uid, nick)
            viewers.append(viewer)
        for viewer in viewers:  # three viewers ask the same within the cooldown
            assert (await viewer.call("danmaku", {"content": "3号链接多少钱"}, timeout=5)) == {"code": 0}
        await _said(said, rf"^@阿强 @小红 3号链接.*{price}")
        await asyncio.sleep(0.5)
        answers = [s["content"] for s in said if price in s["content"]]
        assert len(answers) == 2 and answers[0].startswith("@小明 3号链接"), answers
        for viewer in viewers:
            await viewer.disconnect()


async def test_a_grouped_asker_is_answered_when_the_co_host_stops(
    room_server: RoomServer,
    encoder: TextEncoder,
    demo_catalog: Catalog,
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(join=PLATFORM)  # the 10 s cooldown: the co-host stops within it
    price = f"{demo_catalog.by_link(3).price:g}"
    async with _cohost_in(room_server, settings, demo_catalog, encoder):
        first, _ = await _viewer(room_server.url, "u1", "小明")
        second, said = await _viewer(room_server.url, "u2", "阿强")
        for viewer in (first, second):
            assert (await viewer.call("danmaku", {"content": "3号链接多少钱"}, timeout=5)) == {"code": 0}
        await _said(said, rf"^@小明 3号链接.*{price}")
        await asyncio.sleep(0.5)  # the second asker is grouped, waiting for the follow-up
        assert not any(s["content"].startswith("@阿强") for s in said), said
    await _said(said, rf"^@阿强 3号链接.*{price}", timeout=5)  # said as the co-host stopped
    for viewer in (first, second):
        await viewer.disconnect()


async def test_the_last_one_and_what_about_another_in_client_mode(
    room_server: RoomServer,
    encoder: TextEncoder,
    demo_catalog: Catalog,
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(join=PLATFORM)
    before = demo_catalog.by_link(4)
    async with _cohost_in(room_server, settings, demo_catalog, encoder):
        viewer, said = await _viewer(room_server.url, "u1", "小明")
        for link in (4, 2):  # the streamer shows link 4, then link 2
            await _inject(viewer, "goods", {"goods": {"link": link}})
        await asyncio.sleep(0.3)
        assert (await viewer.call("danmaku", {"content": "上一个多少钱"}, timeout=5)) == {"code": 0}
        reply = await _said(said, rf"^@小明 4号链接.*{before.price:g}")
        assert reply["uid"] == "cohost"
        # "那2号呢": the same question of link 2
        assert (await viewer.call("danmaku", {"content": "那2号呢"}, timeout=5)) == {"code": 0}
        await _said(said, rf"^@小明 2号链接.*{demo_catalog.by_link(2).price:g}")
        await viewer.disconnect()


async def test_a_product_put_on_screen_after_a_viewers_question_is_the_one_asked_next(
    room_server: RoomServer,
    encoder: TextEncoder,
    demo_catalog: Catalog,
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(join=PLATFORM)
    asked, shown = demo_catalog.by_link(6), demo_catalog.by_link(2)
    async with _cohost_in(room_server, settings, demo_catalog, encoder):
        viewer, said = await _viewer(room_server.url, "u1", "小明")
        assert (await viewer.call("danmaku", {"content": "6号链接多少钱"}, timeout=5)) == {"code": 0}
        await _said(said, rf"^@小明 6号链接.*{asked.price:g}")
        await _inject(viewer, "goods", {"goods": {"link": 2}})  # then the streamer shows link 2
        await asyncio.sleep(0.3)
        assert (await viewer.call("danmaku", {"content": "现在多少钱"}, timeout=5)) == {"code": 0}
        await _said(said, rf"^@小明 2号链接.*{shown.price:g}")
        await viewer.disconnect()


async def test_a_viewer_over_the_rate_limit_is_not_answered_and_is_logged_as_such(
    room_server: RoomServer,
    encoder: TextEncoder,
    demo_catalog: Catalog,
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(join=PLATFORM, limits={"comments_per_10s": 3})
    async with _cohost_in(room_server, settings, demo_catalog, encoder):
        spammer, said = await _viewer(room_server.url, "u9", "刷屏哥")
        for link in (1, 3, 4, 5, 7):  # five different questions in a row
            ack = await spammer.call("danmaku", {"content": f"{link}号链接多少钱"}, timeout=5)
            assert ack == {"code": 0}
        await _said(said, "^@刷屏哥 ")
        await asyncio.sleep(0.5)
        await spammer.disconnect()
    rows = list(sqlite_utils.Database(settings.storage.db_path)["comments"].rows_where(order_by="created_at"))
    assert [r["filtered"] for r in rows] == [None, None, None, "rate_limited", "rate_limited"]
    assert len([s for s in said if s["content"].startswith("@刷屏哥 ")]) == 3


async def test_cohost_stops_cleanly_while_the_platform_is_down(
    encoder: TextEncoder, demo_catalog: Catalog, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(join=PLATFORM)
    stop = asyncio.Event()
    cohost = asyncio.create_task(
        run_join(settings, f"http://127.0.0.1:{_free_port()}", ROOM, demo_catalog, encoder, stop)
    )
    await asyncio.sleep(1.0)  # a few failed connection attempts
    assert not cohost.done()
    stop.set()
    await asyncio.wait_for(cohost, timeout=10)
    rows = list(
        sqlite_utils.Database(settings.storage.db_path)["room_events"].rows_where("room_id = ?", [ROOM])
    )
    assert [r["event"] for r in rows] == ["join"]


def _config(tmp_path: Path, db: Path, platform: dict[str, Any]) -> Path:
    """A config file for `cohost join`: the log at `db`, the hash encoder for a quick start."""
    config = tmp_path / "platform.yaml"
    config.write_text(
        yaml.safe_dump(
            {"storage": {"db_path": str(db)}, "encoder": {"model": "hash"}, "join": platform},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return config


async def _cli_join(url: str, config: Path, stderr: Any, *flags: str) -> asyncio.subprocess.Process:
    """`cohost join` as a user runs it, in a subprocess."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot.cli", "join", "--url", url, "--room", ROOM, "--config", str(config), *flags),
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stderr=stderr,
    )


async def test_cli_join_answers_and_writes_the_log_on_ctrl_c(
    room_server: RoomServer, demo_catalog: Catalog, tmp_path: Path
) -> None:
    """`cohost join` as a user runs it (a subprocess, the hash encoder for a quick start); Ctrl-C
    (SIGINT) disconnects, writes the log (to `--db`, over the config's file) and exits 0."""
    db = tmp_path / "join.db"
    stderr = (tmp_path / "join.log").open("w")
    config = _config(tmp_path, tmp_path / "config.db", PLATFORM)
    proc = await _cli_join(room_server.url, config, stderr, "--db", str(db))
    stderr.close()
    try:
        await room_server.wait_for(
            lambda e: e["event"] == "enter" and e["uid"] == "cohost", "co-host enter", timeout=60
        )
        viewer, said = await _viewer(room_server.url, "u7", "小红")
        assert (await viewer.call("danmaku", {"content": "3号链接多少钱"}, timeout=5)) == {"code": 0}
        link3 = demo_catalog.by_link(3)
        assert link3 is not None
        await _said(said, rf"^@小红 3号链接.*{link3.price:g}")
        await viewer.disconnect()
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), timeout=20) == 0, (tmp_path / "join.log").read_text()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    rows = sqlite_utils.Database(db)
    assert [(c["viewer_id"], c["viewer_name"]) for c in rows["comments"].rows] == [("u7", "小红")]
    assert [r["text"] for r in rows["replies"].rows] == [said[0]["content"]]
    assert not (tmp_path / "config.db").exists()


async def test_cli_join_exits_1_when_the_platform_stays_out_of_reach(tmp_path: Path) -> None:
    """With `reconnect_attempts` set, `cohost join` gives up on a platform that never answers and says
    so with a non-zero exit, so a supervisor can restart or alert."""
    config = _config(tmp_path, tmp_path / "join.db", {**PLATFORM, "reconnect_attempts": 2})
    proc = await _cli_join(f"http://127.0.0.1:{_free_port()}", config, asyncio.subprocess.PIPE)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 1
    assert "gave up" in err.decode()


def test_config_yaml_documents_the_join_defaults() -> None:
    """The commented `join:` block in config.yaml, uncommented, is exactly the built-in defaults."""
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    lines: list[str] = []
    for line in text[text.index("\n# join:") + 1 :].splitlines():
        if not line.startswith("# "):
            break  # the block ends at the first line that is not a comment
        lines.append(line[2:])
    assert JoinSettings.model_validate(yaml.safe_load("\n".join(lines))["join"]) == JoinSettings()


def test_cli_join_has_the_documented_flags() -> None:
    from bot.cli import build_parser

    args = build_parser().parse_args(["join", "--url", "http://127.0.0.1:1", "--room", "r"])
    assert (args.url, args.room, args.config, args.catalog, args.db) == (
        "http://127.0.0.1:1",
        "r",
        None,
        None,
        None,
    )
