"""The interaction log: rows queued from the event loop, written in batches by one thread."""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from storage.privacy import forget_viewer
from storage.schema import TABLES, migrate

logger = logging.getLogger(__name__)

_STOP = object()


class InteractionLog:
    """Append-only log of everything that happens in the rooms.

    `record()` never blocks: it puts the row on a queue. A writer thread inserts queued rows in one
    transaction per batch, at least every `flush_interval_s`. A failed batch stays queued and is
    retried, so a transient error (a locked file) loses nothing; `close()` writes everything left.
    """

    def __init__(self, path: str | Path, flush_interval_s: float = 0.5, batch_size: int = 500) -> None:
        self.path = Path(path)
        self.flush_interval_s = flush_interval_s
        self.batch_size = batch_size
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()  # C-fast put: record() is on every event
        self._thread: threading.Thread | None = None
        self._written = 0
        self._flushed = threading.Condition()
        self._enqueued = 0
        self._closed = False

    # -- life cycle -------------------------------------------------------------------------------
    def open(self) -> None:
        """Create or migrate the schema (WAL mode) and start the writer thread."""
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self._connect()
        try:
            db.enable_wal()
            applied = migrate(db)
            if applied:
                logger.info("database %s: applied migrations %s", self.path, ", ".join(applied))
        finally:
            db.close()
        self._thread = threading.Thread(target=self._run, name="interaction-log", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Write every queued row, then stop the writer. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()

    # -- writing ----------------------------------------------------------------------------------
    def record(self, table: str, row: dict[str, Any]) -> None:
        """Queue one row for `table`; stamps created_at if missing. Never blocks."""
        if table not in TABLES:
            raise ValueError(f"unknown log table {table!r}")
        if self._closed:
            raise RuntimeError("interaction log is closed")
        row = {k: v for k, v in row.items() if k in TABLES[table]}
        row.setdefault("created_at", time.time())
        with self._flushed:
            self._enqueued += 1
        self._queue.put((table, row))

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Block until every row queued before the call is written. Call from a thread, not the loop."""
        with self._flushed:
            target = self._enqueued
            return self._flushed.wait_for(lambda: self._written >= target, timeout=timeout)

    @property
    def pending(self) -> int:
        return self._enqueued - self._written

    def _connect(self) -> sqlite_utils.Database:
        conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        return sqlite_utils.Database(conn)

    def _run(self) -> None:
        db = self._connect()
        batch: list[tuple[str, dict[str, Any]]] = []
        stopping = False
        try:
            while True:
                deadline = time.monotonic() + self.flush_interval_s
                while len(batch) < self.batch_size and not stopping:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 and batch:
                        break
                    try:
                        item = self._queue.get(timeout=max(remaining, 0.05) if batch else None)
                    except queue.Empty:
                        continue
                    if item is _STOP:
                        stopping = True
                    else:
                        batch.append(item)
                if batch:
                    batch = self._write(db, batch, final=stopping)
                if stopping and not batch and self._queue.empty():
                    return
                if stopping and not self._queue.empty():
                    # rows recorded concurrently with close(): take them too
                    while not self._queue.empty():
                        item = self._queue.get_nowait()
                        if item is not _STOP:
                            batch.append(item)
        finally:
            db.close()

    def _write(
        self, db: sqlite_utils.Database, batch: list[tuple[str, dict[str, Any]]], final: bool
    ) -> list[tuple[str, dict[str, Any]]]:
        """Insert a batch in one transaction; returns what is still unwritten (empty on success)."""
        by_table: dict[str, list[dict[str, Any]]] = {}
        for table, row in batch:
            by_table.setdefault(table, []).append(row)
        attempts = 5 if final else 1
        for attempt in range(attempts):
            try:
                with db.conn:
                    for table, rows in by_table.items():
                        db[table].insert_all(rows, columns=TABLES[table], alter=False, replace=True)
            except sqlite3.Error:
                logger.exception(
                    "writing %d log rows failed (attempt %d); kept for retry", len(batch), attempt + 1
                )
                time.sleep(min(0.2 * (attempt + 1), 1.0))
                continue
            with self._flushed:
                self._written += len(batch)
                self._flushed.notify_all()
            return []
        if final:
            self._spill(batch)
            return []
        return batch

    def _spill(self, batch: list[tuple[str, dict[str, Any]]]) -> None:
        """Last resort at shutdown when SQLite keeps failing: keep the rows as JSON lines beside it."""
        spill = self.path.with_name(self.path.name + ".unwritten.jsonl")
        with spill.open("a", encoding="utf-8") as f:
            for table, row in batch:
                f.write(json.dumps({"table": table, "row": row}, ensure_ascii=False) + "\n")
        logger.error("could not write %d log rows to %s; saved them to %s", len(batch), self.path, spill)
        with self._flushed:
            self._written += len(batch)
            self._flushed.notify_all()

    # -- reading ----------------------------------------------------------------------------------
    def forget(self, viewer_id: str) -> dict[str, int]:
        """Delete every row about a viewer, rows still queued included; rows removed per table.
        Blocking: call through a thread from async code."""
        self.flush()  # a row still queued would come back after the delete
        db = self._connect()
        try:
            return forget_viewer(db, viewer_id)
        finally:
            db.close()

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Run a read query on a fresh connection. Blocking: call through a thread from async code."""
        db = self._connect()
        try:
            return [dict(r) for r in db.query(sql, params)]
        finally:
            db.close()
