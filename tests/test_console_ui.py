"""The streamer's console in real headless Chromium, as a streamer lives with it through a show.

Typing is never wiped by updates, price edits are checked before they reach the room, the same
question from many viewers is one item answered once, the page speaks Chinese or English.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import aiohttp
from playwright.async_api import Page, expect

from bot.app import LOG, NAMESPACE, REGISTRY
from handlers.comments import streamer_channel
from handlers.rooms import QueueItem, question_key
from tests.conftest import TOKEN, screenshot_dir

VIEWPORT = {"width": 1280, "height": 800}
INVOICE = "3号链接可以开发票吗，公司报销要用"  # the catalog does not say: the streamer's


async def console_page(browser: Any, base: str, lang: str = "zh") -> Page:
    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN" if lang == "zh" else "en-US")
    page = await context.new_page()
    await page.goto(f"{base}/console/demo-room?token={TOKEN}")
    await expect(page.locator("body[data-joined]")).to_have_count(1)
    return page


def _price(live: Any, link: int) -> float:
    return live.app[REGISTRY].get("demo-room").catalog.by_link(link).price


def _pid(live: Any, link: int) -> str:
    return live.app[REGISTRY].get("demo-room").catalog.by_link(link).id


async def streamer_replies(viewer: Any, count: int = 1) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        got = [r for r in viewer.events.get("bot_reply", []) if r["author"] == "streamer"]
        if len(got) >= count or asyncio.get_running_loop().time() > deadline:
            return got
        await asyncio.sleep(0.05)


async def test_an_answer_typed_over_ten_seconds_survives_a_changing_queue(live_server, browser) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    alice = await live.viewer("demo-room", "alice")
    assert (await alice.call("comment", {"text": INVOICE}))["kind"] == "escalate"
    item = page.locator("#queue .item").first
    await expect(item.locator(".question")).to_have_text(INVOICE)
    box = item.locator("input.answer-text")
    await box.click()
    answer = (
        "可以开电子发票，下单后在订单页填写抬头和税号即可，三天内开好并发到邮箱，请查收。"  # 40 characters
    )
    assert len(answer) == 40

    async def more_questions() -> None:  # while the streamer types: new items, counters, a price change
        others = [await live.viewer("demo-room", f"v{i}") for i in range(4)]
        for i in range(8):
            await others[i % 4].call("comment", {"text": f"{90 + i}号链接什么时候上架"})
            await asyncio.sleep(1.1)

    await asyncio.gather(box.press_sequentially(answer, delay=250), more_questions())
    await expect(page.locator("#queue .item")).to_have_count(9)
    await expect(box).to_have_value(answer)
    await expect(box).to_be_focused()
    await box.press("Enter")
    got = await streamer_replies(alice)
    assert got and got[0]["text"] == f"@alice {answer}", got
    await expect(page.locator("#queue .item")).to_have_count(8)
    await expect(page.locator(f'#queue .item .question:text-is("{INVOICE}")')).to_have_count(0)
    await page.context.close()


async def test_a_half_typed_answer_survives_a_reload_of_the_page(live_server, browser) -> None:
    # before: the typed text lived in the page only; a tab closed or reloaded mid-show lost it
    live = await live_server()
    page = await console_page(browser, live.url)
    alice = await live.viewer("demo-room", "alice")
    assert (await alice.call("comment", {"text": INVOICE}))["kind"] == "escalate"
    box = page.locator("#queue .item input.answer-text").first
    await box.press_sequentially("可以开电子发票，下单后")
    await page.reload()
    await expect(page.locator("body[data-joined]")).to_have_count(1)
    box = page.locator("#queue .item input.answer-text").first
    await expect(box).to_have_value("可以开电子发票，下单后")
    await box.click()
    await box.press("End")
    await box.press_sequentially("在订单页填写抬头。")
    await box.press("Enter")
    got = await streamer_replies(alice)
    assert got and got[0]["text"] == "@alice 可以开电子发票，下单后在订单页填写抬头。", got
    # answered: its draft is gone with it, nothing is kept for the next show (the viewer's reply can
    # arrive before the console hears its answer was taken, so wait for the item to leave the page)
    await expect(page.locator("#queue .item")).to_have_count(0)
    assert await page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('cohost.drafts'))") == []
    await page.context.close()


async def test_empty_nan_and_negative_prices_are_refused_in_the_page(live_server, browser) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    before = _price(live, 3)
    row = page.locator("#shelf tr").filter(has=page.locator("td.link", has_text="3号")).first
    price = row.locator("input.price")
    for typed in ("", "NaN", "-5", "abc", "1e400"):
        await price.fill(typed)
        await row.locator("button.save").click()
        await expect(row.locator(".row-msg.error")).to_contain_text("价格必须是")
        assert _price(live, 3) == before, typed
    stock = row.locator("input.stock")
    await price.fill(str(before))
    await stock.fill("")
    await row.locator("button.save").click()
    await expect(row.locator(".row-msg.error")).to_contain_text("库存必须是")
    await page.context.close()


async def test_a_big_price_cut_asks_for_confirmation_and_can_be_undone(live_server, browser) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    before = _price(live, 3)
    row = page.locator("#shelf tr").filter(has=page.locator("td.link", has_text="3号")).first
    cut = round(before * 0.3, 2)
    await row.locator("input.price").fill(f"{cut:g}")
    await row.locator("button.save").click()
    await expect(row.locator(".row-msg.error")).to_contain_text("请确认")
    assert _price(live, 3) == before  # not before the streamer confirms
    await row.locator("button.confirm").click()
    await expect(page.locator("#shelf-status")).to_contain_text("已更新")
    assert _price(live, 3) == cut
    await expect(row.locator("input.price")).to_have_value(f"{cut:g}")
    await page.locator("#undo").click()
    await expect(page.locator("#shelf-status")).to_contain_text("已撤销")
    assert _price(live, 3) == before
    await expect(row.locator("input.price")).to_have_value(f"{before:g}")
    await page.get_by_test_id("lang-switch").click()  # the line says it again in English
    await expect(page.locator("#shelf-status")).to_contain_text("Undone")
    await page.get_by_test_id("lang-switch").click()

    # another console changes the price after this one's change: this one's undo must not wipe it
    await row.locator("input.price").fill(f"{before + 10:g}")
    await row.locator("button.save").click()
    await expect(page.locator("#undo")).to_be_visible()
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        url = f"{live.url}/api/rooms/demo-room/products/" + _pid(live, 3)
        async with http.patch(url, json={"price": before + 20}) as r:
            assert r.status == 200
    await page.locator("#undo").click()
    await expect(row.locator(".row-msg.error")).to_contain_text("已在别处改过")
    assert _price(live, 3) == before + 20
    await expect(page.locator("#undo")).to_be_hidden()
    await page.context.close()


async def test_a_price_box_follows_other_consoles_and_says_when_a_save_did_not_reach_the_server(
    live_server, browser
) -> None:
    # before: a box saved with Enter kept focus and never took another console's later price, and a
    # save while offline failed without a word, the box showing a price the shelf did not have
    live = await live_server()
    page = await console_page(browser, live.url)
    row = page.locator("#shelf tr").filter(has=page.locator("td.link", has_text="3号")).first
    box = row.locator("input.price")
    before = _price(live, 3)
    await box.fill(f"{before + 1:g}")
    await box.press("Enter")
    await expect(page.locator("#shelf-status")).to_contain_text("已更新")
    await expect(box).to_be_focused()
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        url = f"{live.url}/api/rooms/demo-room/products/" + _pid(live, 3)
        async with http.patch(url, json={"price": before + 2}) as r:  # another console's change
            assert r.status == 200
    await expect(box).to_have_value(f"{before + 2:g}")

    await page.route("**/api/rooms/**", lambda route: route.abort())  # the server cannot be reached
    await box.fill(f"{before + 3:g}")
    await row.locator("button.save").click()
    await expect(row.locator(".row-msg.error")).to_contain_text("连不上服务器")
    assert _price(live, 3) == before + 2
    await page.context.close()


async def test_a_timer_added_in_the_console_is_listed_once_and_the_form_clears(live_server, browser) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    await page.locator("#timer-text").fill("关注主播不迷路")
    await page.locator("#timer-min").fill("5")
    await page.locator("#timer button").click()
    await expect(page.locator("#timers li")).to_have_count(1)
    await page.wait_for_timeout(500)  # the console_timers event sent to every console has come too
    await expect(page.locator("#timers li")).to_have_count(1)  # it was listed twice until it fired
    await expect(page.locator("#timer-text")).to_have_value("")
    await page.context.close()


async def test_a_versions_price_is_changed_in_its_own_box_and_undone(
    live_server, browser, demo_catalog
) -> None:
    # the console listed the versions' prices as text: a streamer cutting one size's price mid-show
    # could only change the product's "from" price, which sent every price question to the queue
    cup = demo_catalog.by_link(3)
    priced = cup.model_copy(
        update={"price": 69.0, "prices": {"小号": 69.0, "大号": 89.0, "大号礼盒装送杯刷": 99.0}}
    )
    others = [p for p in demo_catalog.products if p.id != cup.id]
    live = await live_server([demo_catalog.model_copy(update={"products": (priced, *others)})])
    page = await console_page(browser, live.url)
    row = page.locator(f'#shelf tr[data-product="{cup.id}"]')
    await expect(row.locator("input.price")).to_have_attribute("readonly", "")  # it follows the versions
    # the boxes fit the shelf's lane: its buttons were cut off at 1400 px (an optician's trial)
    width, inner = await page.locator("#shelf-section").evaluate("n => [n.scrollWidth, n.clientWidth]")
    assert width <= inner, (width, inner)
    big = row.locator('input.version-price[data-version="大号"]')
    await expect(big).to_have_value("89")
    await big.fill("59")
    await big.press("Enter")
    await expect(page.locator("#shelf-status")).to_contain_text("大号 ¥59")
    await expect(row.locator("input.price")).to_have_value("59")  # now the lowest
    assert live.app[REGISTRY].get("demo-room").catalog.product(cup.id).prices == {
        "小号": 69.0,
        "大号": 59.0,
        "大号礼盒装送杯刷": 99.0,
    }
    await big.fill("5")  # a slipped digit: asked about, naming the version
    await big.press("Enter")
    await expect(row.locator(".row-msg.error")).to_contain_text("大号")
    await row.locator("button.cancel").click()
    await expect(big).to_have_value("59")
    await page.locator("#undo").click()
    await expect(big).to_have_value("89")
    await expect(row.locator("input.price")).to_have_value("69")
    assert live.app[REGISTRY].get("demo-room").catalog.product(cup.id).prices == {
        "小号": 69.0,
        "大号": 89.0,
        "大号礼盒装送杯刷": 99.0,
    }
    await page.context.close()


async def test_the_english_console_names_the_versions_in_english(live_server, browser, demo_catalog) -> None:
    # a watch shop's trial: the English console's price boxes were labelled 真皮表带 / 精钢表带 though
    # the catalog's `en.versions` names them
    tea = next(p for p in demo_catalog.products if p.prices and p.en is not None and p.en.versions)
    version, english = next(iter(tea.en.versions.items()))
    live = await live_server()
    page = await console_page(browser, live.url, lang="en")
    label = page.locator(f'#shelf tr[data-product="{tea.id}"] label.version').filter(
        has=page.locator(f'input[data-version="{version}"]')
    )
    await expect(label).to_contain_text(english)
    await page.locator("#lang button").click()  # the streamer switches to Chinese: the catalog's own name
    await expect(label).to_contain_text(version)
    await page.context.close()


async def test_down_a_long_queue_the_complaints_and_the_shelf_stay_in_view(live_server, browser) -> None:
    # a shoe shop's trial: 32 questions waiting made the console 4,200 px tall, and reading the last
    # of them scrolled the complaints, the counters and the prices out of sight
    live = await live_server()
    page = await console_page(browser, live.url)
    await page.set_viewport_size({"width": 1280, "height": 600})
    for i in range(12):
        viewer = await live.viewer("demo-room", f"fan{i}")
        await viewer.call("comment", {"text": f"{i + 1}号链接可以开发票吗，公司报销要用"})
    await expect(page.locator("#queue .item")).to_have_count(12)
    last = page.locator("#queue .item").last
    await last.scroll_into_view_if_needed()
    await expect(last).to_be_in_viewport()
    for lane in ("#complaints-section h2", "#counters-section", "#shelf-section h2"):
        await expect(page.locator(lane)).to_be_in_viewport()
    await page.context.close()


async def test_the_price_api_wants_confirm_for_a_jump(live_server) -> None:
    live = await live_server()
    before = _price(live, 3)
    url = f"{live.url}/api/rooms/demo-room/products/" + _pid(live, 3)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        for body in ({"price": 0}, {"price": before * 4}):
            async with http.patch(url, json=body) as r:
                assert r.status == 409 and (await r.json())["error"]["code"] == "confirm_price_jump"
        assert _price(live, 3) == before
        async with http.patch(url, json={"price": before * 0.9}) as r:  # a small change goes through
            assert r.status == 200 and (await r.json())["previous"] == {"price": before}
        async with http.patch(url, json={"price": 0, "confirm": True}) as r:
            assert r.status == 200
    assert _price(live, 3) == 0


async def test_four_askers_of_one_question_are_one_item_answered_once(live_server, browser) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    asked = ["3号链接可以开发票吗", "3号链接可以开发票吗？", "3号链接 可以开发票吗!!", "3号链接可以开发票吗~"]
    viewers = [await live.viewer("demo-room", f"fan{i}") for i in range(4)]
    for v, text in zip(viewers, asked, strict=True):
        assert (await v.call("comment", {"text": text}))["kind"] == "escalate"
    item = page.locator("#queue .item")
    await expect(item).to_have_count(1)
    await expect(item).to_have_attribute("data-count", "4")
    await expect(item.locator(".count")).to_have_text("4 人问")
    await expect(item.locator(".askers")).to_have_text("@fan0 @fan1 @fan2 @fan3")
    title = live.app[REGISTRY].get("demo-room").catalog.by_link(3).title
    await expect(item.locator(".product")).to_have_text(f"3号 {title}")
    # keyboard-first: j selects the top item, Enter opens its box, Enter in it sends
    await page.locator("body").press("j")
    await expect(item).to_have_class("item selected")
    await page.keyboard.press("Enter")
    await expect(item.locator("input.answer-text")).to_be_focused()
    await page.keyboard.type("可以开电子发票")
    await page.keyboard.press("Enter")
    await expect(page.locator("#queue .item")).to_have_count(0)
    for v in viewers:
        got = await streamer_replies(v)
        assert len(got) == 1 and got[0]["text"] == "@fan0 @fan1 @fan2 @fan3 可以开电子发票", got
    await page.context.close()


async def test_a_question_many_asked_names_a_few_and_says_how_long_it_waited(live_server, browser) -> None:
    # before: every asker's @name in a row (a wall on a question half the room asked), and no sign
    # of which questions had waited longest
    live = await live_server()
    page = await console_page(browser, live.url)
    fans = [await live.viewer("demo-room", f"fan{i}") for i in range(6)]
    for fan in fans[:5]:
        assert (await fan.call("comment", {"text": INVOICE}))["kind"] == "escalate"
    item = page.locator("#queue .item")
    await expect(item).to_have_attribute("data-count", "5")
    await expect(item.locator(".age")).to_have_text("刚问")
    [queued] = live.app[REGISTRY].get("demo-room").queue
    queued.created_at -= 7 * 60  # the first asker asked seven minutes ago
    assert (await fans[5].call("comment", {"text": INVOICE}))["kind"] == "escalate"
    await expect(item).to_have_attribute("data-count", "6")
    await expect(item.locator(".age")).to_have_text("等了 7 分钟")
    await expect(item.locator(".askers")).to_have_text("@fan0 @fan1 @fan2 另 3 人")
    await expect(item.locator(".askers")).to_have_attribute("title", ", ".join(f"fan{i}" for i in range(6)))
    await page.context.close()


async def test_a_filtered_comment_is_listed_by_the_viewers_name_with_what_they_said(
    live_server, browser
) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    spam = await live.viewer()
    assert (await spam.call("join_room", {"room_id": "demo-room", "viewer_id": "u-93f1", "name": "小号"}))[
        "ok"
    ]
    assert (await spam.call("comment", {"text": "想要优惠的私聊我"}))["kind"] == "filtered"
    listed = page.locator("#moderation li").first
    await expect(listed.locator("b")).to_have_text("小号")  # the id alone ("u-93f1") told the streamer little
    await expect(listed.locator("b")).to_have_attribute("title", "u-93f1")
    await expect(listed.locator(".said")).to_have_text("想要优惠的私聊我")
    await page.context.close()


async def test_the_moderation_list_comes_back_on_load_with_times_each_comment_once_and_fifty_at_most(
    live_server, browser
) -> None:
    # before: a reload emptied the list, its entries had no time, and it grew through the whole show
    live = await live_server(hygiene={"banned_words": ["私聊我"]})
    streamer = await live.viewer()
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    spam = await live.viewer()
    assert (await spam.call("join_room", {"room_id": "demo-room", "viewer_id": "u-93f1", "name": "小号"}))[
        "ok"
    ]
    assert (await spam.call("comment", {"text": "想要优惠的私聊我"}))["filtered"] == "banned_word"
    [sent] = await streamer.wait_for("moderation")
    assert await asyncio.to_thread(live.app[LOG].flush, 10)
    # local HH:MM (the browser shares this process's time zone), either side of a minute's turn
    at = {time.strftime("%H:%M", time.localtime(sent["ts"] + d)) for d in (-2, 0, 2)}

    page = await console_page(browser, live.url)  # opened after the comment: the list is read from the log
    listed = page.locator("#moderation li")
    await expect(listed).to_have_count(1)
    await expect(listed.locator("b")).to_have_text("小号")
    await expect(listed.locator(".reason")).to_have_attribute("data-reason", "banned_word")
    await expect(listed.locator(".at")).to_have_text(re.compile("^(" + "|".join(sorted(at)) + ")$"))
    await page.reload()
    await expect(page.locator("body[data-joined]")).to_have_count(1)
    await expect(listed).to_have_count(1)

    async def moderation(m: dict[str, Any]) -> None:
        await live.app[NAMESPACE].emit("moderation", m, to=streamer_channel("demo-room"))

    def flood(i: int) -> dict[str, Any]:  # a flooding comment from a viewer who gave no name
        return {
            "comment_id": f"c{i}",
            "viewer_id": f"v{i}",
            "name": None,
            "text": f"刷屏 {i}",
            "reason": "flood",
        }

    await moderation(sent)  # the live event of the comment listed again (a reconnect's overlap)
    await moderation({**flood(0), "ts": time.time()})
    await expect(listed.first.locator(".said")).to_have_text("刷屏 0")
    await expect(listed).to_have_count(2)  # the comment already listed is not listed twice
    await expect(listed.first.locator("b")).to_have_text("v0")  # no name: the viewer id
    for i in range(1, 55):
        await moderation({**flood(i), "ts": time.time()})
    await expect(listed.first.locator(".said")).to_have_text("刷屏 54")  # newest first
    await expect(listed).to_have_count(50)  # the oldest went: the comment from before the reload too
    await expect(listed.last.locator(".said")).to_have_text("刷屏 5")
    await page.context.close()


async def test_the_console_in_english_shows_names_and_reasons_in_english(live_server, browser) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    viewer = await live.viewer("demo-room", "v1")
    await viewer.call("comment", {"text": INVOICE})
    item = page.locator("#queue .item").first
    # the server's reason is an English sentence for the API; the page shows its short label
    reason = item.locator(".reason")
    await expect(reason).to_have_text(re.compile(r"[\u4e00-\u9fff]"))
    said = await reason.get_attribute("data-reason")
    zh = await reason.text_content()
    await page.get_by_test_id("lang-switch").click()
    await expect(page.locator("#queue-section h2")).to_contain_text("Questions")
    await expect(reason).not_to_have_text(zh or "")
    en = await reason.text_content()
    assert en and en.isascii() and en != said, (said, zh, en)
    await expect(item.locator(".product")).to_contain_text("#3 ")
    product = live.app[REGISTRY].get("demo-room").catalog.by_link(3)
    await expect(item.locator(".product")).to_contain_text(product.title_en)  # its English title
    await expect(page.locator("#shelf")).to_contain_text(product.title_en)
    await expect(item.locator("button.answer")).to_have_text("Answer")
    await expect(item.locator(".head")).to_contain_text(f": {INVOICE}")  # not the Chinese "："
    await expect(page.locator('[data-counter="escalated"] span')).to_have_text("to streamer")
    over = page.locator('[data-counter="over_budget"]')
    await expect(over).to_have_attribute(
        "title", re.compile(r"^Answers past the room's reply limit .*max_replies_per_minute")
    )
    await expect(page.locator(".counters-since")).to_have_text(re.compile(r"^counting since \d\d:\d\d$"))
    assert await page.locator("#shelf").get_by_text("d0", exact=False).count() == 0  # names, not ids
    await page.screenshot(path=str(screenshot_dir() / "console-en-test.png"))
    await page.reload()  # the choice is kept
    await expect(page.locator("#queue-section h2")).to_contain_text("Questions")
    await page.context.close()


async def test_guesses_below_the_threshold_are_hidden_and_bulk_dismiss(live_server, browser) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    streamer = await live.viewer()
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    await expect(page.locator("#paused-banner")).to_be_hidden()
    await expect(page.locator("#conn")).to_have_text("已连接")
    await expect(page.locator("#status")).to_have_text("")  # no notice yet ("连接中…" stayed beside it)
    assert (await streamer.call("console_settings", {"paused": True}))["ok"]  # answers become guesses
    await expect(page.locator("#paused-banner")).to_contain_text("机器人已暂停")  # hard to miss
    viewer = await live.viewer("demo-room", "v1")
    await viewer.call("comment", {"text": "3号链接多少钱"})
    item = page.locator("#queue .item").first
    await expect(item.locator(".guess-row")).to_be_visible()
    await expect(item.locator(".source")).to_have_text("来自字段「价格」")  # its name, not its key "price"
    await page.get_by_test_id("lang-switch").click()
    await expect(item.locator(".source")).to_have_text("from the field “price”")
    await page.get_by_test_id("lang-switch").click()
    # a value the server refuses is not left in its box, as if it held
    kept = await page.locator("#approve-below").input_value()
    await page.locator("#approve-below").fill("5")
    await page.locator("#approve-below").press("Tab")
    await expect(page.locator("#approve-below")).to_have_value(kept)
    assert (await streamer.call("console_state"))["settings"]["approve_below"] == float(kept)
    await page.locator("#guess-above").fill("1")
    await page.locator("#guess-above").press("Tab")
    await expect(item.locator(".guess-row")).to_be_hidden()
    await expect(item.locator("button.approve")).to_be_hidden()
    for i in range(3):  # three more viewers (one viewer holds at most hygiene.queue_per_viewer items)
        other = await live.viewer("demo-room", f"v{i + 2}")
        await other.call("comment", {"text": f"{80 + i}号链接什么时候上架"})
    await expect(page.locator("#queue .item")).to_have_count(4)
    # down a long queue the pause button and the paused banner stay in view
    size = page.viewport_size
    await page.set_viewport_size({"width": size["width"], "height": 360})
    await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert await page.evaluate("window.scrollY") > 0
    await expect(page.locator("#pause")).to_be_in_viewport()
    await expect(page.locator("#paused-banner")).to_be_in_viewport()
    await page.set_viewport_size(size)
    await page.locator("#select-all").check()
    await page.locator("#dismiss-selected").click()
    await expect(page.locator("#queue .item")).to_have_count(0)
    await expect(page.locator("#status")).to_contain_text("忽略")  # what it did, beside the connection
    await expect(page.locator("#conn")).to_have_text("已连接")  # (a notice used to replace it)
    assert (await streamer.call("queue_list"))["queue"] == []
    # questions the queue did not take (the viewer's limit) show as a counter, only when there are some
    not_queued = page.locator('[data-counter="not_queued"]')
    await expect(not_queued).to_be_hidden()
    for i in range(4):  # v1 holds at most 3 open: the fourth is not queued
        await viewer.call("comment", {"text": f"{90 + i}号链接什么时候上架"})
    await expect(not_queued).to_be_visible(timeout=10_000)
    await expect(not_queued.locator("b")).to_have_text("1")
    await expect(not_queued.locator("span")).to_have_text("超限未入队")
    # what it counts, and the setting that bounds it, on hover
    await expect(not_queued).to_have_attribute("title", re.compile("hygiene.queue_per_viewer"))
    # the notice of the dismissal goes after a while: an old one read as news of the last action
    await expect(page.locator("#status")).to_have_text("", timeout=20_000)
    await page.context.close()


async def test_queued_questions_expire_after_the_consoles_time(live_server) -> None:
    live = await live_server()
    streamer = await live.viewer()
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    viewer = await live.viewer("demo-room", "v1")
    await viewer.call("comment", {"text": INVOICE})
    upset = await live.viewer("demo-room", "v2")
    assert (await upset.call("comment", {"text": "我买的裤子破了个洞谁管"}))["kind"] == "complaint"
    assert (await streamer.call("console_settings", {"expire_min": 0.02}))["ok"]  # 1.2 s
    resolved = await streamer.wait_for("queue_resolved", timeout=10)
    assert resolved[0]["status"] == "expired"
    await asyncio.sleep(2)  # the complaint waits as long, and stays: a person must follow it up
    assert [q["kind"] for q in (await streamer.call("queue_list"))["queue"]] == ["complaint"]


async def test_a_question_asked_again_waits_from_its_newest_asker(live_server) -> None:
    live = await live_server()
    namespace, room = live.app[NAMESPACE], live.app[REGISTRY].get("demo-room")
    namespace.console(room).expire_min = 10
    first = QueueItem("e1", "c1", "v1", INVOICE, "d03", None, 0.0, "", 1000.0)
    room.enqueue(first, "小明")
    room.enqueue(QueueItem("e2", "c2", "v2", INVOICE, "d03", None, 0.0, "", 1500.0), "小红")
    assert list(room.queue) == [first] and [g["name"] for g in first.grouped] == ["小红"]
    await namespace._console_tick(room, 1000.0 + 700, counters=False)  # the first waited 11.7 min
    assert list(room.queue) == [first]  # 小红 has waited 3.3: still waiting for the streamer
    await namespace._console_tick(room, 1500.0 + 601, counters=False)
    assert not room.queue


def test_which_questions_count_as_the_same() -> None:
    def item(text: str, product: str | None = "d03") -> QueueItem:
        return QueueItem("e", "c", "v", text, product, None, 0.0, "", 0.0)

    assert question_key(item("有XL吗")) == question_key(item("有xl吗？？"))
    assert question_key(item("有XL吗")) == question_key(item(" 有 XL 吗 ~"))
    assert question_key(item("有XL吗")) != question_key(item("有黑色吗"))  # another value asked
    assert question_key(item("腰围多少")) != question_key(item("臀围多少"))  # another measurement
    assert question_key(item("有XL吗")) != question_key(item("有XL吗", "d04"))  # another product
    complaint = item("收到的全碎了，要退款！")
    complaint.kind = "complaint"
    assert question_key(complaint) is None  # never grouped


async def test_the_same_words_watching_another_product_are_another_question(live_server) -> None:
    # a gardening shop's trial: "带盆吗" watching the succulents was folded into the item asked
    # watching the potted plant (the bot tied both to the plant), and the streamer's "带的" went to both
    live = await live_server()
    streamer = await live.viewer()
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    first, second, third = [await live.viewer("demo-room", v) for v in ("v1", "v2", "v3")]
    await _show(live, 2)
    asked = await first.call("comment", {"text": INVOICE})
    await _show(live, 4)
    again = await second.call("comment", {"text": INVOICE})
    assert asked["escalated"] and again["escalated"] and "queued_with" not in again
    queued = (await streamer.call("queue_list"))["queue"]
    assert [(q["product_id"], q["on_screen"]) for q in queued] == [
        (_pid(live, 3), _pid(live, 2)),
        (_pid(live, 3), _pid(live, 4)),
    ]
    # watching the same product, it is the same question: one item, one more asker
    assert (await third.call("comment", {"text": INVOICE + "？"}))["queued_with"] == queued[1][
        "escalation_id"
    ]
    await streamer.call(
        "queue_answer", {"escalation_id": queued[0]["escalation_id"], "text": "可以开，拍下后留言抬头"}
    )
    said = await streamer_replies(first)
    assert [(r["text"], r["viewer_ids"]) for r in said] == [("@v1 可以开，拍下后留言抬头", ["v1"])]


async def test_one_viewer_asking_twice_is_named_once(live_server) -> None:
    live = await live_server()
    streamer = await live.viewer()
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    v1, v2 = await live.viewer("demo-room", "v1"), await live.viewer("demo-room", "v2")
    for v, text in ((v1, INVOICE), (v1, INVOICE + "？"), (v2, INVOICE)):
        assert (await v.call("comment", {"text": text}))["kind"] == "escalate"
    queue = (await streamer.call("queue_list"))["queue"]
    assert len(queue) == 1 and [g["viewer_id"] for g in queue[0]["grouped"]] == ["v1", "v2"]
    ack = await streamer.call("queue_answer", {"escalation_id": queue[0]["escalation_id"], "text": "可以开"})
    assert ack["ok"]
    got = await streamer_replies(v2)
    assert got[0]["text"] == "@v1 @v2 可以开" and got[0]["viewer_ids"] == ["v1", "v2"]


async def test_a_complaint_has_its_own_lane_and_is_never_grouped(live_server, browser) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    complaint = "收到的全碎了，要退款！"
    for viewer_id in ("v1", "v2"):
        await (await live.viewer("demo-room", viewer_id)).call("comment", {"text": complaint})
    lane = page.locator("#complaints .item.complaint")
    await expect(lane).to_have_count(2)
    await expect(lane.first.locator(".question")).to_have_text(complaint)
    await expect(lane.first.locator(".kind")).to_have_text("投诉")
    await expect(lane.first.locator(".conf")).to_be_hidden()  # a confidence says nothing of a complaint
    await expect(page.locator("#queue .item")).to_have_count(0)
    # a question about no product it could tell says so once, not "product unknown · not recognised"
    await (await live.viewer("demo-room", "v3")).call("comment", {"text": "这个多少钱"})
    item = page.locator("#queue .item").first
    await expect(item.locator(".reason")).to_have_text("没认出是哪个商品")
    await expect(item.locator(".product")).to_be_hidden()
    await expect(item.locator(".conf")).to_be_visible()
    # a guess held under its bar says the bar (a gym shop's trial: "置信度 0.90" beside a reason of
    # "0.89 < 0.93", the bar nowhere): rounded down as the reason is
    room = live.app[REGISTRY].get("demo-room")
    held = QueueItem(
        "e-bar",
        "c-bar",
        "v4",
        "200斤能跑吗",
        None,
        "可以",
        0.897,
        "not sure enough (0.89 < 0.93)",
        time.time(),
    )
    room.enqueue(held)
    await live.app[NAMESPACE].queue_changed(room, held)
    await expect(page.locator('#queue .item[data-escalation="e-bar"] .conf')).to_have_text(
        "置信度 0.89（需 0.93）"
    )
    await page.context.close()


async def test_dismissing_a_queue_of_more_than_five_hundred_and_an_item_no_longer_open(
    live_server, browser, monkeypatch
) -> None:
    monkeypatch.setattr("handlers.rooms.MAX_QUEUE", 600)
    live = await live_server()
    room = live.app[REGISTRY].get("demo-room")
    now = time.time()
    for i in range(520):  # more than queue_dismiss_many takes in one call
        room.enqueue(QueueItem(f"e{i}", f"c{i}", f"v{i}", f"{i}号链接什么时候上架", None, None, 0.0, "", now))
    page = await console_page(browser, live.url)
    await expect(page.locator("#queue .item")).to_have_count(520)
    room.queue.remove(room.queue_item("e0"))  # gone from the server unseen by this page
    await page.locator('#queue .item[data-escalation="e0"] button.dismiss').click()
    await expect(page.locator("#queue .item")).to_have_count(519)  # not left on the page for good
    await page.locator("#select-all").check()
    await page.locator("#dismiss-selected").click()
    await expect(page.locator("#queue .item")).to_have_count(0)
    await expect(page.locator("#status")).to_have_text("已忽略 519 条")
    assert not room.queue
    await page.context.close()


async def test_every_reason_a_question_is_handed_over_for_has_a_label_in_both_languages(
    live_server, browser
) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    # reasons once shown raw
    asked = [
        "主播穿的是几号链接",
        "8号能送到新疆吗",
        "6号链接有优惠券吗",
        "is link 2 available in XL?",
        "8号链接什么颜色好看 主播推荐一下",
        "when will link 14 be back in stock?",
        "6号链接能发顺丰吗",
    ]
    for i, text in enumerate(asked):
        viewer = await live.viewer("demo-room", f"v{i}")
        assert (await viewer.call("comment", {"text": text}))["kind"] == "escalate", text
    reasons = page.locator("#queue .item .reason")
    await expect(reasons).to_have_count(len(asked))
    for zh in await reasons.all_text_contents():
        assert re.search(r"[\u4e00-\u9fff]", zh), zh  # a short Chinese label, not the API's sentence
    said = [await r.get_attribute("data-reason") for r in await reasons.all()]
    await page.get_by_test_id("lang-switch").click()
    for en, raw in zip(await reasons.all_text_contents(), said, strict=True):
        assert en.isascii() and en != raw, (en, raw)
    await page.context.close()


async def test_a_long_show_s_revenue_stays_inside_its_counter(live_server, browser) -> None:
    live = await live_server()
    page = await console_page(browser, live.url, lang="en")
    counters = {
        "viewers": 80,
        "comments": 5098,
        "comments_per_min": 263,
        "revenue": 1234567.8,
        "since": time.time(),
    }
    revenue = page.locator('[data-counter="revenue"] b')
    # the server's own counters (every COUNTERS_EVERY seconds, revenue 0 in this room) may land just
    # after ours: ours are sent again until the page shows them, and the width is read in that step
    fits = None
    for _ in range(10):
        await live.app[NAMESPACE].emit("console_counters", counters, to=streamer_channel("demo-room"))
        for _ in range(10):
            fits = await revenue.evaluate(
                "b => b.textContent === '¥1234567.80' ? b.scrollWidth <= b.clientWidth : null"
            )
            if fits is not None:
                break
            await asyncio.sleep(0.05)
        if fits is not None:
            break
    assert fits is True, fits  # None: never shown; False: it spilled past its box
    await page.locator("#counters-section").screenshot(path=str(screenshot_dir() / "console-counters.png"))
    await page.context.close()


async def test_a_question_taken_away_while_the_streamer_types_does_not_move_the_typing_to_another(
    live_server, browser
) -> None:
    live = await live_server()
    page = await console_page(browser, live.url)
    streamer = await live.viewer()
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    for i in range(3):
        viewer = await live.viewer("demo-room", f"v{i}")
        await viewer.call("comment", {"text": f"{80 + i}号链接什么时候上架"})
    items = page.locator("#queue .item")
    await expect(items).to_have_count(3)
    first_id = await items.first.get_attribute("data-escalation")
    await page.locator("body").press("j")
    await page.locator("body").press("Enter")  # the first item's answer box, as the keys say
    await page.keyboard.type("80号下周")
    # it expires (or another console answers it) while the streamer is typing
    assert (await streamer.call("queue_dismiss", {"escalation_id": first_id}))["ok"]
    await expect(items).to_have_count(2)
    await expect(page.locator("#status")).to_contain_text("离开队列")  # said, with nothing sent
    await expect(page.locator("#status")).to_contain_text("你写的：80号下周")  # and what was written, kept
    # a console trial went on typing Latin letters: j / k moved the selection, x ticked, and Enter
    # opened another question's box
    await page.keyboard.type("jjx一上架")
    await page.keyboard.press("Enter")
    await asyncio.sleep(0.5)
    # the rest of the sentence must not land in the other question's box, nor be sent to its asker
    await expect(items).to_have_count(2)
    await expect(items.first.locator("input.answer-text")).to_have_value("")
    # the item selected in its place stays selected: the j's did not move on
    await expect(page.locator(".item.selected")).to_have_attribute(
        "data-escalation", await items.first.get_attribute("data-escalation") or ""
    )
    await expect(page.locator("input.pick:checked")).to_have_count(0)
    await expect(page.locator("input.answer-text:focus")).to_have_count(0)
    assert not [r for r in live.viewers[-2].events.get("bot_reply", []) if r["author"] == "streamer"]
    # the streamer's own answer still goes on to the next question's box
    await items.first.locator("input.answer-text").fill("81号下周上架")
    await items.first.locator("input.answer-text").press("Enter")
    await expect(items).to_have_count(1)
    await expect(items.first.locator("input.answer-text")).to_be_focused()
    await page.context.close()


async def test_the_answers_held_by_a_pause_are_sent_together_after_it(live_server, browser) -> None:
    # each had to be approved one by one; and releasing them teaches no wording (the bot was sure)
    live = await live_server()
    page = await console_page(browser, live.url)
    await page.locator("#pause").click()
    await expect(page.locator("#paused-banner")).to_be_visible()
    viewer = await live.viewer("demo-room", "v1")
    for link in (3, 1):
        assert (await viewer.call("comment", {"text": f"{link}号链接多少钱"}))["kind"] == "escalate"
    other = await live.viewer("demo-room", "v2")
    await other.call("comment", {"text": "3号链接可以开发票吗，公司报销要用"})  # not the bot's to answer
    await expect(page.locator("#queue .item")).to_have_count(3)
    send = page.locator("#send-paused")
    await expect(send).to_be_hidden()  # still paused
    await page.locator("#pause").click()
    await expect(send).to_have_text("发送暂停时的回答（2）")
    await send.click()
    await expect(page.locator("#queue .item")).to_have_count(1)
    await expect(send).to_be_hidden()
    replies = await viewer.wait_for("bot_reply", 2)
    assert sorted(r["product_id"] for r in replies) == sorted([_pid(live, 3), _pid(live, 1)])
    said = " ".join(r["text"] for r in replies if r["author"] == "streamer")
    assert all(f"{link}号链接现在{_price(live, link):g}元" in said for link in (3, 1)), said
    assert all(not p.asked_as for p in live.app[REGISTRY].get("demo-room").catalog.products)
    await page.context.close()


async def _show(live: Any, link: int) -> None:
    """Put the product of `link` on screen, as the streamer's API does."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        body = {"product_id": _pid(live, link)}
        r = await http.post(f"{live.url}/api/rooms/demo-room/on_screen", json=body)
        assert r.status == 200


