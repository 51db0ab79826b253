"""The interaction log: a real SQLite file, WAL, indexes, batched writes that lose nothing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlite_utils

from storage.log import InteractionLog
from storage.schema import MIGRATIONS, TABLES
from storage.shelves import fingerprint, restore, shelf_row


def test_schema_is_created_with_wal_and_indexes(tmp_path: Path) -> None:
    log = InteractionLog(tmp_path / "log.db")
    log.open()
    log.close()
    db = sqlite_utils.Database(tmp_path / "log.db")
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert set(TABLES) <= set(db.table_names())
    for table in TABLES:
        indexed = {tuple(ix.columns) for ix in db[table].indexes}
        assert ("room_id", "created_at") in indexed
        if "viewer_id" in TABLES[table]:
            assert ("viewer_id", "created_at") in indexed


def test_reopening_an_existing_database_keeps_rows_and_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    log = InteractionLog(path)
    log.open()
    log.record("comments", {"comment_id": "c1", "room_id": "r", "viewer_id": "v", "text": "hi"})
    log.close()
    again = InteractionLog(path)
    again.open()
    again.close()
    db = sqlite_utils.Database(path)
    assert db["comments"].count == 1
    assert [r["name"] for r in db["_migrations"].rows] == [name for name, _ in MIGRATIONS]


def test_a_file_from_the_first_release_gains_new_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    old["replies"].create({"reply_id": str, "room_id": str, "text": str, "created_at": float}, pk="reply_id")
    old["replies"].insert({"reply_id": "r1", "room_id": "r", "text": "3号链接现在89元", "created_at": 1.0})
    old["_migrations"].insert({"name": "0001_initial", "applied_at": 0.0}, pk="name")
    old.close()
    log = InteractionLog(path)
    log.open()
    log.record("replies", {"reply_id": "r2", "room_id": "r", "text": "好的", "author": "streamer"})
    log.close()
    rows = list(sqlite_utils.Database(path)["replies"].rows_where(order_by="reply_id"))
    assert [(r["reply_id"], r["author"]) for r in rows] == [("r1", None), ("r2", "streamer")]


def test_many_rows_from_many_threads_are_all_written_on_close(tmp_path: Path) -> None:
    log = InteractionLog(tmp_path / "log.db", flush_interval_s=0.05, batch_size=64)
    log.open()

    def writer(n: int) -> None:
        for i in range(500):
            log.record(
                "viewer_events", {"room_id": "r", "viewer_id": f"v{n}", "event": "like", "detail": str(i)}
            )

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    assert sqlite_utils.Database(tmp_path / "log.db")["viewer_events"].count == 2000
    with pytest.raises(RuntimeError):
        log.record("viewer_events", {"room_id": "r", "event": "late"})


def test_rows_are_committed_within_the_flush_interval_without_close(tmp_path: Path) -> None:
    log = InteractionLog(tmp_path / "log.db", flush_interval_s=0.05)
    log.open()
    log.record("purchases", {"room_id": "r", "viewer_id": "v", "product_id": "p", "qty": 1, "price": 9.9})
    assert log.flush(timeout=5)
    # another process reading the file sees the row already
    conn = sqlite3.connect(tmp_path / "log.db")
    assert conn.execute("select qty, price from purchases").fetchall() == [(1, 9.9)]
    conn.close()
    log.close()


def test_a_locked_database_delays_rows_but_loses_none(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    log = InteractionLog(path, flush_interval_s=0.05)
    log.open()
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("begin exclusive")
    log.record("comments", {"comment_id": "c1", "room_id": "r", "viewer_id": "v", "text": "during lock"})
    assert not log.flush(timeout=0.5)
    blocker.rollback()
    blocker.close()
    assert log.flush(timeout=10)
    log.close()
    assert [r["text"] for r in sqlite_utils.Database(path)["comments"].rows] == ["during lock"]


def test_unknown_table_is_a_programming_error(tmp_path: Path) -> None:
    log = InteractionLog(tmp_path / "log.db")
    log.open()
    with pytest.raises(ValueError):
        log.record("nope", {"room_id": "r"})
    log.close()


def test_a_stored_shelf_is_reopened_only_on_the_file_it_came_from(demo_catalog) -> None:
    hat = demo_catalog.by_link(1)
    live = demo_catalog.with_product(hat.model_copy(update={"price": 25.5}))
    row = shelf_row(live, fingerprint(demo_catalog))
    restored = restore(demo_catalog, [row])
    assert restored is not None and restored.product(hat.id).price == 25.5
    edited = demo_catalog.with_product(hat.model_copy(update={"price": 33.0}))
    assert restore(edited, [row]) is None  # the file changed: a new show starts from it
    assert restore(demo_catalog, []) is None
    assert restore(demo_catalog, [{**row, "catalog": "{not json"}]) is None  # unreadable: the file
