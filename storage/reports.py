"""Read queries for the console counters, the operator's Q&A review and the room analytics.

SQL lives here; the numbers are computed by the pure functions in storage/stats.py. Every function
that runs SQL takes `query` (InteractionLog.query, or any callable with its signature) and is blocking:
call it through a thread from async code.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from domain.messages import MAYBE_COMPLAINT
from storage import stats
from storage.controls import SHOW_GAP_S

Query = Callable[..., list[dict[str, Any]]]

QUESTION_KINDS = ("answer", "escalate")
# the review list's `kind` filter: a comment's kind, or `question` (answer or escalate) and `review`
# (those and complaints); and its `feedback` filter
QA_KINDS = ("answer", "escalate", "purchase", "chat", "complaint", "question", "review")
QA_FEEDBACK = ("up", "down", "any", "none", "corrected", "labelled", "unlabelled")
QA_STATUSES = (
    "answered",
    "escalated",
    "streamer_answered",
    "dismissed",
    "expired",
    "queue_full",
    "unsent",
    "filtered",
    "maybe_complaint",
    "other",
)


def live_counters(room_id: str, since: float, now: float | None = None) -> tuple[str, dict[str, Any]]:
    """The streamer console's counters for one room since `since` (one row)."""
    now = time.time() if now is None else now
    sql = """
        select
          (select count(*) from comments where room_id = :room and created_at >= :since) as comments,
          (select count(*) from comments where room_id = :room and created_at >= :minute_ago)
            as comments_per_min,
          (select count(*) from comments where room_id = :room and created_at >= :since
             and kind in ('answer', 'escalate')) as questions,
          (select count(*) from comments where room_id = :room and created_at >= :since
             and kind = 'answer') as answered,
          (select count(*) from comments where room_id = :room and created_at >= :since
             and kind = 'escalate') as escalated,
          (select count(*) from escalations where room_id = :room and created_at >= :since
             and status = 'queue_full' and coalesce(kind, 'question') = 'question') as not_queued,
          (select count(*) from escalations where room_id = :room and created_at >= :since
             and status = 'answered' and coalesce(kind, 'question') = 'question') as streamer_answered,
          -- answers the room's reply budget kept off the room's screen: to their askers alone, or
          -- (hygiene.over_cap: drop) not sent
          ((select count(*) from replies where room_id = :room and created_at >= :since and author = 'bot'
              and audience = 'asker' and coalesce(source, '') != 'complaint')
           + (select count(*) from room_events where room_id = :room and created_at >= :since
              and event = 'reply_dropped')) as over_budget,
          (select count(*) from card_impressions where room_id = :room and created_at >= :since)
            as cards_shown,
          (select count(*) from card_clicks where room_id = :room and created_at >= :since) as clicks,
          (select count(*) from cart_adds where room_id = :room and created_at >= :since) as carts,
          (select count(*) from purchases where room_id = :room and created_at >= :since) as orders,
          (select coalesce(sum(qty * price), 0) from purchases where room_id = :room
             and created_at >= :since) as revenue
    """
    return sql, {"room": room_id, "since": since, "minute_ago": now - 60}


