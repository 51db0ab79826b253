"""The interaction log: rows queued from the event loop, written in batches by one thread."""

from __future__ import annotations

import json
import logging
import queue
import re
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
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(value: Any) -> Any:
    """A value SQLite's UTF-8 text can hold: a str with lone surrogates ("\\ud800", valid JSON, not
    valid UTF-8) gets U+FFFD in their place; anything else is returned as it is."""
    if isinstance(value, str) and not value.isascii():
        return _SURROGATE.sub("\ufffd", value)
    return value


def _transient(error: BaseException) -> bool:
    """An error that is about the file, not the row: worth retrying the same row later."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    text = str(error).lower()
    return any(w in text for w in ("locked", "busy", "disk i/o", "unable to open", "readonly", "full"))


class InteractionLog:
    """Append-only log of everything that happens in the rooms.

    `record()` never blocks: it puts the row on a queue. A writer thread inserts queued rows in one
    transaction per batch, at least every `flush_interval_s`. The writer never dies: a batch that fails
    is written row by row, so one bad row costs only itself; a row failing on a transient error (a
    locked file) is kept and retried, any other failure is counted (`failed`) and the row kept with its
    error in `<db>.unwritten.jsonl`. `close()` writes everything left, spilling there what SQLite refuses.
    """

    def __init__(
        self,
        path: str | Path,
        flush_interval_s: float = 0.5,
        batch_size: int = 500,
        stall_after_s: float = 10.0,
    ) -> None:
        self.path = Path(path)
        self.spill_path = self.path.with_name(self.path.name + ".unwritten.jsonl")
        self.flush_interval_s = flush_interval_s
        self.batch_size = batch_size
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()  # C-fast put: record() is on every event
        self._thread: threading.Thread | None = None
        self._written = 0  # rows done with: in SQLite, or given up and spilled
        self._failed = 0  # rows SQLite refused (kept in the spill file)
        self._flushed = threading.Condition()
        self._wake = threading.Event()  # the writer's wait for more rows ends early: stop, full batch
        self._enqueued = 0
        self._closed = False
        self._waiting_since = time.time()  # when the oldest row still waiting was queued (roughly)
        self.last_write_at: float | None = None  # unix time of the last committed batch or row
        self.stall_after_s = stall_after_s  # rows waiting this long, none written: not healthy
        self.stop_busy_s = 2.0  # at close, how long each write attempt waits for a locked file

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
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._wake.set()
            self._thread.join()
        left = self._drain()
        if left:  # the writer was not running: nothing can write these now
            self._spill(left, "the log writer was not running at shutdown")

    # -- writing ----------------------------------------------------------------------------------
    def record(self, table: str, row: dict[str, Any]) -> None:
        """Queue one row for `table`; stamps created_at if missing. Never blocks."""
        if table not in TABLES:
            raise ValueError(f"unknown log table {table!r}")
        if self._closed:
            raise RuntimeError("interaction log is closed")
        row = {k: storable(v) for k, v in row.items() if k in TABLES[table]}
        row.setdefault("created_at", time.time())
        with self._flushed:
            if self._enqueued == self._written:
                self._waiting_since = time.time()  # the oldest row waiting was queued now
            self._enqueued += 1
            full = self._enqueued - self._written >= self.batch_size
        self._queue.put((table, row))
        if full:
            self._wake.set()

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Block until every row queued before the call is written. Call from a thread, not the loop."""
        with self._flushed:
            target = self._enqueued
            return self._flushed.wait_for(lambda: self._written >= target, timeout=timeout)

    @property
    def pending(self) -> int:
        return self._enqueued - self._written

    @property
    def failed(self) -> int:
        """Rows SQLite refused since start (each kept in the spill file with its error)."""
        return self._failed

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stalled_s(self, now: float | None = None) -> float:
        """How long rows have been waiting with none written meanwhile (0 when nothing waits)."""
        if self.pending <= 0:
            return 0.0
        now = time.time() if now is None else now
        return max(0.0, now - max(self._waiting_since, self.last_write_at or 0.0))

    def _connect(self) -> sqlite_utils.Database:
        conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        return sqlite_utils.Database(conn)

    def _drain(self, with_stop: bool = False) -> list[Any]:
        items = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return items
            if with_stop or item is not _STOP:
                items.append(item)

    def _run(self) -> None:
        db = self._connect()
        batch: list[tuple[str, dict[str, Any]]] = []
        stopping = False
        try:
            while True:
                try:
                    if not batch and not stopping:
                        item = self._queue.get()  # idle until a row comes: one wake-up per batch
                        stopping = item is _STOP
                        batch = [] if stopping else [item]
                    if not stopping:
                        # the rows of the next flush interval come meanwhile, not waking this thread
                        # one by one (each wake-up costs the event loop a thread switch: issue 12's
                        # soak); close() and a full batch (record) cut the wait short
                        self._wake.wait(self.flush_interval_s)
                        self._wake.clear()
                    for item in self._drain(with_stop=True):
                        if item is _STOP:
                            stopping = True
                        else:
                            batch.append(item)
                    if stopping:
                        # a stop must not wait 30 s per attempt on a file another process holds
                        db.conn.execute(f"pragma busy_timeout = {int(self.stop_busy_s * 1000)}")
                    kept: list[tuple[str, dict[str, Any]]] = []
                    for start in range(0, len(batch), self.batch_size):
                        chunk = batch[start : start + self.batch_size]
                        kept += chunk if kept else self._write(db, chunk, final=stopping)
                    batch = kept  # what a locked file kept back, for the next round
                    if stopping and not batch:
                        return
                except Exception:  # the writer must outlive anything: a bug here loses one round
                    logger.exception("log writer: unexpected error; %d rows kept for retry", len(batch))
                    time.sleep(min(self.flush_interval_s, 1.0))
        finally:
            db.close()

    def _write(
        self, db: sqlite_utils.Database, batch: list[tuple[str, dict[str, Any]]], final: bool
    ) -> list[tuple[str, dict[str, Any]]]:
        """Insert a batch in one transaction; returns the rows kept for a retry (empty when done).

        A transient failure (a locked file) keeps the batch for the next round, as long as the server
        runs; any other failure writes the batch row by row, so only the rows SQLite refuses are lost:
        counted in `failed` and kept in the spill file with the error. At shutdown (`final`) nothing is
        kept: after a few attempts what is left goes to the spill file."""
        attempts = 5 if final else 1
        error: Exception | None = None
        for attempt in range(attempts):
            try:
                self._insert(db, batch)
            except Exception as e:
                error = e
                if _transient(e) and attempt + 1 < attempts:
                    time.sleep(min(0.2 * (attempt + 1), 1.0))
                    continue
                break
            self._done(len(batch), written=True)
            return []
        if error is not None and _transient(error) and not final:
            logger.warning("writing %d log rows failed (%s); kept for retry", len(batch), error)
            time.sleep(min(self.flush_interval_s, 1.0))
            return batch
        for i, item in enumerate(batch):  # one transaction per row: only the bad row is lost
            try:
                self._insert(db, [item])
            except Exception as e:
                if _transient(e) and not final:
                    logger.warning("writing log rows failed (%s); %d kept for retry", e, len(batch) - i)
                    return batch[i:]
                with self._flushed:
                    self._failed += 1
                self._spill([item], f"{type(e).__name__}: {e}")
                continue
            self._done(1, written=True)
        return []

    def _insert(self, db: sqlite_utils.Database, items: list[tuple[str, dict[str, Any]]]) -> None:
        by_table: dict[str, list[dict[str, Any]]] = {}
        for table, row in items:
            by_table.setdefault(table, []).append(row)
        with db.conn:
            for table, rows in by_table.items():
                db[table].insert_all(rows, columns=TABLES[table], alter=False, replace=True)

    def _done(self, n: int, written: bool) -> None:
        with self._flushed:
            self._written += n
            if written:
                self.last_write_at = time.time()
            self._flushed.notify_all()

    def _spill(self, items: list[tuple[str, dict[str, Any]]], error: str) -> None:
        """Rows SQLite will not take: kept as JSON lines beside the database, with the error, and
        counted as done (they will not be written)."""
        try:
            with self.spill_path.open("a", encoding="utf-8") as f:
                for table, row in items:
                    f.write(json.dumps({"table": table, "row": row, "error": error}, default=repr) + "\n")
            logger.error(
                "log: %d rows not written to %s (%s); kept in %s",
                len(items),
                self.path,
                error,
                self.spill_path,
            )
        except Exception:
            logger.exception("log: %d rows not written and not spilled (%s)", len(items), error)
        self._done(len(items), written=False)

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

    def drop_labels(
        self, room_id: str, comment_id: str | None = None, entry: tuple[str, str] | None = None
    ) -> int:
        """Delete operators' labels of one room: a comment's (`comment_id`), or every one naming an
        entry (`entry`: product id, source) that left the shelf. Rows still queued are written first,
        so a label saved a moment ago goes too. Returns the rows deleted. Blocking: call through a
        thread from async code."""
        if (comment_id is None) == (entry is None):
            raise ValueError("drop_labels: give a comment_id or an entry")
        self.flush()
        where, params = "room_id = ?", [room_id]
        if comment_id is not None:
            where, params = f"{where} and comment_id = ?", [*params, comment_id]
        if entry is not None:
            where, params = f"{where} and product_id = ? and source = ?", [*params, *entry]
        db = self._connect()
        try:
            if "qa_labels" not in db.table_names():
                return 0
            with db.conn:
                return db.execute(f"delete from qa_labels where {where}", params).rowcount
        finally:
            db.close()

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Run a read query on a fresh connection. Blocking: call through a thread from async code."""
        db = self._connect()
        try:
            return [dict(r) for r in db.query(sql, params)]
        finally:
            db.close()
