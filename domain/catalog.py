"""A room's shelf: products, their live values and FAQ, loaded from YAML and validated."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

AttributeValue = str | list[str]
FaqAnswer = Annotated[str, Field(min_length=1, max_length=2000)]
# sane ceilings: a price or stock past these is a typo or an attack, never a real shelf
MAX_PRICE = 1_000_000_000
MAX_STOCK = 1_000_000_000
MAX_ASKED_AS = 200  # taught wordings kept per entry (the newest)
YAML_MAX_NODES = 200_000
YAML_MAX_DEPTH = 64
# libyaml's safe loader when PyYAML was built with it (several times faster on a big upload)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message is one line naming the product and field."""


def yaml_problem(source: str | Path, error: yaml.YAMLError) -> str:
    """One line for a YAML syntax error: the file, the line and column (1-based), and what is wrong."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if mark is None:
        return f"{source}: not valid YAML ({problem})"
    where = f"{source}: line {mark.line + 1}, column {mark.column + 1}"
    context, start = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and start is not None and start.line != mark.line:
        problem += f", {context} from line {start.line + 1}"
    return f"{where}: not valid YAML ({problem})"


class FaqEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64)
    q: str = Field(min_length=1, max_length=500)
    a: str = Field(min_length=1, max_length=2000)


def _stringify_values(value: Any) -> Any:
    """YAML turns `sizes: [25, 26]` into ints; the shelf speaks strings. A key with no value is left out."""
    if isinstance(value, dict):
        return {
            str(k): [str(x) for x in v] if isinstance(v, list) else str(v)
            for k, v in value.items()
            if v is not None
        }
    return value


class ProductEn(BaseModel):
    """A product's values in English, for English questions: any of its attributes (same keys, a
    list as long as the product's and in the same order), shipping, returns, and FAQ answers by
    FAQ id. Whatever is left out is quoted from the shelf, said to be in Chinese."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    shipping: str | None = Field(default=None, min_length=1, max_length=2000)
    returns: str | None = Field(default=None, min_length=1, max_length=2000)
    faq: dict[str, FaqAnswer] = Field(default_factory=dict)
    # FAQ questions in English by FAQ id: what the English console and review page name an entry by
    questions: dict[str, FaqAnswer] = Field(default_factory=dict)
    # the English names of the versions the product is priced by (`prices`): "1.8米床": "1.8 m bed"
    versions: dict[str, Annotated[str, Field(min_length=1, max_length=40)]] = Field(default_factory=dict)

    @field_validator("attributes", mode="before")
    @classmethod
    def _stringify_attributes(cls, value: Any) -> Any:
        return _stringify_values(value)


