"""Sizes in 号, amounts and unit prices as viewers of jewellery and furniture rooms ask them (two new
shops' trials): what must not become a link, a wrong "yes" or another amount's price."""

from __future__ import annotations

import re

import pytest

from domain.catalog import CatalogError, parse_catalog
from handlers.fields import detect_fields, price_notes
from handlers.intent import is_question
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.qa import ALONE, CUSTOM, OTHER_VERSION, PRICES_OLD, UNIT_PRICE, QASettings, answer_comment
from recommender.encoder import TextEncoder

SETTINGS = QASettings()

SHELF = {
    "room_id": "gold-and-wood",
    "products": [
        {
            "id": "ring",
            "link": 3,
            "title": "S925银素圈戒指",
            "category": "饰品",
            "price": 89,
            "stock": 120,
            "attributes": {
                "ring_sizes": ["10号", "12号", "14号", "16号", "17号", "18号"],
                "band": "宽3mm，厚1.5mm",
            },
        },
        {
            "id": "bangle",
            "link": 1,
            "title": "足金999古法手镯",
            "category": "饰品",
            "price": 20680,
            "stock": 5,
            "attributes": {"gram_weight": "约30g", "purity": "足金999"},
        },
        {
            "id": "lab",
            "link": 6,
            "title": "培育钻石戒指",
            "category": "饰品",
            "price": 5999,
            "stock": 8,
            "attributes": {"carat": "1.0克拉", "clarity": "VS1"},
        },
        {"id": "cloth", "link": 17, "title": "擦银布", "category": "饰品", "price": 9.9, "stock": 300},
        {
            "id": "table",
            "link": 4,
            "title": "实木餐桌",
            "aliases": ["桌子", "饭桌"],
            "category": "家具",
            "price": 1899,
            "stock": 20,
            "attributes": {"dimensions": "长140cm 宽80cm 高75cm", "material": "北美白橡木"},
        },
        {
            "id": "desk",
            "link": 8,
            "title": "儿童升降学习桌",
            "category": "家具",
            "price": 1299,
            "stock": 30,
            "attributes": {"desk_height": "桌面高度52-76cm可调", "material": "E0级板材"},
            "faq": [{"id": "desk-f1", "q": "能定制尺寸吗", "a": "学习桌是标准尺寸，不接受定制"}],
        },
        {
            "id": "bed",
            "link": 2,
            "title": "北美橡木实木床",
            "category": "家具",
            "price": 2599,
            "stock": 12,
            "prices": {"1.5米": 2599, "1.8米": 2899},
            "attributes": {"sizes": ["1.5米", "1.8米"], "material": "北美白橡木"},
        },
        {
            "id": "wardrobe",
            "link": 9,
            "title": "推拉门衣柜",
            "category": "家具",
            "price": 3599,
            "stock": 10,
            "attributes": {"dimensions": "宽180cm 高220cm 深60cm"},
        },
    ],
}


@pytest.fixture(scope="module")
def room(encoder: TextEncoder) -> RoomKnowledge:
    return build_knowledge(parse_catalog(SHELF), encoder, SETTINGS.dense_weight)


def test_a_ring_size_in_hao_is_no_link(room: RoomKnowledge) -> None:
    # "17号圈有没有" went to the streamer as "no link 17"; "圈口17号有吗" with link 17 on the shelf
    # (a polishing cloth) guessed the cloth
    for text in ("17号圈有没有", "圈口17号有吗", "有17号的吗"):
        ref = room.matcher.resolve(text, "ring")
        assert ref.product is not None and ref.product.id == "ring", (text, ref)
        d = answer_comment(text, room, "ring", SETTINGS)
        assert d.product_id == "ring" and d.source == "ring_sizes", (text, d)
    # called a link, it is the link; a size the ring is not sold in stays a link number
    assert room.matcher.resolve("17号链接多少钱", "ring").product.id == "cloth"
    assert room.matcher.resolve("17号多少钱", "bangle").product.id == "cloth"


