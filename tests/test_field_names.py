"""A shelf's own names for attribute keys that are code (`names:` in the catalog): the streamer's
console and the label form show them, a Chinese reply says them, and a question that uses one is
that field asked outright. On the bundled demo shelf, with the real encoder."""

from __future__ import annotations

import pytest
import yaml

from domain.catalog import Catalog, CatalogError, Product, parse_catalog
from handlers.field_entries import field_label
from handlers.fields import detect_fields
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.qa import QASettings, answer_comment
from handlers.review import product_entries
from recommender.encoder import TextEncoder

SETTINGS = QASettings()


@pytest.fixture(scope="module")
def room(demo_catalog: Catalog, encoder: TextEncoder) -> RoomKnowledge:
    return build_knowledge(demo_catalog, encoder, SETTINGS.dense_weight)


def _named(catalog: Catalog) -> tuple[str, str, str]:
    """A demo product, an attribute the shelf names, and its first name."""
    p = next(p for p in catalog.products if p.names)
    key, words = next(iter(p.names.items()))
    return p.id, key, words[0]


def test_the_label_form_and_the_console_show_the_shelfs_name(demo_catalog: Catalog) -> None:
    pid, key, name = _named(demo_catalog)
    product = demo_catalog.product(pid)
    assert field_label(key, "zh", product) == name
    assert field_label(key, "zh") != name  # without the shelf's name: the key's words
    choice = next(c for c in product_entries(product) if c["source"] == key)
    assert choice["zh"] == name


def test_a_question_naming_the_field_finds_it_by_that_name(
    room: RoomKnowledge, demo_catalog: Catalog
) -> None:
    # answered, or held as the streamer's guess where the calibrated bar says so ("质地是什么" at 0.92
    # against the field bar of 0.928): the field asked is found by its name either way
    for product in (p for p in demo_catalog.products if p.names):
        for key, words in product.names.items():
            d = answer_comment(f"{words[0]}是什么", room, product.id, SETTINGS)
            assert d.kind in ("answer", "escalate") and d.source == key, (words, d)
            assert words[0] in (d.reply or d.guess or "")  # the reply names the field as the shelf does


def test_a_field_asked_by_the_shops_name_is_not_held_for_the_words_of_its_value(
    room: RoomKnowledge, demo_catalog: Catalog
) -> None:
    # the README's example: the shoes' `heel_height: [跟高, 鞋底厚度]` says "鞋底厚约4cm": the value
    # speaks of thickness, the comment of height, and "小白鞋跟高多少" went to the streamer as "asks
    # another aspect" at 1.0, with the right guess; the shop's name says that word asks this field
    shoes = next(p for p in demo_catalog.products if "heel_height" in p.names)
    for name in shoes.names["heel_height"][:2]:
        d = answer_comment(f"小白鞋{name}多少", room, None, SETTINGS)
        assert d.kind == "answer" and d.source == "heel_height" and d.product_id == shoes.id, (name, d)
    # a word of its own that is no name of the field keeps the check ("鞋跟多高": 高 against 厚)
    assert answer_comment("小白鞋鞋跟多高", room, None, SETTINGS).kind == "escalate"


def test_a_name_for_an_attribute_the_product_lacks_is_a_clear_catalog_error(demo_catalog: Catalog) -> None:
    data = yaml.safe_load(yaml.safe_dump(demo_catalog.model_dump(mode="json"), allow_unicode=True))
    data["products"][0]["names"] = {"heel": "跟高"}
    with pytest.raises(
        CatalogError, match=r"product d01, field names\.heel: the product has no attribute 'heel'"
    ):
        parse_catalog(data, "shelf.yaml")
    data["products"][0]["names"] = {}
    assert "names" not in parse_catalog(data).products[0].model_dump()  # stored shelves keep their print


def test_a_word_around_a_name_asks_no_field(demo_catalog: Catalog) -> None:
    # the demo course names its teacher 讲师 / 主讲, not 老师 (what viewers call the streamer)
    course = next(p for p in demo_catalog.products if "teacher" in p.names)
    asked = {t: [f.key for f in detect_fields(t, course)] for t in ("老师好", "这个课多少钱", "讲师是谁")}
    assert asked == {"老师好": [], "这个课多少钱": ["price"], "讲师是谁": ["teacher"]}


