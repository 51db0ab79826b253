"""A printer shop's and a specialty food shop's shelves (two shops' trials): an FAQ written for one
printer model is no answer for another, which of two is better is the streamer's to say, a field's
name typed alone asks it, and a one-character tag names no product."""

from __future__ import annotations

import pytest

from domain.catalog import parse_catalog
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.qa import OPINION, OTHER_MODEL, QASettings, answer_comment
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
                {"id": "ink-f1", "q": "4175能用吗", "a": "不能哦，4175要用682墨盒，680只适配1112、2138、3638、3636"},
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