def test_asking_which_size_to_wear_is_not_asking_which_link(room: RoomKnowledge) -> None:
    # "手指周长55mm戴几号" was answered with the link the ring is on
    d = answer_comment("手指周长55mm戴几号", room, "ring", SETTINGS)
    assert d.reason != "which link" and d.source != "link", d
    assert answer_comment("戒指是几号", room, None, SETTINGS).reason == "which link"


def test_a_version_of_another_amount_is_not_answered_with_this_ones(room: RoomKnowledge) -> None:
    # "有没有宽5mm的款" was answered "宽3mm", "能做2克拉的吗" with "1.0克拉": a "yes" heard where
    # the listing says nothing of the version asked
    for text, on in (("有没有宽5mm的款", "ring"), ("能做2克拉的吗", "lab")):
        d = answer_comment(text, room, on, SETTINGS)
        assert d.kind == "escalate" and d.reason == OTHER_VERSION, (text, d)
    # the amount the listing gives is answered
    d = answer_comment("有1克拉的吗", room, "lab", SETTINGS)
    assert d.kind != "escalate" or d.reason != OTHER_VERSION, d


def test_the_price_of_one_gram_is_not_the_price(room: RoomKnowledge) -> None:
    # "一克多少钱" of a bangle sold by weight was answered with the bangle's price, 20680元
    for text in ("一克多少钱", "多少钱一克", "how much per gram"):
        d = answer_comment(text, room, "bangle", SETTINGS)
        assert d.kind != "answer", (text, d)
        if d.source in ("price", "gram_weight"):
            assert d.reason == UNIT_PRICE, (text, d)
    d = answer_comment("这个多少钱", room, "bangle", SETTINGS)
    assert d.kind == "answer" and d.source == "price" and "20680" in (d.reply or "")


def _product(pid: str, link: int, title: str, price: float, **more: object) -> dict[str, object]:
    """A product of a test shelf: its id, link, title and price, in stock, and any other fields."""
    return {"id": pid, "link": link, "title": title, "category": "家居", "price": price, "stock": 9, **more}


def test_one_piece_of_a_set_asked_alone_is_not_answered_with_the_set(encoder: TextEncoder) -> None:
    # a gym shop's trial: "能不能只买一根50磅的" was answered with the five bands the set holds (0.98)
    band = _product(
        "bands",
        1,
        "弹力带套装",
        99,
        category="健身",
        stock=40,
        attributes={"set_contents": "5根弹力带：10磅/20磅/30磅/40磅/50磅，门扣一个", "length": "单根120cm"},
    )
    room = build_knowledge(
        parse_catalog({"room_id": "r", "products": [band]}), encoder, SETTINGS.dense_weight
    )
    for text in ("能不能只买一根50磅的", "门扣可以单买吗", "can I buy just one of the bands?"):
        d = answer_comment(text, room, "bands", SETTINGS)
        assert d.kind != "answer", (text, d)
        if d.source in ("set_contents", "length", "price"):
            assert d.reason == ALONE, (text, d)
    d = answer_comment("套装里有几根", room, "bands", SETTINGS)  # what the set holds: no such doubt
    assert d.reason != ALONE, d


def test_made_to_order_is_not_answered_with_what_it_is(room: RoomKnowledge) -> None:
    # "衣柜能定制尺寸吗" was answered with the wardrobe's dimensions (0.985)
    d = answer_comment("衣柜能定制尺寸吗", room, "wardrobe", SETTINGS)
    assert d.kind != "answer" or d.source != "dimensions", d
    if d.kind == "escalate" and d.source == "dimensions":
        assert d.reason == CUSTOM
    # the shop's own FAQ entry on it is the answer
    d = answer_comment("能定制尺寸吗", room, "desk", SETTINGS)
    assert d.source != "desk_height" and (d.kind != "answer" or "定制" in (d.reply or "")), d


def test_an_everyday_noun_means_the_product_on_screen_of_that_kind(room: RoomKnowledge) -> None:
    # "桌子能升多高" watching the study desk was answered with the dining table (aliased 桌子)
    ref = room.matcher.resolve("桌子能升多高", "desk")
    assert ref.product is not None and ref.product.id == "desk"
    # watching something else, the alias names the dining table
    assert room.matcher.resolve("桌子多少钱", "ring").product.id == "table"


