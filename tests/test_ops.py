"""Operator review over HTTP: Q&A filters, CSV export, corrections that become FAQ entries, the token."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from datetime import datetime

import aiohttp

from bot.app import LOG, OPERATOR, REGISTRY
from tests.conftest import TOKEN

WRONG = "6号链接洗了会掉色吗"
RIGHT = "不会掉色，这款用的是活性染料，冷水手洗放心穿。"


async def asked(live, viewer_id: str, *texts: str) -> list[dict]:
    viewer = await live.viewer("demo-room", viewer_id)
    acks = [await viewer.call("comment", {"text": t}) for t in texts]
    return acks


async def test_review_filters_and_csv(live_server) -> None:
    live = await live_server()
    streamer = await live.viewer()
    await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN})
    viewer = await live.viewer("demo-room", "v1")
    answered = await viewer.call("comment", {"text": "3号链接多少钱"})
    escalated = await viewer.call("comment", {"text": "3号链接可以开发票吗，公司报销要用"})
    chat = await viewer.call("comment", {"text": '=HYPERLINK("x") 主播好'})
    spam = await viewer.call("comment", {"text": "想要优惠的 加 薇 信 aaa"})
    assert spam["kind"] == "filtered"
    await viewer.call("reply_feedback", {"reply_id": answered["reply_id"], "helpful": False})
    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    auth = {"Authorization": f"Bearer {live.app[OPERATOR]}"}

    async with aiohttp.ClientSession(headers=auth) as http:

        async def ids(**params: str) -> list[str]:
            async with http.get(f"{live.url}/api/ops/qa", params=params) as r:
                assert r.status == 200, await r.text()
                return [row["comment_id"] for row in (await r.json())["rows"]]

        assert await ids() == [
            spam["comment_id"],
            chat["comment_id"],
            escalated["comment_id"],
            answered["comment_id"],
        ]
        async with http.get(f"{live.url}/api/ops/qa") as r:
            json_keys = set((await r.json())["rows"][0])
        assert await ids(kind="question") == [escalated["comment_id"], answered["comment_id"]]
        assert await ids(status="escalated") == [escalated["comment_id"]]
        assert await ids(status="answered") == [answered["comment_id"]]
        assert await ids(feedback="down") == [answered["comment_id"]]
        assert await ids(feedback="up") == []
        assert await ids(kind="question", min_conf="0.8") == [answered["comment_id"]]
        assert await ids(kind="question", max_conf="0.5") == [escalated["comment_id"]]
        assert await ids(room="room-b") == []
        assert await ids(since="9999999999") == []
        async with http.get(f"{live.url}/api/ops/qa", params={"min_conf": "high"}) as r:
            assert r.status == 400
        # a percentage typed for a confidence used to list nothing, as if no answer were that sure
        for key, value in (("min_conf", "80"), ("max_conf", "-0.1")):
            async with http.get(f"{live.url}/api/ops/qa", params={key: value}) as r:
                assert r.status == 400 and "0 to 1" in (await r.json())["error"]["message"], key
        # a row count that is none used to list one row, or 500; one past the most listed every row
        for limit in ("-1", "0", "2.5", "100001", "1e20"):
            async with http.get(f"{live.url}/api/ops/qa", params={"limit": limit}) as r:
                assert r.status == 400 and "limit" in (await r.json())["error"]["message"], limit
        for key, value in (("limit", "5"), ("kind", "answer")):  # given twice: the first one won, unsaid
            async with http.get(f"{live.url}/api/ops/qa", params=[(key, value), (key, value)]) as r:
                assert r.status == 400 and "give it once" in (await r.json())["error"]["message"], key
        assert len(await ids(limit="1")) == 1
        for key in ("kind", "status", "feedback"):  # a misspelt filter used to list nothing, silently
            async with http.get(f"{live.url}/api/ops/qa", params={key: "anwser"}) as r:
                assert r.status == 400 and key in (await r.json())["error"]["message"]

        async with http.get(f"{live.url}/api/ops/qa.csv") as r:
            assert r.status == 200 and r.content_type == "text/csv"
            rows = list(csv.DictReader(io.StringIO((await r.read()).decode("utf-8-sig"))))
        assert [row["comment_id"] for row in rows] == await ids()
        by_id = {row["comment_id"]: row for row in rows}
        assert set(rows[0]) == json_keys | {"time"}  # docs/events.md: the JSON rows' keys are its columns
        assert by_id[spam["comment_id"]]["status"] == "filtered"
        assert by_id[spam["comment_id"]]["filtered"] == "banned_word"  # why, not just that it was
        assert by_id[escalated["comment_id"]]["escalation_reason"]
        assert by_id[escalated["comment_id"]]["escalation_status"] == "open"
        assert by_id[answered["comment_id"]]["reply_id"] == answered["reply_id"]
        assert by_id[answered["comment_id"]]["feedback_down"] == "1"
        assert by_id[answered["comment_id"]]["status"] == "answered"
        # a time a spreadsheet reads, beside the unix seconds
        when = datetime.fromisoformat(by_id[answered["comment_id"]]["time"])
        assert (
            when.tzinfo is not None
            and abs(when.timestamp() - float(by_id[answered["comment_id"]]["created_at"])) < 1
        )
        assert by_id[chat["comment_id"]]["text"].startswith("'=HYPERLINK")  # no formula in a spreadsheet


async def test_a_correction_becomes_an_faq_entry_and_the_next_asker_gets_it(live_server) -> None:
    live = await live_server()
    [wrong] = await asked(live, "v1", WRONG)
    # the bot's best entry is about shrinking, not fading: it holds that wrong guess back for the streamer
    assert wrong["kind"] == "escalate"
    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    auth = {"Authorization": f"Bearer {live.app[OPERATOR]}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        url = f"{live.url}/api/ops/corrections"
        async with http.post(url, json={"comment_id": wrong["comment_id"], "answer": RIGHT}) as r:
            fixed = await r.json()
            assert r.status == 200, fixed
        assert (
            fixed["product_id"] == "d01"
            and fixed["faq_id"] == "d01-ops1"
            and fixed["question"] == "洗了会掉色吗"
        )
        async with http.post(url, json={"comment_id": "c-nope", "answer": RIGHT}) as r:
            assert r.status == 404 and (await r.json())["error"]["code"] == "unknown_comment"
        async with http.post(url, json={"comment_id": wrong["comment_id"], "answer": " "}) as r:
            assert r.status == 400
        # said in the room, so no longer than a streamer's reply (a 2,000-character answer was sent)
        async with http.post(url, json={"comment_id": wrong["comment_id"], "answer": "好" * 501}) as r:
            assert r.status == 400 and "500 characters" in (await r.json())["error"]["message"]
        async with http.post(
            url, json={"comment_id": wrong["comment_id"], "answer": "x", "product_id": "zz"}
        ) as r:
            error = (await r.json())["error"]
            assert r.status == 404 and error["code"] == "unknown_product" and "'zz'" in error["message"]
        # a comment the bot found no product in, and none given: said missing, not unknown
        [chat] = await asked(live, "v2", "主播好")
        assert await asyncio.to_thread(live.app[LOG].flush, 10)
        async with http.post(url, json={"comment_id": chat["comment_id"], "answer": "x"}) as r:
            error = (await r.json())["error"]
            assert (
                r.status == 400 and error["code"] == "bad_payload" and "give product_id" in error["message"]
            )
        async with http.post(
            url, json={"comment_id": chat["comment_id"], "answer": "x", "product_id": 3}
        ) as r:
            assert r.status == 400 and (await r.json())["error"]["code"] == "bad_payload"

        bob = await live.viewer("demo-room", "bob")
        ack = await bob.call("comment", {"text": WRONG})
        assert ack["kind"] == "answer" and ack.get("reply_id")
        [reply] = await bob.wait_for("bot_reply")
        assert RIGHT in reply["text"] and reply["source"] == "d01-ops1"

        assert await asyncio.to_thread(live.app[LOG].flush, 10)
        async with http.get(f"{live.url}/api/ops/qa", params={"feedback": "corrected"}) as r:
            [row] = (await r.json())["rows"]
        assert row["comment_id"] == wrong["comment_id"] and row["corrected_answer"] == RIGHT
        # and a label: the new entry answers this comment (it trains the next model, `export-labels`)
        assert (row["label_kind"], row["label_product"], row["label_source"]) == ("answer", "d01", "d01-ops1")
        # correcting the same question again replaces the operator's entry rather than adding one
        async with http.post(url, json={"comment_id": wrong["comment_id"], "answer": RIGHT + "！"}) as r:
            assert (await r.json())["faq_id"] == "d01-ops1"
        # taken back, a later answer is a new entry: the labels that named d01-ops1 keep meaning the
        # answer they were given for
        body = {"room_id": "demo-room", "product_id": "d01", "faq_id": "d01-ops1"}
        async with http.post(f"{live.url}/api/ops/unlearn", json=body) as r:
            assert r.status == 200
        async with http.post(url, json={"comment_id": wrong["comment_id"], "answer": RIGHT}) as r:
            assert (await r.json())["faq_id"] == "d01-ops2"


async def test_a_corrected_question_waiting_in_the_queue_gets_the_operators_answer(live_server) -> None:
    live = await live_server()
    console = await live.viewer()
    assert (await console.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    [wrong] = await asked(live, "v1", WRONG)
    [again] = await asked(live, "v2", WRONG + "？")  # folded into the same item
    assert wrong["kind"] == again["kind"] == "escalate" and again["queued_with"]
    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    auth = {"Authorization": f"Bearer {live.app[OPERATOR]}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        body = {"comment_id": again["comment_id"], "answer": RIGHT}
        async with http.post(f"{live.url}/api/ops/corrections", json=body) as r:
            assert r.status == 200
    items = await console.wait_for("queue_item", 3)  # two askers, then the operator's answer
    assert items[-1]["escalation_id"] == again["queued_with"]
    assert RIGHT in items[-1]["guess"] and items[-1]["source"] == "d01-ops1"
    assert items[-1]["reason"] == "an operator wrote the answer" and items[-1]["confidence"] == 1.0
    # the streamer sends it as it is: both viewers get the operator's answer
    ack = await console.call("queue_answer", {"escalation_id": again["queued_with"], "use_guess": True})
    assert ack["ok"], ack
    for viewer in live.viewers[-2:]:
        replies = await viewer.wait_for("bot_reply")
        assert replies[-1]["author"] == "streamer" and RIGHT in replies[-1]["text"]


async def test_questions_left_unanswered_say_why_on_the_review_list(live_server) -> None:
    # before: a question over the viewer's queue limit and one the console let expire were both
    # "other" on the review list, among the chat; the first was in no table but `comments`
    live = await live_server(hygiene={"queue_per_viewer": 1})
    console = await live.viewer()
    assert (await console.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    # the third is a complaint, counted apart from questions: told a person follows up, it reaches one
    first, second, upset = await asked(
        live, "v1", WRONG, "3号链接可以开发票吗，公司报销要用", "我买的裤子破了个洞谁管"
    )
    assert first["escalated"] and second["queue_full"] and not second["escalated"]
    assert upset["kind"] == "complaint" and upset["escalated"]
    assert "complaint" in [q["kind"] for q in (await console.call("queue_list"))["queue"]]
    assert (await console.call("console_settings", {"expire_min": 0.02}))["ok"]  # 1.2 s
    assert (await console.wait_for("queue_resolved", timeout=10))[0]["status"] == "expired"
    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    auth = {"Authorization": f"Bearer {live.app[OPERATOR]}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        for status, ack in (("expired", first), ("queue_full", second)):
            async with http.get(f"{live.url}/api/ops/qa", params={"status": status}) as r:
                assert [row["comment_id"] for row in (await r.json())["rows"]] == [ack["comment_id"]]
    # the console counts questions as the analytics page does: both handed over, one of them not
    # queued; the complaint is in neither "handed to the streamer" nor "answered by the streamer" (it
    # had been in both on the console, so answered plus handed over came to more than the questions)
    [complaint] = [q for q in (await console.call("queue_list"))["queue"] if q["kind"] == "complaint"]
    answer = {"escalation_id": complaint["escalation_id"], "text": "私信你换新"}
    assert (await console.call("queue_answer", answer))["ok"]
    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    counters = (await console.call("console_state"))["counters"]
    assert (counters["escalated"], counters["not_queued"], counters["streamer_answered"]) == (2, 1, 0)
    async with aiohttp.ClientSession(headers=auth) as http:
        async with http.get(f"{live.url}/api/ops/rooms/demo-room/report") as r:
            answers = (await r.json())["answers"]
    assert (answers["escalated"], answers["not_queued"], answers["streamer_answered"]) == (2, 1, 0)


async def test_operator_token_comes_from_the_environment(live_server, monkeypatch) -> None:
    monkeypatch.setenv("COHOST_OPERATOR_TOKEN", "op-secret")
    live = await live_server()
    assert live.app[OPERATOR] == "op-secret"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{live.url}/api/ops/qa", headers={"Authorization": "Bearer op-secret"}) as r:
            assert r.status == 200
        async with http.get(f"{live.url}/api/ops/qa", headers={"Authorization": "Bearer op-secreT"}) as r:
            assert r.status == 401 and (await r.json())["error"]["code"] == "unauthorized"
        async with http.get(
            f"{live.url}/api/ops/rooms/demo-room/report", headers={"Authorization": "Bearer op-secret"}
        ) as r:
            data = await r.json()
        assert data["room_id"] == "demo-room" and data["funnel"]["viewers"] == 0


async def test_a_report_of_a_room_nobody_knows_is_a_404_and_an_earlier_shows_room_is_reported(
    live_server,
) -> None:
    # before: a mistyped room id got a report of zeros, as if the room had had no viewers
    live = await live_server()
    live.app[LOG].record("room_events", {"room_id": "last-week", "event": "on_screen", "detail": "d01"})
    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    auth = {"Authorization": f"Bearer {live.app[OPERATOR]}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        async with http.get(f"{live.url}/api/ops/rooms/demo-rom/report") as r:
            assert r.status == 404 and (await r.json())["error"]["code"] == "unknown_room"
        async with http.get(f"{live.url}/ops/rooms/demo-rom") as r:
            assert r.status == 404 and "No room demo-rom" in await r.text()
        for room in ("last-week", "demo-room"):  # one in the log only, one open with nothing logged yet
            async with http.get(f"{live.url}/api/ops/rooms/{room}/report") as r:
                assert r.status == 200 and (await r.json())["room_id"] == room


async def test_changes_to_the_shelf_at_once_all_stay(live_server) -> None:
    """Two operators correcting, and the streamer changing prices and stock, at the same moment:
    every change acknowledged is on the shelf after (each used to start from the shelf as it was
    before the others, and the last swap put back what the earlier ones had changed)."""
    live = await live_server()
    acks = await asked(live, "v1", "浴巾会掉毛吗", "课程能看多久", "榨汁杯能榨冰块吗")
    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    operator = {"Authorization": f"Bearer {live.app[OPERATOR]}"}
    streamer = {"Authorization": f"Bearer {TOKEN}"}
    room = live.app[REGISTRY].get("demo-room")
    products = [room.catalog.by_link(n).id for n in (1, 2, 3, 4)]
    async with aiohttp.ClientSession() as http:

        async def correct(ack: dict, answer: str) -> dict:
            body = {"comment_id": ack["comment_id"], "answer": answer}
            async with http.post(f"{live.url}/api/ops/corrections", json=body, headers=operator) as r:
                assert r.status == 200, await r.text()
                return await r.json()

        async def stock(product_id: str, value: int) -> None:
            url = f"{live.url}/api/rooms/demo-room/products/{product_id}"
            async with http.patch(url, json={"stock": value}, headers=streamer) as r:
                assert r.status == 200, await r.text()

        fixed = await asyncio.gather(
            *(correct(ack, f"运营的回答 {i}") for i, ack in enumerate(acks)),
            *(stock(pid, 7 + i) for i, pid in enumerate(products)),
        )
    shelf = live.app[REGISTRY].get("demo-room").catalog
    for done in fixed[: len(acks)]:
        product = shelf.product(done["product_id"])
        assert done["faq_id"] in {f.id for f in product.faq}, done
    assert [shelf.product(pid).stock for pid in products] == [7, 8, 9, 10]


async def test_a_complaint_is_waiting_on_the_review_list_until_a_person_deals_with_it(live_server) -> None:
    # the bot's note to the viewer ("a person will follow up") is no answer: a complaint still open
    # in the console's queue used to show as "answered" by the bot, and so did a dismissed one
    live = await live_server()
    console = await live.viewer()
    assert (await console.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    waiting, dismissed, answered = await asked(
        live,
        "v1",
        "上次买的衬衫到现在还没发货，客服也不回，太差了",
        "收到的杯子是坏的，我要退款",
        "质量太差了，我要退货退款",
    )
    assert all(a["kind"] == "complaint" and a["escalated"] for a in (waiting, dismissed, answered))
    queue = (await console.call("queue_list"))["queue"]
    item = {i["comment_id"]: i["escalation_id"] for i in queue}
    assert (await console.call("queue_dismiss", {"escalation_id": item[dismissed["comment_id"]]}))["ok"]
    reply = {"escalation_id": item[answered["comment_id"]], "text": "已经给你补发了"}
    assert (await console.call("queue_answer", reply))["ok"]
    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    auth = {"Authorization": f"Bearer {live.app[OPERATOR]}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        async with http.get(f"{live.url}/api/ops/qa", params={"kind": "complaint"}) as r:
            rows = {row["comment_id"]: row for row in (await r.json())["rows"]}
    assert rows[waiting["comment_id"]]["status"] == "escalated"
    assert rows[dismissed["comment_id"]]["status"] == "dismissed"
    assert rows[answered["comment_id"]]["status"] == "streamer_answered"
    # and what the streamer answered is the row's answer, not the bot's note to the viewer
    assert rows[answered["comment_id"]]["author"] == "streamer"
    assert rows[answered["comment_id"]]["answer"].endswith("已经给你补发了")
    assert rows[waiting["comment_id"]]["author"] != "streamer"


async def test_the_room_list_offers_rooms_closed_now_that_the_log_holds(live_server) -> None:
    # the review page's room filter listed only the rooms open now: yesterday's show of a room
    # closed today could not be picked
    live = await live_server()
    await asked(live, "v1", "3号链接多少钱")  # an open room with rows: listed as open, not again
    log = live.app[LOG]
    yesterday = time.time() - 86400
    log.record(
        "comments",
        {
            "comment_id": "c-yesterday",
            "room_id": "yesterday-room",
            "viewer_id": "v1",
            "text": "这个有优惠吗",
            "kind": "escalate",
            "created_at": yesterday,
        },
    )
    log.record(
        "viewer_events",
        {"room_id": "last-week", "viewer_id": "v2", "event": "join", "created_at": yesterday - 6 * 86400},
    )
    log.record("room_events", {"room_id": "never-visited", "event": "open", "created_at": yesterday})
    assert await asyncio.to_thread(log.flush, 10)
    auth = {"Authorization": f"Bearer {live.app[OPERATOR]}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        async with http.get(f"{live.url}/api/ops/rooms") as r:
            assert r.status == 200
            data = await r.json()
        # `rooms` as before: the rooms open now, each with its shelf
        assert [room["room_id"] for room in data["rooms"]] == ["demo-room", "room-b"]
        assert all(room["products"] for room in data["rooms"])
        # the rooms closed now that viewers were in, the latest show first; a room only opened is not
        assert [(r["room_id"], round(r["last_at"])) for r in data["closed_rooms"]] == [
            ("yesterday-room", round(yesterday)),
            ("last-week", round(yesterday - 6 * 86400)),
        ]
        async with http.get(f"{live.url}/api/ops/qa", params={"room": "yesterday-room"}) as r:
            assert [row["comment_id"] for row in (await r.json())["rows"]] == ["c-yesterday"]


async def test_a_label_or_correction_saved_over_another_operators_is_refused(live_server) -> None:
    # two operators labelling or correcting the same comment at once: the last save silently won
    live = await live_server()
    [wrong] = await asked(live, "v1", WRONG)
    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    comment = wrong["comment_id"]
    auth = {"Authorization": f"Bearer {live.app[OPERATOR]}"}
    async with aiohttp.ClientSession(headers=auth) as http:

        async def post(path: str, **body: object) -> tuple[int, dict]:
            async with http.post(f"{live.url}/api/ops/{path}", json={"comment_id": comment, **body}) as r:
                return r.status, await r.json()

        async def row() -> dict:
            async with http.get(f"{live.url}/api/ops/qa") as r:
                [found] = [x for x in (await r.json())["rows"] if x["comment_id"] == comment]
                return found

        seen = (await row())["label_at"]
        assert seen is None  # both operators loaded the comment unlabelled
        # both save at once: one label is kept, the other operator is told, not overwritten
        saved = await asyncio.gather(
            post("labels", kind="answer", product_id="d01", source="material", expect={"label_at": seen}),
            post("labels", kind="escalate", expect={"label_at": seen}),
        )
        assert sorted(status for status, _ in saved) == [200, 409], saved
        [(_, first)] = [s for s in saved if s[0] == 200]
        [(_, refused)] = [s for s in saved if s[0] == 409]
        assert (
            refused["error"]["code"] == "changed_since"
            and "nothing was changed" in refused["error"]["message"]
        )
        # the refusal carries the comment as it is now, for the page to show beside the kept form
        assert refused["row"]["label_kind"] == first["kind"]
        assert refused["row"]["label_at"] == first["label_at"] == (await row())["label_at"]

        # a correction from what one saw before that label is refused too, and adds no FAQ entry
        faq_before = [f.id for f in live.app[REGISTRY].get("demo-room").catalog.product("d01").faq]
        status, body = await post("corrections", answer=RIGHT, expect={"label_at": None})
        assert status == 409 and body["error"]["code"] == "changed_since"
        assert [f.id for f in live.app[REGISTRY].get("demo-room").catalog.product("d01").faq] == faq_before
        assert (await row())["corrected_answer"] is None
        # from the label now it is saved; it is a label too, so a label from before it is refused
        status, fixed = await post("corrections", answer=RIGHT, expect={"label_at": first["label_at"]})
        assert status == 200 and fixed["label_at"] > first["label_at"]
        status, body = await post("labels", kind="chat", expect={"label_at": first["label_at"]})
        assert status == 409 and body["row"]["corrected_answer"] == RIGHT
        assert (await row())["label_source"] == fixed["faq_id"]
        status, _ = await post("labels", kind="chat", expect={"label_at": fixed["label_at"]})
        assert status == 200 and (await row())["label_kind"] == "chat"

        # without `expect` the last save wins, as before (scripts, older pages)
        assert (await post("labels", kind="complaint"))[0] == 200
        for expect in ([], {"label_at": "yesterday"}, {"label_at": True}, {"at": 1.0}):
            status, body = await post("labels", kind="chat", expect=expect)
            assert status == 400 and body["error"]["code"] == "bad_payload", expect
