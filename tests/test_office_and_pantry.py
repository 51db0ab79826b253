"""A printer shop's and a specialty food shop's shelves (two shops' trials): an FAQ written for one
printer model is no answer for another, which of two is better is the streamer's to say, a field's
name typed alone asks it, a tag names no product where it is one character or the measure asked,
what flying allows does not answer the train, and goods made to order by name are asked about their
making."""

from __future__ import annotations

import pytest

from domain.catalog import parse_catalog
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.qa import CUSTOM, OPINION, OTHER_ASPECT, OTHER_MODEL, QASettings, answer_comment
from recommender.encoder import TextEncoder

SETTINGS = QASettings()

SHELF = {
    "room_id": "office-and-pantry",
    "products": [
        {
            "id": "ink",
            "link": 3,
            "title": "HP 680 原装墨盒 黑色",
            "aliases": ["680墨盒"],
            "category": "办公耗材",
            "price": 79,
            "stock": 200,
            "attributes": {"page_yield": "黑色约480页", "fits_printers": ["1112", "2138", "3638", "3636"]},
            "faq": [
                {
                    "id": "ink-f1",
                    "q": "4175能用吗",
                    "a": "不能哦，4175要用682墨盒，680只适配1112、2138、3638、3636",
                },
                {"id": "ink-f2", "q": "可以自己加墨吗", "a": "原装墨盒不建议自己加墨"},
            ],
        },
        {
            "id": "paper",
            "link": 4,
            "title": "A4复印纸 500张/包",
            "category": "办公耗材",
            "price": 25,
            "stock": 500,
            "attributes": {"paper_weight": ["70g", "80g"], "sheets": "每包500张"},
        },
        {
            "id": "sausage",
            "link": 2,
            "title": "川味麻辣香肠 500g",
            "aliases": ["香肠", "腊肠"],
            "category": "腊味",
            "price": 49,
            "stock": 300,
            "attributes": {"spiciness": "麻辣味中辣，广式甜味不辣", "shelf_life": "冷藏180天"},
            "names": {"spiciness": ["辣度"]},
        },
        {
            "id": "tofu",
            "link": 9,
            "title": "手撕豆干 20包",
            "aliases": ["豆干", "豆腐干"],
            "tags": ["零食", "辣"],
            "category": "零食",
            "price": 19.9,
            "stock": 800,
            "attributes": {"spiciness": "麻辣味中辣偏重，五香味不辣", "shelf_life": "常温9个月"},
            "names": {"spiciness": ["辣度"]},
        },
        {
            "id": "daily",
            "link": 1,
            "title": "混血日抛美瞳 10片装",
            "aliases": ["日抛"],
            "tags": ["大直径"],
            "category": "美瞳",
            "price": 69,
            "stock": 100,
            "attributes": {"diameter": "14.5mm"},
            "names": {"diameter": ["直径"]},
        },
        {
            "id": "monthly",
            "link": 5,
            "title": "自然款月抛美瞳 2片装",
            "aliases": ["月抛"],
            "category": "美瞳",
            "price": 59,
            "stock": 100,
            "attributes": {"diameter": "14.2mm"},
            "names": {"diameter": ["直径"]},
        },
        {
            "id": "tank",
            "link": 7,
            "title": "家用氦气罐 可充50个气球",
            "aliases": ["氦气罐"],
            "category": "派对用品",
            "price": 129,
            "stock": 40,
            "faq": [{"id": "tank-f1", "q": "能带上飞机吗", "a": "压力罐不能带上飞机，只能陆运发货"}],
        },
        {
            "id": "pump",
            "link": 10,
            "title": "电动气球打气泵",
            "aliases": ["打气泵"],
            "category": "派对用品",
            "price": 59,
            "stock": 60,
            "attributes": {"usage": "只能打空气，不能充氦气"},
        },
        {
            "id": "mug",
            "link": 8,
            "title": "定制印字马克杯",
            "aliases": ["定制杯"],
            "category": "定制",
            "price": 39,
            "stock": 500,
            "attributes": {"lead_time": "确认设计稿后3天内印好发货"},
            "names": {"lead_time": ["制作周期"]},
        },
    ],
}


@pytest.fixture(scope="module")
def room(encoder: TextEncoder) -> RoomKnowledge:
    return build_knowledge(parse_catalog(SHELF), encoder, SETTINGS.dense_weight)