class Product(BaseModel):
    """One product on the shelf. `link` is the number viewers say ("3号链接")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64)
    link: int = Field(ge=1, le=999)
    title: str = Field(min_length=1, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    category: str = Field(min_length=1, max_length=50)
    aliases: tuple[str, ...] = ()
    price: float = Field(ge=0, le=MAX_PRICE, allow_inf_nan=False)
    original_price: float | None = Field(default=None, ge=0, le=MAX_PRICE, allow_inf_nan=False)
    stock: int = Field(ge=0, le=MAX_STOCK)
    # prices by version where they differ ("1.5米": 2599, "1.8米": 2899): a price question naming one
    # is answered with its price, one naming none with them all; `price` is the one shown on cards
    prices: dict[
        Annotated[str, Field(min_length=1, max_length=40)],
        Annotated[float, Field(ge=0, le=MAX_PRICE, allow_inf_nan=False)],
    ] = Field(default_factory=dict)
    tags: tuple[str, ...] = ()
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    shipping: str | None = None
    returns: str | None = None
    faq: tuple[FaqEntry, ...] = ()
    en: ProductEn | None = None  # English values (docs/answering.md, "English values")
    # wordings an operator confirmed for one of the product's entries (a field key or an FAQ id): a
    # comment about the product whose search text is one of them, spaces and punctuation aside, is
    # answered by that entry (docs/answering.md, "A room's own comments")
    asked_as: dict[str, tuple[Annotated[str, Field(min_length=1, max_length=500)], ...]] = Field(
        default_factory=dict
    )
    # what the shelf calls an attribute whose key is code ("heel_height": 跟高), first the name the
    # console and the replies show, then other words viewers use; matched like the field's own name
    names: dict[str, tuple[Annotated[str, Field(min_length=2, max_length=40)], ...]] = Field(
        default_factory=dict
    )

    @field_validator("attributes", mode="before")
    @classmethod
    def _stringify_attributes(cls, value: Any) -> Any:
        return _stringify_values(value)

    @field_validator("prices", mode="before")
    @classmethod
    def _version_names_as_text(cls, value: Any) -> Any:
        # a version named by a bare number (`38: 199`) is read by YAML as a number: it is a name
        if not isinstance(value, dict):
            return value
        if any(isinstance(v, bool) for v in value.values()):
            raise ValueError("a price is a number, not yes / no: write the number")
        return {str(k): v for k, v in value.items()}

    @field_validator("price", "original_price", "stock", "link", mode="before")
    @classmethod
    def _no_yes_or_no(cls, value: Any) -> Any:
        # YAML reads yes / no / true / on as a boolean, which the number fields took as 1 or 0
        if isinstance(value, bool):
            raise ValueError(f"{str(value).lower()} is not a number: write the number")
        return value

    @field_validator("names", mode="before")
    @classmethod
    def _one_name_or_several(cls, value: Any) -> Any:
        """A name or a list of names (a number is a name too); anything else is left to be refused."""
        if not isinstance(value, dict):
            return value

        def name(x: Any) -> Any:
            return str(x) if isinstance(x, (str, int, float)) and not isinstance(x, bool) else x

        return {
            str(k): [name(x) for x in v] if isinstance(v, (list, tuple)) else [name(v)]
            for k, v in value.items()
        }

    @field_validator("tags", "aliases", mode="before")
    @classmethod
    def _stringify_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [str(x) for x in value]
        return value

    @model_validator(mode="after")
    def _faq_ids_unique(self) -> Product:
        seen: set[str] = set()
        for entry in self.faq:
            if entry.id in seen:
                raise ValueError(f"duplicate faq id {entry.id!r}")
            seen.add(entry.id)
        return self

    @model_validator(mode="after")
    def _en_matches_the_product(self) -> Product:
        """Every English value stands for a value the product has, in the same shape."""
        if self.en is None:
            return self
        for key, value in self.en.attributes.items():
            mine = self.attributes.get(key)
            if mine is None:
                known = ", ".join(self.attributes) or "none"
                raise ValueError(
                    f"en.attributes.{key}: the product has no attribute {key!r} (it has: {known})"
                )
            if isinstance(mine, list) != isinstance(value, list):
                shape = "a list" if isinstance(mine, list) else "one value"
                raise ValueError(f"en.attributes.{key}: should be {shape}, as attributes.{key} is")
            if isinstance(mine, list) and len(mine) != len(value):
                raise ValueError(
                    f"en.attributes.{key}: {len(value)} value{'' if len(value) == 1 else 's'} for the"
                    f" {len(mine)} of attributes.{key}"
                    " (one English value for each, in the same order)"
                )
        for key in ("shipping", "returns"):
            if getattr(self.en, key) is not None and getattr(self, key) is None:
                raise ValueError(f"en.{key}: the product has no {key} to give in English")
        ids = {f.id for f in self.faq}
        for part in ("faq", "questions"):
            for faq_id in getattr(self.en, part):
                if faq_id not in ids:
                    raise ValueError(f"en.{part}.{faq_id}: the product has no FAQ entry with this id")
        return self

    @model_validator(mode="after")
    def _asked_as_names_entries(self) -> Product:
        """Every taught wording belongs to an entry the product has, and an entry keeps at most
        `MAX_ASKED_AS` of them."""
        entries = self.entries()
        for key, wordings in self.asked_as.items():
            if key not in entries:
                raise ValueError(
                    f"asked_as.{key}: the product has no such entry (it has: {', '.join(entries)})"
                )
            if len(wordings) > MAX_ASKED_AS:
                raise ValueError(f"asked_as.{key}: {len(wordings)} wordings, at most {MAX_ASKED_AS}")
        return self

    @model_validator(mode="after")
    def _attributes_are_no_product_fields(self) -> Product:
        """`shipping:` indented one step too far lands among the attributes: the product then has no
        shipping policy and an attribute that replies would read as one."""
        for key in self.attributes:
            if key in type(self).model_fields:
                raise ValueError(
                    f"attributes.{key}: {key} is a field of the product, not an attribute: indent it as"
                    " attributes is, not under it"
                )
        return self

    @model_validator(mode="after")
    def _names_are_of_attributes(self) -> Product:
        for key, words in self.names.items():
            if key not in self.attributes:
                known = ", ".join(self.attributes) or "none"
                raise ValueError(f"names.{key}: the product has no attribute {key!r} (it has: {known})")
            if not words:
                raise ValueError(f"names.{key}: give at least one name")
        return self

    @model_validator(mode="after")
    def _english_versions_are_of_prices(self) -> Product:
        for version in self.en.versions if self.en is not None else {}:
            if version not in self.prices:
                known = " / ".join(self.prices) or "none: it has no prices by version"
                raise ValueError(
                    f"en.versions.{version}: the product has no version {version!r} (it has: {known})"
                )
        return self

    @model_serializer(mode="wrap")
    def _without_absent_en(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a product without English values, taught wordings or names dumps as it did before they existed:
        # a stored shelf's fingerprint (storage/shelves.py) stays the same across the upgrade
        data: dict[str, Any] = handler(self)
        if self.en is None:
            data.pop("en", None)
        if not self.asked_as:
            data.pop("asked_as", None)
        if not self.names:
            data.pop("names", None)
        return data

    def entries(self) -> list[str]:
        """What can answer a question about the product: price and stock always, shipping and returns
        if written, every attribute with a value, every FAQ entry (by id)."""
        keys = ["price", "stock"] + [k for k in ("shipping", "returns") if getattr(self, k)]
        keys += [k for k, v in self.attributes.items() if v not in ("", [])]
        return keys + [f.id for f in self.faq]

    def en_value(self, key: str) -> str | list[str] | None:
        """The English value of shipping, returns or an attribute, if the catalog gives one."""
        if self.en is None:
            return None
        if key in ("shipping", "returns"):
            return getattr(self.en, key)
        return self.en.attributes.get(key)

    def version_name(self, version: str, lang: str) -> str:
        """A version of `prices` as a reply in `lang` names it: in English, the catalog's English
        name for it, if it gives one."""
        if lang == "en" and self.en is not None:
            return self.en.versions.get(version, version)
        return version

    def en_answer(self, faq_id: str) -> str | None:
        """The English answer of an FAQ entry, if the catalog gives one."""
        return self.en.faq.get(faq_id) if self.en is not None else None

    def en_question(self, faq_id: str) -> str | None:
        """The English question of an FAQ entry, if the catalog gives one."""
        return self.en.questions.get(faq_id) if self.en is not None else None

    def faq_questions(self, faq_id: str | None = None) -> list[str]:
        """The FAQ entries' questions (of the one `faq_id`, if given), each in Chinese and in the
        catalog's English where it gives one."""
        return [q for f in self.faq if faq_id in (None, f.id) for q in (f.q, self.en_question(f.id)) if q]

    def names_text(self, tags: bool = False) -> str:
        """The title, English title and aliases (and the tags, with `tags`) as one lower-case text:
        where a comment's word is looked up to tell the product's name from what is asked about it."""
        return " ".join(
            (self.title, self.title_en or "", *self.aliases, *(self.tags if tags else ()))
        ).lower()

    def values_text(self) -> str:
        """Every attribute's value as one text, a list's items side by side."""
        return " ".join(" ".join(v) if isinstance(v, list) else v for v in self.attributes.values())

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def was_price(self) -> float | None:
        """The original price viewers are shown beside the price: only when it is above the price now
        (a price raised during the show past it shows no discount that is not there)."""
        op = self.original_price
        return op if op is not None and op > self.price else None

    def display_name(self, lang: str) -> str:
        if lang == "en" and self.title_en:
            return self.title_en
        return self.title


