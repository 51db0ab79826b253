"""The streamer's room controls, kept across restarts.

The console's settings (paused, approve before send) and timers are stored as one row per room
(table `consoles`, written by the interaction log whenever the streamer changes them); the questions
waiting in the streamer's queue come back from `escalations` (status `open`), with the answers
operators wrote for them meanwhile (`answer_corrected` events, made while the room was closed),
and the product on screen from the last `on_screen` event. A restarted server reopens each room
with them, so a paused bot stays paused, no waiting question is dropped (nor answered with the
guess an operator corrected) and "这个" still means the product on screen; the console's counters
count from the start of the show under way, not from the restart. The console's moderation list
is read from the filtered `comments` each time a console opens.
"""

from __future__ import annotations

import json
from typing import Any

# open questions older than this are taken as left over from an earlier show, not brought back
QUEUE_RESTORE_S = 6 * 3600
# a room with no comment for this long has ended its show: the next comment starts another
SHOW_GAP_S = 30 * 60
MODERATION_SHOWN = 50  # the console's moderation list keeps this many (bot/web/static/console.js too)
# a viewer's rate-limited comments less than this apart are one burst, and so are their flooding ones:
# the moderation list shows its first (every one is logged), so one spammer or one viewer repeating a
# line does not push everything else out of the list
RATE_BURST_S = 10.0
BURSTS = ("rate_limited", "flood")  # the reasons whose bursts are listed once


def console_row(room_id: str, settings: dict[str, Any], timers: list[dict[str, Any]]) -> dict[str, Any]:
    """The `consoles` row for a room's controls as they are now."""
    return {"room_id": room_id, "settings": json.dumps(settings), "timers": json.dumps(timers)}


def saved_console(room_id: str) -> tuple[str, dict[str, Any]]:
    """The query for a room's stored controls (at most one row)."""
    return "select settings, timers from consoles where room_id = :room_id", {"room_id": room_id}


def open_questions(room_id: str, now: float) -> tuple[str, dict[str, Any]]:
    """The query for the room's questions still waiting for the streamer, oldest first."""
    sql = """
        select e.escalation_id, e.comment_id, e.viewer_id, e.text, e.product_id, e.guess, e.confidence,
               e.reason, e.created_at, coalesce(e.kind, 'question') as kind, e.source, c.viewer_name as name,
               e.on_screen
          from escalations e left join comments c on c.comment_id = e.comment_id
         where e.room_id = :room_id and e.status = 'open' and e.created_at >= :since
         order by e.created_at
    """
    return sql, {"room_id": room_id, "since": now - QUEUE_RESTORE_S}


def corrected_answers(room_id: str, now: float) -> tuple[str, dict[str, Any]]:
    """The query for the operators' corrections of the room's comments (`answer_corrected` details:
    comment, product, entry) over the same span as `open_questions`, oldest first: a question
    corrected while its room was closed waits with the operator's answer once the room reopens."""
    sql = """
        select detail from room_events
         where room_id = :room_id and event = 'answer_corrected' and created_at >= :since
         order by created_at, rowid
    """
    return sql, {"room_id": room_id, "since": now - QUEUE_RESTORE_S}


def last_on_screen(room_id: str, now: float) -> tuple[str, dict[str, Any]]:
    """The query for the product the streamer last put on screen in this show (at most one row)."""
    sql = """
        select detail, created_at from room_events
         where room_id = :room_id and event = 'on_screen' and created_at >= :since
         order by created_at desc limit 1
    """
    return sql, {"room_id": room_id, "since": now - QUEUE_RESTORE_S}


def show_started(room_id: str, now: float) -> tuple[str, dict[str, Any]]:
    """The query for when the room's show under way began and its last comment (one row, `started`
    and `last`; both null when the room's last comment is more than SHOW_GAP_S old): its first comment
    after the last silence of SHOW_GAP_S, within QUEUE_RESTORE_S. A restarted server counts the
    console's counters from there (`ConsoleState.heard` starts the next show as it goes)."""
    sql = """
        with recent as (
          select created_at, created_at - lag(created_at) over (order by created_at) as gap
            from comments where room_id = :room_id and created_at >= :since
        ),
        latest as (select max(created_at) as at from recent)
        select case when latest.at >= :now - :gap_s
                    then (select max(created_at) from recent where gap is null or gap >= :gap_s) end
               as started,
               case when latest.at >= :now - :gap_s then latest.at end as last
          from latest
    """
    return sql, {"room_id": room_id, "since": now - QUEUE_RESTORE_S, "now": now, "gap_s": SHOW_GAP_S}


def recent_filtered(room_id: str, now: float, limit: int = MODERATION_SHOWN) -> tuple[str, dict[str, Any]]:
    """The query for the room's latest comments kept out of the Q&A in this show, newest first, with
    the keys of the `moderation` event (`ts`: when it was said); of a burst of one viewer's
    rate-limited (or flooding) comments, its first (as the live event)."""
    sql = """
        select comment_id, viewer_id, name, text, reason, ts from (
          select comment_id, viewer_id, viewer_name as name, text, filtered as reason, created_at as ts,
                 rowid as rid, created_at - lag(created_at) over (
                   partition by viewer_id, filtered order by created_at, rowid) as gap
            from comments
           where room_id = :room_id and filtered is not null and created_at >= :since
        )
         where reason not in ({bursts}) or gap is null or gap >= :burst_s
         order by ts desc, rid desc limit :limit
    """.format(bursts=", ".join(f"'{r}'" for r in BURSTS))
    return sql, {"room_id": room_id, "since": now - QUEUE_RESTORE_S, "limit": limit, "burst_s": RATE_BURST_S}