def test_which_of_two_qualities_is_a_question() -> None:
    # "床垫软还是硬" was read as chat and lost
    for text in ("床垫软还是硬", "大还是小呢"):
        assert is_question(text), text
    for text in ("洗了还是掉色", "看了半天还是这件好看"):
        assert not is_question(text), text


def test_a_size_priced_of_its_own_is_answered_with_its_price(room: RoomKnowledge) -> None:
    # a bed at 2599元 for 1.5 m and 2899元 for 1.8 m: "1米8的多少钱" was handed over guessing the base
    # price, and "1米5的多少钱" was sent "没有1米" (1米5 read as a size of one metre)
    for text, said, unsaid in (
        ("1米8的多少钱", "2899", "2599"),
        ("1.8米的床多少钱", "2899", "2599"),
        ("1米5的多少钱", "2599", "2899"),
    ):
        d = answer_comment(text, room, "bed", SETTINGS)
        assert d.kind == "answer" and d.source == "price", (text, d)
        assert said in (d.reply or "") and unsaid not in (d.reply or ""), (text, d.reply)
    # naming no size, every size's price; in English too
    d = answer_comment("这个多少钱", room, "bed", SETTINGS)
    assert d.kind == "answer" and "1.5米2599元" in (d.reply or "") and "1.8米2899元" in (d.reply or ""), d
    d = answer_comment("how much is link 2?", room, None, SETTINGS)
    assert (
        d.kind == "answer" and "¥2599 for 1.5米" in (d.reply or "") and "¥2899 for 1.8米" in (d.reply or "")
    )


def test_prices_by_version_are_checked_when_the_catalog_is_read() -> None:
    bed = dict(SHELF["products"][0], prices={1.8: 2899})  # a bare number is a version's name
    assert parse_catalog({"room_id": "r", "products": [bed]}).products[0].prices == {"1.8": 2899}
    for bad in ({"1.8米": True}, {"1.8米": -1}, {"1.8米": "很贵"}):
        with pytest.raises(CatalogError, match="prices"):
            parse_catalog({"room_id": "r", "products": [dict(SHELF["products"][0], prices=bad)]})


def test_a_price_changed_since_leaves_the_versions_prices_to_the_streamer(encoder: TextEncoder) -> None:
    # the streamer cut the bed to 1999 from the console: 2599 / 2899 by size would now be wrong
    bed = next(p for p in SHELF["products"] if p["id"] == "bed")
    catalog = parse_catalog({"room_id": "r", "products": [dict(bed, price=1999)]})
    assert price_notes(catalog) and "1999" in price_notes(catalog)[0]
    room = build_knowledge(catalog, encoder, SETTINGS.dense_weight)
    d = answer_comment("1米8的多少钱", room, "bed", SETTINGS)
    assert d.kind == "escalate" and d.reason == PRICES_OLD, d
    # the streamer's guess says the live price, none of the versions' old ones
    assert "1999元" in (d.guess or "") and "2899" not in (d.guess or "") and "2599" not in (d.guess or ""), d
    assert not price_notes(parse_catalog(SHELF))


MATTRESS = {
    "id": "mattress",
    "link": 3,
    "title": "乳胶弹簧床垫",
    "category": "家具",
    "price": 1599,
    "stock": 40,
    "attributes": {
        "sizes": ["1.5米×2米", "1.8米×2米"],
        "dimensions": "1.5米款外尺寸1.6米×2.1米，1.8米款外尺寸1.9米×2.1米，厚25cm",
        "size_prices": "1.5米×2米 1599元；1.8米×2米 1799元",
    },
    "shipping": "物流送货上楼，偏远地区加收200元",
}


