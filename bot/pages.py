"""Web pages (viewer room, streamer console, operator review, analytics) and the operator's JSON API.

Pages are static HTML from bot/web with the room id (and, for an authorised console, the token)
filled in escaped; everything else a page shows arrives as data and is rendered with textContent.
Streamer and operator pages take their token from `?token=` (then kept in an HttpOnly cookie and
dropped from the address), a cookie, or `Authorization: Bearer`; the operator API from the header or
the cookie only. A missing or wrong one gets 401 with a sign-in form, is counted (bot/refusals.py,
`GET /metrics`), and is compared in constant time.

Every page is sent with `Cache-Control: no-store` (the console's HTML holds the streamer token) and a
Content-Security-Policy that runs only the server's own script files: no inline script, no inline
style but the analytics page's own <style> block, allowed by its hash.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import html
import io
import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

from aiohttp import web

from bot.app import LOG, NAMESPACE, REFUSALS, REGISTRY, SALT, TOKENS, body_error, body_timeout
from bot.app import error_response as _error
from bot.bodies import BodyError, json_object
from bot.report import render_report
from domain.catalog import Catalog, CatalogError, Product
from handlers.comments import escalation_row, shelf_payload
from handlers.payloads import REPLY_MAX_CHARS
from handlers.review import (
    add_faq,
    answer_in_queue,
    faq_question,
    label_problem,
    label_row,
    learned_of,
    product_entries,
    teach_comment,
    unlearn,
)
from handlers.rooms import Room
from storage.privacy import viewer_key
from storage.reports import (
    QA_FEEDBACK,
    QA_KINDS,
    QA_STATUSES,
    comment_by_id,
    comment_label,
    labelled_entries,
    qa_review,
    room_logged,
    room_report,
    visited_rooms,
)
from storage.shelves import read_shelf, saved_shelf, saved_shelves, shelf_row

logger = logging.getLogger(__name__)

WEB = Path(__file__).parent / "web"
STREAMER_COOKIE = "cohost_streamer"
OPERATOR_COOKIE = "cohost_operator"
MAX_QA_ROWS = 100_000  # rows of the review list one request lists at most
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'{styles}; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)
# Every key of a `GET /api/ops/qa` row (tests/test_ops.py checks it): the export is the review's rows.
CSV_COLUMNS = (
    "time",  # created_at as a spreadsheet reads it: the server's local time with its UTC offset
    "created_at",
    "room_id",
    "viewer_id",
    "viewer_name",
    "text",
    "kind",
    "product_id",
    "source",
    "confidence",
    "status",
    "filtered",  # why a `filtered` row was (banned_word, flood, rate_limited, ...)
    "reason",  # why the bot decided as it did ("order or intent to buy"); empty in logs before 0010
    "answer",
    "author",
    "reply_id",
    "replied_at",
    "escalation_id",
    "escalation_status",
    "escalation_reason",
    "guess",
    "feedback_up",
    "feedback_down",
    "corrected_answer",
    "corrected_at",
    "label_kind",
    "label_product",
    "label_source",
    "label_at",
    "comment_id",
)


def add_page_routes(app: web.Application) -> None:
    """Register the pages, the operator API and the static files (called from create_app)."""
    app.add_routes(
        [
            web.get("/", index),
            web.get("/room/{room_id}", room_page),
            web.get("/room/{room_id}/products.json", room_products),
            web.get("/console/{room_id}", console_page),
            web.get("/ops", ops_page),
            web.get("/ops/rooms/{room_id}", analytics_page),
            web.get("/api/ops/rooms", ops_rooms),
            web.get("/api/ops/qa", ops_qa),
            web.get("/api/ops/qa.csv", ops_qa_csv),
            web.post("/api/ops/corrections", ops_correct),
            web.post("/api/ops/labels", ops_label),
            web.post("/api/ops/unlearn", ops_unlearn),
            web.post("/api/ops/unlabel", ops_unlabel),
            web.get("/api/ops/rooms/{room_id}/report", ops_report_json),
            web.delete("/api/viewers/{viewer_id}", forget_viewer_route),
            web.static("/static", WEB / "static", append_version=False),
        ]
    )
    app.on_response_prepare.append(_no_store)


async def _no_store(request: web.Request, response: web.StreamResponse) -> None:
    """Nothing but the static files is kept by a browser or a proxy: pages hold tokens and the
    operator API viewers' comments."""
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