async def test_the_taught_notice_goes_with_the_next_action(live_server, browser) -> None:
    # "remembered this wording" stayed on screen through the next dismiss and answer, as if they too
    # had taught the bot something
    live = await live_server()
    other_console = await live.viewer()  # every guess shown, however unsure: the notice is the matter here
    assert (await other_console.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    assert (await other_console.call("console_settings", {"guess_above": 0}))["ok"]
    page = await console_page(browser, live.url)
    await _show(live, 2)
    guessed = await (await live.viewer("demo-room", "v1")).call("comment", {"text": "能装电脑不哈哈"})
    assert guessed["kind"] == "escalate"
    await (await live.viewer("demo-room", "v2")).call(
        "comment", {"text": "2号链接可以开发票吗，公司报销要用"}
    )
    items = page.locator("#queue .item")
    await expect(items).to_have_count(2)
    await items.filter(has_text="能装电脑不哈哈").locator("button.approve").click()
    await expect(page.locator("#status")).to_contain_text("已记住这个问法")
    await expect(page.locator("#unteach")).to_be_visible()  # its undo beside it
    await expect(items).to_have_count(1)
    await items.first.locator("button.dismiss").click()
    await expect(items).to_have_count(0)
    await expect(page.locator("#status")).to_have_text("")
    await expect(page.locator("#unteach")).to_be_hidden()  # and gone with it
    await page.context.close()


async def test_an_approval_that_taught_the_bot_can_be_taken_back_from_the_console(
    live_server, browser
) -> None:
    # a console trial: a guess approved unread taught the shelf its wording, and the bot sent the same
    # wrong answer to each next viewer asking so; the console had no way back
    live = await live_server()
    other_console = await live.viewer()  # every guess shown: the teaching is the matter here
    assert (await other_console.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    assert (await other_console.call("console_settings", {"guess_above": 0}))["ok"]
    page = await console_page(browser, live.url)
    await _show(live, 2)
    asked = "能装电脑不哈哈"
    assert (await (await live.viewer("demo-room", "v1")).call("comment", {"text": asked}))[
        "kind"
    ] == "escalate"
    await page.locator("#queue .item button.approve").click()
    await expect(page.locator("#status")).to_contain_text("已记住这个问法")
    shelf = live.app[REGISTRY].get("demo-room").catalog
    assert any(asked in ws for p in shelf.products for ws in p.asked_as.values())
    await page.locator("#unteach").click()
    await expect(page.locator("#status")).to_contain_text("已撤销")
    await expect(page.locator("#unteach")).to_be_hidden()
    assert all(not p.asked_as for p in live.app[REGISTRY].get("demo-room").catalog.products)
    # the next viewer asking so goes to the streamer again, not answered from the taught wording
    again = await (await live.viewer("demo-room", "v2")).call("comment", {"text": asked})
    assert again["kind"] == "escalate"
    await page.context.close()


async def test_the_queue_can_show_only_the_product_on_screen(live_server, browser) -> None:
    # with hundreds waiting, the questions about what the streamer is showing were somewhere among them
    live = await live_server()
    page = await console_page(browser, live.url)
    await _show(live, 2)
    for viewer_id, text in (
        ("v1", "3号链接可以开发票吗，公司报销要用"),
        ("v2", "2号链接可以开发票吗，公司报销要用"),
        ("v3", "收到的全碎了，要退款！"),
    ):
        await (await live.viewer("demo-room", viewer_id)).call("comment", {"text": text})
    await expect(page.locator("#queue .item")).to_have_count(2)
    await expect(page.locator("#complaints .item")).to_have_count(1)
    # the product on screen when asked, beside an item tied to none or to another (three shops'
    # trials: a complaint about "the bottle" while the liquor was shown read "product unknown")
    await expect(page.locator("#complaints .item .product")).to_have_text(
        re.compile(r"^未识别商品（提问时讲解 2号 ")
    )
    other = page.locator("#queue .item", has_text="3号链接可以开发票吗")
    await expect(other.locator(".product")).to_contain_text("（提问时讲解 2号 ")
    await expect(other.locator(".product")).to_contain_text(re.compile(r"^3号 "))
    own = page.locator("#queue .item", has_text="2号链接可以开发票吗")
    await expect(own.locator(".product")).not_to_contain_text("提问时讲解")
    streamer = await live.viewer()
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    queued = (await streamer.call("queue_list"))["queue"]
    assert {q["on_screen"] for q in queued} == {_pid(live, 2)}
    await page.locator("#on-screen-only").check()
    shown = page.locator("#queue .item:visible")
    await expect(shown).to_have_count(1)
    await expect(shown.locator(".question")).to_have_text("2号链接可以开发票吗，公司报销要用")
    await expect(page.locator("#complaints .item")).to_be_visible()  # a complaint is never out of sight
    await page.evaluate("document.activeElement.blur()")  # off the checkbox: j / k are the queue's
    await page.keyboard.press("j")
    await expect(page.locator(".item.selected .question")).to_have_text("2号链接可以开发票吗，公司报销要用")
    await page.locator("#on-screen-only").uncheck()
    await expect(page.locator("#queue .item:visible")).to_have_count(2)
    await page.context.close()


async def test_a_refusal_by_the_server_is_said_in_the_consoles_language(live_server, browser) -> None:
    # found by the demo-room trial: the Chinese console showed the server's English sentence as is
    # ("console_settings: approve_below: Input should be less than or equal to 1")
    live = await live_server()
    for lang, words in (("zh", "请求有误："), ("en", "Bad request: ")):
        page = await console_page(browser, live.url, lang)
        box = page.locator("#approve-below")
        await box.fill("5")  # the box lets it through; the server refuses it
        await box.press("Tab")
        status = page.locator("#status")
        await expect(status).to_contain_text(words)
        await expect(status).to_contain_text("approve_below")  # what was wrong, in the server's words
        # a stock the page takes (a whole number) but the shelf cannot hold
        row = page.locator(f'#shelf tr[data-product="{_pid(live, 3)}"]')
        await row.locator("input.stock").fill("2000000000")
        await row.locator("button.save").click()
        message = row.locator(".row-msg.error")
        await expect(message).to_contain_text(words)
        await expect(message).to_contain_text("stock")
        if lang == "zh":  # switched, both follow the page's language
            await page.get_by_test_id("lang-switch").click()
            await expect(status).to_contain_text("Bad request: ")
            await expect(message).to_contain_text("Bad request: ")
        # the page's own check of a price, said again in the new language too (it stayed as drawn)
        await row.locator("input.price").fill("¥59")
        await row.locator("button.save").click()
        if lang == "zh":
            await expect(message).to_contain_text("The price must be a number")
            await page.get_by_test_id("lang-switch").click()
            await expect(message).to_contain_text("价格必须是")
        await page.context.close()


async def test_the_console_fits_a_phone_with_complaints_first(live_server, browser) -> None:
    # a console trial on a phone: the desktop's three columns stayed, 1,095 px wide at 390, and the
    # complaints lane, the counters and the shelf were off to the right of the queue
    live = await live_server()
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    )
    page = await context.new_page()
    await page.goto(f"{live.url}/console/demo-room?token={TOKEN}")
    await expect(page.locator("body[data-joined]")).to_have_count(1)
    await (await live.viewer("demo-room", "v1")).call(
        "comment", {"text": "3号链接可以开发票吗，公司报销要用"}
    )
    await (await live.viewer("demo-room", "v2")).call("comment", {"text": "收到的全碎了，要退款！"})
    await expect(page.locator("#queue .item")).to_have_count(1)
    await expect(page.locator("#complaints .item")).to_have_count(1)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    complaints = await page.locator("#complaints-section").bounding_box()
    queue = await page.locator("#queue-section").bounding_box()
    assert complaints is not None and queue is not None
    assert complaints["x"] >= 0 and complaints["x"] + complaints["width"] <= 390
    assert complaints["y"] < queue["y"]  # above the queue, not beside it
    await expect(page.locator("#queue-section .keys")).to_be_hidden()  # no keyboard on a phone
    await context.close()


async def test_the_queue_can_put_the_most_asked_or_the_newest_on_top(live_server, browser) -> None:
    # a console trial: oldest first only, a question nine viewers asked sat 13th of 28 and the newest
    # at the bottom of a 4,782 px page
    live = await live_server()
    page = await console_page(browser, live.url)
    asked = [
        ("a1", "3号链接可以开发票吗，公司报销要用"),
        ("b1", "5号链接能不能印个公司logo"),
        ("b2", "5号链接能不能印个公司logo"),
        ("b3", "5号链接能不能印个公司logo"),
        ("c1", "1号链接可以定制尺寸吗"),
    ]
    for viewer_id, text in asked:
        assert (await (await live.viewer("demo-room", viewer_id)).call("comment", {"text": text}))[
            "escalated"
        ]
        # the page orders by hundredths of a second: two questions asked within one are a tie, which
        # the page may show either way (CI once asked 1号 within 10 ms of the last 5号)
        await asyncio.sleep(0.05)
    items = page.locator("#queue .item")
    await expect(items).to_have_count(3)

    async def top_down() -> list[str]:
        boxes = [
            (await n.bounding_box(), await n.locator(".question").inner_text()) for n in await items.all()
        ]
        return [text for box, text in sorted(boxes, key=lambda bt: bt[0]["y"])]

    assert await top_down() == [asked[0][1], asked[1][1], asked[4][1]]  # first asked on top
    # typing in one box while the order changes: the box keeps the text and the focus
    box = items.filter(has_text=asked[4][1]).locator("input.answer-text")
    await box.press_sequentially("可以定制")
    await page.locator("#queue-order").select_option("most_asked")
    assert await top_down() == [asked[1][1], asked[0][1], asked[4][1]]
    await expect(box).to_be_focused()
    await expect(box).to_have_value("可以定制")
    await page.evaluate("document.activeElement.blur()")
    await page.keyboard.press("j")  # j takes the top item as shown
    await expect(page.locator(".item.selected .question")).to_have_text(asked[1][1])
    await page.locator("#queue-order").select_option("newest")
    assert await top_down() == [asked[4][1], asked[1][1], asked[0][1]]
    # the choice is kept in this browser
    await page.reload()
    await expect(page.locator("body[data-joined]")).to_have_count(1)
    await expect(page.locator("#queue-order")).to_have_value("newest")
    await expect(items).to_have_count(3)  # joined, the queue is drawn a moment later (CI once read none)
    assert await top_down() == [asked[4][1], asked[1][1], asked[0][1]]
    await page.context.close()


async def test_the_shelf_says_which_products_are_sold_out(live_server, browser) -> None:
    # a console trial: the sold-out product looked like any other on the shelf
    live = await live_server()
    page = await console_page(browser, live.url)
    shelf = live.app[REGISTRY].get("demo-room").catalog
    gone = next(p for p in shelf.products if p.stock == 0)
    there = next(p for p in shelf.products if p.stock > 0)
    row = page.locator(f'#shelf tr[data-product="{gone.id}"]')
    await expect(row.locator(".sold-out-pill")).to_be_visible()
    await expect(row.locator(".sold-out-pill")).to_have_text("售罄")
    other = page.locator(f'#shelf tr[data-product="{there.id}"]')
    await expect(other.locator(".sold-out-pill")).to_be_hidden()
    # the stock set to 0 on the shelf: it says so at once
    await other.locator("input.stock").fill("0")
    await other.locator("input.stock").press("Enter")
    await expect(other.locator(".sold-out-pill")).to_be_visible()
    await page.context.close()