def test_a_price_asked_is_not_answered_with_an_entry_that_gives_none(encoder: TextEncoder) -> None:
    # "1米8的床多少钱" was sent the bed's dimensions (which name the 1.8 m bed); "1米8的多少钱" was guessed
    # "没有1米" and then "没有1.8米" of a list of "1.8米×2米"; "运费多少钱" was sent the goods' price
    catalog = parse_catalog({"room_id": "r", "products": [MATTRESS]})
    room = build_knowledge(catalog, encoder, SETTINGS.dense_weight)
    for text in ("1米8的床多少钱", "1米8的多少钱"):
        d = answer_comment(text, room, "mattress", SETTINGS)
        assert not (d.kind == "answer" and d.source == "dimensions"), (text, d)
        assert "没有1" not in (d.reply or d.guess or ""), (text, d)
    d = answer_comment("有1米8的吗", room, "mattress", SETTINGS)
    assert d.source == "sizes" and "有1.8米×2米" in (d.reply or d.guess or ""), d
    d = answer_comment("运费多少钱", room, "mattress", SETTINGS)
    assert not (d.kind == "answer" and d.source == "price"), d
    # prices by version written as an attribute: the checker says where they belong
    notes = price_notes(catalog)
    assert any("size_prices" in n and "`prices:`" in n for n in notes), notes


def test_a_listing_of_one_unit_answers_its_price_and_one_of_eleven_does_not(encoder: TextEncoder) -> None:
    # "11斤装" is no listing priced per jin (its "1斤" is the end of 11)
    def shelf(title: str) -> RoomKnowledge:
        product = {"id": "orange", "link": 1, "title": title, "category": "水果", "price": 49.9, "stock": 80}
        return build_knowledge(
            parse_catalog({"room_id": "r", "products": [product]}), encoder, SETTINGS.dense_weight
        )

    d = answer_comment("一斤多少钱", shelf("赣南脐橙 1斤装"), "orange", SETTINGS)
    assert d.reason != UNIT_PRICE, d
    d = answer_comment("一斤多少钱", shelf("赣南脐橙 11斤装"), "orange", SETTINGS)
    assert d.kind != "answer" and (d.source != "price" or d.reason == UNIT_PRICE), d


def test_one_piece_of_a_pack_asked_a_price_is_not_answered_with_the_packs(encoder: TextEncoder) -> None:
    # a kids' shop's trial: "13号链接多少钱一双" of socks "5双装" was answered "现在29.9元", read as a pair's
    socks = _product("socks", 13, "儿童纯棉袜子5双装", 29.9, title_en="Kids' cotton socks, 5 pairs")
    room = build_knowledge(
        parse_catalog({"room_id": "r", "products": [socks]}), encoder, SETTINGS.dense_weight
    )
    for text in ("13号链接多少钱一双", "袜子一双多少钱", "how much per pair?"):
        d = answer_comment(text, room, "socks", SETTINGS)
        assert d.kind == "escalate" and d.reason == UNIT_PRICE and "29.9" in (d.guess or ""), (text, d)
    d = answer_comment("13号链接多少钱", room, "socks", SETTINGS)
    assert d.kind == "answer" and "29.9" in (d.reply or ""), d


