"""`cohost export-labels`: a room's reviewed comments as a labelled room to train on.

The operators' labels (the review page, table `qa_labels`) are written in the evaluation set's
format: the room's shelf as `catalog.yaml` and one line per labelled comment in `questions.jsonl`
(`{"id", "text", "on_screen", "expect": {"kind", "product", "source"}}`), the product on screen read
back from the log's `on_screen` events. A cluster's processes each log to a file of their own: give
them all (`--db` repeated), and a label is joined to its comment whichever process logged each. `cohost eval-qa` on the folder measures the bot on the room's
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
from domain.catalog import Catalog, CatalogError, load_catalog
from handlers.review import label_problem
from storage.log import InteractionLog
from storage.shelves import read_shelf, saved_shelf

LABELS = "select comment_id, kind, product_id, source, created_at from qa_labels where room_id = :room"
COMMENTS = "select comment_id, text, created_at from comments where room_id = :room"
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


def untaught(catalog: Catalog) -> Catalog:
    """The shelf without the wordings labels taught (`asked_as`): they are the labelled comments'
    own words, which the bot answers before anything is learned, so a measure on the exported
    comments would read them back and a fit on them would never see them decided."""
    for product in catalog.products:
        if product.asked_as:
            catalog = catalog.with_product(product.model_copy(update={"asked_as": {}}))
    return catalog


def room_shelf(stored: list[dict[str, Any]], room_id: str, catalogs: list[str | Path]) -> Catalog:
    """The room's shelf as last stored in the logs (operators' FAQ entries included; of several
    processes' logs, the newest), else the first of `catalogs` that is this room's."""
    if stored:
        shelf, problem = read_shelf(max(stored, key=lambda r: r["created_at"] or 0), room_id)
        if shelf is None:
            raise ExportError(f"room {room_id!r}: its stored shelf cannot be read ({problem})")
        return shelf
    for path in catalogs:
        try:
            catalog = load_catalog(path)
        except (CatalogError, OSError, ValueError) as e:
            raise ExportError(f"--catalog {path}: {str(e).splitlines()[0]}") from None
        if catalog.room_id == room_id:
            return catalog
    raise ExportError(f"room {room_id!r}: the log stored no shelf; give its catalog file with --catalog")


@dataclass
class _Logged:
    """A room's rows read from one or more processes' log files."""

    labels: dict[str, dict[str, Any]] = field(default_factory=dict)  # comment id → its latest label
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    screens: list[dict[str, Any]] = field(default_factory=list)
    shelves: list[dict[str, Any]] = field(default_factory=list)
    rooms: set[str] = field(default_factory=set)

    def read(self, db_path: str | Path, room_id: str) -> None:
        if not Path(db_path).is_file():
            raise ExportError(f"{db_path}: no such database")
        log = InteractionLog(db_path)
        try:
            self.rooms.update(logged_rooms(log))
            room = {"room": room_id}
            for label in log.query(LABELS, room):
                earlier = self.labels.get(label["comment_id"])
                if earlier is None or label["created_at"] >= earlier["created_at"]:
                    self.labels[label["comment_id"]] = label
            self.comments.update((c["comment_id"], c) for c in log.query(COMMENTS, room))
            self.screens += log.query(SCREENS, room)
            self.shelves += log.query(*saved_shelf(room_id))
        except sqlite3.DatabaseError as e:
            raise ExportError(f"{db_path}: not a readable SQLite database ({e})") from None

    def labelled(self) -> list[dict[str, Any]]:
        """The labelled comments with their labels, oldest first (a label whose comment is in none
        of the files is left out: give every process's log)."""
        rows = [
            {**c, **{k: label[k] for k in ("kind", "product_id", "source")}}
            for cid, label in self.labels.items()
            if (c := self.comments.get(cid)) is not None
        ]
        return sorted(rows, key=lambda r: (r["created_at"], r["comment_id"]))


def export_labels(
    db_paths: list[str | Path], room_id: str, out_dir: str | Path, catalogs: list[str | Path] | None = None
) -> Exported:
    """Write `out_dir`/catalog.yaml and `out_dir`/questions.jsonl for the room's labelled comments,
    read from one log file or from the files of every process of a cluster (a label written by one
    process can be of a comment another one logged).

    ExportError when a database is missing or unreadable, none has a row of the room or a label of it,
    the shelf cannot be found, or `out_dir` cannot be written."""
    logged = _Logged()
    for db_path in db_paths:
        logged.read(db_path, room_id)
    names = ", ".join(str(p) for p in db_paths)
    if room_id not in logged.rooms:
        raise ExportError(
            f"{names}: no rows for room {room_id!r} (rooms in it: {', '.join(sorted(logged.rooms)) or 'none'})"
        )
    rows = logged.labelled()
    if not rows:
        raise ExportError(f"room {room_id!r}: no labelled comment yet (label them on the review page, /ops)")
    catalog = untaught(room_shelf(logged.shelves, room_id, list(catalogs or [])))
    lines, skipped = question_lines(rows, sorted(logged.screens, key=lambda e: e["created_at"]), catalog)
    skipped += [
        (cid, "the comment is in none of the log files given")
        for cid in logged.labels.keys() - logged.comments.keys()
    ]
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
