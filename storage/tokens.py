"""Streamer tokens (one per room) and the operator's token: made once, kept as hashes, rotated on demand.

Only a SHA-256 of each token is stored (`tokens` table): a token is 32 random bytes, so a plain hash
is enough, and the database alone opens nothing. The plaintext exists twice: when it is made (first
start of a room, or `cohost tokens rotate`) it is shown once, and the streamer keeps it. Tokens given
by the environment (valid for every room) are never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlite_utils

STREAMER = "streamer"
OPERATOR = "operator"
TABLE = "tokens"


def create_table(db: sqlite_utils.Database) -> None:
    """The tokens table (migration 0006): one row per (kind, room_id); room_id is "" for the operator."""
    db[TABLE].create(
        {"kind": str, "room_id": str, "token_hash": str, "created_at": float},
        pk=("kind", "room_id"),
        not_null={"kind", "room_id", "token_hash", "created_at"},
        if_not_exists=True,
    )


def _bytes(token: str) -> bytes:
    return token.encode("utf-8", "surrogatepass")  # a lone surrogate from a client is just a wrong token


def hash_token(token: str) -> str:
    return hashlib.sha256(_bytes(token)).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def connect(path: str | Path) -> sqlite_utils.Database:
    """A connection of its own (the log's writer has another); the table made if missing."""
    db = sqlite_utils.Database(sqlite3.connect(str(path), timeout=30))
    create_table(db)
    return db


def stored_hashes(db: sqlite_utils.Database) -> dict[tuple[str, str], str]:
    """(kind, room_id) -> token hash, for every stored token."""
    return {(r["kind"], r["room_id"]): r["token_hash"] for r in db[TABLE].rows}


def make_token(db: sqlite_utils.Database, kind: str, room_id: str = "") -> str:
    """A new token for (kind, room_id), replacing any before it; returns the plaintext (shown once)."""
    if kind not in (STREAMER, OPERATOR):
        raise ValueError(f"unknown token kind {kind!r}")
    token = new_token()
    with db.conn:
        db[TABLE].upsert(
            {"kind": kind, "room_id": room_id, "token_hash": hash_token(token), "created_at": time.time()},
            pk=("kind", "room_id"),
        )
    return token


def listed(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Which tokens exist and when each was made; never the hash or the secret."""
    return [
        {"kind": r["kind"], "room_id": r["room_id"], "created_at": r["created_at"]}
        for r in db.query(f"SELECT kind, room_id, created_at FROM [{TABLE}] ORDER BY kind DESC, room_id")
    ]


def ensure_tokens(
    path: str | Path, rooms: list[str], streamer: bool, operator: bool
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """Make the tokens that are missing: one per room when `streamer`, the operator's when `operator`.

    Returns (every stored hash, the plaintext of each token made now). Blocking: call from a thread."""
    db = connect(path)
    try:
        have = stored_hashes(db)
        wanted = [(STREAMER, r) for r in rooms if streamer] + ([(OPERATOR, "")] if operator else [])
        made = {key: make_token(db, *key) for key in wanted if key not in have}
        return stored_hashes(db), made
    finally:
        db.close()


def read_hashes(path: str | Path) -> dict[tuple[str, str], str]:
    """The stored hashes (a running server re-reads them, so a rotation takes effect). Blocking."""
    db = connect(path)
    try:
        return stored_hashes(db)
    finally:
        db.close()


class TokenCheck:
    """What a server checks a given token against: the stored hashes, and the tokens valid everywhere
    (from the environment, or given to create_app). Comparisons are constant-time."""

    def __init__(self, streamer_everywhere: str = "", operator_everywhere: str = "") -> None:
        self.streamer_everywhere = streamer_everywhere
        self.operator_everywhere = operator_everywhere
        self.hashes: dict[tuple[str, str], str] = {}

    def _ok(self, given: str, everywhere: str, key: tuple[str, str]) -> bool:
        if not given:
            return False
        if everywhere and hmac.compare_digest(_bytes(given), _bytes(everywhere)):
            return True
        stored = self.hashes.get(key)
        return stored is not None and hmac.compare_digest(hash_token(given), stored)

    def streamer_ok(self, room_id: str, given: str) -> bool:
        """True when `given` opens room `room_id`: its own token, or the every-room one."""
        return self._ok(given, self.streamer_everywhere, (STREAMER, room_id))

    def operator_ok(self, given: str) -> bool:
        return self._ok(given, self.operator_everywhere, (OPERATOR, ""))