def test_a_version_named_by_its_parts_or_in_another_unit_gets_its_price(encoder: TextEncoder) -> None:
    # a seafood shop's trial: "4两的公蟹多少钱" (version 公4两) was handed over with the grade list as
    # the guess, "链接1 4两母的多少" sent the grade list; "3斤的" of "3-3.5斤" and "2斤装" of "1000g",
    # "250克" of "250g" were not read as versions
    shelf = {
        "room_id": "sea",
        "products": [
            {
                "id": "crab",
                "link": 1,
                "title": "阳澄湖大闸蟹礼盒",
                "category": "生鲜",
                "price": 238,
                "stock": 50,
                "prices": {"母3两": 238, "公4两": 268, "母4两": 358},
                "attributes": {"grades": ["母3两", "公4两", "母4两"], "origin": "阳澄湖"},
            },
            {
                "id": "king",
                "link": 2,
                "title": "鲜活帝王蟹",
                "category": "生鲜",
                "price": 699,
                "stock": 8,
                "prices": {"2-2.5斤": 699, "3-3.5斤": 899},
            },
            {
                "id": "tea",
                "link": 3,
                "title": "明前龙井",
                "category": "茶叶",
                "price": 128,
                "stock": 40,
                "prices": {"50g": 128, "250g": 568},
                "attributes": {"net_weight": "50g / 250g"},
            },
            {
                "id": "jiu",
                "link": 5,
                "title": "酱香型白酒 500ml",
                "category": "酒水",
                "price": 168,
                "stock": 60,
                "prices": {"单瓶": 168, "整箱6瓶": 899},
            },
            {
                "id": "pu",
                "link": 4,
                "title": "勐海普洱茶饼",
                "category": "茶叶",
                "price": 198,
                "stock": 30,
                "prices": {"熟茶": 198, "生茶": 268},
                "attributes": {"types": ["熟茶", "生茶"], "year": "2018年"},
            },
        ],
    }
    room = build_knowledge(parse_catalog(shelf), encoder, SETTINGS.dense_weight)
    for text, screen, said in (
        ("4两的公蟹多少钱", "crab", "公4两现在268元"),
        ("链接1 4两母的多少", None, "母4两现在358元"),
        ("帝王蟹3斤的多少钱", "king", "3-3.5斤现在899元"),
        ("250克的多少钱", "tea", "250g现在568元"),
        ("1斤的多少钱", "tea", None),  # 500 g: no version, every version's price
        ("一箱多少", "jiu", "整箱6瓶现在899元"),  # by the measure word the version is sold by
        ("一瓶多少钱", "jiu", "单瓶现在168元"),
        ("11瓶多少钱", "jiu", None),  # eleven bottles: no version, every version's price
    ):
        d = answer_comment(text, room, screen, SETTINGS)
        reply = d.reply or d.guess or ""
        assert d.source == "price", (text, d)
        if said is None:  # each version and its price ("50g 128元": a space after a digit or a letter)
            prices = room.catalog.product(d.product_id).prices.items()
            assert all(re.search(rf"{re.escape(v)} ?{a:g}元", reply) for v, a in prices), reply
        else:
            assert d.kind == "answer" and said in reply, (text, d)
    # "the X one, how much" naming no version whole: never the list of kinds, which gives no price
    # (a tea shop's trial: "2号链接熟的多少" was sent "生熟：熟茶/生茶")
    # (and a guess of it, approved, teaches nothing)
    d = answer_comment("4号链接熟的多少", room, None, SETTINGS)
    assert d.source == "price" or d.reason == "asks another aspect than the entry answers", d
    # a which-link reply says the lowest price is the lowest: "起"
    d = answer_comment("龙井是几号链接", room, None, SETTINGS)
    assert d.kind == "answer" and "现在128元起" in (d.reply or ""), d


def test_one_of_a_measure_is_not_the_version_of_several(encoder: TextEncoder) -> None:
    # an instrument shop's trial: "吉他弦多少钱一套" was sent the three-set pack's 99 yuan, its version
    # "三套装" being the only one holding 套
    strings = {
        "id": "strings",
        "link": 5,
        "title": "民谣吉他弦 磷铜套弦 6根装",
        "category": "配件",
        "aliases": ["吉他弦", "琴弦"],
        "price": 39,
        "stock": 500,
        "prices": {"011细弦": 39, "012中弦": 39, "三套装": 99},
    }
    room = build_knowledge(
        parse_catalog({"room_id": "r", "products": [strings]}), encoder, SETTINGS.dense_weight
    )
    d = answer_comment("吉他弦多少钱一套", room, None, SETTINGS)
    reply = d.reply or d.guess or ""
    assert d.source == "price" and all(f"{v}{p}元" in reply for v, p in strings["prices"].items()), d
    d = answer_comment("三套装多少钱", room, None, SETTINGS)
    assert d.kind == "answer" and "三套装现在99元" in (d.reply or ""), d


