"""The three pages in real headless Chromium against a real server: viewer room, streamer console, ops.

The main story: a viewer asks and sees the answer and a card, clicks it; the console counts the
question and queues the escalated one; the streamer answers it and the viewer sees the answer; the
operator corrects a wrong answer and the next viewer asking the same gets the corrected one.
Screenshots of every page are saved (to docs/screenshots/ with COHOST_SCREENSHOTS=1).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import aiohttp
from playwright.async_api import Page, expect

from bot.app import LOG, OPERATOR, REFUSALS, REGISTRY
from domain.catalog import ProductEn
from tests.conftest import DOC_SHOTS, ROOT, TOKEN, screenshot_dir

VIEWPORT = {"width": 1100, "height": 720}
WRONG = "6号链接洗了会掉色吗"  # the bot answers it from the shrinking FAQ entry: wrong
RIGHT = "不会掉色，这款用的是活性染料，冷水手洗放心穿。"
XSS_NAME = '<img src=x onerror="window.__pwned=1">'
XSS_TEXT = "<script>window.__pwned=1</script><b>bold</b> 3号链接可以开发票吗"


async def open_page(browser: Any, url: str) -> Page:
    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = await context.new_page()
    await page.goto(url)
    return page


async def viewer_page(browser: Any, base: str, viewer: str, name: str | None = None) -> Page:
    query = f"?viewer={viewer}" + (f"&name={name}" if name else "")
    page = await open_page(browser, f"{base}/room/demo-room{query}")
    await expect(page.locator("body[data-joined]")).to_have_count(1)
    return page


async def ask(page: Page, text: str) -> None:
    await page.fill("#comment", text)
    await page.click("#say button[type=submit]")


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(screenshot_dir() / name), full_page=False)


async def flushed(live: Any) -> None:
    assert await asyncio.to_thread(live.app[LOG].flush, 10)


async def test_viewer_streamer_and_operator_in_the_browser(live_server, browser, demo_catalog) -> None:
    live = await live_server()
    base = live.url

    # a viewer asks the price: the answer and a card appear; the card's buttons send the real events
    alice = await viewer_page(browser, base, "alice", "Alice")
    await ask(alice, "3号链接多少钱")
    price = demo_catalog.by_link(3).price
    await expect(alice.locator(".msg.bot .text").first).to_contain_text(f"{price:g}元")
    asked = demo_catalog.by_link(3).id
    await expect(alice.locator(f'.card[data-product="{asked}"]')).to_have_count(1)
    card_id = await alice.locator(f'.card[data-product="{asked}"]').get_attribute("data-card")
    card = alice.locator(f'.card[data-card="{card_id}"]')  # a cart may push a complement card above it
    await card.locator("button.click").click()
    await expect(card.locator(".result")).to_have_text("已查看")
    await card.locator("button.cart").click()
    await expect(card.locator(".result")).to_have_text("已加入购物车")

    # the streamer's console: refused without the token, then opened with it
    console = await open_page(browser, f"{base}/console/demo-room")
    await expect(console.locator("#message")).to_contain_text("主播令牌")
    await console.goto(f"{base}/console/demo-room?token={TOKEN}")
    assert "token=" not in console.url  # kept in an HttpOnly cookie, out of the address bar
    await expect(console.locator("body[data-joined]")).to_have_count(1)
    await expect(console.locator('[data-counter="questions"] b')).to_have_text("1", timeout=10_000)
    await expect(console.locator('[data-counter="clicks"] b')).to_have_text("1", timeout=10_000)
    await expect(console.locator("#shelf tr")).to_have_count(len(demo_catalog.products))

    # an escalated question reaches the queue; the streamer answers; the viewer page shows it
    await ask(alice, "3号链接可以开发票吗，公司报销要用")
    item = console.locator("#queue .item").first
    await expect(item.locator(".question")).to_have_text("3号链接可以开发票吗，公司报销要用")
    await expect(console.locator('[data-counter="escalated"] b')).to_have_text("1", timeout=10_000)
    await shot(console, "console.png")
    await item.locator("input.answer-text").fill("可以开电子发票，下单后联系客服")
    await item.locator("button.answer").click()
    await expect(alice.locator(".msg.streamer .text")).to_contain_text("可以开电子发票")
    await expect(console.locator("#queue .item")).to_have_count(0)
    await shot(alice, "room.png")

    # a wrong answer (the shrinking entry for a fading question: the bot holds it back as a guess),
    # corrected by the operator, is right for the next viewer at once
    await ask(alice, WRONG)
    await expect(console.locator("#queue .item")).to_have_count(1)  # held back: in the streamer's queue
    await flushed(live)
    ops = await open_page(browser, f"{base}/ops?token=wrong")
    await expect(ops.locator("#message")).to_have_text("令牌错误。")
    assert "token=" not in ops.url  # a refused token does not stay in the address bar either
    await ops.goto(f"{base}/ops?token={live.app[OPERATOR]}")
    row = ops.locator("#qa tbody tr", has_text=WRONG).first
    await expect(row).to_be_visible()
    await expect(row.locator("td.answer")).to_contain_text("缩")
    await row.locator("button.wrong").click()
    fix = ops.locator("#qa tr.fix")
    await fix.locator("textarea.fix-answer").fill(RIGHT)
    await fix.locator("button.save-fix").click()
    await expect(row.locator(".saved-note")).to_contain_text("已存为")  # said on the row, the form closed
    await expect(fix).to_have_count(0)
    await shot(ops, "ops.png")

    # the operator labels the invoice question: the shelf answers it nowhere, it was the streamer's
    invoice = ops.locator("#qa tbody tr", has_text="开发票").first
    await invoice.locator("button.label-open").click()
    labelling = ops.locator("#qa tr.label")
    await labelling.locator("select.label-kind").select_option("answer")
    await expect(labelling.locator("select.label-entry")).to_be_visible()  # an answer names its entry
    await labelling.locator("select.label-kind").select_option("escalate")
    await expect(labelling.locator("select.label-entry")).to_be_hidden()
    await labelling.locator("button.save-label").click()
    await expect(invoice.locator(".saved-note")).to_have_text("已保存标注")
    await expect(labelling).to_have_count(0)  # saved, the form closes: the next label is not chosen in it
    await expect(invoice.locator(".label-now")).to_have_text("标注：货架答不了")

    bob = await viewer_page(browser, base, "bob", "Bob")
    await ask(bob, WRONG)
    await expect(bob.locator(".msg.bot .text").last).to_contain_text(RIGHT)

    # what the bot learned is listed on the review page, and the operator can take it back
    learned = ops.locator("#learned-box")
    await learned.locator("summary").click()
    await expect(learned.locator("#learned-count")).to_have_text("2")  # the answer, and the wording it taught
    answer = learned.locator("tbody tr", has_text=RIGHT)
    await expect(answer).to_have_count(1)
    await answer.locator("button.unlearn").click()
    await expect(learned.locator("#learned-count")).to_have_text("0")  # the answer takes its wording along
    await ask(bob, WRONG)
    await expect(console.locator("#queue .item")).to_have_count(1)  # the bot is unsure again
    await expect(bob.locator(".msg.bot .text", has_text=RIGHT)).to_have_count(1)  # said once, before

    # the operator's analytics page for the room
    analytics = await open_page(browser, f"{base}/ops/rooms/demo-room")
    assert (
        await analytics.request.get(f"{base}/ops/rooms/demo-room")
    ).status == 401  # new context: no cookie
    await analytics.goto(f"{base}/ops/rooms/demo-room?token={live.app[OPERATOR]}")
    await expect(analytics.locator("h1")).to_contain_text("数据分析")  # zh-CN browser: the Chinese page
    await expect(analytics.locator('[data-metric="funnel.viewers"]')).to_have_text("2")
    # (the analytics screenshot is taken in tests/test_report.py, on a simulated show's log)
    for page in (alice, bob, console, ops, analytics):
        await page.context.close()


async def test_a_question_over_the_viewers_limit_says_it_was_not_passed_on(live_server, browser) -> None:
    # before: the page said nothing, and the viewer waited for an answer that could not come
    live = await live_server(hygiene={"queue_per_viewer": 1})
    page = await viewer_page(browser, live.url, "bob")
    await ask(page, "3号链接可以开发票吗，公司报销要用")
    await expect(page.locator(".msg.mine").nth(0)).to_contain_text("已转给主播")
    await ask(page, "13号链接可以开发票吗，公司报销要用")
    await expect(page.locator(".msg.mine").nth(1)).to_contain_text("这条先没转过去")
    await page.context.close()


async def test_a_price_or_stock_changed_mid_show_reaches_the_viewers_page(live_server, browser) -> None:
    # before: the page kept showing the old price (the order was then logged at the new one), and a
    # product sold out since its card came could still be bought from the card
    live = await live_server()
    room = live.app[REGISTRY].get("demo-room")
    product = next(p for p in room.catalog.products if p.in_stock)
    page = await viewer_page(browser, live.url, "carol")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        url = f"{live.url}/api/rooms/demo-room"
        async with http.post(f"{url}/on_screen", json={"product_id": product.id}) as r:
            assert r.status == 200
        await expect(page.locator("#on-screen .price")).to_have_text(f"¥{product.price:g}")
        await ask(page, f"{product.link}号链接多少钱")
        card = page.locator(f'#cards .card[data-product="{product.id}"]')
        await expect(card).to_have_count(1)
        # sold at one price: the price alone (the versions' line once wrote "null" under it)
        await expect(card.locator(".price")).to_have_text(f"¥{product.price:g}")
        await expect(card).not_to_contain_text("null")
        await card.locator("button.cart").click()
        await expect(card.locator(".result")).to_have_text("已加入购物车")
        await page.locator("#on-screen button.buy").click()
        await expect(page.locator("#on-screen .result")).to_have_text("下单成功")

        async with http.patch(f"{url}/products/{product.id}", json={"price": product.price + 10}) as r:
            assert r.status == 200
        new_price = f"¥{product.price + 10:g}"
        await expect(page.locator("#on-screen .price")).to_have_text(new_price)
        await expect(card.locator(".price")).to_have_text(new_price)
        await expect(card.locator(".result")).to_have_text("已加入购物车")  # what the viewer did stays
        await expect(page.locator("#on-screen .result")).to_have_text("下单成功")

        async with http.patch(f"{url}/products/{product.id}", json={"stock": 0}) as r:
            assert r.status == 200
        await expect(card.locator("button.buy")).to_be_disabled()
        await expect(card.locator(".sold-out")).to_have_text("已售罄")
        await expect(page.locator("#on-screen button.buy")).to_be_disabled()
        other = next(p for p in room.catalog.products if p.id != product.id and p.in_stock)
        async with http.post(f"{url}/on_screen", json={"product_id": other.id}) as r:
            assert r.status == 200
        await expect(page.locator("#on-screen")).to_have_attribute("data-product", other.id)
        await expect(page.locator("#on-screen .result")).to_have_text("")  # not the last product's order
    # a client that has not heard (or ignores it) cannot order it either
    buyer = await live.viewer("demo-room", "dave")
    ack = await buyer.call("purchase", {"product_id": product.id})
    assert ack["ok"] is False and ack["error"]["code"] == "sold_out"
    await page.context.close()


async def test_a_viewer_who_gave_no_name_is_called_a_viewer_not_by_a_made_up_id(live_server, browser) -> None:
    # a trial: replies went to "@web-xwqfl81z"
    live = await live_server()
    page = await open_page(browser, f"{live.url}/room/demo-room")
    await expect(page.locator("body[data-joined]")).to_have_count(1)
    await expect(page.locator("#status")).to_have_text(re.compile(r"^已进入 · 观众[a-z0-9]{4}$"))
    await ask(page, "3号链接多少钱")
    await expect(page.locator(".msg.bot").first).to_contain_text("@观众")
    await expect(page.locator(".msg.bot").first).not_to_contain_text("web-")
    await page.context.close()


async def test_a_refused_comment_is_explained_in_the_pages_language(live_server, browser) -> None:
    # before: "more than 2 comments in 10 s from this connection; slow down" on a Chinese page
    live = await live_server(limits={"comments_per_10s": 2})
    page = await viewer_page(browser, live.url, "erin")
    for text in ("主播好", "主播晚上好", "主播你好呀"):
        await ask(page, text)
    await expect(page.locator(".msg.mine").nth(2)).to_contain_text("发得太快了")
    await expect(page.locator("#status")).to_contain_text("已进入")  # not "无法进入" over a refused comment
    await page.locator("#lang button").click()  # to English: the refusal follows
    await expect(page.locator(".msg.mine").nth(2)).to_contain_text("you are sending too fast")
    await page.context.close()


async def test_the_viewers_page_fits_a_phone(live_server, browser) -> None:
    # before: 509 px wide at 390, so the page scrolled sideways and the send button wrapped
    live = await live_server()
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    )
    page = await context.new_page()
    await page.goto(f"{live.url}/room/demo-room?viewer=phone")
    await expect(page.locator("body[data-joined]")).to_have_count(1)
    await ask(page, "3号链接多少钱")
    await expect(page.locator("#cards .card")).not_to_have_count(0)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    send = await page.locator("#say button").bounding_box()
    assert send is not None and send["height"] < 40  # one line
    await context.close()


async def test_an_announcement_has_no_answer_feedback_buttons(live_server, browser) -> None:
    live = await live_server()
    page = await viewer_page(browser, live.url, "frank")
    streamer = await live.viewer()
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    assert (await streamer.call("announce", {"text": "今晚八点抽奖"}))["ok"]
    said = page.locator(".msg.streamer").filter(has_text="今晚八点抽奖")
    await expect(said).to_have_count(1)
    await expect(said.locator("button")).to_have_count(0)  # 有用 / 答错了 are for answers
    await ask(page, "3号链接多少钱")
    await expect(page.locator(".msg.bot button.up")).to_have_count(1)
    await page.context.close()


async def test_html_in_comments_and_names_renders_as_text_on_every_page(live_server, browser) -> None:
    live = await live_server()
    base = live.url
    page = await viewer_page(browser, base, "mallory", XSS_NAME)
    console = await open_page(browser, f"{base}/console/demo-room?token={TOKEN}")
    await expect(console.locator("body[data-joined]")).to_have_count(1)
    await ask(page, XSS_TEXT)

    # the viewer's own line, the console's queue, the streamer's reply that names the viewer
    await expect(page.locator(".msg.mine .text").first).to_have_text(XSS_TEXT)
    item = console.locator("#queue .item").first
    await expect(item.locator(".question")).to_have_text(XSS_TEXT)
    await item.locator("input.answer-text").fill("<i>ok</i>")
    await item.locator("button.answer").click()
    await expect(page.locator(".msg.streamer .text")).to_contain_text("<i>ok</i>")
    await expect(page.locator("#status")).to_have_text("已进入 · " + XSS_NAME)

    await flushed(live)
    ops = await open_page(browser, f"{base}/ops?token={live.app[OPERATOR]}")
    await expect(ops.locator("#qa tbody td.text", has_text="<script>").first).to_have_text(XSS_TEXT)
    await expect(ops.locator("#qa tbody td", has_text="onerror").first).to_have_text(XSS_NAME)
    analytics = await open_page(browser, f"{base}/ops/rooms/demo-room?token={live.app[OPERATOR]}")
    await expect(analytics.locator("h1")).to_contain_text("数据分析")  # zh-CN browser: the Chinese page

    for p in (page, console, ops, analytics):
        assert await p.evaluate("window.__pwned") is None
        assert await p.locator("main b:text-is('bold'), main i:text-is('ok'), img[src=x]").count() == 0
        await p.context.close()


async def test_pages_refuse_missing_or_wrong_tokens(live_server) -> None:
    live = await live_server()
    operator = live.app[OPERATOR]
    async with aiohttp.ClientSession() as http:

        async def status(path: str, token: str | None = None, method: str = "GET", **kw: Any) -> int:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            async with http.request(
                method, live.url + path, headers=headers, allow_redirects=False, **kw
            ) as r:
                return r.status

        assert await status("/room/demo-room") == 200  # viewers need no token
        assert await status("/room/no-such-room") == 404
        for path in ("/console/demo-room", "/console/demo-room?token=nope"):
            assert await status(path) == 401
        assert (
            await status("/console/demo-room", operator) == 401
        )  # the operator's token is not the streamer's
        assert await status("/console/demo-room", TOKEN) == 200
        assert await status(f"/console/demo-room?token={TOKEN}") == 303  # to a cookie, out of the URL
        for path in ("/ops", "/ops/rooms/demo-room"):
            assert await status(path) == 401
            assert await status(path, "wrong") == 401
            assert await status(path, TOKEN) == 401
            assert await status(path, operator) == 200
        for method, path in (
            ("GET", "/api/ops/rooms"),
            ("GET", "/api/ops/qa"),
            ("GET", "/api/ops/qa.csv"),
            ("GET", "/api/ops/rooms/demo-room/report"),
            ("POST", "/api/ops/corrections"),
        ):
            assert await status(path, method=method) == 401, path
            assert await status(path, TOKEN, method=method) == 401, path
        assert await status("/static/socket.io.min.js") == 200
    # refusals are counted (GET /metrics), not written to the log row by row
    counts = live.app[REFUSALS].counts
    assert counts["operator_page"] > 0 and counts["streamer_page"] > 0 and counts["operator_api"] > 0
    await flushed(live)
    rows = await asyncio.to_thread(
        live.app[LOG].query, "select detail from room_events where event = 'auth_refused'"
    )
    assert rows == []


def test_screenshots_in_the_docs_are_small() -> None:
    shots = list(DOC_SHOTS.glob("*.png"))
    assert shots
    assert sum(p.stat().st_size for p in shots) < 1_500_000, [(p.name, p.stat().st_size) for p in shots]


def test_vendored_client_is_the_official_one() -> None:
    client = Path(ROOT / "bot" / "web" / "static" / "socket.io.min.js").read_text(encoding="utf-8")
    assert client.startswith("/*!\n * Socket.IO v4.8.1")


async def test_a_refused_join_is_said_in_the_pages_language(live_server, browser) -> None:
    # before: "无法进入：room demo-room is full", the server's English inside the page's Chinese
    live = await live_server(limits={"max_viewers_per_room": 1})
    await live.viewer("demo-room", "first")  # the room is full
    page = await open_page(browser, f"{live.url}/room/demo-room?viewer=second")
    status = page.locator("#status")
    await expect(status).to_have_text("无法进入：直播间人数已满，请稍后再来")
    await page.locator("#lang button").click()
    await expect(status).to_have_text("could not join: the room is full; try again later")
    await page.context.close()


async def test_the_review_page_says_a_server_error_that_is_not_json(live_server, browser) -> None:
    # a proxy's error page in front of the server: the listing said nothing (the page threw)
    live = await live_server()
    page = await open_page(browser, f"{live.url}/ops?token={live.app[OPERATOR]}")
    await expect(page.locator("#qa tbody")).to_be_attached()
    await page.route(
        "**/api/ops/qa?*", lambda route: route.fulfill(status=502, body="<html>Bad Gateway</html>")
    )
    await page.locator("#filters button[type=submit]").click()
    await expect(page.locator("#status")).to_have_text("服务器出错（HTTP 502），请再试一次")
    await page.context.close()


async def test_a_second_tab_of_the_same_viewer_joins_with_its_token(live_server, browser) -> None:
    # the page sent the token as `viewer_token`, a key join_room ignores: a duplicated tab (its
    # session storage copied) was refused as "this viewer is in the room in another window"
    live = await live_server()
    first = await viewer_page(browser, live.url, "twin")
    key = "cohost-viewer-token:demo-room:twin"
    token = await first.evaluate(f"sessionStorage.getItem({key!r})")
    assert token
    second = await first.context.new_page()
    await second.add_init_script(f"sessionStorage.setItem({key!r}, {token!r})")
    await second.goto(f"{live.url}/room/demo-room?viewer=twin")
    await expect(second.locator("body[data-joined]")).to_have_count(1)
    await first.context.close()


async def test_a_shelf_priced_in_dollars_is_quoted_in_dollars(live_server, browser, demo_catalog) -> None:
    # `currency: USD` was said only in English replies: a Chinese reply said "28元", the viewer's
    # page and the console "¥28"
    shelf = demo_catalog.model_copy(update={"currency": "USD"})
    live = await live_server([shelf])
    product = next(p for p in shelf.products if p.in_stock and p.original_price)
    page = await viewer_page(browser, live.url, "dee")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        async with http.post(
            f"{live.url}/api/rooms/demo-room/on_screen", json={"product_id": product.id}
        ) as r:
            assert r.status == 200
    await expect(page.locator("#on-screen .price")).to_have_text(f"USD {product.price:g}")
    await ask(page, f"{product.link}号链接多少钱")
    reply = page.locator(".msg.bot .text").last
    # in the viewers' words: "28美元", not "28元", nor the code a Chinese viewer reads past
    await expect(reply).to_contain_text(f"现在{product.price:g}美元（原价{product.original_price:g}美元）")
    await expect(reply).not_to_contain_text(f"{product.price:g}元")
    await page.context.close()


async def test_a_product_sold_in_versions_shows_from_its_lowest_price(
    live_server, browser, demo_catalog
) -> None:
    # a bed in two sizes at two prices showed its lowest price alone, as if both sizes cost that
    product = next(p for p in demo_catalog.products if p.in_stock)
    # an English page names the versions as the catalog's `en.versions` does
    english = ProductEn(versions={"1.5米": "1.5 m", "1.8米": "1.8 m"})
    priced = product.model_copy(
        update={"price": 2599.0, "prices": {"1.5米": 2599.0, "1.8米": 2899.0}, "en": english}
    )
    shelf = demo_catalog.model_copy(
        update={"products": tuple(priced if p.id == product.id else p for p in demo_catalog.products)}
    )
    live = await live_server([shelf])
    page = await viewer_page(browser, live.url, "erin")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        url = f"{live.url}/api/rooms/demo-room"
        async with http.post(f"{url}/on_screen", json={"product_id": product.id}) as r:
            assert r.status == 200
        price = page.locator("#on-screen .price")
        await expect(price).to_have_text("¥2599起")
        await expect(page.locator("#on-screen .versions")).to_have_text("1.5米 ¥2599 · 1.8米 ¥2899")
        await page.locator("#lang button").click()
        await expect(price).to_have_text("from ¥2599")
        # the streamer cuts one version's price: the page shows it, and the lowest as the price
        async with http.patch(f"{url}/products/{product.id}", json={"prices": {"1.5米": 2499}}) as r:
            assert r.status == 200
        await expect(price).to_have_text("from ¥2499")
        await expect(page.locator("#on-screen .versions")).to_have_text("1.5 m ¥2499 · 1.8 m ¥2899")
        # a price of the product's own would leave the versions' as they were: refused, saying so
        async with http.patch(f"{url}/products/{product.id}", json={"price": 2999}) as r:
            assert r.status == 400 and "priced by version" in (await r.json())["error"]["message"]
        await expect(price).to_have_text("from ¥2499")
    await page.context.close()
    # the console gives each version's price a box of its own beside the price box
    console = await open_page(browser, f"{live.url}/console/demo-room?token={TOKEN}")
    row = console.locator(f'tr[data-product="{product.id}"]')
    for version, amount in (("1.5米", "2499"), ("1.8米", "2899")):
        await expect(row.locator(f'input.version-price[data-version="{version}"]')).to_have_value(amount)
    await console.context.close()


async def test_a_shelf_with_a_title_heads_its_pages_with_it(live_server, browser, demo_catalog) -> None:
    # four shops' trials: the viewer page and the console said "直播间 watches42", the room id in the
    # web address, where the shop has a name; a title given heads them, escaped like any text
    named = demo_catalog.model_copy(update={"title": "老张<b>手表</b>专卖"})
    live = await live_server([named])
    room = await open_page(browser, f"{live.url}/room/demo-room?viewer=v1")
    await expect(room.locator("#room-name")).to_have_text("老张<b>手表</b>专卖")
    assert "老张<b>手表</b>专卖" in await room.title()
    console = await open_page(browser, f"{live.url}/console/demo-room?token={TOKEN}")
    await expect(console.locator("#room-name")).to_have_text("老张<b>手表</b>专卖")
    await expect(console.locator("body[data-joined]")).to_have_count(1)  # the room id still joins it
    for page in (room, console):
        await page.context.close()
    plain = await live_server()
    page = await open_page(browser, f"{plain.url}/room/demo-room")
    await expect(page.locator("#room-name")).to_have_text("demo-room")  # no title: the room id
    await page.context.close()
