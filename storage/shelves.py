"""A room's live shelf, kept across restarts.

During a show the shelf the bot answers from drifts from the catalog file: the streamer changes
prices and stock, uploads a catalog, operators correct answers (new FAQ entries), during the show or
after it with the room closed (bot/pages.py). A room's opening (unless it opens on the stored shelf)
and each change store the room's whole shelf (table `shelves`, one row per room, written by the
interaction log like every other row) with the fingerprint of the catalog file the show started
from. A restarted server opens
the room on its stored shelf while that file is unchanged; an edited file starts over from the file,
keeping what the room learned (operators' answers, taught wordings: handlers.review.carry_learned).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from domain.catalog import Catalog, CatalogError, parse_catalog


def fingerprint(catalog: Catalog) -> str:
    """Identifies a catalog's content (not its file's bytes: comments and layout do not count)."""
    data = json.dumps(catalog.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:32]


def shelf_row(catalog: Catalog, source: str) -> dict[str, Any]:
    """The `shelves` row for a room's shelf as it is now; `source` is its file's fingerprint."""
    shelf = json.dumps(catalog.model_dump(mode="json"), ensure_ascii=False)
    return {"room_id": catalog.room_id, "source": source, "catalog": shelf}


def saved_shelf(room_id: str) -> tuple[str, dict[str, Any]]:
    """The query for a room's stored shelf (at most one row)."""
    return "select * from shelves where room_id = :room_id", {"room_id": room_id}


def saved_shelves() -> tuple[str, dict[str, Any]]:
    """The query for every stored shelf (a row kept aside has a key no room has: kept_aside_row)."""
    return "select * from shelves", {}


def check_saved(from_file: Catalog, rows: list[dict[str, Any]]) -> tuple[Catalog | None, str | None]:
    """The stored shelf to reopen the room on (or None: start from the file), and why a stored shelf
    made from this very file cannot be used (or None). Nothing stored or the file edited since is no
    problem; a shelf this release cannot read back is one, and must be reported, not dropped silently.
    """
    if not rows or rows[0]["source"] != fingerprint(from_file):
        return None, None
    return read_shelf(rows[0], from_file.room_id)


def read_shelf(row: dict[str, Any], room_id: str) -> tuple[Catalog | None, str | None]:
    """A stored shelf row read back, or None and why it cannot be."""
    try:
        shelf = parse_catalog(json.loads(row["catalog"]), "stored shelf")
    except (CatalogError, ValueError, TypeError, RecursionError) as e:
        return None, str(e).splitlines()[0][:300] if str(e) else type(e).__name__
    if shelf.room_id != room_id:
        return None, f"stored shelf is for room {shelf.room_id!r}"
    return shelf, None


def restore(from_file: Catalog, rows: list[dict[str, Any]]) -> Catalog | None:
    """The stored shelf to reopen the room on, or None to start from the file (nothing stored, the
    file edited since, or a stored shelf this release cannot read: see check_saved)."""
    return check_saved(from_file, rows)[0]


def kept_aside_row(row: dict[str, Any], now: float) -> dict[str, Any]:
    """A stored shelf that could not be read, under a key no room can have (room ids never hold
    `#`), so it is never read again but stays in the database for a person to look at."""
    return {**row, "room_id": f"{row['room_id']}#rejected@{now:.0f}", "created_at": now}
