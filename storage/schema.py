"""Tables of the interaction log and the ordered migrations that create them."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlite_utils

from storage.tokens import create_table as create_tokens_table

# Every table carries room_id, viewer_id (where a viewer is involved) and created_at (unix seconds).
TABLES: dict[str, dict[str, type]] = {
    "comments": {
        "comment_id": str,
        "room_id": str,
        "viewer_id": str,
        "viewer_name": str,
        "text": str,
        "kind": str,
        "product_id": str,
        "source": str,
        "confidence": float,
        "lang": str,
        "filtered": str,
        "reason": str,  # why the bot decided as it did ("order or intent to buy")
        "created_at": float,
    },
    "replies": {
        "reply_id": str,
        "room_id": str,
        "reply_to": str,
        "viewer_ids": str,
        "text": str,
        "product_id": str,
        "source": str,
        "confidence": float,
        "author": str,
        "audience": str,
        "created_at": float,
    },
    "escalations": {
        "escalation_id": str,
        "room_id": str,
        "viewer_id": str,
        "comment_id": str,
        "text": str,
        "product_id": str,
        "guess": str,
        "confidence": float,
        "reason": str,
        "status": str,
        "kind": str,  # question or complaint (storage/controls.py brings it back with the queue)
        "source": str,  # the entry the guess comes from (a guess sent as it was teaches its wording)
        "on_screen": str,  # the product on screen when it was asked (the console shows it)
        "created_at": float,
    },
    "card_impressions": {
        "card_id": str,
        "room_id": str,
        "viewer_id": str,
        "product_id": str,
        "reason": str,
        "strategy": str,
        "score": float,
        "scores": str,
        "created_at": float,
    },
    "card_clicks": {"card_id": str, "room_id": str, "viewer_id": str, "product_id": str, "created_at": float},
    "cart_adds": {"room_id": str, "viewer_id": str, "product_id": str, "card_id": str, "created_at": float},
    "purchases": {
        "room_id": str,
        "viewer_id": str,
        "product_id": str,
        "qty": int,
        "price": float,
        "card_id": str,
        "created_at": float,
    },
    "viewer_events": {"room_id": str, "viewer_id": str, "event": str, "detail": str, "created_at": float},
    "room_events": {"room_id": str, "event": str, "detail": str, "created_at": float},
    # one row per room: its live shelf as last changed (storage/shelves.py), source = the file's print
    "shelves": {"room_id": str, "source": str, "catalog": str, "created_at": float},
    # one row per room: the streamer console's settings and timers (storage/controls.py)
    "consoles": {"room_id": str, "settings": str, "timers": str, "created_at": float},
    # one row per labelled comment, the operator's last word on it (handlers/review.py, label_problem):
    # what the comment is and, for an answer, which product and entry answer it (`cohost export-labels`)
    "qa_labels": {
        "comment_id": str,
        "room_id": str,
        "kind": str,
        "product_id": str,
        "source": str,
        "created_at": float,
    },
}

PRIMARY_KEYS = {
    "comments": "comment_id",
    "replies": "reply_id",
    "escalations": "escalation_id",
    "card_impressions": "card_id",
    "shelves": "room_id",
    "consoles": "room_id",
    "qa_labels": "comment_id",
}


def _create_tables(db: sqlite_utils.Database) -> None:
    for name, columns in TABLES.items():
        pk = PRIMARY_KEYS.get(name)
        db[name].create(columns, pk=pk, not_null={"room_id", "created_at"}, if_not_exists=True)
        table = db[name]
        table.create_index(["room_id", "created_at"], if_not_exists=True)
        if "viewer_id" in columns:
            table.create_index(["viewer_id", "created_at"], if_not_exists=True)
        table.create_index(["created_at"], if_not_exists=True)
    db["card_clicks"].create_index(["card_id"], if_not_exists=True)


def _add_missing_columns(db: sqlite_utils.Database) -> None:
    """Bring tables made by an older release up to TABLES (new tables and columns; nothing is dropped)."""
    _create_tables(db)
    for name, columns in TABLES.items():
        have = db[name].columns_dict
        for column, kind in columns.items():
            if column not in have:
                db[name].add_column(column, kind)


# Append only: a released migration is never edited, a change of schema is a new entry. The first
# creates the current tables; later ones bring files made by older releases up to date.
MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("0001_initial", _create_tables),
    ("0002_reply_author_and_viewers", _add_missing_columns),
    ("0003_reply_audience", _add_missing_columns),
    ("0004_shelves", _add_missing_columns),
    ("0005_consoles", _add_missing_columns),
    ("0006_tokens", create_tokens_table),
    ("0007_escalation_kind", _add_missing_columns),
    ("0008_qa_labels", _add_missing_columns),
    ("0009_escalation_source", _add_missing_columns),
    ("0010_comment_reason", _add_missing_columns),
    ("0011_escalation_on_screen", _add_missing_columns),
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this database has not seen; returns the names applied."""
    db["_migrations"].create({"name": str, "applied_at": float}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        with db.conn:
            step(db)
            db["_migrations"].insert({"name": name, "applied_at": time.time()})
        applied.append(name)
    return applied