def test_the_links_own_number_names_no_version(encoder: TextEncoder) -> None:
    # a security shop's trial: "3号多少钱" of link 3, a camera sold as 2K版 and 3K版, was answered with
    # the 3K's price alone
    camera = {
        "id": "cam",
        "link": 3,
        "title": "室内云台摄像头",
        "category": "安防",
        "price": 149,
        "stock": 80,
        "prices": {"2K版": 149, "3K版": 199},
    }
    room = build_knowledge(
        parse_catalog({"room_id": "r", "products": [camera]}), encoder, SETTINGS.dense_weight
    )
    for text in ("3号多少钱", "3号链接多少钱", "链接3多少钱"):
        d = answer_comment(text, room, None, SETTINGS)
        assert d.kind == "answer" and "2K版149元/3K版199元" in (d.reply or ""), (text, d)
    d = answer_comment("3号3K的多少钱", room, None, SETTINGS)
    assert d.kind == "answer" and "3K版现在199元" in (d.reply or ""), d


def test_a_version_named_by_a_part_no_other_version_has_gets_its_price(encoder: TextEncoder) -> None:
    # a florist's and a gym shop's trials: "大号多少钱" and "30cm的多少钱" of a vase sold as 小号20cm
    # and 大号30cm went to the streamer, so did "十九枝多少" of roses sold as 19枝; "10kg的多少钱" got
    # every dumbbell pair's price, and "5磅的多少钱" with the watch on screen got the watch's price:
    # only the protein powder comes in 5磅
    shelf = {
        "room_id": "parts",
        "products": [
            _product("vase", 1, "玻璃花瓶", 39, prices={"小号20cm": 39, "大号30cm": 59}),
            _product("bells", 2, "包胶哑铃", 159, prices={"5kg一对": 159, "10kg一对": 269, "20kg一对": 459}),
            _product("whey", 3, "乳清蛋白粉", 199, prices={"2磅": 199, "5磅": 429}),
            _product("watch", 4, "智能运动手表", 599),
            _product("roses", 5, "红玫瑰花束", 129, prices={"11枝": 129, "19枝": 199, "99枝": 899}),
        ],
    }
    room = build_knowledge(parse_catalog(shelf), encoder, SETTINGS.dense_weight)
    for text, screen, pid, said in (
        ("大号多少钱", "vase", "vase", "大号30cm现在59元"),
        ("30cm的多少钱", "vase", "vase", "大号30cm现在59元"),
        ("10kg的多少钱", "bells", "bells", "10kg一对现在269元"),
        ("how much for the 10kg pair?", "bells", "bells", "¥269 now for 10kg一对"),
        ("5磅的多少钱", "watch", "whey", "5磅现在429元"),  # a version only another product has
        ("5 lb多少钱", None, "whey", "5磅现在429元"),
        ("十九枝多少钱", "roses", "roses", "19枝现在199元"),  # a number said in Chinese characters
        ("九十九朵的多少", "roses", "roses", "99枝现在899元"),
    ):
        d = answer_comment(text, room, screen, SETTINGS)
        assert d.product_id == pid and d.source == "price", (text, d)
        assert said in (d.reply or d.guess or ""), (text, d)
    # a part two versions share names neither: every version's price
    d = answer_comment("一对多少钱", room, "bells", SETTINGS)
    assert all(
        f"{v}{a:g}元" in (d.reply or d.guess or "") for v, a in {"5kg一对": 159, "10kg一对": 269}.items()
    ), d
    # an amount in a question of another field names no version: the watch's weight is asked
    d = answer_comment("有5磅重吗", room, "watch", SETTINGS)
    assert d.product_id == "watch", d
    # the product on screen sold at one price, and no version named: its price
    d = answer_comment("多少钱", room, "watch", SETTINGS)
    assert d.product_id == "watch" and "599元" in (d.reply or ""), d


