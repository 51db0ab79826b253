"""`cohost export-labels`: a room's reviewed comments as a labelled room to train on.

The operators' labels (the review page, table `qa_labels`) are written in the evaluation set's
format: the room's shelf as `catalog.yaml` and one line per labelled comment in `questions.jsonl`
(`{"id", "text", "on_screen", "expect": {"kind", "product", "source"}}`), the product on screen read
back from the log's `on_screen` events. `cohost eval-qa` on the folder measures the bot on the room's
own viewers; `cohost train-qa --rooms DIR` fits the shipped models on the evaluation rooms and this
one together (docs/answering.md, "A room's own comments", says what that is worth).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.report import logged_rooms
from domain.catalog import Catalog, CatalogError, load_catalog, parse_catalog
from handlers.review import label_problem
from storage.log import InteractionLog
from storage.shelves import saved_shelf

LABELLED = """
select c.comment_id, c.text, c.created_at, l.kind, l.product_id, l.source
  from qa_labels l join comments c on c.comment_id = l.comment_id
 where l.room_id = :room
 order by c.created_at, c.comment_id
"""
SCREENS = """
select detail, created_at from room_events
 where room_id = :room and event = 'on_screen' order by created_at
"""


class ExportError(ValueError):
    """Why a room's labels cannot be exported, in one line for the command's stderr."""


@dataclass
class Exported:
    """What was written, and the labels left out with the reason (a product or an FAQ entry no longer
    on the shelf, say)."""

    questions: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def on_screen_at(screens: list[dict[str, Any]], when: float, catalog: Catalog) -> str | None:
    """The product on screen at `when`: the last `on_screen` event before it (None: nothing shown,
    or a product no longer on the shelf)."""
    shown = None
    for event in screens:
        if event["created_at"] > when:
            break
        shown = event["detail"] or None
    return shown if shown and catalog.product(shown) is not None else None


def question_lines(
    rows: list[dict[str, Any]], screens: list[dict[str, Any]], catalog: Catalog
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The labelled comments as evaluation-set lines, and those whose label the shelf cannot hold."""
    lines, skipped = [], []
    for r in rows:
        answer = r["kind"] == "answer"
        product, source = (r["product_id"], r["source"]) if answer else (None, None)
        problem = label_problem(catalog, r["kind"], product, source)
        if problem is not None:
            skipped.append((r["comment_id"], problem))
            continue
        expect: dict[str, Any] = {"kind": r["kind"]}
        if answer:
            expect |= {"product": product, "source": source}
        on_screen = on_screen_at(screens, r["created_at"], catalog)
        lines.append({"id": r["comment_id"], "text": r["text"], "on_screen": on_screen, "expect": expect})
    return lines, skipped


def room_shelf(log: InteractionLog, room_id: str, catalogs: list[str | Path]) -> Catalog:
    """The room's shelf as last stored in the log (operators' FAQ entries included), else the first
    of `catalogs` that is this room's."""
    rows = log.query(*saved_shelf(room_id))
    if rows:
        try:
            return parse_catalog(json.loads(rows[0]["catalog"]), "stored shelf")
        except (CatalogError, ValueError, TypeError) as e:
            raise ExportError(
                f"room {room_id!r}: its stored shelf cannot be read ({str(e).splitlines()[0]})"
            ) from None
    for path in catalogs:
        try:
            catalog = load_catalog(path)
        except (CatalogError, OSError, ValueError) as e:
            raise ExportError(f"--catalog {path}: {str(e).splitlines()[0]}") from None
        if catalog.room_id == room_id:
            return catalog
    raise ExportError(f"room {room_id!r}: the log stored no shelf; give its catalog file with --catalog")


def export_labels(
    db_path: str | Path, room_id: str, out_dir: str | Path, catalogs: list[str | Path] | None = None
) -> Exported:
    """Write `out_dir`/catalog.yaml and `out_dir`/questions.jsonl for the room's labelled comments.

    ExportError when the database is missing or unreadable, has no row of the room or no label of it,
    the shelf cannot be found, or `out_dir` cannot be written."""
    if not Path(db_path).is_file():
        raise ExportError(f"{db_path}: no such database")
    log = InteractionLog(db_path)
    try:
        rooms = logged_rooms(log)
        if room_id not in rooms:
            raise ExportError(
                f"{db_path}: no rows for room {room_id!r} (rooms in it: {', '.join(rooms) or 'none'})"
            )
        rows = log.query(LABELLED, {"room": room_id})
        screens = log.query(SCREENS, {"room": room_id})
    except sqlite3.DatabaseError as e:
        raise ExportError(f"{db_path}: not a readable SQLite database ({e})") from None
    if not rows:
        raise ExportError(f"room {room_id!r}: no labelled comment yet (label them on the review page, /ops)")
    catalog = room_shelf(log, room_id, list(catalogs or []))
    lines, skipped = question_lines(rows, screens, catalog)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        shelf = catalog.model_dump(mode="json", exclude_none=True)
        (out / "catalog.yaml").write_text(yaml.safe_dump(shelf, allow_unicode=True, sort_keys=False), "utf-8")
        with (out / "questions.jsonl").open("w", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
    except OSError as e:
        raise ExportError(f"--out {out_dir}: {e}") from None
    return Exported(len(lines), skipped)