_QA_SQL = """
with first_reply as (
  -- a complaint's first reply is the bot's note that a person will follow up: the streamer's
  -- answer after it is the one to review
  select * from (
    select j.value as comment_id, r.reply_id, r.text, r.author, r.source as reply_source, r.created_at,
           row_number() over (
             partition by j.value order by coalesce(r.source, '') = 'complaint', r.created_at
           ) as rn
      from replies r, json_each(r.reply_to) j
     where (:room is null or r.room_id = :room)
  ) where rn = 1
),
votes as (
  select json_extract(detail, '$.reply_id') as reply_id,
         sum(json_extract(detail, '$.helpful') = 1) as up,
         sum(json_extract(detail, '$.helpful') = 0) as down
    from viewer_events where event = 'feedback' group by 1
),
fixes as (
  select json_extract(detail, '$.comment_id') as comment_id, max(created_at) as corrected_at,
         json_extract(detail, '$.answer') as corrected_answer
    from room_events where event = 'answer_corrected' group by 1
),
qa as (
  select c.comment_id, c.room_id, c.viewer_id, c.viewer_name, c.text, c.kind, c.product_id, c.source,
         c.confidence, c.filtered, c.reason, c.created_at,
         r.reply_id, r.text as answer, r.author, r.created_at as replied_at,
         e.escalation_id, e.status as escalation_status, e.guess, e.reason as escalation_reason,
         coalesce(v.up, 0) as feedback_up, coalesce(v.down, 0) as feedback_down,
         f.corrected_answer, f.corrected_at,
         l.kind as label_kind, l.product_id as label_product, l.source as label_source,
         l.created_at as label_at,
         case
           when c.filtered is not null then 'filtered'
           when r.author = 'streamer' then 'streamer_answered'
           -- a complaint's first reply is the bot's note that a person will follow up: no answer
           when r.reply_id is not null and coalesce(r.reply_source, '') != 'complaint' then 'answered'
           when e.status = 'answered' then 'streamer_answered'
           when e.status = 'open' then 'escalated'
           when e.status = 'dismissed' then 'dismissed'
           when e.status = 'expired' then 'expired'
           when e.status = 'queue_full' then 'queue_full'
           when c.kind = 'answer' then 'unsent'
           -- an order or chat that may be after-sales trouble (domain/messages.py MAYBE_COMPLAINT)
           when c.reason like :maybe_complaint then 'maybe_complaint'
           else 'other'
         end as status
    from comments c
    left join first_reply r on r.comment_id = c.comment_id
    left join escalations e on e.comment_id = c.comment_id
    left join votes v on v.reply_id = r.reply_id
    left join fixes f on f.comment_id = c.comment_id
    left join qa_labels l on l.comment_id = c.comment_id
   where (:room is null or c.room_id = :room) and (:comment is null or c.comment_id = :comment)
)
select * from qa
 where (:since is null or created_at >= :since)
   and (:until is null or created_at < :until)
   and (:kind is null or kind = :kind or (:kind = 'question' and kind in ('answer', 'escalate'))
        or (:kind = 'review' and (kind in ('answer', 'escalate', 'complaint') or status = 'maybe_complaint')))
   and (:min_conf is null or confidence >= :min_conf)
   and (:max_conf is null or confidence <= :max_conf)
   and (:status is null or status = :status)
   and (:feedback is null
        or (:feedback = 'up' and feedback_up > 0)
        or (:feedback = 'down' and feedback_down > 0)
        or (:feedback = 'any' and feedback_up + feedback_down > 0)
        or (:feedback = 'none' and feedback_up + feedback_down = 0)
        or (:feedback = 'corrected' and corrected_at is not null)
        or (:feedback = 'labelled' and label_kind is not null)
        or (:feedback = 'unlabelled' and label_kind is null))
 order by created_at desc
 limit :limit
"""


