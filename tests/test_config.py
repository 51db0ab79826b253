"""config.yaml and catalogs are validated once at start-up; a mistake stops with one clear line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot import config
from bot.config import ConfigError, load_settings, validate_settings
from domain.catalog import CatalogError, load_catalog

HERE = Path(__file__).parent
ROOT = HERE.parent


def test_shipped_config_and_embedded_defaults_agree() -> None:
    shipped = load_settings(ROOT / "config.yaml")
    defaults = load_settings(None)
    assert shipped.server == defaults.server
    assert shipped.qa == defaults.qa
    assert shipped.limits == defaults.limits
    assert shipped.hygiene == defaults.hygiene
    assert shipped.cards == defaults.cards
    assert shipped.rec == defaults.rec
    assert [Path(c).resolve() for c in shipped.rooms.catalogs] == [
        Path(c).resolve() for c in defaults.rooms.catalogs
    ]


def test_good_config_resolves_catalogs_beside_the_file() -> None:
    s = load_settings(HERE / "configs" / "good.yaml")
    assert s.server.port == 9123 and s.encoder.model == "hash"
    assert Path(s.rooms.catalogs[0]).resolve() == (ROOT / "bot/data/demo_catalog.yaml").resolve()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unknown_key.yaml", "unknown key 'server.prot'"),
        ("out_of_range.yaml", "storage.flush_interval_s: Input should be greater than 0"),
        ("bad_port.yaml", "server.port: Input should be less than or equal to 65535"),
        ("not_yaml.yaml", "not valid YAML"),
        ("bad_loop.yaml", "server.event_loop: Input should be 'uvloop' or 'asyncio' (got 'trio')"),
    ],
)
def test_broken_config_is_one_clear_line(name: str, expected: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_settings(HERE / "configs" / name)
    assert expected in str(e.value)
    assert "\n" not in str(e.value)


def test_a_missing_uvloop_is_named_with_the_way_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "find_spec", lambda name: None)
    with pytest.raises(ConfigError) as e:
        validate_settings({"server": {"event_loop": "uvloop"}}, "config.yaml")
    assert "server.event_loop" in str(e.value) and "or choose asyncio" in str(e.value)
    assert (
        validate_settings({"server": {"event_loop": "asyncio"}}, "config.yaml").server.event_loop == "asyncio"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("negative_price.yaml", "product bad-2, field price: Input should be greater than or equal to 0"),
        ("duplicate_link.yaml", "product a2: link 3 is already used by a1"),
        ("missing_stock.yaml", "product m1, field stock: Field required"),
        ("unknown_en_key.yaml", "product e1, field en.attributes.colours: the product has no attribute"),
        ("unknown_en_faq.yaml", "product e2, field en.faq.e2-f2: the product has no FAQ entry"),
        ("unknown_en_question.yaml", "product e3, field en.questions.e3-f9: the product has no FAQ entry"),
    ],
)
def test_broken_catalog_names_product_and_field(name: str, expected: str) -> None:
    with pytest.raises(CatalogError) as e:
        load_catalog(HERE / "catalogs" / name)
    assert expected in str(e.value) and "\n" not in str(e.value)


def test_a_shelf_of_one_broken_product_names_that_products_mistake_only(tmp_path: Path) -> None:
    path = tmp_path / "shelf.yaml"
    product = {"id": "x1", "link": 1, "title": "小店", "category": "杂货", "price": -5, "stock": 3}
    path.write_text(yaml.safe_dump({"room_id": "shop", "products": [product]}), encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    # before: "...; catalog, field products: Tuple should have at least 1 item after validation, not 0"
    assert str(e.value).endswith("product x1, field price: Input should be greater than or equal to 0")
    path.write_text(yaml.safe_dump({"room_id": "shop", "products": []}), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"field products: .*at least 1 item"):
        load_catalog(path)  # an empty shelf still says so


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # before: "Input should be a valid number, unable to parse string as a number"
        ({"price": "¥59"}, "product x1, field price: '¥59' is not a number: write the number alone, 59"),
        ({"stock": "300件"}, "product x1, field stock: '300件' is not a number: write the number alone, 300"),
        # before: accepted as 1 (YAML reads yes / true as a boolean)
        ({"stock": True}, "product x1, field stock: true is not a number: write the number"),
        # before: accepted, the product without a shipping policy and with an attribute named shipping
        (
            {"attributes": {"shipping": "包邮"}},
            "product x1, field attributes.shipping: shipping is a field of",
        ),
    ],
)
def test_a_shops_typical_catalog_mistakes_say_what_to_write(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    path = tmp_path / "shelf.yaml"
    product = {"id": "x1", "link": 1, "title": "猫砂", "category": "宠物", "price": 59, "stock": 3, **change}
    path.write_text(
        yaml.safe_dump({"room_id": "shop", "products": [product]}, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    assert expected in str(e.value)


def test_a_currency_is_its_code(tmp_path: Path) -> None:
    # before: "人民币" was taken and shown before every price ("人民币 28")
    path = tmp_path / "shelf.yaml"
    product = {"id": "x1", "link": 1, "title": "猫砂", "category": "宠物", "price": 59, "stock": 3}
    for currency, problem in (
        ("人民币", "'人民币' is not the currency's ISO 4217 code: write CNY"),
        ("usd", "'usd' is not a currency code"),
        # before: RMB passed (three capital letters), and "¥" read "String should have at least 3 characters"
        ("RMB", "'RMB' is not the currency's ISO 4217 code: write CNY"),
        ("¥", "'¥' is not the currency's ISO 4217 code: write CNY"),
    ):
        shelf = {"room_id": "shop", "currency": currency, "products": [product]}
        path.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
        with pytest.raises(CatalogError, match=problem):
            load_catalog(path)
    path.write_text(
        yaml.safe_dump({"room_id": "shop", "currency": "HKD", "products": [product]}), encoding="utf-8"
    )
    assert load_catalog(path).currency == "HKD"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # before: "String should match pattern '^[A-Za-z0-9_.:-]+$'"
        (
            {"room_id": "老张厨房"},
            "catalog, field room_id: '老张厨房': a room id goes in the room's web address",
        ),
        # before: "Extra inputs are not permitted"
        ({"shiping": "包邮"}, "product x1, field shiping: unknown key 'shiping' (did you mean 'shipping'?)"),
        ({"faq": [{"id": "f1", "q": "能机洗吗", "ans": "能"}]}, "unknown key 'ans' (did you mean 'a'?)"),
        # before: accepted; labels and corrections name an entry by its id alone
        (
            {"faq_x2": [{"id": "x1-f1", "q": "能退吗", "a": "能"}]},
            "product x2: faq id 'x1-f1' is already used by x1",
        ),
        # before: said only once the price was fixed, a second attempt later
        ({"price": "¥59", "link_x2": 1}, "product x2: link 1 is already used by x1"),
    ],
)
def test_a_shelf_mistake_says_what_is_wrong_in_the_shops_words(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    change = dict(change)
    room_id = change.pop("room_id", "shop")
    second: dict[str, object] = {"id": "x2", "link": change.pop("link_x2", 2), "title": "猫粮"}
    if "faq_x2" in change:
        second["faq"] = change.pop("faq_x2")
        change["faq"] = [{"id": "x1-f1", "q": "能换吗", "a": "能"}]
    products = [
        {"id": "x1", "link": 1, "title": "猫砂", "category": "宠物", "price": 59, "stock": 3, **change},
        {"category": "宠物", "price": 39, "stock": 3, **second},
    ]
    path = tmp_path / "shelf.yaml"
    path.write_text(
        yaml.safe_dump({"room_id": room_id, "products": products}, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    assert expected in str(e.value)


def test_a_duplicate_id_says_which_two_products(tmp_path: Path) -> None:
    path = tmp_path / "shelf.yaml"
    products = [
        {"id": pid, "link": n, "title": "猫砂", "category": "宠物", "price": 59, "stock": 3}
        for n, pid in ((1, "x1"), (2, "x1"), (3, "x3"))
    ]
    path.write_text(
        yaml.safe_dump({"room_id": "shop", "products": products}, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(CatalogError, match=r"product x1: duplicate id \(products #1 and #2\)"):
        load_catalog(path)


def test_a_catalog_with_many_mistakes_names_the_first_few_on_one_line(tmp_path: Path) -> None:
    # before: only the first, so a shelf with five mistakes took five attempts to load
    products = [
        {"id": f"p{i}", "link": i, "title": f"商品{i}", "category": "杂货", "price": 10, "stock": 1}
        for i in range(1, 6)
    ]
    for p, (key, value) in zip(
        products, [("price", -1), ("stock", 1.5), ("link", 0), ("title", ""), ("price", "x")], strict=True
    ):
        p[key] = value
    path = tmp_path / "shelf.yaml"
    path.write_text(
        yaml.safe_dump({"room_id": "shop", "products": products}, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(CatalogError) as e:
        load_catalog(path)
    message = str(e.value)
    assert "\n" not in message and re.search(r"\(and [2-9] more\)$", message), message
    for named in ("product p1, field price", "product p2, field stock", "product p3, field link"):
        assert named in message
    products[1]["link"] = 1  # a mistake across products names the product, not "field (whole entry)"
    products = [p for p in products if p["id"] in ("p1", "p2")]
    products[0]["price"] = 10
    products[1]["stock"] = 1
    path.write_text(
        yaml.safe_dump({"room_id": "shop", "products": products}, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(CatalogError, match=r"shelf.yaml: product p2: link 1 is already used by p1$"):
        load_catalog(path)


def _cohost(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )


def test_the_readmes_smallest_catalog_opens_a_room(tmp_path: Path) -> None:
    # a shop owner copies it first: it must load as written, and a required field left out is named
    import re

    text = re.search(r"```yaml\n(room_id: .*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert text is not None
    path = tmp_path / "shop.yaml"
    path.write_text(text.group(1), encoding="utf-8")
    catalog = load_catalog(path)
    assert catalog.room_id == "pet-shop" and catalog.products[0].faq[0].id == "p01-f1"
    # and the optional blocks laid out as a shop would copy them
    versions = catalog.product("p02")
    assert versions is not None and versions.prices == {"小号": 29, "大号": 49}
    assert versions.names["board_size"][0] == "尺寸" and versions.version_name("大号", "en") == "large"
    assert versions.en_answer("p02-f1") == "Yes, it comes with catnip."
    path.write_text(text.group(1).replace("    category: 猫零食", ""), encoding="utf-8")
    with pytest.raises(CatalogError, match="product p01, field category"):
        load_catalog(path)


def test_serve_refuses_to_start_on_a_broken_config() -> None:
    r = _cohost("serve", "--config", str(HERE / "configs" / "unknown_key.yaml"))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"cohost: {HERE / 'configs' / 'unknown_key.yaml'}: unknown key 'server.prot'"
    ]


def test_serve_refuses_to_start_on_a_broken_catalog() -> None:
    path = HERE / "catalogs" / "negative_price.yaml"
    r = _cohost("serve", "--catalog", str(path), "--port", "0")
    assert r.returncode == 2
    [line] = r.stderr.strip().splitlines()
    assert "product bad-2, field price" in line


def test_serve_flags_obey_the_same_bounds() -> None:
    r = _cohost("serve", "--port", "99999")
    assert r.returncode == 2
    [line] = r.stderr.strip().splitlines()
    assert "server.port" in line