def _template(name: str, **values: str) -> str:
    text = (WEB / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
    return text


def _html(text: str, status: int = 200) -> web.Response:
    """A page, with its Content-Security-Policy: the <style> blocks it holds (the analytics report's)
    are allowed by their hashes, nothing else inline."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(m.encode()).digest()).decode()}'"
        for m in _STYLE_BLOCK.findall(text)
    )
    return web.Response(
        text=text,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "Content-Security-Policy": CSP.format(styles=hashes),
        },
    )


# -- tokens ------------------------------------------------------------------------------------------
def _given(request: web.Request, cookie: str, query: bool = True) -> tuple[str, str]:
    """The token a request carries and where: query (pages only), header or cookie."""
    if query and "token" in request.query:
        return request.query["token"], "query"
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:], "header"
    return request.cookies.get(cookie, ""), "cookie"


def _refuse(request: web.Request, kind: str) -> None:
    """Counted, not logged row by row: a row each let anyone grow the database at will."""
    request.app[REFUSALS].refuse(kind, f"{request.method} {request.path}")


def _page_auth(
    request: web.Request, valid: Callable[[str], bool], cookie: str, who: str
) -> web.Response | None:
    """None when the request may see the page; else the 401 sign-in page or the redirect that keeps
    a `?token=` in a cookie and takes it out of the address bar. A streamer's cookie is kept for its
    console's path only: each room has a token of its own."""
    given, where = _given(request, cookie)
    if given and valid(given):
        if where != "query":
            return None
        response = web.Response(status=303, headers={"Location": request.path, "Cache-Control": "no-store"})
        path = "/" if who == "operator" else request.rel_url.raw_path
        response.set_cookie(cookie, given, httponly=True, samesite="Strict", path=path)
        return response
    if given:
        _refuse(request, f"{who}_page")
    page = _template(
        "login.html",
        who=who,
        path=request.path,
        message="Wrong token." if given else f"This page needs the {who} token.",
        message_key="login.wrong" if given else f"login.needs.{who}",
    )
    return _html(page, status=401)


def _api_auth(request: web.Request) -> web.Response | None:
    """The operator API takes its token from the header or the pages' cookie, never from the URL
    (where proxies, the browser history and access logs keep it)."""
    given, _ = _given(request, OPERATOR_COOKIE, query=False)
    if given and request.app[TOKENS].operator_ok(given):
        return None
    _refuse(request, "operator_api")
    return _error(401, "unauthorized", "a valid operator token is required (Authorization: Bearer ...)")


# -- pages -------------------------------------------------------------------------------------------
async def index(request: web.Request) -> web.Response:
    registry = request.app.get(REGISTRY)
    rooms = sorted(registry.rooms) if registry else []
    items = "".join(
        f'<li><a href="/room/{html.escape(r, quote=True)}">{html.escape(r)}</a></li>' for r in rooms
    )
    return _html(_template("index.html").replace("<!--rooms-->", items))


def _known_room(request: web.Request) -> str | web.Response:
    room_id = request.match_info["room_id"]
    registry = request.app.get(REGISTRY)
    if registry is None or registry.get(room_id) is None:
        return _no_room(room_id)
    return room_id


def _no_room(room_id: str) -> web.Response:
    return _html(f"<!doctype html><title>no such room</title><p>No room {html.escape(room_id)}.</p>", 404)


def _room_name(request: web.Request, room_id: str) -> str:
    """What a page heads the room with: the catalog's `title`, else the room id."""
    registry = request.app.get(REGISTRY)
    room = registry.get(room_id) if registry is not None else None
    return (room.catalog.title if room is not None else None) or room_id


async def room_page(request: web.Request) -> web.Response:
    room_id = _known_room(request)
    if isinstance(room_id, web.Response):
        return room_id
    return _html(_template("room.html", room_id=room_id, room_name=_room_name(request, room_id)))


async def room_products(request: web.Request) -> web.Response:
    """The room's shelf as a viewer's page names it (both languages, link, price): what the viewer
    sees on screen is shown by name, never by an internal id. Public, like the room page."""
    room_id = request.match_info["room_id"]
    registry = request.app.get(REGISTRY)
    room = registry.get(room_id) if registry is not None else None
    if room is None:
        return _error(404, "unknown_room", f"no room {room_id[:64]!r}")
    return web.json_response(
        {"ok": True, "currency": room.catalog.currency, "products": shelf_payload(room.catalog)}
    )


async def console_page(request: web.Request) -> web.Response:
    room_id = request.match_info["room_id"]
    valid = partial(request.app[TOKENS].streamer_ok, room_id)
    refused = _page_auth(request, valid, STREAMER_COOKIE, "streamer")
    if refused is not None:
        return refused
    known = _known_room(request)
    if isinstance(known, web.Response):
        return known
    token = _given(request, STREAMER_COOKIE)[0]  # the room's token, as the request carried it
    return _html(
        _template("console.html", room_id=room_id, room_name=_room_name(request, room_id), token=token)
    )


async def ops_page(request: web.Request) -> web.Response:
    refused = _page_auth(request, request.app[TOKENS].operator_ok, OPERATOR_COOKIE, "operator")
    if refused is not None:
        return refused
    return _html(_template("ops.html", statuses=",".join(QA_STATUSES)))


async def analytics_page(request: web.Request) -> web.Response:
    refused = _page_auth(request, request.app[TOKENS].operator_ok, OPERATOR_COOKIE, "operator")
    if refused is not None:
        return refused
    room_id = request.match_info["room_id"]
    if not await _room_known(request, room_id):
        return _no_room(room_id)
    data = await asyncio.to_thread(room_report, request.app[LOG].query, room_id)
    registry = request.app.get(REGISTRY)
    room = registry.get(room_id) if registry is not None else None
    names = (
        {p.id: {"link": p.link, "title": p.title, "title_en": p.title_en} for p in room.catalog.products}
        if room is not None
        else {}
    )
    page = await asyncio.to_thread(render_report, data, _page_lang(request), names, True)
    return _html(page)


def _page_lang(request: web.Request) -> Literal["zh", "en"]:
    """A server-drawn page's language: `?lang=` (the page's switch sets it), else the browser's."""
    asked = request.query.get("lang", "")
    if asked in ("zh", "en"):
        return "zh" if asked == "zh" else "en"
    return "zh" if request.headers.get("Accept-Language", "").lower().startswith("zh") else "en"


# -- operator API ------------------------------------------------------------------------------------
def _bad_query(message: str) -> web.HTTPBadRequest:
    body = {"ok": False, "error": {"code": "bad_payload", "message": message}}
    return web.HTTPBadRequest(text=json.dumps(body), content_type="application/json")


def _once(request: web.Request, key: str) -> str | None:
    """A filter's value; given twice it is refused (the first one was used, unsaid)."""
    values = request.query.getall(key, [])
    if len(values) > 1:
        raise _bad_query(f"{key} is given {len(values)} times; give it once")
    return values[0] if values else None


def _float(request: web.Request, key: str) -> float | None:
    value = (_once(request, key) or "").strip()
    if not value:
        return None
    try:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(value)
        return number
    except ValueError:
        raise _bad_query(f"{key} must be a number") from None


def _choice(request: web.Request, key: str, allowed: tuple[str, ...]) -> str | None:
    """A filter that takes one of `allowed` (a misspelt one used to list nothing, as if none matched)."""
    value = _once(request, key) or None
    if value is not None and value not in allowed:
        raise _bad_query(f"{key} must be one of: {', '.join(allowed)}")
    return value


def _confidence(request: web.Request, key: str) -> float | None:
    """A confidence bound: 0 to 1 ("80" for 80% used to list nothing, as if no answer were that sure)."""
    value = _float(request, key)
    if value is not None and not 0 <= value <= 1:
        raise _bad_query(f"{key} is a confidence from 0 to 1 (0.8 for 80%)")
    return value


def _filters(request: web.Request) -> dict[str, Any]:
    limit = _float(request, "limit")
    if limit is not None and (not 1 <= limit <= MAX_QA_ROWS or not limit.is_integer()):
        raise _bad_query(f"limit must be a whole number of rows, 1 to {MAX_QA_ROWS:,}")
    return {
        "room": _once(request, "room") or None,
        "since": _float(request, "since"),
        "until": _float(request, "until"),
        "kind": _choice(request, "kind", QA_KINDS),
        "min_conf": _confidence(request, "min_conf"),
        "max_conf": _confidence(request, "max_conf"),
        "status": _choice(request, "status", QA_STATUSES),
        "feedback": _choice(request, "feedback", QA_FEEDBACK),
        "limit": int(limit or 500),
    }


async def ops_rooms(request: web.Request) -> web.Response:
    """The rooms open now with their shelves (`rooms`, for the label and correction forms), and the
    rooms the log holds that are not open now (`closed_rooms`, the latest first), each with the
    shelf the log stored last when it has one: an earlier show of a room closed today is reviewed,
    labelled and corrected by its room too."""
    refused = _api_auth(request)
    if refused is not None:
        return refused
    registry = request.app[REGISTRY]
    logged = await asyncio.to_thread(request.app[LOG].query, *visited_rooms())
    closed = [r for r in logged if registry.get(r["room_id"]) is None]
    shelves = await asyncio.to_thread(_stored_shelves, request, {r["room_id"] for r in closed})
    return web.json_response(
        {
            "rooms": [
                {"room_id": rid, "products": _shelf_products(room.catalog)}
                for rid, room in sorted(registry.rooms.items())
            ],
            "closed_rooms": [
                {"room_id": r["room_id"], "last_at": r["last_at"]}
                | ({"products": _shelf_products(shelf)} if (shelf := shelves.get(r["room_id"])) else {})
                for r in closed
            ],
        }
    )


def _shelf_products(catalog: Catalog) -> list[dict[str, Any]]:
    """A shelf's products as the review page's forms list them, by link."""

    def listed(p: Product) -> dict[str, Any]:
        return {
            "product_id": p.id,
            "link": p.link,
            "title": p.title,
            "title_en": p.title_en,
            "entries": product_entries(p),
            "learned": learned_of(p),
        }

    return [listed(p) for p in sorted(catalog.products, key=lambda p: p.link)]


def _stored_shelves(request: web.Request, room_ids: set[str]) -> dict[str, Catalog]:
    """The stored shelves of these rooms that can be read back (blocking: run in a thread)."""
    shelves = {}
    for row in request.app[LOG].query(*saved_shelves()):
        if row["room_id"] in room_ids:
            shelf, _ = read_shelf(row, row["room_id"])
            if shelf is not None:
                shelves[row["room_id"]] = shelf
    return shelves


async def ops_qa(request: web.Request) -> web.Response:
    refused = _api_auth(request)
    if refused is not None:
        return refused
    rows = await asyncio.to_thread(request.app[LOG].query, *qa_review(**_filters(request)))
    return web.json_response({"ok": True, "rows": rows})


async def ops_qa_csv(request: web.Request) -> web.Response:
    refused = _api_auth(request)
    if refused is not None:
        return refused
    rows = await asyncio.to_thread(request.app[LOG].query, *qa_review(**_filters(request)))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        when = datetime.fromtimestamp(row["created_at"]).astimezone().isoformat(sep=" ", timespec="seconds")
        writer.writerow({k: _csv_safe(row.get(k)) for k in CSV_COLUMNS} | {"time": when})
    return web.Response(
        body=buf.getvalue().encode("utf-8-sig"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="cohost-qa.csv"'},
    )


def _csv_safe(value: Any) -> Any:
    """Viewer text that a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


async def _operator_body(request: web.Request) -> dict[str, Any] | web.Response:
    """The JSON object an operator sent, or the response refusing the request (token, body)."""
    refused = _api_auth(request)
    if refused is not None:
        return refused
    try:
        return await json_object(request, body_timeout(request))
    except BodyError as e:
        return body_error(e)


async def _logged_comment(request: web.Request, comment_id: str) -> dict[str, Any] | web.Response:
    """A logged comment, or the 404 that says it is not in the log."""
    found = await asyncio.to_thread(request.app[LOG].query, *comment_by_id(comment_id))
    if not found:
        return _error(404, "unknown_comment", f"no logged comment {comment_id[:64]!r}")
    return found[0]


@dataclass
class _Shelf:
    """The shelf an operator's label, correction or take-back is checked against and changes: the
    room's, open now (`room`), or, for a room closed now, the one the log stored last, with the
    fingerprint of the catalog file its show started from (`source`). A change is stored as a change
    made while the room was open is: an open room swaps it in at once (RoomRegistry.replace_catalog,
    which stores it and tells a cluster's Redis); a closed room's stored shelf is replaced with it,
    the same `shelves` row under the same fingerprint, so the room opens on it (or, its file edited
    since, keeps what it learned: bot.app.open_rooms), and a cluster's Redis is told likewise. Read
    and saved holding the room's edit lock."""

    room_id: str
    catalog: Catalog
    room: Room | None
    source: str = ""

    async def save(self, request: web.Request, catalog: Catalog) -> None:
        if self.room is not None:
            await request.app[REGISTRY].replace_catalog(catalog)
        else:
            request.app[LOG].record("shelves", shelf_row(catalog, self.source))
            registry = request.app[REGISTRY]
            if registry.share is not None:  # a cluster's processes reopen the room on Redis's shelf
                await registry.share("catalog", self.room_id, catalog.model_dump(mode="json"))
            await asyncio.to_thread(request.app[LOG].flush, 5)  # the page's next read of the rooms has it
        self.catalog = catalog


async def _shelf_of(request: web.Request, room_id: str) -> _Shelf | web.Response:
    """The room's shelf to label and correct against (the caller holds its edit lock): the open
    room's, else the closed room's last stored one; the 404 `unknown_room` when the room is not open
    and the log holds no shelf of it that can be read."""
    room = request.app[REGISTRY].get(room_id)
    if room is not None:
        return _Shelf(room_id, room.catalog, room)
    log = request.app[LOG]
    await asyncio.to_thread(log.flush, 5)  # a change stored a moment ago is read back
    rows = await asyncio.to_thread(log.query, *saved_shelf(room_id))
    shelf, problem = read_shelf(rows[0], room_id) if rows else (None, "the log holds no shelf of it")
    if shelf is None:
        return _error(
            404,
            "unknown_room",
            f"room {room_id[:64]!r} is not open now and its comments cannot be labelled or corrected:"
            f" {problem}",
        )
    return _Shelf(room_id, shelf, None, rows[0]["source"])


_BAD_EXPECT = "expect: {label_at: the label's time as the review row had it, or null}"


def _expected_label(body: dict[str, Any]) -> tuple[bool, float | None] | web.Response:
    """What the operator saw of the comment's label, from the body's `expect: {label_at}` (the
    review row's `label_at`, null when it had none): (False, None) when the body has no `expect`
    (the last save wins, as before), or the 400 refusing a malformed one."""
    expect = body.get("expect")
    if expect is None:
        return False, None
    if not isinstance(expect, dict) or set(expect) != {"label_at"}:
        return _error(400, "bad_payload", _BAD_EXPECT)
    seen = expect["label_at"]
    if seen is not None and (isinstance(seen, bool) or not isinstance(seen, (int, float))):
        return _error(400, "bad_payload", _BAD_EXPECT)
    return True, seen


async def _comment_as_seen(
    request: web.Request, body: dict[str, Any], comment_id: str
) -> tuple[dict[str, Any], tuple[bool, float | None]] | web.Response:
    """The logged comment a label, a correction or a taking back is about, and what the operator saw
    of its label (`_expected_label`); or the response refusing the request."""
    expected = _expected_label(body)
    if isinstance(expected, web.Response):
        return expected
    comment = await _logged_comment(request, comment_id)
    if isinstance(comment, web.Response):
        return comment
    return comment, expected


async def _label_as_seen(
    request: web.Request, room_id: str, comment_id: str, expected: tuple[bool, float | None]
) -> dict[str, Any] | web.Response | None:
    """The comment's label now (None: none), or the 409 when it is not the one the operator saw:
    another operator, or the streamer sending the bot's guess, labelled or corrected the comment
    since. Called holding the room's edit lock, so of two saves at once the second reads the
    first's label. The 409 changes nothing; its `row` is the comment as the review list shows it
    now, for the page to show beside the form it keeps filled."""
    await asyncio.to_thread(request.app[LOG].flush, 5)  # a label given a moment ago is read back too
    rows = await asyncio.to_thread(request.app[LOG].query, *comment_label(comment_id))
    label = rows[0] if rows else None
    checked, seen = expected
    if not checked or (label["created_at"] if label else None) == seen:
        return label
    review = await asyncio.to_thread(
        request.app[LOG].query, *qa_review(room=room_id, comment=comment_id, limit=1)
    )
    now = " ".join(v for v in (label["kind"], label["product_id"], label["source"]) if v) if label else ""
    message = (
        f"changed since: the comment's label is now {now or 'gone'} (saved after you loaded it);"
        " nothing was changed: check it, then save again to replace it"
    )
    body = {
        "ok": False,
        "error": {"code": "changed_since", "message": message},
        "row": review[0] if review else None,
    }
    return web.json_response(body, status=409)


def _relabelled(
    catalog: Catalog,
    comment: dict[str, Any],
    before: dict[str, Any] | None,
    product_id: str | None,
    source: str | None,
) -> Catalog:
    """The shelf once a comment is labelled as answered by `source` of `product_id` (None: as no
    answer): it learns the comment's wording for that entry and forgets it for the entry the
    comment's earlier label (`before`) gave, and for the product the bot took the comment to be
    about (a wording taught there, by another comment's label or a guess the streamer sent, may be
    what answered it), so the next comment worded so is answered by the label."""
    if before and before["kind"] == "answer":
        catalog = teach_comment(catalog, before["product_id"], comment["text"], None)
    if comment.get("product_id") and comment["product_id"] != product_id:
        catalog = teach_comment(catalog, comment["product_id"], comment["text"], None)
    if product_id is not None:
        catalog = teach_comment(catalog, product_id, comment["text"], source)
    return catalog


async def ops_correct(request: web.Request) -> web.Response:
    """Mark an answer wrong and give the right one: it becomes an FAQ entry of the product, and the
    room's index follows at once (a room closed now: its stored shelf, which it opens on). Body:
    {comment_id, answer, product_id?, expect?: {label_at}}."""
    body = await _operator_body(request)
    if isinstance(body, web.Response):
        return body
    comment_id, answer = body.get("comment_id"), body.get("answer")
    if not isinstance(comment_id, str) or not isinstance(answer, str) or not answer.strip():
        return _error(400, "bad_payload", "give comment_id and a non-empty answer")
    if len(answer) > REPLY_MAX_CHARS:  # said in the room, as a streamer's reply
        return _error(400, "bad_payload", f"answer is longer than {REPLY_MAX_CHARS} characters")
    seen = await _comment_as_seen(request, body, comment_id)
    if isinstance(seen, web.Response):
        return seen
    comment, expected = seen
    room_id = comment["room_id"]
    async with request.app[REGISTRY].editing(room_id):  # from the shelf as the last change left it
        shelf = await _shelf_of(request, room_id)
        if isinstance(shelf, web.Response):
            return shelf
        before = await _label_as_seen(request, room_id, comment_id, expected)
        if isinstance(before, web.Response):
            return before
        given = body.get("product_id")
        if given is not None and not isinstance(given, str):
            return _error(400, "bad_payload", "product_id must be a string: the product the answer is about")
        product_id = given or comment.get("product_id")
        if not product_id:  # said as missing, not as an unknown product (the page always sends one)
            return _error(
                400,
                "bad_payload",
                "give product_id: the bot found no product in this comment to put the answer under",
            )
        if shelf.catalog.product(product_id) is None:
            return _error(404, "unknown_product", f"no product {product_id[:64]!r} in room {room_id}")
        question = faq_question(shelf.catalog, product_id, comment["text"])
        used = await asyncio.to_thread(request.app[LOG].query, *labelled_entries(room_id, product_id))
        try:
            catalog, entry = add_faq(
                shelf.catalog, product_id, question, answer.strip(), [r["source"] for r in used]
            )
        except (CatalogError, ValueError) as e:
            return _error(400, "bad_payload", str(e).splitlines()[0])
        catalog = _relabelled(catalog, comment, before, product_id, entry.id)
        await shelf.save(request, catalog)
        request.app[LOG].record(
            "room_events",
            {
                "room_id": room_id,
                "event": "answer_corrected",
                "created_at": time.time(),
                "detail": json.dumps(
                    {
                        "comment_id": comment_id,
                        "product_id": product_id,
                        "faq_id": entry.id,
                        "question": entry.q,
                        "answer": entry.a,
                    },
                    ensure_ascii=False,
                ),
            },
        )
        # the correction is a label too: this comment is answered by the new entry
        label = label_row(comment_id, room_id, "answer", product_id, entry.id)
        request.app[LOG].record("qa_labels", label)
        # the comment still waiting in the queue gets the operator's answer as its guess: an open
        # room's now; a closed room's when it opens again (LiveRoomNamespace.restore_controls)
        if shelf.room is not None:
            item = answer_in_queue(shelf.room, comment_id, product_id, entry)
            if item is not None:
                request.app[LOG].record("escalations", escalation_row(item, room_id, "open"))
                await request.app[NAMESPACE].queue_changed(shelf.room, item)
    await asyncio.to_thread(request.app[LOG].flush, 5)  # the review list shows it on the next read
    logger.info(
        "operator corrected %s: %s now answers %r%s",
        comment_id,
        entry.id,
        entry.q,
        "" if shelf.room is not None else f" (room {room_id} closed: its stored shelf)",
    )
    return web.json_response(
        {
            "ok": True,
            "room_id": room_id,
            "product_id": product_id,
            "faq_id": entry.id,
            "question": entry.q,
            "label_at": label["created_at"],
            "open": shelf.room is not None,
        }
    )


async def ops_label(request: web.Request) -> web.Response:
    """Label a logged comment: what it is and, for an answer, which product and entry answer it (the
    bot's own decision confirmed, or another). A later label of the same comment replaces it; the
    labels become training rooms (`cohost export-labels`). A room closed now is labelled against its
    stored shelf, which learns the wording. Body: {comment_id, kind, product_id?, source?,
    expect?: {label_at}}."""
    body = await _operator_body(request)
    if isinstance(body, web.Response):
        return body
    comment_id, kind = body.get("comment_id"), body.get("kind")
    product_id, source = body.get("product_id"), body.get("source")
    if not isinstance(comment_id, str) or not isinstance(kind, str):
        return _error(400, "bad_payload", "give comment_id and kind")
    if not all(v is None or isinstance(v, str) for v in (product_id, source)):
        return _error(400, "bad_payload", "product_id and source are strings")
    seen = await _comment_as_seen(request, body, comment_id)
    if isinstance(seen, web.Response):
        return seen
    comment, expected = seen
    room_id = comment["room_id"]
    async with request.app[REGISTRY].editing(room_id):  # from the shelf as the last change left it
        shelf = await _shelf_of(request, room_id)
        if isinstance(shelf, web.Response):
            return shelf
        problem = label_problem(shelf.catalog, kind, product_id, source)
        if problem is not None:
            return _error(400, "bad_label", problem)
        before = await _label_as_seen(request, room_id, comment_id, expected)
        if isinstance(before, web.Response):
            return before
        catalog = _relabelled(
            shelf.catalog, comment, before, product_id if kind == "answer" else None, source
        )
        label = label_row(comment_id, room_id, kind, product_id, source)
        request.app[LOG].record("qa_labels", label)
        await asyncio.to_thread(request.app[LOG].flush, 5)  # the review list shows it on the next read
        taught = catalog is not shelf.catalog
        if taught:
            await shelf.save(request, catalog)
    return web.json_response(
        {
            "ok": True,
            "comment_id": comment_id,
            "kind": kind,
            "product_id": product_id,
            "source": source,
            "taught": taught,
            "label_at": label["created_at"],
            "open": shelf.room is not None,
        }
    )


async def ops_unlabel(request: web.Request) -> web.Response:
    """Take a comment's label back: it is unlabelled again (out of the export, and of the scores
    against the labels), and the wording the label taught is forgotten. Body: {comment_id, expect?:
    {label_at}}."""
    body = await _operator_body(request)
    if isinstance(body, web.Response):
        return body
    comment_id = body.get("comment_id")
    if not isinstance(comment_id, str):
        return _error(400, "bad_payload", "give comment_id")
    seen = await _comment_as_seen(request, body, comment_id)
    if isinstance(seen, web.Response):
        return seen
    comment, expected = seen
    room_id = comment["room_id"]
    async with request.app[REGISTRY].editing(room_id):
        shelf = await _shelf_of(request, room_id)
        if isinstance(shelf, web.Response):
            return shelf
        before = await _label_as_seen(request, room_id, comment_id, expected)
        if isinstance(before, web.Response):
            return before
        if before is None:
            return _error(404, "not_labelled", f"comment {comment_id[:64]!r} has no label")
        catalog = shelf.catalog
        if before["kind"] == "answer":
            catalog = teach_comment(catalog, before["product_id"], comment["text"], None)
        await asyncio.to_thread(request.app[LOG].drop_labels, room_id, comment_id)
        taught = catalog is not shelf.catalog
        if taught:
            await shelf.save(request, catalog)
    return web.json_response({"ok": True, "comment_id": comment_id, "taught": taught})


async def ops_unlearn(request: web.Request) -> web.Response:
    """Take back one thing the room learned about a product: an operators' answer (an FAQ entry a
    correction made) or a wording a label taught (a room closed now: of its stored shelf). Body:
    {room_id, product_id, faq_id | wording}."""
    body = await _operator_body(request)
    if isinstance(body, web.Response):
        return body
    room_id, product_id = body.get("room_id"), body.get("product_id")
    faq_id, wording = body.get("faq_id"), body.get("wording")
    if not isinstance(room_id, str) or not isinstance(product_id, str):
        return _error(400, "bad_payload", "give room_id and product_id")
    if (faq_id is None) == (wording is None) or not isinstance(faq_id or wording, str):
        return _error(
            400, "bad_payload", "give either faq_id (an operators' answer) or wording (a taught wording)"
        )
    async with request.app[REGISTRY].editing(room_id):  # from the shelf as the last change left it
        shelf = await _shelf_of(request, room_id)
        if isinstance(shelf, web.Response):
            return shelf
        if shelf.catalog.product(product_id) is None:
            return _error(404, "unknown_product", f"no product {product_id[:64]!r} in room {room_id}")
        try:
            catalog = unlearn(shelf.catalog, product_id, faq_id, wording)
        except ValueError as e:
            return _error(404, "not_learned", str(e))
        await shelf.save(request, catalog)
        # the labels naming an operators' answer taken back name nothing on the shelf: the comments
        # are unlabelled again (the export had left them out with a reason)
        entry = (product_id, faq_id) if faq_id else None
        unlabelled = (
            await asyncio.to_thread(request.app[LOG].drop_labels, room_id, None, entry) if entry else 0
        )
    what = {"product_id": product_id, "faq_id": faq_id, "wording": wording}
    request.app[LOG].record(
        "room_events",
        {
            "room_id": room_id,
            "event": "unlearned",
            "created_at": time.time(),
            "detail": json.dumps(what, ensure_ascii=False),
        },
    )
    logger.info("operator took back %s of room %s", what, room_id)
    return web.json_response(
        {"ok": True, "room_id": room_id, **what, "unlabelled": unlabelled, "open": shelf.room is not None}
    )


async def ops_report_json(request: web.Request) -> web.Response:
    refused = _api_auth(request)
    if refused is not None:
        return refused
    room_id = request.match_info["room_id"]
    if not await _room_known(request, room_id):  # a mistyped id used to get a report of zeros
        return _error(404, "unknown_room", f"no room {room_id[:64]!r} is open or in the log")
    data = await asyncio.to_thread(room_report, request.app[LOG].query, room_id)
    return web.json_response(data)


async def _room_known(request: web.Request, room_id: str) -> bool:
    """Whether the room is open here or the log holds any of it (a room of an earlier show)."""
    registry = request.app.get(REGISTRY)
    if registry is not None and registry.get(room_id) is not None:
        return True
    rows = await asyncio.to_thread(request.app[LOG].query, *room_logged(room_id))
    return bool(rows and rows[0]["logged"])


# -- privacy -----------------------------------------------------------------------------------------
async def forget_viewer_route(request: web.Request) -> web.Response:
    """A viewer's privacy request (operator token): rows, profile and live room state removed."""
    refused = _api_auth(request)
    if refused is not None:
        return refused
    key = viewer_key(request.match_info["viewer_id"], request.app[SALT])
    removed = await asyncio.to_thread(request.app[LOG].forget, key)
    registry = request.app[REGISTRY]
    profiles = registry.recommender.forget(key)
    registry.forget(key)
    return web.json_response({"ok": True, "rows": removed, "profiles": profiles})