def qa_review(
    room: str | None = None,
    since: float | None = None,
    until: float | None = None,
    kind: str | None = None,
    min_conf: float | None = None,
    max_conf: float | None = None,
    status: str | None = None,
    feedback: str | None = None,
    limit: int = 500,
    comment: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Every logged comment with the bot's decision, its first reply, the escalation, viewer votes and
    any operator correction, newest first. `kind='question'` means answer or escalate, `kind='review'`
    those, complaints and the orders or chat that may be after-sales trouble (status
    `maybe_complaint`): the review page's default, as after-sales trouble must reach a person;
    `status` is one of QA_STATUSES; `feedback` is up, down, any, none, corrected, labelled or unlabelled;
    `comment` one comment's row only. `label_at` is the label's time: what an operator saw, sent back
    with a label or a correction, tells whether another changed it since."""
    return _QA_SQL, {
        "room": room,
        "since": since,
        "until": until,
        "kind": kind,
        "min_conf": min_conf,
        "max_conf": max_conf,
        "status": status,
        "feedback": feedback,
        "limit": limit,
        "comment": comment,
        "maybe_complaint": f"{MAYBE_COMPLAINT}%",
    }


def comment_by_id(comment_id: str) -> tuple[str, dict[str, Any]]:
    return "select * from comments where comment_id = :id", {"id": comment_id}


def comment_label(comment_id: str) -> tuple[str, dict[str, Any]]:
    """The operator's label of a comment, if any (at most one row)."""
    return "select * from qa_labels where comment_id = :id", {"id": comment_id}


def labelled_entries(room_id: str, product_id: str) -> tuple[str, dict[str, Any]]:
    """Every entry id the room's labels name for a product, and every operators' answer its
    corrections wrote for it (rows of `source`): an operators' answer never takes an id once given
    another entry, whose labels may live on where a taking back did not reach (another process's
    log, an exported room)."""
    sql = """
        select distinct source from qa_labels
         where room_id = :room and product_id = :product and source is not null
        union
        select distinct json_extract(detail, '$.faq_id') from room_events
         where room_id = :room and event = 'answer_corrected'
           and json_extract(detail, '$.product_id') = :product and json_extract(detail, '$.faq_id') is not null
    """
    return sql, {"room": room_id, "product": product_id}


# -- room analytics --------------------------------------------------------------------------------
def _rows(query: Query, sql: str, room_id: str) -> list[dict[str, Any]]:
    return query(sql, {"room": room_id})


def funnel_counts(query: Query, room_id: str) -> dict[str, int]:
    """Distinct viewers at each step, and the event counts beside them."""
    sql = """
        select
          (select count(distinct viewer_id) from viewer_events where room_id = :room and event = 'join')
            as viewers,
          (select count(distinct viewer_id) from comments where room_id = :room) as commenters,
          (select count(distinct viewer_id) from comments where room_id = :room
             and kind in ('answer', 'escalate')) as askers,
          (select count(distinct viewer_id) from card_impressions where room_id = :room) as shown_cards,
          (select count(distinct viewer_id) from card_clicks where room_id = :room) as clickers,
          (select count(distinct viewer_id) from cart_adds where room_id = :room) as carters,
          (select count(distinct viewer_id) from purchases where room_id = :room) as buyers,
          (select count(*) from comments where room_id = :room) as comments,
          (select count(*) from comments where room_id = :room and kind in ('answer', 'escalate'))
            as questions,
          (select count(*) from card_impressions where room_id = :room) as impressions,
          (select count(*) from card_clicks where room_id = :room) as clicks,
          (select count(*) from cart_adds where room_id = :room) as carts,
          (select count(*) from purchases where room_id = :room) as orders,
          (select coalesce(sum(qty), 0) from purchases where room_id = :room) as units,
          (select coalesce(sum(qty * price), 0) from purchases where room_id = :room) as revenue
    """
    return _rows(query, sql, room_id)[0]


# a card's reason as logged before its code was (the text in the viewer's language) -> its code
REASON_CODES = ("asked", "bought_together", "for_you", "hot", "on_screen")
_REASON_TEXTS = (
    (re.compile(r"^(你刚问过|You just asked about this)$"), "asked"),
    (re.compile(r"^(买了.*的人也买了|People who bought .* also bought this)$"), "bought_together"),
    (re.compile(r"^(猜你喜欢|Picked for you)$"), "for_you"),
    (re.compile(r"^(直播间热卖|Selling fast in this room)$"), "hot"),
    (re.compile(r"^(正在讲解|On screen now)$"), "on_screen"),
)


def reason_code(logged: str | None) -> str:
    """One code per card reason whatever language (and product name) its text was written in."""
    text = (logged or "").strip()
    if text in REASON_CODES:
        return text
    for pattern, code in _REASON_TEXTS:
        if pattern.match(text):
            return code
    return text or "unknown"


def card_performance(query: Query, room_id: str, by: str) -> list[dict[str, Any]]:
    """Impressions, clicks, card-attributed carts and orders, CTR and conversion, grouped by the
    card's `product_id`, `reason` (its code: "asked", "hot", ..., one row whatever language the card
    was shown in) or `strategy`."""
    if by not in ("product_id", "reason", "strategy"):
        raise ValueError(f"cannot group cards by {by!r}")
    column = "coalesce(json_extract(i.scores, '$.reason_key'), i.reason)" if by == "reason" else f"i.{by}"
    sql = f"""
        select {column} as key, count(*) as impressions,
               count(distinct c.card_id) as clicks,
               count(distinct a.card_id) as carts,
               count(distinct p.card_id) as orders
          from card_impressions i
          left join card_clicks c on c.card_id = i.card_id
          left join cart_adds a on a.card_id = i.card_id
          left join purchases p on p.card_id = i.card_id
         where i.room_id = :room
         group by key order by impressions desc, key
    """
    rows = _rows(query, sql, room_id)
    if by == "reason":
        rows = _merge_reasons(rows)
    for r in rows:
        r["ctr"] = stats.ratio(r["clicks"], r["impressions"])
        r["conversion"] = stats.ratio(r["orders"], r["impressions"])
    return rows


def _merge_reasons(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows keyed by reason code: texts logged without a code fold into their code's row."""
    merged: dict[str, dict[str, Any]] = {}
    for r in rows:
        code = reason_code(r["key"])
        into = merged.setdefault(code, {"key": code, "impressions": 0, "clicks": 0, "carts": 0, "orders": 0})
        for k in ("impressions", "clicks", "carts", "orders"):
            into[k] += r[k]
    return sorted(merged.values(), key=lambda r: (-r["impressions"], r["key"]))


def product_names(query: Query, room_id: str) -> dict[str, dict[str, Any]]:
    """The room's products as its last stored shelf names them: id -> {link, title, title_en}.
    Empty for a log from before rooms stored their shelf as they open, of a show whose shelf never
    changed (the catalog file names them then)."""
    try:
        rows = _rows(
            query,
            "select catalog from shelves where room_id = :room order by created_at desc limit 1",
            room_id,
        )
        products = json.loads(rows[0]["catalog"]).get("products", []) if rows else []
    except (sqlite3.DatabaseError, json.JSONDecodeError, AttributeError, TypeError):
        return {}  # a log from before shelves were kept, or a row that is not a catalog
    return {
        str(p["id"]): {"link": p.get("link"), "title": p.get("title"), "title_en": p.get("title_en")}
        for p in products
        if isinstance(p, dict) and "id" in p
    }


def product_sales(query: Query, room_id: str) -> list[dict[str, Any]]:
    """Orders, units and revenue per product, card-attributed or not."""
    sql = """
        select product_id, count(*) as orders, sum(qty) as units, sum(qty * price) as revenue
          from purchases where room_id = :room group by product_id order by revenue desc, product_id
    """
    return _rows(query, sql, room_id)


def answer_stats(query: Query, room_id: str) -> dict[str, Any]:
    """Answer and escalation rates, the median time from a comment to its first reply, and the bot's
    decisions scored against the operators' labels (`checked`)."""
    counts = _rows(
        query,
        """
        select
          count(*) filter (where kind in ('answer', 'escalate')) as questions,
          count(*) filter (where kind = 'answer') as answered,
          count(*) filter (where kind = 'escalate') as escalated,
          (select count(*) from escalations where room_id = :room and status = 'answered'
             and coalesce(kind, 'question') = 'question') as streamer_answered,
          (select count(*) from escalations where room_id = :room and status = 'dismissed'
             and coalesce(kind, 'question') = 'question') as dismissed,
          (select count(*) from escalations where room_id = :room and status = 'queue_full'
             and coalesce(kind, 'question') = 'question') as not_queued
          from comments where room_id = :room
        """,
        room_id,
    )[0]
    latencies = _rows(
        query,
        """
        select r.author, min(r.created_at) - c.created_at as latency
          from replies r, json_each(r.reply_to) j join comments c on c.comment_id = j.value
         where r.room_id = :room
         group by c.comment_id, r.author
        """,
        room_id,
    )
    bot = [r["latency"] for r in latencies if r["author"] != "streamer"]
    streamer = [r["latency"] for r in latencies if r["author"] == "streamer"]
    labelled = _rows(
        query,
        """
        select c.kind, c.product_id, c.source,
               l.kind as label_kind, l.product_id as label_product, l.source as label_source
          from qa_labels l join comments c on c.comment_id = l.comment_id
         where l.room_id = :room
        """,
        room_id,
    )
    return {
        **counts,
        "checked": stats.label_figures(labelled),
        "answer_rate": stats.ratio(counts["answered"], counts["questions"]),
        "escalation_rate": stats.ratio(counts["escalated"], counts["questions"]),
        "median_latency_s": stats.median(bot),
        "median_streamer_latency_s": stats.median(streamer),
        "replied": len(bot),
    }


def shows(query: Query, room_id: str) -> list[dict[str, Any]]:
    """The room's shows, each ended by SHOW_GAP_S without a join, leave, comment or purchase (as the
    console counts one; a restart mid-show is the same show), with viewers, length in minutes (first
    to last logged event) and units sold."""
    events = _rows(
        query,
        """
        select viewer_id, 'view' as kind, null as product_id, 0 as qty, null as price, created_at
          from viewer_events where room_id = :room
        union all select viewer_id, 'comment', product_id, 0, null, created_at from comments where room_id = :room
        union all select viewer_id, 'buy', product_id, qty, price, created_at from purchases where room_id = :room
        order by created_at
        """,
        room_id,
    )
    return stats.split_shows(events, SHOW_GAP_S)


def viewer_behaviour(query: Query, room_id: str) -> list[dict[str, Any]]:
    """Per viewer who joined: watch seconds and counts of each kind of interaction, and orders."""
    sessions = _rows(
        query,
        """
        select viewer_id, event, created_at from viewer_events
         where room_id = :room and event in ('join', 'leave') order by viewer_id, created_at
        """,
        room_id,
    )
    end = _rows(
        query,
        """
        select max(t) as t from (
          select max(created_at) as t from viewer_events where room_id = :room
          union all select max(created_at) from comments where room_id = :room
          union all select max(created_at) from purchases where room_id = :room)
        """,
        room_id,
    )[0]["t"]
    watch = stats.watch_seconds(sessions, end or 0.0)
    counts = _rows(
        query,
        """
        select viewer_id,
               sum(kind = 'comment') as comments, sum(kind = 'question') as questions,
               sum(kind = 'like') as likes, sum(kind = 'impression') as impressions,
               sum(kind = 'click') as clicks, sum(kind = 'cart') as carts, sum(kind = 'order') as orders
          from (
            select viewer_id, case when kind in ('answer', 'escalate') then 'question' else 'comment' end
                   as kind from comments where room_id = :room
            union all select viewer_id, 'like' from viewer_events where room_id = :room and event = 'like'
            union all select viewer_id, 'impression' from card_impressions where room_id = :room
            union all select viewer_id, 'click' from card_clicks where room_id = :room
            union all select viewer_id, 'cart' from cart_adds where room_id = :room
            union all select viewer_id, 'order' from purchases where room_id = :room
          ) group by viewer_id
        """,
        room_id,
    )
    by_viewer = {r["viewer_id"]: r for r in counts}
    keys = ("comments", "questions", "likes", "impressions", "clicks", "carts", "orders")
    out = []
    for viewer_id, seconds in sorted(watch.items()):
        row = by_viewer.get(viewer_id, {})
        out.append({"viewer_id": viewer_id, "watch_s": seconds, **{k: int(row.get(k) or 0) for k in keys}})
    return out


def baskets(query: Query, room_id: str) -> list[set[str]]:
    """The set of products each viewer bought in the room (one basket per viewer)."""
    rows = _rows(
        query,
        "select viewer_id, group_concat(distinct product_id) as products from purchases "
        "where room_id = :room group by viewer_id",
        room_id,
    )
    return [set(r["products"].split(",")) for r in rows if r["products"]]


def known_prices(query: Query, room_id: str) -> dict[str, float]:
    """The last logged price of each product: from purchases and from streamer price changes."""
    prices: list[tuple[float, str, float]] = [
        (r["created_at"], r["product_id"], r["price"])
        for r in _rows(
            query,
            "select created_at, product_id, price from purchases where room_id = :room and price is not null",
            room_id,
        )
    ]
    for r in _rows(
        query,
        "select created_at, detail from room_events where room_id = :room and event = 'product_updated'",
        room_id,
    ):
        try:
            detail = json.loads(r["detail"] or "{}")
        except json.JSONDecodeError:
            continue
        if isinstance(detail, dict) and "price" in detail and "product_id" in detail:
            prices.append((r["created_at"], str(detail["product_id"]), float(detail["price"])))
    return {pid: price for _, pid, price in sorted(prices)}


def room_logged(room_id: str) -> tuple[str, dict[str, Any]]:
    """The query for whether the log holds anything of the room (one row, `logged` 0 or 1)."""
    sql = """
        select exists(select 1 from comments where room_id = :room)
            or exists(select 1 from viewer_events where room_id = :room)
            or exists(select 1 from room_events where room_id = :room) as logged
    """
    return sql, {"room": room_id}


def visited_rooms() -> tuple[str, dict[str, Any]]:
    """Every room the log holds viewers' interactions of (comments, joins, likes, feedback), with
    the time of its last one (`last_at`), the latest first: the review page's filter offers a room
    closed now for the shows it had."""
    sql = """
        select room_id, max(last_at) as last_at from (
          select room_id, max(created_at) as last_at from comments group by room_id
          union all select room_id, max(created_at) from viewer_events group by room_id
        ) group by room_id order by last_at desc, room_id
    """
    return sql, {}


def room_report(query: Query, room_id: str, seed: int = 0) -> dict[str, Any]:
    """Everything the analytics page and `cohost report` show for one room, as plain data."""
    viewers = viewer_behaviour(query, room_id)
    show_rows = shows(query, room_id)
    return {
        "room_id": room_id,
        "generated_at": time.time(),
        "funnel": funnel_counts(query, room_id),
        "by_product": card_performance(query, room_id, "product_id"),
        "by_reason": card_performance(query, room_id, "reason"),
        "by_strategy": card_performance(query, room_id, "strategy"),
        "sales": product_sales(query, room_id),
        "answers": answer_stats(query, room_id),
        "retention": stats.retention_curve([v["watch_s"] for v in viewers]),
        "segments": stats.segments(viewers),
        "rules": stats.bought_together(baskets(query, room_id)),
        "shows": show_rows,
        "forecast": stats.sales_forecast(show_rows, known_prices(query, room_id)),
        "propensity": stats.purchase_propensity(viewers, seed),
        "products": product_names(query, room_id),
    }