TACKLE = {
    "room_id": "tackle",
    "products": [
        {
            "id": "line",
            "link": 3,
            "title": "尼龙鱼线 100米",
            "category": "渔具",
            "price": 19.9,
            "stock": 200,
            "attributes": {
                "sizes": ["0.8号", "1.0号", "1.5号", "2.0号"],
                "line_guide": "0.8号 拉力2.4kg；1.5号 拉力4.5kg",
            },
        },
        {
            "id": "reel",
            "link": 2,
            "title": "纺车轮",
            "category": "渔具",
            "price": 139,
            "stock": 40,
            "attributes": {"line_capacity": "2000型 2号线150米；4000型 4号线150米"},
        },
        {"id": "hooks", "link": 4, "title": "伊势尼鱼钩", "category": "渔具", "price": 12.9, "stock": 500},
        {"id": "rod", "link": 8, "title": "路亚竿", "category": "渔具", "price": 139, "stock": 30},
    ],
}


def test_a_line_size_in_hao_is_no_link(encoder: TextEncoder) -> None:
    # a fishing shop's trial: "0.8号拉力多少" got link 8's rod power (0.94), "3号链接有1.5号的吗" went to
    # the streamer as two products, "4000型能绕多少米4号线" guessed link 4's price
    room = build_knowledge(parse_catalog(TACKLE), encoder, SETTINGS.dense_weight)
    for text, screen in (
        ("0.8号拉力多少", "line"),
        ("3号链接有1.5号的吗", "line"),
        ("能绕多少米4号线", "reel"),
    ):
        ref = room.matcher.resolve(text, screen)
        assert ref.product is not None and ref.product.id == screen, (text, ref)
        assert room.matcher.several(text) == [], text
    assert room.matcher.resolve("0.8号拉力多少", None).product is None  # a decimal is no link anywhere
    # a size the listing on screen does not say as the comment does stays a link; so does one called so
    assert room.matcher.resolve("4号多少钱", "reel").product.id == "hooks"
    assert room.matcher.resolve("4号链接的线多少钱", "reel").product.id == "hooks"
    d = answer_comment("0.8号拉力多少", room, "line", SETTINGS)
    assert d.product_id == "line" and d.source == "line_guide", d
    # meters asked, not the chat slang for a price ("这个多少米")
    d = answer_comment("4000型能绕多少米", room, "reel", SETTINGS)
    assert d.source == "line_capacity", d
    reel = room.catalog.product("reel")
    assert any(f.key == "price" for f in detect_fields("这个多少米", reel))
    assert not any(f.key == "price" for f in detect_fields("一团多少米", reel))  # a ball of yarn's length


def test_a_version_named_by_its_first_word(encoder: TextEncoder) -> None:
    # a gardening shop's trial: "大号的多少钱啊" of a plant sold as 小号高40cm / 中号高70cm / 大号高1.2米
    # got all three prices, "大号龟背竹现在多少钱" went to the streamer (0.59)
    plant = {
        "id": "monstera",
        "link": 1,
        "title": "龟背竹盆栽",
        "category": "绿植",
        "price": 59,
        "stock": 80,
        "prices": {"小号高40cm": 59, "中号高70cm": 129, "大号高1.2米": 299},
    }
    room = build_knowledge(
        parse_catalog({"room_id": "garden", "products": [plant]}), encoder, SETTINGS.dense_weight
    )
    for text, price in (
        ("大号的多少钱啊", "299元"),
        ("中號的多少錢", "129元"),
        ("大号龟背竹现在多少钱", "299元"),
    ):
        d = answer_comment(text, room, "monstera", SETTINGS)
        assert d.kind == "answer" and d.reply is not None and price in d.reply, (text, d)
        assert len(re.findall(r"\d+元", d.reply)) == 1, d.reply  # that version's price alone
    # a gaming shop's trial: "带脚托的多少钱" of a chair sold as 标准款 / 带脚托款 went to the streamer (0.70)
    chair = {"id": "chair", "link": 6, "title": "电竞椅", "category": "家具", "price": 899, "stock": 20}
    chair["prices"] = {"标准款": 899, "带脚托款": 999}
    room = build_knowledge(
        parse_catalog({"room_id": "gaming", "products": [chair]}), encoder, SETTINGS.dense_weight
    )
    d = answer_comment("带脚托的多少钱", room, "chair", SETTINGS)
    assert d.kind == "answer" and d.reply is not None and re.findall(r"\d+元", d.reply) == ["999元"], d


