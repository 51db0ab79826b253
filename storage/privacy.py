"""Privacy: forgetting a viewer, and storing viewer ids as salted hashes."""

from __future__ import annotations

import hashlib
import hmac
import json

import sqlite_utils

from storage.schema import TABLES


def viewer_key(viewer_id: str, salt: str | None) -> str:
    """The id stored for a viewer: the id itself, or with a salt its keyed hash (HMAC-SHA256, 24 hex)."""
    if not salt:
        return viewer_id
    return "h" + hmac.new(salt.encode(), viewer_id.encode(), hashlib.sha256).hexdigest()[:24]


def forget_viewer(db: sqlite_utils.Database, viewer_id: str) -> dict[str, int]:
    """Delete every row about one viewer; replies addressed to several viewers lose only this one."""
    removed: dict[str, int] = {}
    names = {viewer_id}
    said: set[str] = set()  # the viewer's comment ids, which other rows name
    if "comments" in db.table_names():
        said = {
            r["comment_id"]
            for r in db.query("select comment_id from comments where viewer_id = ?", [viewer_id])
        }
        names |= {
            r["viewer_name"]
            for r in db.query(
                "select distinct viewer_name from comments where viewer_id = ? and viewer_name is not null",
                [viewer_id],
            )
        }
    with db.conn:
        if "qa_labels" in db.table_names() and "comments" in db.table_names():
            # a label holds no viewer id, but names the viewer's comment: it goes with the comment
            n = db.execute(
                "delete from qa_labels where comment_id in (select comment_id from comments where viewer_id = ?)",
                [viewer_id],
            ).rowcount
            if n:
                removed["qa_labels"] = n
        for table, columns in TABLES.items():
            if "viewer_id" in columns and table in db.table_names():
                n = db.execute(f"delete from [{table}] where viewer_id = ?", [viewer_id]).rowcount
                if n:
                    removed[table] = n
        if "replies" in db.table_names():
            for row in db.query(
                "select reply_id, viewer_ids from replies where viewer_ids like ?", [f'%"{viewer_id}"%']
            ):
                others = [v for v in json.loads(row["viewer_ids"] or "[]") if v != viewer_id]
                if others:
                    text = db.execute(
                        "select text from replies where reply_id = ?", [row["reply_id"]]
                    ).fetchone()[0]
                    for name in names:  # the @mention goes too
                        text = text.replace(f"@{name} ", "")
                    reply_to = db.execute(
                        "select reply_to from replies where reply_id = ?", [row["reply_id"]]
                    ).fetchone()[0]
                    kept = [c for c in json.loads(reply_to or "[]") if c not in said]  # and their comments
                    db.execute(
                        "update replies set viewer_ids = ?, text = ?, reply_to = ? where reply_id = ?",
                        [json.dumps(others), text, json.dumps(kept), row["reply_id"]],
                    )
                else:
                    db.execute("delete from replies where reply_id = ?", [row["reply_id"]])
                removed["replies"] = removed.get("replies", 0) + 1
        if said and "room_events" in db.table_names():
            n = _unnamed_in_room_events(db, said)
            if n:
                removed["room_events"] = n
    return removed


def _unnamed_in_room_events(db: sqlite_utils.Database, said: set[str]) -> int:
    """Room events that name the viewer's comments: an answer dropped by the reply cap loses them (and
    goes with its text when it answered no one else); an operator's correction keeps the FAQ entry it
    wrote, which is the shop's, without the comment's id. Returns the rows changed or deleted."""
    n = 0
    for rowid, event, detail in db.execute(
        "select rowid, event, detail from room_events where event in ('reply_dropped', 'answer_corrected')"
    ).fetchall():
        try:
            d = json.loads(detail or "")
        except ValueError:
            continue
        if not isinstance(d, dict):
            continue
        if event == "reply_dropped" and set(d.get("reply_to") or []) & said:
            d["reply_to"] = [c for c in d["reply_to"] if c not in said]
            if not d["reply_to"]:
                db.execute("delete from room_events where rowid = ?", [rowid])
                n += 1
                continue
        elif event == "answer_corrected" and d.get("comment_id") in said:
            d["comment_id"] = None
        else:
            continue
        db.execute(
            "update room_events set detail = ? where rowid = ?", [json.dumps(d, ensure_ascii=False), rowid]
        )
        n += 1
    return n