def test_names_beside_the_products_name_the_attribute_on_every_product_that_has_it(
    demo_catalog: Catalog,
) -> None:
    # three shops' trials asked for it: a key the whole shelf shares was named product by product
    data = demo_catalog.model_dump(mode="json")
    for product in data["products"]:
        product.pop("names", None)
    data["names"] = {"material": ["面料", "fabric"], "heel_height": "跟高"}
    shelf = parse_catalog(data, "shelf.yaml")
    having = [p for p in shelf.products if "material" in p.attributes]
    assert len(having) >= 2 and all(p.names["material"] == ("面料", "fabric") for p in having)
    assert all("material" not in p.names for p in shelf.products if "material" not in p.attributes)
    assert "names" not in shelf.model_dump()  # given to the products, not kept twice
    shoes = next(p for p in shelf.products if "heel_height" in p.attributes)
    assert field_label("heel_height", "zh", shoes) == "跟高"  # what the console and replies say
    # a product's own names for the key win over the shelf's
    first = next(p for p in data["products"] if "material" in p["attributes"])
    first["names"] = {"material": ["材质"]}
    own = parse_catalog(data, "shelf.yaml")
    assert own.product(first["id"]).names["material"] == ("材质",)
    assert own.product(having[1].id).names["material"] == ("面料", "fabric")
    # a key no product has is named for what it is, as a product's own names are
    data["names"] = {"heel": "跟高"}
    with pytest.raises(CatalogError, match=r"catalog, field names\.heel: no product has an attribute 'heel'"):
        parse_catalog(data, "shelf.yaml")
    data["names"] = ["跟高"]
    with pytest.raises(CatalogError, match=r"names: an attribute's key and its names"):
        parse_catalog(data, "shelf.yaml")


@pytest.mark.parametrize("bad", [None, {"a": 1}, "码", True, ["跟高", ""], ["跟高", "x" * 41]])
def test_a_name_that_is_no_name_is_refused(demo_catalog: Catalog, bad: object) -> None:
    data = demo_catalog.model_dump(mode="json")
    key = next(iter(data["products"][0]["attributes"]))
    data["products"][0]["names"] = {key: bad}
    with pytest.raises(CatalogError, match=rf"product d01, field names\.{key}\.\d: "):
        parse_catalog(data, "shelf.yaml")


def test_an_english_name_of_a_few_words_is_a_name(demo_catalog: Catalog) -> None:
    # a phone-accessory shop's trial: "fast-charge protocols" (21 characters) was refused at 20
    data = demo_catalog.model_dump(mode="json")
    key = next(iter(data["products"][0]["attributes"]))
    data["products"][0]["names"] = {key: ["快充协议", "fast-charge protocols"]}
    assert parse_catalog(data, "shelf.yaml").products[0].names[key][1] == "fast-charge protocols"


def test_a_product_with_names_survives_a_live_change(demo_catalog: Catalog) -> None:
    # a price or stock change validates the product again from its own dump (names as tuples)
    product = next(p for p in demo_catalog.products if any(len(v) > 1 for v in p.names.values()))
    changed = Product.model_validate({**product.model_dump(), "price": product.price + 1})
    assert changed.names == product.names