def test_the_links_own_number_is_no_size_asked(room: RoomKnowledge) -> None:
    # an art shop's trial: "3号链接有几个号" of brushes sized 0号 to 10号 was answered "3号链接没有3号，…":
    # the 3号 is the link, the viewer asks which sizes there are (here the ring, link 3, sized in 号)
    for text in ("3号链接有几个号", "3号有哪些号"):
        d = answer_comment(text, room, None, SETTINGS)
        said = d.reply or d.guess or ""
        assert d.product_id == "ring" and d.source == "ring_sizes", (text, d)
        assert "没有3号" not in said and "10号" in said, (text, said)
    # said again besides the link, the number is a size asked: the list lacks it
    d = answer_comment("3号链接有3号的吗", room, None, SETTINGS)
    assert d.source == "ring_sizes" and "没有3号" in (d.reply or d.guess or ""), d


def test_a_number_in_hao_said_of_goods_sized_in_hao_is_their_size(room: RoomKnowledge) -> None:
    # an art shop's trial: "貂毛笔有12号吗" watching an easel went to link 12; the brush named is sized in
    # 号 (0号 to 10号), and the number is its size (here the ring, sized 10号 to 18号; 17 is the cloth's link)
    d = answer_comment("素圈戒指有17号吗", room, "table", SETTINGS)
    assert d.product_id == "ring" and d.source == "ring_sizes", d
    assert "17号" in (d.reply or d.guess or ""), d
    # called a link, it is one
    assert answer_comment("素圈戒指 17号链接多少钱", room, "table", SETTINGS).product_id == "cloth"


PET_SHELF = {
    "room_id": "pets",
    "products": [
        {
            "id": "cans",
            "link": 5,
            "title": "猫咪主食罐 85g 24罐整箱",
            "category": "猫粮",
            "price": 129,
            "stock": 60,
            "attributes": {"flavors": ["金枪鱼", "鸡肉", "牛肉", "三文鱼"], "net_weight": "85g×24罐"},
            "faq": [
                {"id": "cans-f1", "q": "口味能自己选吗？", "a": "整箱是四种口味混装，每种6罐，不能单选。"}
            ],
        },
        {
            "id": "harness",
            "link": 9,
            "title": "防爆冲狗狗胸背带 牵引绳套装",
            "category": "狗具",
            "price": 49,
            "stock": 80,
            "attributes": {
                "sizes": ["S", "M", "L"],
                "size_guide": "S 胸围30-40cm 体重3-8斤; M 胸围40-50cm 体重8-20斤; L 胸围50-65cm 体重20-45斤",
            },
        },
    ],
}


@pytest.fixture(scope="module")
def pets(encoder: TextEncoder) -> RoomKnowledge:
    return build_knowledge(parse_catalog(PET_SHELF), encoder, SETTINGS.dense_weight)


def test_only_one_kind_of_an_assortment_is_not_answered_by_the_list(pets: RoomKnowledge) -> None:
    # a pet shop's trial: "可以只要金枪鱼味的吗" of mixed cans was answered "有金枪鱼" (a yes)
    d = answer_comment("可以只要金枪鱼味的吗", pets, "cans", SETTINGS)
    assert not (d.kind == "answer" and d.source == "flavors"), d
    d = answer_comment("有金枪鱼味的吗", pets, "cans", SETTINGS)
    assert d.kind == "answer" and d.source == "flavors" and "金枪鱼" in (d.reply or ""), d


def test_a_pets_weight_finds_its_size_in_a_guide_from_one_digit(pets: RoomKnowledge) -> None:
    # the same trial: "泰迪15斤穿什么码" got the whole guide; its weights from one digit ("3-8斤",
    # "8-20斤") were not read
    d = answer_comment("我家泰迪15斤穿什么码", pets, "harness", SETTINGS)
    assert d.kind == "answer" and d.reply is not None and "M码" in d.reply and "S 胸围" not in d.reply, d