def test_an_faq_about_one_printer_model_is_no_answer_for_another(room: RoomKnowledge) -> None:
    # "6075可以用吗" was sent the FAQ "2132能用吗", whose answer opens with "不能哦" (and goes on to
    # list the 6075 among the printers it fits): the viewer heard "no"
    for text in ("2132可以用吗", "hp 2138能用这个吗"):
        d = answer_comment(text, room, "ink", SETTINGS)
        assert d.kind != "answer" or d.source != "ink-f1", (text, d)
        if d.source == "ink-f1":
            assert d.reason == OTHER_MODEL, (text, d)
    # the model the entry was written for gets its answer
    d = answer_comment("4175能用吗", room, "ink", SETTINGS)
    assert d.kind == "answer" and d.source == "ink-f1", d


def test_which_of_two_is_better_is_the_streamers_to_say(room: RoomKnowledge) -> None:
    # "70克还是80克好" was answered "克重：70g或80g可选": which exist, not which is better
    for text in ("70克还是80克好", "70g还是80g比较好啊"):
        d = answer_comment(text, room, "paper", SETTINGS)
        assert d.kind == "escalate" and d.reason == OPINION, (text, d)
    # which of them there are is still answered
    d = answer_comment("有80克的吗", room, "paper", SETTINGS)
    assert d.kind == "answer" and d.source == "paper_weight", d


def test_a_fields_name_typed_alone_asks_it(room: RoomKnowledge) -> None:
    # "保质期" alone, watching the jerky, was read as chat and reached no one
    d = answer_comment("保质期", room, "sausage", SETTINGS)
    assert d.kind == "answer" and d.source == "shelf_life" and "180天" in (d.reply or ""), d
    d = answer_comment("辣度？", room, "tofu", SETTINGS)
    assert d.kind == "answer" and d.source == "spiciness" and d.product_id == "tofu", d
    # or with the product's name or link and nothing more ("半年抛直径", a lens shop's trial: chat)
    # (and with a 的 between: "玫瑰的前调", "3号的前调", a perfume shop's trial: chat, and an order)
    for text, on in (
        ("月抛直径", "daily"),
        ("5号链接直径", "daily"),
        ("月抛的直径", "daily"),
        ("5号的直径", "daily"),
    ):
        d = answer_comment(text, room, on, SETTINGS)
        assert d.kind == "answer" and d.product_id == "monthly" and "14.2mm" in (d.reply or ""), (text, d)
    # a word that is no field's name stays chat, and a bare "退货" is not answered with a policy
    assert answer_comment("好香", room, "sausage", SETTINGS).kind == "chat"
    assert answer_comment("退货", room, "sausage", SETTINGS).kind != "answer"


def test_a_tag_of_one_character_names_no_product(room: RoomKnowledge) -> None:
    # the tofu's tag "辣" took "辣吗" watching the sausage to the tofu's spiciness (sent)
    for text in ("辣吗", "辣度怎么样 我不太能吃辣"):
        d = answer_comment(text, room, "sausage", SETTINGS)
        assert d.product_id == "sausage", (text, d)
    # named, the tofu is still found
    assert room.matcher.resolve("豆干辣吗", "sausage").product.id == "tofu"


def test_a_measure_asked_names_no_product_by_its_tag(room: RoomKnowledge) -> None:
    # "多大直径" watching one pair of lenses was answered with another's 14.5mm: its tag "大直径" is in
    # the question ("多大" + "直径")
    d = answer_comment("多大直径", room, "monthly", SETTINGS)
    assert d.kind == "answer" and d.product_id == "monthly" and "14.2mm" in (d.reply or ""), d


def test_what_flying_allows_is_no_answer_for_the_train(room: RoomKnowledge) -> None:
    # "能带上高铁吗" was sent the FAQ "能坐飞机带吗" ("压力罐不能带上飞机…") at 0.98
    d = answer_comment("能带上高铁吗", room, "tank", SETTINGS)
    assert d.kind != "answer", d
    if d.source == "tank-f1":
        assert d.reason == OTHER_ASPECT, d
    d = answer_comment("能带上飞机吗", room, "tank", SETTINGS)
    assert d.kind == "answer" and d.source == "tank-f1", d


def test_goods_made_to_order_by_name_are_asked_about_their_making(room: RoomKnowledge) -> None:
    # "定制的多久能发货" of custom-printed balloons went to the streamer as "asks for something made to
    # order, which the listing does not say", its lead time quoted as the guess
    d = answer_comment("定制的多久能发货", room, "mug", SETTINGS)
    assert d.reason != CUSTOM, d
    # of goods that are not made to order, a custom request still goes to the streamer so
    d = answer_comment("能定制直径吗", room, "monthly", SETTINGS)
    assert d.kind != "answer", d


def test_what_the_goods_fill_is_no_product_asked(room: RoomKnowledge) -> None:
    # "能充氦气吗" watching the electric pump went to the streamer with the helium tank's entry as the
    # guess: the helium is what the pump would fill, as "能泡绿茶吗" of a teapot
    assert room.matcher.resolve("能充氦气吗", "pump").product.id == "pump"