def test_the_english_label_form_names_shipping_as_a_reply_does_and_quotes_the_english_value(
    demo_catalog: Catalog,
) -> None:
    # the English label form listed "ship · 付款后48小时内发货…" of a product whose catalog gives its
    # shipping in English: the lexicon's search word, and the Chinese value
    product = next(p for p in demo_catalog.products if p.en_value("shipping"))
    entries = {c["source"]: c for c in product_entries(product)}
    assert (entries["shipping"]["en"], entries["returns"]["en"]) == ("shipping", "returns")
    assert entries["shipping"]["says_en"].startswith(str(product.en_value("shipping"))[:10])
    assert "发货" in entries["shipping"]["says"]  # the Chinese form's stays the shelf's Chinese
    bag = next(p for p in demo_catalog.products if p.en is not None and p.en.questions)
    named = {c["source"]: c for c in product_entries(bag)}
    asked = next(f for f in bag.faq if bag.en_question(f.id))  # the catalog's English question names it
    assert (named[asked.id]["en"], named[asked.id]["zh"]) == (bag.en_question(asked.id), asked.q)
    unnamed = next(f for f in bag.faq if not bag.en_question(f.id))  # else its Chinese question
    assert named[unnamed.id]["en"] == unnamed.q
    plain = next(p for p in demo_catalog.products if p.en is None)
    assert all("says_en" not in c for c in product_entries(plain))  # nothing English to quote


def test_a_drink_s_strength_is_found_by_how_viewers_ask_it(encoder: TextEncoder) -> None:
    # a tea and liquor shop's trial: "多少度的" of a baijiu (key `abv`, no `names:`) guessed the volume
    shelf = parse_catalog(
        {
            "room_id": "drinks",
            "products": [
                {
                    "id": "jiu",
                    "link": 1,
                    "title": "酱香型白酒 500ml",
                    "category": "酒水",
                    "price": 299,
                    "stock": 20,
                    "attributes": {"abv": "53%vol", "volume": "500ml", "origin": "贵州"},
                }
            ],
        }
    )
    room = build_knowledge(shelf, encoder, SETTINGS.dense_weight)
    d = answer_comment("多少度的", room, "jiu", SETTINGS)
    assert d.source == "abv" and "53%vol" in (d.reply or d.guess or ""), d
    assert field_label("abv", "zh") == "度数"


def test_a_lamps_common_keys_are_named_in_viewers_words(encoder: TextEncoder) -> None:
    # a lighting shop's trial: `wattage` and `lifespan`, common keys of a lamp's listing, had no Chinese
    # name; "功率多少" went to the streamer at 0.46, and the reply said "1号链接：9W" with no name
    bulb = {
        "id": "bulb",
        "link": 1,
        "title": "LED球泡灯 E27",
        "category": "灯泡",
        "price": 6.9,
        "stock": 300,
        "attributes": {"wattage": "9W", "lifespan": "约25000小时", "color_temp": "3000K 暖白光"},
    }
    lamp = {**bulb, "id": "lamp", "link": 2, "title": "护眼台灯", "category": "台灯", "attributes": {}}
    shop = build_knowledge(parse_catalog({"room_id": "lights", "products": [bulb, lamp]}), encoder, 0.5)
    for text, key, said in (
        ("功率多少", "wattage", "功率"),
        ("能用多久", "lifespan", "寿命"),
        ("什么色温", "color_temp", "色温"),
    ):
        d = answer_comment(f"1号灯泡{text}", shop, "lamp", SETTINGS)
        assert d.kind == "answer" and d.source == key, (text, d)
        assert d.reply is not None and said in d.reply, (text, d.reply)
    assert field_label("wattage", "en") == "wattage"


def test_how_hot_a_liquid_may_be_is_not_how_much_it_holds(encoder: TextEncoder) -> None:
    # "能装开水吗" asks how hot a liquid the cup takes, not how much ("能装" read as the capacity)
    cup = {
        "id": "cup",
        "link": 1,
        "title": "便携式榨汁杯 400ml",
        "category": "小家电",
        "price": 69,
        "stock": 50,
        "attributes": {
            "capacity": "400ml",
            "liquid_temperature": "杯内液体不超过40℃，开水会让杯身变形",
            "battery": "2000mAh",
        },
    }
    shop = build_knowledge(parse_catalog({"room_id": "cups", "products": [cup]}), encoder, 0.5)
    d = answer_comment("能装开水吗", shop, "cup", SETTINGS)
    assert d.kind == "answer" and d.source == "liquid_temperature" and "40℃" in (d.reply or ""), d
    assert answer_comment("能装多少", shop, "cup", SETTINGS).source == "capacity"


