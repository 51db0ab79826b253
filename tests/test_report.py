"""`cohost report` on a log made by the show simulator: every figure matches SQL counted here."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from html import unescape
from pathlib import Path

from bot.app import LOG, NAMESPACE
from bot.cli import main
from bot.simulate import simulate_show
from storage.stats import bought_together, retention_curve, segments, split_shows, watch_seconds
from tests.conftest import TOKEN, screenshot_dir

METRIC = re.compile(r'data-metric="([^"]+)" data-value="([^"]*)"')


def metrics(page: str) -> dict[str, str]:
    return {unescape(k): unescape(v) for k, v in METRIC.findall(page)}


def one(db: sqlite3.Connection, sql: str, *params: object) -> object:
    return db.execute(sql, params).fetchone()[0]


async def test_report_on_a_simulated_show_matches_the_log(live_server, browser, tmp_path: Path) -> None:
    live = await live_server()
    done = await simulate_show(live.url, "demo-room", viewers=60, seed=7, minutes=6, speed=40, token=TOKEN)
    assert done["failed_viewers"] == 0, done
    assert done["done"]["join_room"] == 60 and done["done"]["comment"] > 20, done
    assert done["done"].get("card_click", 0) > 0 and done["done"].get("purchase", 0) > 0, done
    # grouped follow-ups go out when their cooldown ends, after the last viewer left: wait for them,
    # so the report and the figures recomputed below read the same log
    grouper = live.app[NAMESPACE].flow.grouper
    for _ in range(200):
        if not grouper.pending:
            break
        await asyncio.sleep(0.1)
    assert not grouper.pending
    assert await asyncio.to_thread(live.app[LOG].flush, 10)

    out = tmp_path / "report.html"
    assert (
        await asyncio.to_thread(
            main, ["report", "--db", live.db_path, "--room", "demo-room", "--out", str(out)]
        )
        == 0
    )
    page = out.read_text(encoding="utf-8")
    context = await browser.new_context(viewport={"width": 1100, "height": 1000})
    tab = await context.new_page()
    await tab.goto(out.as_uri())
    assert await tab.locator("img").count() >= 4
    await tab.screenshot(path=str(screenshot_dir() / "analytics.png"))
    await context.close()
    got = metrics(page)
    assert page.count("data:image/png;base64,") >= 4  # funnel, retention, segments, forecast / propensity
    # the retention table's minutes read with one decimal (they showed "0.927")
    assert re.search(r"<td>[\d,]+\.\d</td><td>[\d.]+%</td>", page)
    assert not re.search(r"<td>\d+\.\d{2,}</td><td>[\d.]+%</td>", page)

    db = sqlite3.connect(live.db_path)
    room = "demo-room"
    expected = {
        "funnel.viewers": one(
            db, "select count(distinct viewer_id) from viewer_events where room_id=? and event='join'", room
        ),
        "funnel.commenters": one(db, "select count(distinct viewer_id) from comments where room_id=?", room),
        "funnel.askers": one(
            db,
            "select count(distinct viewer_id) from comments where room_id=? and kind in ('answer','escalate')",
            room,
        ),
        "funnel.clickers": one(db, "select count(distinct viewer_id) from card_clicks where room_id=?", room),
        "funnel.buyers": one(db, "select count(distinct viewer_id) from purchases where room_id=?", room),
        "events.comments": one(db, "select count(*) from comments where room_id=?", room),
        "events.impressions": one(db, "select count(*) from card_impressions where room_id=?", room),
        "events.clicks": one(db, "select count(*) from card_clicks where room_id=?", room),
        "events.carts": one(db, "select count(*) from cart_adds where room_id=?", room),
        "events.orders": one(db, "select count(*) from purchases where room_id=?", room),
        "events.units": one(db, "select sum(qty) from purchases where room_id=?", room),
        "answers.answered": one(db, "select count(*) from comments where room_id=? and kind='answer'", room),
        "answers.escalated": one(
            db, "select count(*) from comments where room_id=? and kind='escalate'", room
        ),
        "answers.not_queued": one(
            db,
            "select count(*) from escalations where room_id=? and status='queue_full' and kind='question'",
            room,
        ),
    }
    assert expected["funnel.viewers"] == 60
    for key, value in expected.items():
        assert int(got[key]) == value, (key, got[key], value)
    questions = expected["answers.answered"] + expected["answers.escalated"]
    assert float(got["answers.answer_rate"]) == expected["answers.answered"] / questions

    # per product: orders and units, and card impressions / clicks joined on card_id
    for pid, orders, units in db.execute(
        "select product_id, count(*), sum(qty) from purchases where room_id=? group by 1", (room,)
    ):
        assert int(got[f"sales.{pid}.orders"]) == orders and int(got[f"sales.{pid}.units"]) == units
    for pid, shown, clicked in db.execute(
        "select i.product_id, count(*), count(c.card_id) from card_impressions i "
        "left join (select distinct card_id from card_clicks) c using (card_id) where i.room_id=? group by 1",
        (room,),
    ):
        assert (
            int(got[f"product.{pid}.impressions"]) == shown and int(got[f"product.{pid}.clicks"]) == clicked
        )
    for strategy, shown in db.execute(
        "select strategy, count(*) from card_impressions where room_id=? group by 1", (room,)
    ):
        assert int(got[f"strategy.{strategy}.impressions"]) == shown

    # median latency: first reply minus comment, recomputed in Python from the raw rows
    import json
    import statistics

    comment_at = dict(db.execute("select comment_id, created_at from comments where room_id=?", (room,)))
    first: dict[str, float] = {}
    for reply_to, at, author in db.execute(
        "select reply_to, created_at, author from replies where room_id=?", (room,)
    ):
        for cid in json.loads(reply_to):
            if author == "bot" and cid in comment_at:
                first[cid] = min(first.get(cid, at), at)
    if first:
        assert (
            abs(
                float(got["answers.median_latency_s"])
                - statistics.median(first[c] - comment_at[c] for c in first)
            )
            < 1e-9
        )

    # quartile segments: four groups of the 60 viewers, buyers add up
    assert sum(int(got[f"segment.{s}.viewers"]) for s in ("low", "medium", "high", "very high")) == 60
    assert (
        sum(int(got[f"segment.{s}.buyers"]) for s in ("low", "medium", "high", "very high"))
        == expected["funnel.buyers"]
    )
    assert "propensity.precision" in got or "not fitted" in page
    assert "forecast.r2" in got or "not fitted" in page


def test_pure_statistics_on_small_hand_made_data() -> None:
    sessions = [
        {"viewer_id": "a", "event": "join", "created_at": 0.0},
        {"viewer_id": "a", "event": "leave", "created_at": 60.0},
        {"viewer_id": "a", "event": "join", "created_at": 100.0},
        {"viewer_id": "b", "event": "join", "created_at": 10.0},
    ]
    assert watch_seconds(sessions, end=130.0) == {"a": 90.0, "b": 120.0}
    curve = retention_curve([90.0, 120.0], points=4)
    assert curve[0]["share"] == 1.0 and curve[-1]["share"] == 0.5
    rules = bought_together([{"x", "y"}, {"x", "y"}, {"x"}, {"z"}], min_count=2)
    x_to_y = next(r for r in rules["rules"] if r["antecedent"] == "x")
    assert x_to_y["support"] == 0.5 and abs(x_to_y["confidence"] - 2 / 3) < 1e-9
    viewers = [
        {
            "viewer_id": f"v{i}",
            "comments": i,
            "questions": 0,
            "likes": 0,
            "clicks": 0,
            "carts": 0,
            "orders": int(i > 5),
        }
        for i in range(8)
    ]
    groups = segments(viewers)
    assert [g["viewers"] for g in groups] == [2, 2, 2, 2]
    assert groups[-1]["conversion"] == 1.0 and groups[0]["conversion"] == 0.0


def test_a_show_ends_after_half_an_hour_without_events_and_not_at_a_restart() -> None:
    # before: each server start began a show, so a restart mid-show split one show in two
    def event(kind: str, minute: float, viewer: str = "a") -> dict:
        return {"viewer_id": viewer, "kind": kind, "product_id": "p1", "qty": 1, "created_at": minute * 60}

    tonight = [event("view", 0), event("comment", 10), event("view", 25, "b"), event("buy", 50, "b")]
    tomorrow = [event("view", 24 * 60), event("buy", 24 * 60 + 5)]
    shows = split_shows(tonight + tomorrow, gap_s=30 * 60)
    assert [(s["viewers"], s["minutes"], s["orders"]) for s in shows] == [(2, 50.0, 1), (1, 5.0, 1)]


def test_analytics_name_products_and_count_one_reason_once_whatever_its_language(
    tmp_path: Path, demo_catalog
) -> None:
    """Cards shown in Chinese and in English for one reason are one row, named by a label; products
    are named (the log's stored shelf, else the catalog file), never shown as bare ids."""
    from bot.report import render_report, write_report
    from storage.log import InteractionLog
    from storage.reports import room_report
    from storage.shelves import shelf_row

    db = tmp_path / "cohost.db"
    log = InteractionLog(db)
    log.open()
    tote, hat = demo_catalog.by_link(2), demo_catalog.by_link(1)
    cards = [
        ("k1", tote.id, "你刚问过", "asked"),
        ("k2", tote.id, "You just asked about this", "asked"),
        ("k3", hat.id, f"买了{tote.title[:4]}的人也买了", "bought_together"),
        ("k4", hat.id, "People who bought Leather tote also bought this", "bought_together"),
        ("k5", hat.id, "直播间热卖", None),  # logged before reason codes were: the text decides
        ("k6", hat.id, "Selling fast in this room", None),
    ]
    for card_id, pid, reason, code in cards:
        scores = json.dumps({"reason_key": code} if code else {})
        log.record(
            "card_impressions",
            {
                "card_id": card_id,
                "room_id": "demo-room",
                "viewer_id": "v",
                "product_id": pid,
                "reason": reason,
                "strategy": "personalized",
                "score": 1.0,
                "scores": scores,
                "created_at": 1.0,
            },
        )
    log.record(
        "purchases",
        {
            "room_id": "demo-room",
            "viewer_id": "v",
            "product_id": tote.id,
            "qty": 1,
            "price": tote.price,
            "card_id": "k1",
            "created_at": 2.0,
        },
    )
    assert log.flush(10)
    data = room_report(log.query, "demo-room")
    assert {r["key"]: r["impressions"] for r in data["by_reason"]} == {
        "asked": 2,
        "bought_together": 2,
        "hot": 2,
    }

    zh = render_report(
        data,
        "zh",
        {p.id: {"link": p.link, "title": p.title, "title_en": p.title_en} for p in demo_catalog.products},
    )
    assert f"2号 {tote.title}" in unescape(zh) and "你刚问过" in zh and "各推荐理由的卡片" in zh
    # nothing left in English on the Chinese page (the strategy said "personalized")
    assert ">个性化<" in zh and ">personalized<" not in zh
    assert f">{tote.price:,.2f}<" in zh  # money with cents, whatever its size (a ¥0 sale read 0.000)
    en = render_report(data, "en", {})  # no shelf stored and no names given: ids are all there is
    assert f">{tote.id}<" in en and "you just asked" in en

    log.record("shelves", shelf_row(demo_catalog, "file"))  # a show whose shelf changed: the log names them
    assert log.flush(10)
    log.close()
    out = tmp_path / "out" / "report.html"
    write_report(db, "demo-room", out, lang="en")
    page = unescape(out.read_text(encoding="utf-8"))
    assert f"Link 2 {tote.title_en}" in page and f"Link 1 {hat.title_en}" in page
    assert f">{tote.id}<" not in page and "Cards per reason" in page


def test_the_forecast_note_is_in_the_pages_language() -> None:
    # one show: viewers and show length are the same in every row, and the note said so in English
    # on the Chinese page
    from bot.report import _LANG, _forecast_section

    forecast = {
        "ok": True,
        "n": 5,
        "shows": 1,
        "r2": 0.2,
        "rmse": 0.6,
        "intercept": 2.0,
        "coefficients": {"viewers": 0.0, "price": -0.002, "show_minutes": 0.0},
        "constant_features": ["viewers", "show_minutes"],
        "points": [{"show": 1, "product_id": "d01", "actual": 1.0, "predicted": 1.2}],
    }
    token = _LANG.set("zh")
    try:
        zh = unescape(_forecast_section(forecast))
    finally:
        _LANG.reset(token)
    assert "样本内拟合；这些在日志里没有变化，估不出系数：观众, 直播时长（分钟）" in zh
    assert "constant in this log" not in zh and "show_minutes" not in zh
    en = unescape(_forecast_section(forecast))
    assert "in-sample fit; constant in this log, so not identified: viewers, show_minutes" in en


def test_why_a_model_was_not_fitted_is_in_the_pages_language() -> None:
    # a short show: too few rows and buyers to fit; the Chinese page said so in English
    from bot.report import _LANG, _forecast_section, _propensity_section
    from storage.stats import purchase_propensity, sales_forecast

    forecast = sales_forecast(
        [{"viewers": 14, "minutes": 20.0, "units": {"d01": 2}, "show": 1}], {"d01": 99.0}
    )
    behaviour = dict.fromkeys(("comments", "questions", "likes", "impressions", "clicks", "carts"), 0)
    viewers = [{"viewer_id": f"v{i}", "watch_s": 60.0, "orders": 0, **behaviour} for i in range(14)]
    propensity = purchase_propensity(viewers)
    assert not forecast["ok"] and not propensity["ok"]
    token = _LANG.set("zh")
    try:
        zh = unescape(_forecast_section(forecast) + _propensity_section(propensity))
    finally:
        _LANG.reset(token)
    assert "未拟合：记下了价格的“场次 × 商品”只有 1 行" in zh
    assert "未拟合：14 位观众、0 位买家" in zh and "not fitted" not in zh
    en = unescape(_forecast_section(forecast) + _propensity_section(propensity))
    assert "not fitted: only 1 show × product rows" in en and "not fitted: 14 viewers, 0 buyers" in en