# what shops write for a currency that is not its ISO 4217 code, and the code they mean
_NOT_CURRENCY_CODES = {
    "RMB": "CNY",
    "¥": "CNY (or JPY for yen)",
    "￥": "CNY (or JPY for yen)",
    "元": "CNY",
    "人民币": "CNY",
    "$": "USD",
    "US$": "USD",
    "HK$": "HKD",
    "NT$": "TWD",
    "NTD": "TWD",
}


class Catalog(BaseModel):
    """A room's whole shelf."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    room_id: str = Field(min_length=1, max_length=64)
    # the shop's or the show's name, as the viewer page and the console head it (the room id, a web
    # address's letters, when not given: "老张厨房" where the page said "laozhang-kitchen")
    title: str | None = Field(None, min_length=1, max_length=60)
    currency: str = "CNY"
    products: tuple[Product, ...] = Field(min_length=1, max_length=2000)

    @model_validator(mode="before")
    @classmethod
    def _shelf_names(cls, data: Any) -> Any:
        """`names:` beside `products` names an attribute on every product that has it and no
        `names:` of its own for it (a shop writing `heel_height` on twenty pairs of shoes names it
        once); it is given to those products, so the shelf keeps no copy of its own."""
        if not isinstance(data, dict) or "names" not in data:
            return data
        names, products = data["names"], data.get("products")
        if not isinstance(names, dict):
            raise ValueError("names: an attribute's key and its names (heel_height: [跟高, heel height])")
        if not isinstance(products, list):
            return {k: v for k, v in data.items() if k != "names"}  # the missing products are the error
        given: list[Any] = []
        keys: set[str] = set()  # every product's attribute keys
        for product in products:
            attributes = product.get("attributes") if isinstance(product, dict) else None
            if not isinstance(attributes, dict):
                given.append(product)
                continue
            keys.update(str(k) for k in attributes)
            own = product.get("names") if isinstance(product.get("names"), dict) else {}
            shared = {str(k): v for k, v in names.items() if str(k) in attributes and str(k) not in own}
            given.append({**product, "names": {**shared, **own}} if shared else product)
        for key in names:
            if str(key) not in keys:
                raise ValueError(f"names.{key}: no product has an attribute {str(key)!r}")
        return {**{k: v for k, v in data.items() if k != "names"}, "products": given}

    @field_validator("room_id")
    @classmethod
    def _url_safe(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.:-]+", value):
            raise ValueError(
                f"{value!r}: a room id goes in the room's web address, so it is Latin letters, digits "
                "and _ . : - only (laozhang-kitchen, not 老张厨房)"
            )
        return value

    @field_validator("currency")
    @classmethod
    def _iso_code(cls, value: str) -> str:
        # the pages put it before the price ("USD 28"): a name (人民币) or a sign would read oddly there
        meant = _NOT_CURRENCY_CODES.get(value.strip().upper())
        if meant is not None:
            raise ValueError(f"{value!r} is not the currency's ISO 4217 code: write {meant}")
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(
                f"{value!r} is not a currency code: write its three capital letters (CNY, USD, HKD)"
            )
        return value

    @model_validator(mode="after")
    def _unique_ids_and_links(self) -> Catalog:
        ids: dict[str, int] = {}  # id -> its position
        links: dict[int, str] = {}
        for i, p in enumerate(self.products):
            if p.id in ids:
                raise ValueError(f"product {p.id}: duplicate id (products #{ids[p.id] + 1} and #{i + 1})")
            ids[p.id] = i
            if p.link in links:
                raise ValueError(_link_taken(p.id, p.link, links[p.link]))
            links[p.link] = p.id
        entries: dict[str, str] = {}  # FAQ id -> its product
        for p in self.products:
            for f in p.faq:
                if entries.setdefault(f.id, p.id) != p.id:
                    # labels, corrections and the review page name an entry by its id alone
                    raise ValueError(f"product {p.id}: faq id {f.id!r} is already used by {entries[f.id]}")
        return self

    def product(self, product_id: str) -> Product | None:
        for p in self.products:
            if p.id == product_id:
                return p
        return None

    def by_link(self, link: int) -> Product | None:
        for p in self.products:
            if p.link == link:
                return p
        return None

    def with_product(self, product: Product) -> Catalog:
        """A copy of the shelf with one product replaced (live price or stock change)."""
        products = tuple(product if p.id == product.id else p for p in self.products)
        return self.model_copy(update={"products": products})


_NUMBER = re.compile(r"[^0-9.]")  # what is not part of a plain number
SHOWN_PROBLEMS = 3  # a catalog with many mistakes: the first few named, the rest counted


def _describe(error: ValidationError, data: Any) -> str:
    """One line naming the product and the field that is wrong; when several are, the first few
    (fixing a shelf one mistake per attempt took as many attempts as mistakes)."""
    errors = error.errors()
    if any(len(e["loc"]) >= 2 and e["loc"][0] == "products" for e in errors):
        # a product that fails is left out before the shelf's length is checked: a shelf of one
        # broken product then also read "Tuple should have at least 1 item", which its own error says
        errors = [e for e in errors if not (tuple(e["loc"]) == ("products",) and e["type"] == "too_short")]
    problems = list(dict.fromkeys([*(_problem(e, data) for e in errors), *_clashes(data)]))
    line = "; ".join(problems[:SHOWN_PROBLEMS])
    if len(problems) > SHOWN_PROBLEMS:
        line += f" (and {len(problems) - SHOWN_PROBLEMS} more)"
    return line


def _link_taken(product_id: Any, link: int, first: Any) -> str:
    return f"product {product_id}: link {link} is already used by {first}"


def _clashes(data: Any) -> list[str]:
    """Links used twice, worded as the shelf-wide check words them: that check runs only once every
    product reads right, so a shop fixing a price met the clash one attempt later."""
    products = data.get("products") if isinstance(data, dict) else None
    links: dict[int, Any] = {}
    out = []
    for p in products if isinstance(products, list) else []:
        link = p.get("link") if isinstance(p, dict) else None
        if not isinstance(link, int) or isinstance(link, bool):
            continue
        if link in links:
            out.append(_link_taken(p.get("id"), link, links[link]))
        links.setdefault(link, p.get("id"))
    return out


def _keys_beside(where: str, loc: list[Any]) -> list[str]:
    """The keys a catalog accepts where an unknown key `loc` stands."""
    if where == "catalog":
        model: type[BaseModel] | None = Catalog if len(loc) == 1 else None
    elif len(loc) == 1:
        model = Product
    elif len(loc) == 3 and loc[0] == "faq":
        model = FaqEntry
    elif len(loc) == 2 and loc[0] == "en":
        model = ProductEn
    else:
        model = None
    return list(model.model_fields) if model is not None else []


def _problem(err: Any, data: Any) -> str:
    """One validation error as "product <id>, field <field>: <what is wrong>"."""
    loc = list(err["loc"])
    where = "catalog"
    if len(loc) >= 2 and loc[0] == "products" and isinstance(loc[1], int):
        idx = loc[1]
        pid = None
        try:
            pid = data["products"][idx].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        where = f"product {pid or '#' + str(idx + 1)}"
        loc = loc[2:]
    field = ".".join(str(x) for x in loc) or "(whole entry)"
    msg = err["msg"]
    if err["type"] in ("float_parsing", "int_parsing") and isinstance(err.get("input"), str):
        # "¥59", "59元", "300件": a number written the way a shop writes it
        digits = _NUMBER.sub("", err["input"])
        msg = f"{err['input']!r} is not a number" + (f": write the number alone, {digits}" if digits else "")
    if err["type"] == "extra_forbidden" and loc:
        # a misspelt key ("shiping") read "Extra inputs are not permitted"
        near = difflib.get_close_matches(str(loc[-1]), _keys_beside(where, loc), n=1, cutoff=0.5)
        msg = f"unknown key {str(loc[-1])!r}" + (f" (did you mean {near[0]!r}?)" if near else "")
    if err["type"] == "value_error" and msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
        named = re.match(r"((?:en|names|attributes)\.\S+): (.*)", msg)
        if named and not loc:  # a check across fields that names the field it found wrong
            field, msg = named.group(1), named.group(2)
        if where == "catalog" and not loc and msg.startswith("product "):
            return msg  # a check across products names the product itself ("link 3 is already used")
    return f"{where}, field {field}: {msg}"


def parse_catalog(data: Any, source: str = "catalog") -> Catalog:
    """Validate already-parsed YAML/JSON data into a Catalog, or raise CatalogError."""
    if not isinstance(data, dict):
        raise CatalogError(f"{source}: expected a mapping with room_id and products")
    try:
        return Catalog.model_validate(data)
    except ValidationError as e:
        raise CatalogError(f"{source}: {_describe(e, data)}") from None


def _yaml_error(error: yaml.YAMLError) -> str:
    """A YAML error in one line, with the line and column it is at."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if mark is None:
        return problem
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def safe_yaml(text: str, source: str, max_nodes: int = YAML_MAX_NODES) -> Any:
    """YAML (or JSON) text to plain data, or CatalogError naming the line. A document of more than
    `max_nodes` nodes, counted with its aliases expanded (a few lines of aliases expand to billions of
    nodes: "billion laughs"), nested deeper than YAML_MAX_DEPTH, or with an alias inside the node it
    names, is refused; aliases of a size within the budget (PyYAML writes a repeated list as one) are
    read. CPU-bound on a large upload: call it through a thread from async code."""
    nodes = 0
    sizes: dict[str, int] = {}  # each anchor's node count, once its node is closed
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, nodes before it) per open collection
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            line = event.start_mark.line + 1 if event.start_mark else "?"
            if isinstance(event, yaml.AliasEvent):
                if event.anchor not in sizes:
                    raise CatalogError(f"{source}: line {line}: a YAML alias inside the node it names")
                nodes += sizes[event.anchor]
            elif isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
                nodes += 1
                if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                    sizes[event.anchor] = 1
            if nodes > max_nodes:
                raise CatalogError(f"{source}: more than {max_nodes} YAML nodes (aliases counted expanded)")
            if isinstance(event, yaml.CollectionStartEvent):
                open_nodes.append((event.anchor, nodes - 1))
                if len(open_nodes) > YAML_MAX_DEPTH:
                    raise CatalogError(f"{source}: line {line}: nested deeper than {YAML_MAX_DEPTH} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, before = open_nodes.pop()
                if anchor is not None:
                    sizes[anchor] = nodes - before
        return yaml.load(text, Loader=_LOADER)  # a safe loader: plain data only
    except CatalogError:
        raise
    except yaml.YAMLError as e:
        raise CatalogError(f"{source}: not valid YAML ({_yaml_error(e)})") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as e:
        # a value YAML's own constructors cannot build: `2001-02-30`, `!!float abc`, a 5,000-digit int
        raise CatalogError(f"{source}: not valid YAML (a value cannot be read: {str(e)[:120]})") from None


# what follows a plain value on its line: a "#" that starts a word is where YAML's comment begins
_COMMENT_AFTER = re.compile(r"\s+#(\S.*)")


def cut_values(text: str) -> list[str]:
    """Notes on plain (unquoted) values that a "#" starting a word cuts short: YAML reads " #0.6-#1.5"
    of `PE line #0.6-#1.5` as a comment, so the value is "PE line" and replies lose the rest. A
    comment written "# so" (a space after the mark) is left alone. For `cohost check-catalog`."""
    lines = text.splitlines()
    notes = []
    for event in yaml.parse(text, Loader=_LOADER):
        if not isinstance(event, yaml.ScalarEvent) or event.style or event.end_mark is None:
            continue
        end = event.end_mark
        m = _COMMENT_AFTER.match(lines[end.line][end.column :]) if end.line < len(lines) else None
        if m:
            notes.append(
                f"line {end.line + 1}: the value {event.value!r} stops before '#{m.group(1)}', which YAML reads "
                "as a comment; put the whole value in quotes to keep it"
            )
    return notes


def load_catalog(path: str | Path) -> Catalog:
    """Read and validate a catalog YAML file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise CatalogError(f"{p}: cannot read catalog ({e.strerror})") from None
    except UnicodeDecodeError as e:
        raise CatalogError(f"{p}: not UTF-8 text (byte {e.start})") from None
    return parse_catalog(safe_yaml(text, str(p)), str(p))