JADE = {
    "id": "bangle",
    "link": 1,
    "title": "冰种翡翠手镯 圈口56",
    "title_en": "Icy jadeite bangle, 56 mm",
    "category": "翡翠",
    "price": 12800,
    "stock": 1,
    "attributes": {
        "inner_diameter": "56mm（正圈）",
        "treatment": "天然A货，无酸洗无注胶无染色",
    },
    "names": {"inner_diameter": ["圈口", "内径"], "treatment": ["处理方式", "是不是A货"]},
}


@pytest.fixture(scope="module")
def jade(encoder: TextEncoder) -> RoomKnowledge:
    return build_knowledge(parse_catalog({"room_id": "jade", "products": [JADE]}), encoder, 0.5)


def test_a_name_the_shop_wrote_as_a_question_is_asked_by_what_it_asks(jade: RoomKnowledge) -> None:
    # a jade shop's trial: "是a货不" was answered "1号链接还有1件现货" (the 货 of stock); the shop had
    # named the field "是不是A货"
    for text in ("是a货不", "是A货吗"):
        d = answer_comment(text, jade, "bangle", SETTINGS)
        assert d.kind == "answer" and d.source == "treatment" and "天然A货" in (d.reply or ""), (text, d)
    # the common words still ask their own field
    assert answer_comment("还有货吗", jade, "bangle", SETTINGS).source == "stock"
    assert answer_comment("A货多少钱", jade, "bangle", SETTINGS).source == "price"


def test_a_shops_name_outweighs_a_live_value_no_word_asks(jade: RoomKnowledge, encoder: TextEncoder) -> None:
    # a hardware shop's trial: "how many spray modes" got the price (the English title says "3 spray
    # modes"); the shop had named the field "spray modes"
    shower = {
        "id": "shower",
        "link": 1,
        "title": "增压花洒套装",
        "title_en": "High-pressure handheld shower head set, 3 spray modes",
        "category": "卫浴",
        "price": 59,
        "stock": 80,
        "attributes": {"spray_modes": ["雨淋", "按摩", "喷射"], "thread": "G1/2通用接口"},
        "names": {"spray_modes": ["出水模式", "spray modes"], "thread": ["接口", "thread size"]},
        "en": {"attributes": {"spray_modes": ["Rain", "Massage", "Jet"]}},
    }
    shop = build_knowledge(parse_catalog({"room_id": "bath", "products": [shower]}), encoder, 0.5)
    d = answer_comment("how many spray modes", shop, "shower", SETTINGS)
    assert d.kind == "answer" and d.source == "spray_modes" and "Massage" in (d.reply or ""), d
    assert answer_comment("how much is it", shop, "shower", SETTINGS).source == "price"
    # a name said of another question about the field is not sent on the name alone ("可以改圈口吗"
    # asks whether the size can be changed)
    d = answer_comment("可以改圈口吗", jade, "bangle", SETTINGS)
    assert not (d.kind == "answer" and d.source == "inner_diameter"), d


def test_a_common_key_is_named_as_its_value_reads() -> None:
    # a security shop's trial: a camera's `storage` (TF card, cloud) was said as 保存, how food is kept,
    # and its `power` (a 12 V adapter) as 功率, the wattage
    def shelf(storage: str, power: str) -> Product:
        data = {"id": "p", "link": 1, "title": "摄像头", "category": "安防", "price": 1, "stock": 1}
        data["attributes"] = {"storage": storage, "power": power}
        return parse_catalog({"room_id": "r", "products": [data]}).products[0]

    camera = shelf("支持TF卡最大256G，或云存储", "插电版12V电源适配器")
    assert (field_label("storage", "zh", camera), field_label("power", "zh", camera)) == ("存储", "供电")
    assert [c["zh"] for c in product_entries(camera) if c["source"] in ("storage", "power")] == [
        "存储",
        "供电",
    ]
    food = shelf("阴凉干燥处保存，开封后冷藏", "1200W")
    assert (field_label("storage", "zh", food), field_label("power", "zh", food)) == ("保存", "功率")
