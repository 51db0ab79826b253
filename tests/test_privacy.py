"""Privacy: forgetting a viewer (HTTP and `cohost forget`), and viewer ids stored as keyed hashes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import sqlite_utils

from bot.app import LOG, OPERATOR, REGISTRY, create_app
from bot.config import ConfigError, Settings
from storage.privacy import viewer_key
from storage.schema import TABLES

ROOT = Path(__file__).resolve().parent.parent


def _rows_of(db: sqlite_utils.Database, viewer_id: str) -> int:
    return sum(
        db[t].count_where("viewer_id = ?", [viewer_id]) for t, cols in TABLES.items() if "viewer_id" in cols
    )


async def _busy_viewer(live, viewer_id: str, product_id: str):
    v = await live.viewer("demo-room", viewer_id)
    await v.call("comment", {"text": "1号链接多少钱"})
    [card] = await v.wait_for("product_card")
    await v.call("card_click", {"card_id": card["card_id"]})
    await v.call("add_to_cart", {"product_id": product_id})
    await v.call("purchase", {"product_id": product_id, "qty": 1})
    return v


async def test_forget_removes_the_viewer_everywhere_and_keeps_the_others(live_server, demo_catalog) -> None:
    live = await live_server(hygiene={"repeat_cooldown_s": 30})
    product = next(p for p in demo_catalog.products if p.in_stock)
    await _busy_viewer(live, "alice", product.id)
    await _busy_viewer(live, "bob", product.id)  # bob's price question is grouped after alice's
    assert live.app[LOG].flush(timeout=10)
    db = sqlite_utils.Database(live.db_path)
    before_bob = _rows_of(db, "bob")
    assert _rows_of(db, "alice") >= 6 and before_bob >= 6

    async with aiohttp.ClientSession() as http:
        refused = await http.delete(f"{live.url}/api/viewers/alice")
        assert refused.status == 401
        r = await http.delete(
            f"{live.url}/api/viewers/alice", headers={"Authorization": f"Bearer {live.app[OPERATOR]}"}
        )
        body = await r.json()
    assert r.status == 200 and body["profiles"] >= 1 and body["rows"]["comments"] == 1
    assert _rows_of(db, "alice") == 0
    assert _rows_of(db, "bob") == before_bob
    assert all("alice" not in (row["viewer_ids"] or "") for row in db["replies"].rows)
    assert live.app[REGISTRY].recommender.forget("alice") == 0  # the profile is already gone


def test_cohost_forget_on_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    from storage.log import InteractionLog

    log = InteractionLog(path)
    log.open()
    for viewer in ("gone", "stays"):
        log.record(
            "comments", {"comment_id": f"c-{viewer}", "room_id": "r", "viewer_id": viewer, "text": "hi"}
        )
        log.record("purchases", {"room_id": "r", "viewer_id": viewer, "product_id": "p", "qty": 1})
    log.close()
    r = subprocess.run(
        [sys.executable, "-m", "bot.cli", "forget", "--viewer", "gone", "--db", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "forgot viewer gone: 2 rows" in r.stdout
    # a running server is not reached: the warning says what it keeps and gives the request that clears it
    assert "queued questions" in r.stderr and "until it restarts" in r.stderr
    assert "curl -X DELETE" in r.stderr and "/api/viewers/gone" in r.stderr
    db = sqlite_utils.Database(path)
    assert _rows_of(db, "gone") == 0 and _rows_of(db, "stays") == 2


def test_forget_takes_the_viewers_comment_ids_out_of_replies_and_room_events(tmp_path: Path) -> None:
    # a reply that answered another viewer too, an answer the reply cap dropped and an operator's
    # correction named the forgotten viewer's comments by id after their rows were gone
    from storage.log import InteractionLog
    from storage.privacy import forget_viewer

    log = InteractionLog(tmp_path / "log.db")
    log.open()
    for viewer in ("gone", "stays"):
        log.record(
            "comments",
            {"comment_id": f"c-{viewer}", "room_id": "r", "viewer_id": viewer, "text": "送礼合适吗"},
        )
    both = {"reply_id": "r1", "room_id": "r", "text": "@gone @stays 合适", "author": "bot"}
    log.record("replies", {**both, "reply_to": '["c-gone", "c-stays"]', "viewer_ids": '["gone", "stays"]'})
    for reply_to in (["c-gone"], ["c-gone", "c-stays"]):
        detail = json.dumps({"reason": "reply_cap", "text": "合适", "reply_to": reply_to})
        log.record("room_events", {"room_id": "r", "event": "reply_dropped", "detail": detail})
    fix = {
        "comment_id": "c-gone",
        "product_id": "p",
        "faq_id": "p-ops1",
        "question": "送礼合适吗",
        "answer": "合适",
    }
    log.record("room_events", {"room_id": "r", "event": "answer_corrected", "detail": json.dumps(fix)})
    log.close()
    db = sqlite_utils.Database(tmp_path / "log.db")
    removed = forget_viewer(db, "gone")
    assert removed["room_events"] == 3
    [reply] = db["replies"].rows
    assert (json.loads(reply["reply_to"]), reply["text"]) == (["c-stays"], "@stays 合适")
    events = [json.loads(r["detail"]) for r in db["room_events"].rows]
    assert [e.get("reply_to") for e in events if e.get("reason")] == [["c-stays"]]
    # the correction wrote an FAQ entry of the shop's: it stays, without the comment's id
    [kept] = [e for e in events if "faq_id" in e]
    assert kept == {**fix, "comment_id": None}
    assert "c-gone" not in json.dumps([list(db[t].rows) for t in db.table_names()])


async def test_viewer_ids_can_be_stored_as_keyed_hashes(live_server, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COHOST_VIEWER_SALT", "s3cret")
    live = await live_server(privacy={"hash_viewer_ids": True})
    v = await live.viewer("demo-room", "carol")
    await v.call("comment", {"text": "1号链接多少钱"})
    assert live.app[LOG].flush(timeout=10)
    db = sqlite_utils.Database(live.db_path)
    stored = {r["viewer_id"] for r in db["comments"].rows}
    assert stored == {viewer_key("carol", "s3cret")} and "carol" not in stored
    config = tmp_path / "c.yaml"
    config.write_text("privacy:\n  hash_viewer_ids: true\n", encoding="utf-8")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "forget",
            "--viewer",
            "carol",
            "--db",
            live.db_path,
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "COHOST_VIEWER_SALT": "s3cret"},
    )
    assert r.returncode == 0 and "forgot viewer carol" in r.stdout, r.stderr
    assert db["comments"].count == 0


def test_hashing_without_a_secret_stops_the_start(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COHOST_VIEWER_SALT", raising=False)
    settings = Settings.model_validate(
        {"privacy": {"hash_viewer_ids": True}, "storage": {"db_path": str(tmp_path / "x.db")}}
    )
    with pytest.raises(ConfigError, match="COHOST_VIEWER_SALT is not set"):
        create_app(settings, [], token="t")
