"""Which link a product is on, and what is on a link: a viewer who came in late asks it all show
long. On the bundled demo shelf with the real encoder and the shipped models."""

from __future__ import annotations

import pytest

from domain.catalog import Catalog, parse_catalog
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.qa import QASettings, answer_comment
from recommender.encoder import TextEncoder

SETTINGS = QASettings()


@pytest.fixture(scope="module")
def room(demo_catalog: Catalog, encoder: TextEncoder) -> RoomKnowledge:
    return build_knowledge(demo_catalog, encoder, SETTINGS.dense_weight)


def test_every_product_asked_by_any_of_its_names_gets_its_link_number(room: RoomKnowledge) -> None:
    for p in room.catalog.products:
        for name in p.aliases:
            text = f"which link is the {name}?" if name.isascii() else f"{name}在哪个链接"
            d = answer_comment(text, room, None, SETTINGS)
            assert d.kind == "answer" and d.source == "link" and d.product_id == p.id, (text, d)
            assert d.reply is not None and p.display_name(d.lang) in d.reply
            assert (f"{p.link}号链接" if d.lang == "zh" else f"Link {p.link}:") in d.reply


def test_which_is_the_link_of_a_product_is_the_same_question(room: RoomKnowledge) -> None:
    # "哪个是泡沫轴的链接" went to the streamer (0.04) where "泡沫轴是几号链接" was answered
    for p in room.catalog.products:
        name = next(a for a in p.aliases if not a.isascii())
        d = answer_comment(f"哪个是{name}的链接", room, None, SETTINGS)
        assert d.kind == "answer" and d.source == "link" and d.product_id == p.id, (name, d.reason)


def test_the_link_answer_says_the_live_price_and_a_sell_out(room: RoomKnowledge) -> None:
    sold_out = next(p for p in room.catalog.products if not p.in_stock)
    d = answer_comment(f"{sold_out.aliases[0]}是几号链接", room, None, SETTINGS)
    assert d.reply is not None and f"{sold_out.price:g}元" in d.reply and "卖完" in d.reply
    on_sale = next(p for p in room.catalog.products if p.in_stock and p.aliases)
    d = answer_comment(f"{on_sale.aliases[0]}是几号链接", room, None, SETTINGS)
    assert d.reply is not None and f"{on_sale.price:g}元" in d.reply and "卖完" not in d.reply


def test_asking_what_is_on_a_link_gets_its_title(room: RoomKnowledge) -> None:
    p = room.catalog.by_link(14)
    assert p is not None
    for text in ("14号链接是什么东西", "what's link 14?"):
        d = answer_comment(text, room, None, SETTINGS)
        assert d.kind == "answer" and d.source == "link" and d.product_id == p.id, (text, d)
        assert d.reply is not None and p.display_name(d.lang) in d.reply
    # a link number not on the shelf: the streamer says what it is, nothing is made up
    missing = next(n for n in range(1, 99) if room.catalog.by_link(n) is None)
    d = answer_comment(f"{missing}号链接是什么东西", room, None, SETTINGS)
    assert d.kind == "escalate" and d.reply is None


def test_this_one_is_the_product_on_screen(room: RoomKnowledge) -> None:
    p = room.catalog.by_link(3)
    assert p is not None
    d = answer_comment("现在这个是几号链接呀", room, p.id, SETTINGS)
    assert d.kind == "answer" and d.product_id == p.id and d.reply is not None and "3号链接" in d.reply
    # nothing on screen: the streamer knows what "this" is, the bot does not
    d = answer_comment("现在这个是几号链接呀", room, None, SETTINGS)
    assert d.kind == "escalate" and d.reply is None


def test_two_products_named_get_both_links(room: RoomKnowledge) -> None:
    d = answer_comment("衬衫和裤子分别是几号链接", room, None, SETTINGS)
    shirt, trousers = (next(p for p in room.catalog.products if word in p.title) for word in ("衬衫", "长裤"))
    assert d.kind == "answer" and d.reply is not None
    assert f"{shirt.link}号链接" in d.reply and f"{trousers.link}号链接" in d.reply


def test_what_the_streamer_holds_goes_to_the_streamer_with_the_guess(room: RoomKnowledge) -> None:
    p = room.catalog.by_link(3)
    assert p is not None
    d = answer_comment("主播手上拿的是几号链接", room, p.id, SETTINGS)
    assert d.kind == "escalate" and d.reply is None and d.guess is not None and "3号链接" in d.guess


def test_a_date_or_a_size_asked_with_ji_hao_is_no_link_question(room: RoomKnowledge) -> None:
    for text, screen in (("今天几号了", None), ("鞋子几号能发货", None), ("我165应该穿几号", "d01")):
        d = answer_comment(text, room, screen, SETTINGS)
        said = d.reply or d.guess or ""
        # no "N号链接：<title>" which-link reply, sent or guessed (an FAQ answer reads "6号链接：…" too)
        assert d.source != "link" and not any(f"号链接：{p.title}" in said for p in room.catalog.products), (
            text,
            d,
        )


def test_a_second_question_besides_the_link_is_not_left_unanswered(room: RoomKnowledge) -> None:
    p = room.catalog.by_link(14)
    assert p is not None
    # the link answer says the price too
    d = answer_comment("14号链接是什么东西 多少钱", room, None, SETTINGS)
    assert d.kind == "answer" and d.source == "link" and d.reply is not None and f"{p.price:g}元" in d.reply
    # it does not say the size: that question takes the usual path
    d = answer_comment("14号链接是什么东西 尺寸多大", room, None, SETTINGS)
    assert d.source != "link"


def test_a_name_inside_a_longer_name_and_still_there_ask_of_one_product(encoder: TextEncoder) -> None:
    # a tea shop's trial: "安吉白茶还有吗" (安吉白茶 on screen, sold out; 白茶 an alias of another tea)
    # was answered for both teas, the other first: "还有" read as "and", 白茶 as a second name
    shelf = parse_catalog(
        {
            "room_id": "tea",
            "products": [
                {"id": "shou", "link": 3, "title": "福鼎白茶 寿眉", "category": "茶叶", "price": 158,
                 "stock": 120, "aliases": ["白茶", "寿眉"]},
                {"id": "anji", "link": 12, "title": "安吉白茶 明前头采", "category": "茶叶", "price": 268,
                 "stock": 0, "aliases": ["安吉白茶"]},
                {"id": "pu", "link": 2, "title": "勐海普洱茶饼", "category": "茶叶", "price": 198,
                 "stock": 30, "aliases": ["普洱"]},
            ],
        }
    )  # fmt: skip
    room = build_knowledge(shelf, encoder, SETTINGS.dense_weight)
    d = answer_comment("安吉白茶还有吗", room, "anji", SETTINGS)
    assert d.kind == "answer" and d.reply == "12号链接已经卖完了", d
    # two names joined by 还有 still ask of both
    d = answer_comment("寿眉还有普洱多少钱", room, None, SETTINGS)
    assert d.kind == "answer" and "3号链接" in (d.reply or "") and "2号链接" in (d.reply or ""), d
