"""Structured questions: which catalog field a comment asks about, and its live value as a reply."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from domain.catalog import Catalog, Product
from domain.messages import Lang
from handlers.destinations import asked_by_name, sentences_naming
from handlers.field_entries import FIELD_WORDS, UNIT_ZH, field_label, lexicon_key, value_label
from handlers.normalize import CN_NUM, cn_to_int, words_only
from recommender.text import blanked, char_bigrams, has_han, tokens


@dataclass(frozen=True, slots=True)
class FieldMatch:
    key: str  # "price", "stock", "shipping", "returns" or an attribute key
    strength: float  # 0..1, how clearly the comment asks for this field
    asked: str | None = None  # a value the viewer named ("xl", "黑色"); a height and weight too
    # of a size guide's question, the viewer's body measures as said ("160cm 105斤", "腰2尺4"): what
    # the size is read for. Apart from `asked`, which the answer model reads, and which a measure
    # named by its word is not (a value no field lists)
    measures: str | None = None
    # other items of the same list the viewer named with `asked` ("36和37都有吗"): the reply names them
    also: tuple[str, ...] = ()

    @property
    def named(self) -> str | None:
        """What the viewer named that the answer is about (a decision's `asked`): the value, else the
        measures; answers that differ in it are never grouped."""
        return self.asked or self.measures


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.ASCII)


# "这个多少块", "几块钱": 块 as 元, closing the clause or before 钱; not "有多少块" / "一共几块", how many
_KUAI = r"(?<![有共])(?:几|多少)块(?=钱|[\s啊呀呢哦嘛?!,.~]|$)"
_KUAI_AS_YUAN = re.compile(_KUAI, re.ASCII)
# "a bit" after 便宜 / 优惠 ("便宜点", "优惠一些"): a bargain asked, not the price or its discount
_A_BIT = r"\s*(一?点|一?些)"
# the price, and the discount the live price and the original price show ("多少钱", "打折吗", "is it on
# sale?"); a coupon or a bargain ("能用券吗", "能便宜点吗") the price may not answer at all, so such a
# word alone is a weaker hint of the price
_PRICE_OUTRIGHT = _rx(
    # "多少米" is chat slang for the price ("裙子多少米", "3号多少米") but meters after a verb or a
    # measure ("能绕多少米", "一卷多少米", "一团多少米", "线长多少米")
    r"(多少钱|好多钱|几块|几元|(?<![绕装卷拉跑走放能有长宽高深远团根条捆轴盘匹])多少米|啥价|什么价|价格|价钱|价位|多钱|多少一"
    r"|贵不贵|咋卖|怎么卖|到手价|原价|活动价"
    # a difference in price: "偏光的贵多少", "大号贵几块", "差价多少"
    r"|贵多少|贵几|便宜多少|差价"
    rf"|优惠(?!券|{_A_BIT})|折扣|打折|划算|几折|便宜(?!{_A_BIT})|{_KUAI})",
    r"\b(price|cost|discount|deal|on sale)\b",
    # "how much is it", "how much for #9", "how much?"; not "how much folic acid per tablet", where a
    # noun after it is the quantity asked, nor "how much does it weigh"
    r"\bhow much\b(?!\s+(?!(?:is|are|does|do|did|for|it|its|this|that|these|those|they|each|per|would|will"
    r"|was|were|now|with|in|to|total|altogether|after)\b)[a-z]{3,})(?![^?.!]*\bweigh)",
)
# the words that ask a price by themselves, with no question particle ("这个多钱", "咋卖"); not "多少钱
# 都值" or "不管多少钱", which say the price does not matter
_PRICE_ASKED = re.compile(
    r"(?<![不管])(多少钱|好多钱|多钱|几块钱?|几元|啥价|什么价|咋卖|怎么卖)(?![都也])", re.ASCII
)
_DEAL = _rx(rf"(券|便宜|优惠{_A_BIT})", r"\bcoupon\b")
DEAL_STRENGTH = 0.6


def asks_price(text: str) -> bool:
    """Whether a word of the comment asks a price outright, a question with or without a particle."""
    return bool(_PRICE_ASKED.search(text))


def asks_deal_only(text: str) -> bool:
    """A coupon or a bargain asked, and not the price itself ("有券吗", "能便宜点吗"; not "券后多少钱")."""
    return bool(_DEAL.search(text)) and not _PRICE_OUTRIGHT.search(text)


# a fee, not the goods' price: "运费多少钱", "安装费多少", "工费多少钱" (a jeweller's making charge)
_FEE = re.compile(r"(运|邮|快递|配送|安装|上楼|工|手续|服务|加急|打包|包装)费", re.ASCII)


def asks_fee(text: str) -> bool:
    """Whether the comment names a fee ("运费", "安装费"): money asked of it is not the goods' price."""
    return bool(_FEE.search(text))


# where the goods are sent from, asked ("你们是哪里发货的", "从哪发", "where do you ship from"), and a
# policy that says it ("广州仓发货", "从义乌发出", "ships from Shenzhen")
_SHIP_FROM_ASKED = re.compile(
    r"(哪里|哪儿|哪|什么地方)(发货|发的|发出|寄出|寄的)|从哪(里|儿)?\s*(发|寄)|发货地"
    r"|\bship(ped|s|ping)? from\b|\bwhere\b[^?.!]{0,25}\b(ship|send|dispatch)",
    re.ASCII,
)
_SHIP_FROM_SAID = re.compile(
    r"(从|自|由)[^，,。；;\s]{1,8}(发货|发出|直发|寄出)|[^，,。；;\s]{1,6}(仓|发货地)|产地直发"
    r"|\b(ships?|shipped|dispatched|sent) from\b",
    re.ASCII,
)


def asks_ship_from(text: str, policy: str) -> bool:
    """The comment asks where the goods are sent from, which the shipping policy does not say (a
    stationery shop's trial: "你们是哪里发货的" was sent "付款后48小时内发货，全国包邮" at 0.96)."""
    return bool(_SHIP_FROM_ASKED.search(text)) and not _SHIP_FROM_SAID.search(policy)


# an amount of money as a listing writes it: "299元", "加300块", "¥89", "USD 28", "28 dollars"
_MONEY = re.compile(
    r"\d\s*(元|块|rmb|美元|港元|dollars?|yuan)|[¥￥$]\s*\d|\b(usd|hkd|cny|eur|gbp)\s*\d",
    re.IGNORECASE | re.ASCII,
)


def says_money(text: str) -> bool:
    """Whether a text gives an amount of money."""
    return bool(_MONEY.search(text))


_IN_METERS = re.compile(r"\d\s*(?:米|m\b)", re.ASCII)


def asks_meters(text: str, said: str) -> bool:
    """ "多少米" the comment's one price word, of an entry that gives meters: the meters asked, not the
    chat slang for the price ("防水多少米" of a watch whose water resistance is "100米"; "裙子多少米" of a
    dress, whose listing says no meters, stays the price)."""
    return (
        "多少米" in text
        and not _PRICE_OUTRIGHT.search(text.replace("多少米", " "))
        and bool(_IN_METERS.search(said))
    )


# the price of one unit of weight, length or area ("一克多少钱", "多少钱一斤", "几块一斤", "how much per
# gram"): a box of five jin is not priced per jin, gold by weight not per gram
_PER = r"(?:克|斤|公斤|千克|两|kg|g|米|平米|平方|平|磅|lb)"
# one, not the end of a larger number ("11斤", "十一斤")
_ONE = r"(?<![\d.一二两三四五六七八九十百])"
_UNIT_PRICE = _rx(
    rf"{_ONE}(一|每|单|1)\s*{_PER}(?!\s*个)\s*(多少|几|啥|什么)?\s*(钱|块|元|价)"
    rf"|(多少钱?|几块钱?|什么价|啥价)\s*(一|每|1)\s*{_PER}(?!\s*个)(?![\u4e00-\u9fff]{{2}})"
    r"|克价|斤价",
    r"\bper\s*(gram|g|kg|kilo|pound|lb|jin|meter|metre|m)\b",
)
# the listing priced by that one unit: "￥12.9/斤", "每斤", "1斤装", "price per gram"
_ONE_UNIT = re.compile(
    rf"/\s*{_PER}|{_ONE}(每|一|1)\s*{_PER}(?!\d)|\bper\s*(gram|kg|pound|lb)\b", re.IGNORECASE | re.ASCII
)


# a pack of several pieces ("5双装", "10支装", "pack of 5"), and one piece of it asked a price of
# ("多少钱一双", "一支多少钱", "how much per pair")
_PACK_OF = re.compile(
    r"(?:\d+|[两二三四五六七八九十]+)\s*([双件个支瓶盒包袋条片只块罐卷对副])\s*装|\bpack of \d+",
    re.IGNORECASE,
)
_ONE_PIECE = _rx(
    r"(?:多少钱?|几块钱?|什么价|啥价)\s*(?:一|每|单|1)\s*([双件个支瓶盒包袋条片只块罐卷对副])(?![\u4e00-\u9fff])"
    r"|(?<![\d.一二两三四五六七八九十])(?:一|每|单|1)\s*([双件个支瓶盒包袋条片只块罐卷对副])\s*(?:多少|几|啥|什么)?\s*(?:钱|块|元|价)",
    r"\b(?:per|each) (pair|piece|pc)\b",
)


def asks_unit_price(text: str, product: Product) -> bool:
    """Whether the comment asks the price of one gram, jin, metre... of a product whose listing
    does not say its price is for exactly one of them, or of one piece of a product sold as a pack
    ("13号链接多少钱一双" of socks "5双装"): the live price would answer another amount."""
    listing = " ".join(
        [product.title, product.title_en or "", *product.aliases, *map(str, product.attributes.values())]
    )
    if _UNIT_PRICE.search(text):
        return not _ONE_UNIT.search(listing)
    piece = _ONE_PIECE.search(text)
    packs = {m.group(1) or "pack" for m in _PACK_OF.finditer(listing)}
    return (
        piece is not None
        and bool(packs)
        and (next(g for g in piece.groups() if g) in packs or "pack" in packs or not has_han(piece.group(0)))
    )


# asking for something made or changed to order ("能定制尺寸吗", "能多加一颗吗", "custom engraving?"):
# a field says what the product is, not what the shop will make
_CUSTOM = _rx(
    r"定做|订做|定制|订制|多加|加长一点|改(大|小|短|长)|改尺寸",
    r"\bcustomi[sz]e|\bcustom\b|\bmade to order\b",
)


def asks_custom(text: str) -> bool:
    """Whether the comment asks for something made or changed to order."""
    return bool(_CUSTOM.search(text))


# buying one piece of what is sold together ("椅子单买多少钱", "能不能只买一根"): whether the shop
# splits a set, which a listing of the set does not say
# (and only one kind of an assortment: "可以只要金枪鱼味的吗" of mixed cans, a pet shop's trial, was
# answered "有金枪鱼" from the flavours listed)
_ALONE = _rx(
    r"单买|单独买|单独卖|单卖|只买一|拆开卖|拆开买|拆着卖|拆卖|能拆开"
    r"|只要(?!是)[\u4e00-\u9fff]{1,6}?(的|味|那种|那款|这种|这款)",
    r"\bsold separately\b|\bbuy (just )?one (of|piece)\b|\bsell (them|it) separately\b",
)


def asks_alone(text: str) -> bool:
    """Whether the comment asks to buy one piece of what is sold together."""
    return bool(_ALONE.search(text))


# "available" alone asks whether it can be bought; "available in black / in XL / to Canada", "does it
# come in pink" asks for a version or a place, which the stock count does not answer
_FOR_A_VERSION = r"\s+(in|for|to|at|on|with)\b"
_VERSION_ASKED = re.compile(rf"\bavailable{_FOR_A_VERSION}|\bcomes?\s+in\b", re.ASCII)


def asks_version(text: str) -> bool:
    """Whether an English comment asks for a version or a place ("available in XL?", "come in red?")."""
    return bool(_VERSION_ASKED.search(text))


# when something happens: "什么时候补货", "几时有货", "when will it be back?"
_WHEN = re.compile(r"什么时候|啥时候|几时|哪天|多久|\bwhen\b|\bhow (soon|long)\b", re.ASCII)


def asks_when(text: str) -> bool:
    return bool(_WHEN.search(text))


# whether or when the goods come back: "什么时候补货", "补货了吗", "还会返场吗", "back in stock yet?"
_RESTOCK = re.compile(
    r"补货|补了|回货|返场|(?:什么时候|啥时候|几时)(?:有货|到货)|\brestock|\bback in stock\b",
    re.ASCII | re.IGNORECASE,
)


def asks_restock(text: str) -> bool:
    return bool(_RESTOCK.search(text))


# (field, attribute keys that can hold it in order of preference, pattern). Order matters: earlier
# fields win ties. Written from how viewers ask, not from any particular catalog.
_FIELDS: list[tuple[str, tuple[str, ...], re.Pattern[str]]] = [
    (
        "size_guide",
        ("size_guide", "sizes"),
        _rx(
            r"\d{2,3}\s*(斤|公斤|kg|cm|厘米)",
            r"(?<!\d)1[4-9]\d\s*[ ,，/]\s*[4-9]\d(?!\d)|(?<!\d)1[4-9]\d\s*[ ,，/]\s*1[0-9]\d(?!\d)",  # "160 95"
            r"(身高|体重|一米\d|1米\d)",
            r"(穿|拍|选|买)(啥|什么|哪个|几|多大)(码|号|尺码)?",
            r"(啥|什么|哪个|几)码(合适|好)",
            r"(偏大|偏小|码数准|尺码准|正码)",
            r"(码|号).{0,8}(多少斤|几斤|多高|多重|身高|体重|能穿到|穿到)",
            r"(适合|能穿|穿到|穿得下).{0,4}(多少斤|几斤|多高|多重|多胖|多瘦)",
            r"\bwhat size (should|for|do)\b",
            r"\b(runs? (small|large|big)|true to size|what should i (get|order|buy))\b",
            r"\b(size chart|size guide|\d{2,3}\s*(kg|lbs?|cm))\b",
        ),
    ),
    (
        "price",
        (),
        _rx(_PRICE_OUTRIGHT.pattern, _DEAL.pattern),
    ),
    (
        "stock",
        (),
        _rx(
            r"(库存|有货|没货|现货|卖完|售罄|缺货|还剩|剩多少|抢光|还有吗|还有没有|还能拍|还能买|断货|多少件|几件)(?!.{0,3}(补货|到货))",
            r"\b(in stock|sold out|out of stock|restock|any left|how many (are |do you have )?left|stock)\b",
            # "any southern red agate left?": the goods named between, "left" closing the question
            r"\bany( [a-z'-]+){1,5} left\s*([?!.]|$)",
            rf"\bavailable\b(?!{_FOR_A_VERSION})",
        ),
    ),
    (
        "sizes",
        ("sizes", "dimensions"),
        _rx(r"(尺码|码数|有.{0,4}码|几个码|哪些码|什么码|大码|小码|加大|尺寸全)", r"\bsizes?\b"),
    ),
    (
        "colors",
        ("colors", "colours", "color"),
        _rx(r"(颜色|配色|色号|几个色|什么色|哪些色|几种色|几个颜色|啥色)", r"\bcolou?rs?\b"),
    ),
    (
        "shipping",
        ("shipping",),
        _rx(
            r"(发货|什么快递|啥快递|哪个快递|快递|物流|包邮|邮费|运费|几天到|多久到|什么时候到|寄|偏远|新疆|西藏|香港|澳门|台湾|海外|国外|出国|顺丰)",
            r"(什么时候|啥时候|几天|多久|多快|几时|哪天)(能|可以|会|才)?(发|到)",
            r"\b(ship|ships|shipping|deliver|delivery|abroad|overseas|international|postage|hk|hong kong)\b",
        ),
    ),
    (
        "returns",
        ("returns",),
        _rx(
            r"(退货|退换|换货|无理由|能退|可以退|可退|退吗|包退|包换|运费险|不喜欢怎么办|不合适怎么办)",
            r"(不合适|不喜欢|大了|小了|不满意).{0,3}(能|可以)换|^(能|可以)换",
            r"\b(return|returns|refund policy|exchange)\b",
        ),
    ),
    (
        "material",
        ("material", "fabric"),
        _rx(
            r"(材质|面料|布料|料子|什么料|啥料|纯棉|全棉|棉的|真皮|皮的|羊毛|涤纶|聚酯|什么做的|啥做的"
            r"|什么钢|啥钢|哪种钢|什么金属)",
            r"\b(material|fabric|cotton|leather|wool|polyester|made (of|from)|what steel)\b",
        ),
    ),
    (
        "ingredients",
        ("ingredients",),
        _rx(r"(成分|配料|配方|添加剂|防腐剂|含不含|有没有添加|含糖|酒精)", r"\b(ingredients?|contains?)\b"),
    ),
    (
        "flavor",
        ("flavor", "flavors", "flavour", "flavours", "taste"),
        _rx(r"(口味|什么味|啥味|几种味|哪些味|几个味)", r"\b(flavou?rs?|taste)\b"),
    ),
    ("size_guide", ("size_guide",), _rx(r"(尺码表|尺码建议|怎么选码|码数建议)")),
    (
        "weight",
        ("weight", "net_weight"),
        _rx(r"(多重|重量|重不重|净含量|几克|多少克|沉不沉)", r"\b(weight|weigh|heavy)\b"),
    ),
    (
        "capacity",
        ("capacity", "volume"),
        # how hot a liquid it takes is no capacity ("能装开水吗", "能装多少度的水")
        _rx(
            r"(容量|多大容量|装多少(?!度)|毫安|mah|多少ml|几升|多少升|多少毫升|能装(?!多少度|几度|开水|热水|沸水|热的))",
            r"\b(capacity|volume)\b",
        ),
    ),
    (
        "power",
        ("power",),
        _rx(r"(功率|多少瓦|几瓦|电压|快充|多少w\b|\d+w\b)", r"\b(power|watts?|wattage|voltage)\b"),
    ),
    (
        "waterproof",
        ("waterproof", "water_resistance"),
        _rx(r"(防水|能沾水|怕水|进水)", r"\b(waterproof|water[- ]resistant|water resistance)\b"),
    ),
    ("spf", ("spf",), _rx(r"(防晒指数|防晒值|spf|pa\+)", r"\bspf\b")),
    ("battery", ("battery",), _rx(r"(续航|电池|充一次|待机|充满|用多久)", r"\b(battery|charge lasts)\b")),
    ("warranty", ("warranty",), _rx(r"(保修|质保|售后|坏了怎么办|包修)", r"\b(warranty|guarantee)\b")),
    (
        "dimensions",
        ("dimensions", "size", "capacity"),
        _rx(r"(尺寸|长宽高|多大|多宽|多高|大小|体积)", r"\b(dimensions?|how big)\b"),
    ),
    ("length", ("length",), _rx(r"(多长|长度|衣长|裤长|裙长|能盖住)", r"\b(length|how long is)\b")),
    (
        "shelf_life",
        ("shelf_life",),
        _rx(
            r"(保质|过期|生产日期|能放多久|放多久|能保存多久|新鲜吗|日期新)",
            r"\b(shelf life|expiry|expire|best before)\b",
        ),
    ),
    (
        "year",
        ("year", "vintage"),
        _rx(r"(哪一年|哪年|年份|什么年|几几年)", r"\b(what year|which year|vintage)\b"),
    ),
    (
        "origin",
        ("origin",),
        _rx(
            r"(产地|哪里产|哪产的|哪里生产|哪里的货|原产|哪里发货|国产|产的|产自|出产|哪个国家)",
            r"\b(origin|made in|where.*made)\b",
        ),
    ),
    (
        "usage",
        ("usage", "how_to_use"),
        _rx(r"(怎么用|用法|使用方法|怎么使用|怎么涂|用量)", r"\b(how to use|usage)\b"),
    ),
    (
        "cooking",
        ("cooking", "usage"),
        _rx(r"(怎么煮|怎么做|做法|怎么吃|怎么泡|怎么冲|煮多久)", r"\bhow to (cook|make)\b"),
    ),
    ("storage", ("storage",), _rx(r"(怎么保存|怎么存放|要冷藏|冷冻|常温)", r"\b(store|storage)\b")),
    (
        # how the goods are washed ("怎么洗" watching a jacket with a care field vanished as chat)
        "care",
        ("care", "wash", "washing", "care_instructions"),
        _rx(
            r"(怎么洗|怎么清洗|洗涤|能机洗|能水洗|可以机洗|可以水洗|机洗还是手洗|手洗还是机洗|怎么保养)",
            r"\b(how (do i|to|should i|do you) wash|machine wash(able)?|washable)\b",
        ),
    ),
    (
        "skin_type",
        ("skin_type",),
        _rx(
            r"(肤质|油皮|干皮|敏感肌|混油|混干|痘肌|什么皮肤|哪种皮肤)",
            r"\b(skin type|oily skin|dry skin|sensitive skin)\b",
        ),
    ),
    (
        "suitable_age",
        ("suitable_age", "age"),
        _rx(
            r"(几岁|多大(的)?(孩子|宝宝|小孩)|月龄|年龄|老人能)",
            r"\d+\s*(岁|个月)(的)?(宝宝|孩子|小孩|儿童|婴儿|娃)",
            r"\b(what age|how old|years? old|months? old|for (kids|babies|toddlers))\b",
        ),
    ),
    (
        "compatibility",
        ("compatibility",),
        _rx(
            r"(兼容|适配|苹果|iphone|ios|安卓|华为|小米|oppo|vivo|switch|kindle|ipad|能充|支持.{0,4}(手机|电脑)|(手机|电脑|平板).{0,3}(能用|能看|能连|打得开))",
            r"\b(compatible|compatibility|works with|android|iphone|ios|kindle|ipad)\b",
        ),
    ),
    (
        "spiciness",
        ("spiciness",),
        _rx(r"(辣不辣|多辣|辣吗|辣度|能吃辣|不吃辣|微辣|特辣)", r"\b(spicy|hot)\b"),
    ),
    (
        "lessons",
        ("lessons",),
        _rx(r"(几节|多少节|多少课|课时|几课|几个课)", r"\b(lessons|how many classes)\b"),
    ),
    (
        "validity",
        ("validity",),
        _rx(r"(有效期|能看多久|看多久|永久|过期吗|回放)", r"\b(validity|access for|lifetime)\b"),
    ),
    (
        "format",
        ("format",),
        _rx(
            r"(录播|直播课|直播还是|上课形式|怎么上课|线上还是线下|格式|pdf|epub|什么版本)",
            r"\b(recorded|live class|format|pdf|epub)\b",
        ),
    ),
    (
        "schedule",
        ("schedule",),
        _rx(r"(什么时候上课|上课时间|几点上课|开课时间|什么时候开课)", r"\b(schedule|when.*class)\b"),
    ),
    ("certificate", ("certificate",), _rx(r"(证书|结业证|认证)", r"\b(certificate)\b")),
    ("fit", ("fit",), _rx(r"(版型|修身|宽松吗|紧不紧|oversize)", r"\b(fit|loose|baggy)\b")),
]

# A count asked with its measure word ("一共几包", "多少片"): answered by the attribute whose value
# gives a number with that measure word, whatever the attribute is called.
_COUNT = re.compile(
    r"(几|多少|how many)\s*(包|袋|片|支|瓶|罐|盒|个|颗|粒|条|块|枚|册|本|节|件|杯|次|页)", re.ASCII
)
# Places a viewer may ask to ship to. Mainland provinces are covered by a "全国" policy unless named
# as excluded; anywhere else is answered only if the policy speaks of it or of abroad in general.
_MAINLAND = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 "
    "海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙 广西 西藏 宁夏 新疆 xinjiang tibet"
).split()
_ABROAD = (
    "香港 澳门 台湾 港澳台 港澳 海外 国外 出国 境外 马来西亚 新加坡 日本 韩国 美国 英国 加拿大 澳洲 澳大利亚 "
    "泰国 越南 菲律宾 印尼 德国 法国 hong kong hk macau taiwan malaysia singapore japan korea usa "
    "america uk canada australia thailand vietnam philippines indonesia germany france overseas abroad "
    "international"
).split()
_ABROAD_POLICY = re.compile(r"(海外|国外|境外|港澳|香港|澳门|台湾|overseas|international|abroad)", re.ASCII)

# Size names viewers type: s/m/l/xl/2xl/xxxl, 3xl, or numeric sizes with 码.
_SIZE_TOKEN = re.compile(
    r"(?<![a-z'])(x{1,4}[sml]|[2-6]xl)(?![a-z])"
    r"|(?:(?<=[\u4e00-\u9fff])|(?<=^))([sml])(?=\s*(?:码|号|[\u4e00-\u9fff]|$))"
    r"|(\d{2,3})\s*码",
    re.ASCII,
)
# how a reply says a listed item is (or is not) one of the field's: "有XL" / "没有XL" of what the goods
# come in; of list attributes that say whom or what a product suits, "适合油皮" / "不适合…"; of a list
# of devices (a key holding "compatib", "model" or "device"), "fits iPhone 15" / "does not fit …"
_SUITS = {
    "skin_type": ("适合", "suits", "does not suit"),
    "suitable_for": ("适合", "suits", "does not suit"),
    "compatibility": ("适配", "works with", "does not work with"),
    "platform": ("支持", "works on", "does not work on"),
    # a cooker's or a device's functions and modes: "能做蛋糕吗" → "支持蛋糕" (not "有蛋糕", there is cake)
    "functions": ("支持", "has", "does not have"),
    "function": ("支持", "has", "does not have"),
    "modes": ("支持", "has", "does not have"),
    "programs": ("支持", "has", "does not have"),
    "features": ("支持", "has", "does not have"),
}
_LISTS = ("有", "comes in", "has no")
_FITS = ("适配", "fits", "does not fit")


def _suits(key: str) -> tuple[str, str, str]:
    """How a reply says an item is of this list field, and that it is not (Chinese, English)."""
    if key in _SUITS:
        return _SUITS[key]
    return _FITS if "compatib" in key or "model" in key or "device" in key else _LISTS


_LABELS_ZH = {
    "year": "年份",
    "waterproof": "防水",
    "spf": "防晒指数",
    "price": "价格",
    "stock": "库存",
    "sizes": "尺码",
    "colors": "颜色",
    "shipping": "发货",
    "returns": "售后",
    "material": "材质",
    "ingredients": "成分",
    "size_guide": "尺码建议",
    "weight": "重量",
    "capacity": "容量",
    "power": "功率",
    "battery": "电池",
    "battery_life": "续航",
    "warranty": "质保",
    "dimensions": "尺寸",
    "length": "长度",
    "shelf_life": "保质期",
    "origin": "产地",
    "usage": "用法",
    "cooking": "做法",
    "storage": "保存",
    "skin_type": "适合肤质",
    "suitable_age": "适用年龄",
    "compatibility": "适配",
    "spiciness": "辣度",
    "lessons": "课时",
    "validity": "有效期",
    "format": "上课形式",
    "schedule": "上课时间",
    "certificate": "证书",
    "fit": "版型",
    "volume": "容量",
}


def field_value(product: Product, key: str) -> str | list[str] | None:
    """The live value of a field: price/stock/shipping/returns or an attribute."""
    if key == "shipping":
        return product.shipping
    if key == "returns":
        return product.returns
    return product.attributes.get(key)


def _has(product: Product, key: str) -> bool:
    return key in ("price", "stock") or field_value(product, key) not in (None, "", [])


def _named_alike(keys: tuple[str, ...], product: Product) -> str | None:
    """The product's field of a key of its own that the shelf names as the lexicon names one of
    `keys`: "spice_level" with `names: [辣度]` is the lexicon's "spiciness" (辣度)."""
    lexicon = {field_label(k, "zh") for k in keys}
    return next((k for k, names in product.names.items() if lexicon & set(names) and _has(product, k)), None)


_AVAILABILITY = re.compile(
    r"(有|没|还|要|拍|选|换|哪个|哪些|能用|可以用|适合|合适|\bany\b|\bhave\b|\bgot\b|come in|available|in stock|suitable)",
    re.ASCII,
)


# A measured value a viewer names ("1.2米", "46码", "5l"): asks a list attribute whose values are
# measured in the same unit, even when that exact value is missing from the list.
_MEASURE = re.compile(r"(\d+(?:\.\d+)?)\s*(米|m|cm|厘米|寸|码|号|l|升|ml|毫升|g|克|kg)(?![a-z])", re.ASCII)


# a unit's Chinese name and its Latin letters, the same unit ("克" / "g", "公斤" / "kg")
_UNIT_SAME = {zh: latin for latin, names in UNIT_ZH.items() for zh in names.split()}


def _unit_forms(unit: str) -> str:
    other = _UNIT_SAME.get(unit) or next((k for k, v in _UNIT_SAME.items() if v == unit), unit)
    return f"(?:{re.escape(unit)}|{re.escape(other)})"


def _asked_measure(text: str, product: Product) -> FieldMatch | None:
    for m in _MEASURE.finditer(text):
        unit = _unit_forms(m.group(2))
        for key, value in product.attributes.items():
            if isinstance(value, list) and any(re.search(rf"\d\s*{unit}(?![a-z])", v.lower()) for v in value):
                return FieldMatch(key, 0.85, m.group(0).replace(" ", ""))
    return None


# Basic colour terms as viewers name them ("有黑色吗", "红的有吗", "any in white?"). A listed colour
# holding the term ("经典黑", "米白", "Navy blue") is that colour. A character names a colour only
# with 色 or 款 after it, or as "有红的" / "红的有吗" (显白的 is a look, 米 alone a metre).
_COLOUR_TERMS: dict[str, tuple[str, ...]] = {
    "黑": ("black",),
    "白": ("white",),
    "红": ("red",),
    "粉": ("pink",),
    "蓝": ("blue", "navy"),
    "绿": ("green",),
    "灰": ("grey", "gray"),
    "棕": ("brown",),
    "咖": ("brown", "coffee"),
    "黄": ("yellow",),
    "紫": ("purple",),
    "橙": ("orange",),
    "米": ("beige",),
    "卡其": ("khaki",),
    "金": ("gold",),
    "银": ("silver",),
}
_COLOUR_CHARS = "黑白红粉蓝绿灰棕咖黄紫橙金银"
_COLOUR_NAMED = re.compile(
    rf"(卡其|[{_COLOUR_CHARS}])(?:色|款)"  # 黑色, 红款
    rf"|(?<=[有要拍买选换来没])([{_COLOUR_CHARS}])的"  # 有红的 (not 显白的: looks fair)
    rf"|([{_COLOUR_CHARS}])的(?=有|还有|呢)"  # 红的有吗
    r"|(米)色"
    r"|\b(black|white|red|pink|blue|navy|green|gr[ae]y|brown|coffee|yellow|purple|orange|beige|khaki|gold|silver)\b",
    re.ASCII,
)
_COLOUR_KEYS = ("colors", "colours", "color")


def _asked_colour(text: str, product: Product) -> FieldMatch | None:
    """A colour named by its basic term: the listed colour holding it, else the colour as named."""
    key = next((k for k in _COLOUR_KEYS if isinstance(product.attributes.get(k), list)), None)
    m = _COLOUR_NAMED.search(text)
    if key is None or m is None:
        return None
    zh = next((g for g in m.groups()[:4] if g), None)
    if zh:
        forms, named = (zh, *_COLOUR_TERMS[zh]), f"{zh}色"
    else:
        en = m.group(5)
        zh_terms = (z for z, words in _COLOUR_TERMS.items() if en in words)
        forms, named = (en, {"gray": "grey", "grey": "gray"}.get(en, en), *zh_terms), en
    listed = next((v for v in product.attributes[key] if any(f in v.lower() for f in forms)), None)
    return FieldMatch(key, 0.9, listed or named)


# a listed version that is a number and a unit ("34cm", "500ml", "38码"): viewers say the number alone
_NUMBER_UNIT = re.compile(r"^(\d+(?:\.\d+)?)\s*[a-z\u4e00-\u9fff]{1,3}$", re.ASCII)


# what a number said alone is a count of when it is not a listed version ("24小时", "3天", "2个")
_OTHER_MEASURE = r"\s*(小时|个?钟|天|分钟|周|年|月|岁|斤|公斤|元|块|克|个|件|次|h\b|min\b|kg\b|g\b)"


def _says_version(item: str, text: str, number_alone: bool = True) -> bool:
    """Whether a lower-case text names a listed version: its words whole ("xl" is not in "xxl"), a
    Chinese one anywhere, one of a number and a unit by its number alone ("34的多重" of "34cm";
    `number_alone`), unless a measure of another kind follows it ("24小时" is no "24寸")."""
    if has_han(item) and len(item) >= 2 and item in text:
        return True
    if re.search(rf"(?<![a-z0-9.]){re.escape(item)}(?![a-z0-9])", text):
        return True
    m = _NUMBER_UNIT.match(item) if number_alone else None
    return (
        m is not None
        and re.search(rf"(?<![\d.]){re.escape(m.group(1))}(?![\d.]|{_OTHER_MEASURE})", text) is not None
    )


def other_version(text: str, entry: str, product: Product, key: str | None = None) -> bool:
    """The entry speaks of listed versions (a size, a colour), none of them the one the comment
    names: "34的多重" against a weight given for the 32cm wok says another pan's weight. `key`: the
    entry's own field, which lists them all. The comment comes without its link phrases ("21号" is
    no 21寸); the entry, written by the shop, names a version whole."""
    entry = entry.lower()
    for k, value in product.attributes.items():
        if k == key or not isinstance(value, list):
            continue
        items = [v.lower() for v in value]
        asked = {v for v in items if _says_version(v, text)}
        said = {v for v in items if _says_version(v, entry, number_alone=False)}
        if asked and said and not asked & said:
            return True
    return False


# a model number ("6075", "hp682", "m1136", "the 6075 works?"): three digits or more, not an amount
# ("500ml", "600度", "110 v"), a count ("100片") nor a link or a size ("3号", "175码")
_MODEL_NO = re.compile(r"(?<![\d.a-z])[a-z]{0,4}-?(\d{3,6})([a-z]{0,3})(?![\d.])", re.IGNORECASE | re.ASCII)
# a unit in Latin letters, after a number or as its last letters
_UNIT_WORD = re.compile(r"(mah|ml|mm|cm|kg|gb|tb|hz|g|w|v|l|m|k|p)(?![a-z])", re.ASCII)
_CN_UNIT = "度号码元块岁斤克升米寸瓦件个天年月分秒平片粒颗张包支瓶盒袋条只双套箱根本页杯人次"


def _model_numbers(text: str) -> set[str]:
    """The digits of each model number the text names."""
    out = set()
    text = text.lower()
    for m in _MODEL_NO.finditer(text):
        suffix, after = m.group(2), text[m.end() : m.end() + 6].lstrip()
        if suffix and _UNIT_WORD.fullmatch(suffix):
            continue  # "500ml", "110v", "1080p"
        if after[:1] and after[:1] in _CN_UNIT:
            continue  # "600度", "175 码"
        if not suffix and _UNIT_WORD.match(after):
            continue  # "500 ml"
        out.add(m.group(1))
    return out


def other_model(text: str, question: str) -> bool:
    """The comment names a model number and the entry's question names others, not it: "6075可以用吗"
    against the FAQ "2132能用吗" (a printer shop's trial: its "不能哦" was sent), whatever models the
    answer goes on to list."""
    asked, named = _model_numbers(text), _model_numbers(question)
    return bool(asked and named and not asked & named)


# amounts a listing gives a product by, each unit with its kind and its size in that kind's base
# unit (mm, g, ml, ...): "宽3mm", "1.0克拉", "容量500ml", "15.6寸"
_UNITS = {
    "mm": ("length", 1.0), "毫米": ("length", 1.0), "cm": ("length", 10.0), "厘米": ("length", 10.0),
    "公分": ("length", 10.0), "米": ("length", 1000.0), "m": ("length", 1000.0),
    "克拉": ("carat", 1.0), "ct": ("carat", 1.0), "克": ("mass", 1.0), "g": ("mass", 1.0),
    "kg": ("mass", 1000.0), "公斤": ("mass", 1000.0), "ml": ("volume", 1.0), "毫升": ("volume", 1.0),
    "l": ("volume", 1000.0), "升": ("volume", 1000.0), "寸": ("inch", 1.0), "英寸": ("inch", 1.0),
    "inch": ("inch", 1.0), "w": ("power", 1.0), "瓦": ("power", 1.0), "mah": ("charge", 1.0),
    "毫安": ("charge", 1.0), "斤": ("mass", 500.0), "两": ("mass", 50.0), "磅": ("mass", 453.6),
    "lb": ("mass", 453.6), "lbs": ("mass", 453.6),
}  # fmt: skip
_UNIT = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
_NUM_RX = r"\d+(?:\.\d+)?"
# "1米8" is 1.8 m; a range "14-16cm" or "14到16厘米"; a bound "最大150kg", "500ml以内"
_AMOUNT = re.compile(rf"({_NUM_RX})\s*({_UNIT})(\d(?!\d))?(?![a-z])", re.IGNORECASE | re.ASCII)
_AMOUNT_RANGE = re.compile(
    rf"({_NUM_RX})\s*(?:{_UNIT})?\s*[-~～到至]\s*({_NUM_RX})\s*({_UNIT})(?![a-z])", re.IGNORECASE | re.ASCII
)
_UP_TO = re.compile(r"(最大|最多|最高|不超过|up to|max\.?)\s*[^\d\s]{0,4}\s*$", re.IGNORECASE | re.ASCII)
_AT_MOST = re.compile(r"^\s*(以内|以下|之内|内)", re.ASCII)
# asking whether a version is there or can be made ("有没有宽5mm的", "能做2克拉的吗")
_MADE = re.compile(r"能做|可以做|能不能做", re.ASCII)


def _amounts(text: str) -> list[tuple[str, float, float]]:
    """Each amount the text gives, as (kind, least, most) in the kind's base unit: one value, a
    range, or a bound ("最大150kg" is 0 to 150 kg)."""
    out: list[tuple[str, float, float]] = []
    ranged: list[tuple[int, int]] = []
    for m in _AMOUNT_RANGE.finditer(text):
        kind, size = _UNITS[m.group(3).lower()]
        out.append((kind, float(m.group(1)) * size, float(m.group(2)) * size))
        ranged.append(m.span())
    for m in _AMOUNT.finditer(text):
        if any(a <= m.start() < b for a, b in ranged):
            continue
        kind, size = _UNITS[m.group(2).lower()]
        value = float(m.group(1)) + (int(m.group(3)) / 10 if m.group(3) else 0.0)
        low = 0.0 if _UP_TO.search(text[: m.start()]) or _AT_MOST.match(text[m.end() :]) else value * size
        out.append((kind, low, value * size))
    return out


def asks_other_amount(text: str, entry: str) -> bool:
    """The comment asks whether a version of some amount is there or can be made ("有没有宽5mm的款",
    "能做2克拉的吗"), and the entry gives amounts of that kind, none of them the one asked ("宽3mm"):
    the listing is of another version, and whether the asked one exists it does not say. A viewer's
    body measures are another matter (the size guide's)."""
    if not (asks_availability(text) or _MADE.search(text) or asks_custom(text)) or body_measures(text):
        return False
    given = _amounts(entry.lower())
    for kind, _, value in _amounts(text.lower()):
        same = [(lo, hi) for k, lo, hi in given if k == kind]
        if same and not any(lo - 1e-9 <= value <= hi + 1e-9 for lo, hi in same):
            return True
    return False


# whether something is there: "有46码的吗", "有没有黑色", "还有大号吗", "any in XL?", "does it come in red"
_ASKS_THERE = re.compile(
    r"(有没有|还有|有.{0,8}(吗|么|嘛|不|没)|\bany\b|\bdo you have\b|\bgot\b|\bcomes? in\b|\bavailable\b)",
    re.ASCII,
)


def asks_availability(text: str) -> bool:
    """Whether the comment asks if some version is there ("有46码的吗", "还有大号吗", "any in XL?")."""
    return bool(_ASKS_THERE.search(text))


# whether goods are left, asked of a version named ("1.5匹有现货吗", "香槟色还有货吗"): the stock is
# asked, which a list of versions does not say
_GOODS_LEFT = re.compile(r"现货|有货|没货|库存|货吗|还剩|剩几|剩多少|\bin stock\b", re.ASCII)


def asks_goods_left(text: str) -> bool:
    """Whether the comment asks if any goods are left ("12公斤有现货吗", "香槟色还有货吗")."""
    return bool(_GOODS_LEFT.search(text))


def _asked_value(text: str, product: Product) -> FieldMatch | None:
    """A value of a list attribute named in the comment ("有XL吗", "有黑色吗"). Naming a value
    without asking whether it is there ("白色的会透吗") is a weak sign: the question is elsewhere."""
    hit = _asked_value_raw(text, product) or _asked_measure(text, product) or _asked_colour(text, product)
    if hit is None or (_AVAILABILITY.search(text) and not _GOODS_LEFT.search(text)):
        return hit
    return replace(hit, strength=0.55)


def _asked_value_raw(text: str, product: Product) -> FieldMatch | None:
    for key, value in product.attributes.items():
        if isinstance(value, list):
            named = _items_named(text, product, key, value)
            if named:
                return FieldMatch(key, 0.9, named[0], also=tuple(named[1:]))
    return _asked_size_number(text, product) or _asked_model(text, product)


def _items_named(text: str, product: Product, key: str, value: list[str]) -> list[str]:
    """The items of a list attribute the comment names, the longest first (the shelf's words; one
    named in English, "oatmeal", is the shelf's item in the same place, "燕麦色"); a stretch that
    names a longer item does not name a shorter one inside it ("黑白色" is not also "白色")."""
    english = product.en_value(key)
    pairs = [(v, v) for v in value]
    if isinstance(english, list):
        pairs += zip(english, value, strict=True)
    out: list[str] = []
    bare = text.replace(" ", "")
    for v, shelf in sorted(pairs, key=lambda pair: len(pair[0]), reverse=True):
        lv = v.lower()
        if shelf in out or (len(lv) < 2 and not lv.isalpha()):
            continue
        if key in ("sizes",) and not re.search(rf"(?<![a-z0-9]){re.escape(lv)}(?![a-z0-9])", text):
            continue
        # "iphone15 pro max" of "iPhone 15 Pro Max": a model typed without its spaces
        squeezed = lv.replace(" ", "")
        if (lv in text and not _part_of_number(lv, text)) or (
            squeezed != lv and squeezed in bare and not _part_of_number(squeezed, bare)
        ):
            out.append(shelf)
            text, bare = text.replace(lv, " " * len(lv)), bare.replace(squeezed, " " * len(squeezed))
    return out


# a device model as viewers type it: a brand or series, a number, maybe a suffix ("iphone14",
# "小米 15", "mate60 pro")
_MODEL = re.compile(r"([a-z\u4e00-\u9fff]+?)\s*(\d{1,3})(?![\d.])", re.IGNORECASE)


def _asked_model(text: str, product: Product) -> FieldMatch | None:
    """A device model of a brand or series the product's list of models names, with a number none of
    them has ("1号有iphone14的吗" of a case for iPhone 15 and 16): the model as asked, so the reply says
    the product does not fit it. A listed item that starts with the same brand and number ("iPhone
    15全系列") may cover it: then nothing is said here."""
    for key, value in product.attributes.items():
        if not isinstance(value, list) or _suits(key) != _FITS:
            continue
        items = [v.lower().replace(" ", "") for v in value]
        brands = {m.group(1) for v in items if (m := _MODEL.match(v))}
        for m in _MODEL.finditer(text.lower()):
            brand = next((b for b in brands if m.group(1).endswith(b)), None)
            if brand is None:
                continue
            said = brand + m.group(2)
            if not any(v.startswith(said) for v in items):
                return FieldMatch(key, 0.9, text[m.end(1) - len(brand) : m.end()].strip())
    return None


def _part_of_number(value: str, text: str) -> bool:
    """Whether every place the text says `value` is inside a longer number ("36" of "36.5码",
    "5" of "15")."""
    if not (value[0].isdigit() or value[-1].isdigit()):
        return False
    before = r"(?<![0-9.])" if value[0].isdigit() else ""
    after = r"(?!\.?[0-9])" if value[-1].isdigit() else ""
    return re.search(before + re.escape(value) + after, text) is None


# a shoe or clothing size asked by its number ("有46码吗", "36.5码的有吗", "size 46?")
_SIZE_NUMBER = re.compile(
    r"(?<![\d.])(\d{2}(?:\.5)?)\s*码|\bsize\s*(\d{2}(?:\.5)?)\b", re.ASCII | re.IGNORECASE
)


_SIZE_ASKED = re.compile(r"^([0-9.]+)码$")  # a size asked, not listed, as an English reply says it
_EN_SIZE = r"size \1"


def _asked_size_number(text: str, product: Product) -> FieldMatch | None:
    """A size asked by its number of a product whose size list is of numbers ("35"…"45", "38码"): the
    listed one, or, not listed, the size as asked ("46码"), so the reply says it is not there."""
    m = _SIZE_NUMBER.search(text)
    if m is None:
        return None
    number = m.group(1) or m.group(2)
    for key, value in product.attributes.items():
        if isinstance(value, list) and value and all(re.fullmatch(r"\d{2}(\.5)?\s*码?", v) for v in value):
            shelf = next((v for v in value if re.fullmatch(rf"{re.escape(number)}\s*码?", v)), None)
            return FieldMatch(key, 0.9, shelf or f"{number}码")
    return None


# a comment that ends asking "how much" ("熟茶多少"): of a version of a product priced by version,
# its price
_ENDS_HOW_MUCH = re.compile(r"多少[啊呀呢嘛哇吖?!~ ]*$", re.ASCII)
# "3号多少", "链接6多少", "这个多少啊": nothing but a product reference and a bare "how much"
_BARE_HOW_MUCH = re.compile(
    r"^(?:(?:链接|#|no\.?)?\s*[\d一二两三四五六七八九十]*\s*号?\s*(?:链接)?\s*\d*|这个|这款|这件|那个|那款|它)?"
    r"\s*多少[啊呀呢嘛哇吖?!~ ]*$",
    re.ASCII,
)


# a yes-or-no question's frame around a name the shop wrote as one ("是不是A货", "有没有优化吗")
_YES_NO_FRAME = re.compile(r"^(是不是|是否|有没有|有无)|[吗么嘛]$")


def says_field_name(text: str, product: Product, key: str) -> bool:
    """The comment (normalised: lower case) says one of the names the shop gave the field (`names:`,
    "跟高" of `heel_height`): that field asked outright. A name written as a yes-or-no question is
    said by what it asks of ("是A货吗" of "是不是A货": a jade shop's trial, answered with the stock)."""
    for name in product.names.get(key, ()):
        asked = _YES_NO_FRAME.sub("", name.lower())
        if name.lower() in text or (len(asked) >= 2 and asked in text):
            return True
    return False


# a comment that is a field's name and nothing else ("保质期", "价格?", "size"): live-room viewers ask so;
# not the returns, a bare "退货" being as often a demand as a question, nor the stock ("卖完", a remark)
_NOT_ALONE = frozenset({"returns", "stock"})


def only_field_name(text: str, product: Product, key: str) -> bool:
    """The comment (normalised) is one of the field's names alone: the shop's (`names:`), the
    lexicon's, or its key's words; a 的 left of the product's name taken out beside it ("玫瑰的前调",
    "3号的前调": a perfume shop's trial, read as chat and as an order)."""
    bare = words_only(text).strip("的")
    if not bare or key in _NOT_ALONE:
        return False
    names = (*product.names.get(key, ()), *FIELD_WORDS.get(lexicon_key(key), ()), key)
    return any(words_only(name) == bare for name in names)


def detect_fields(text: str, product: Product | None, *, versions: bool = True) -> list[FieldMatch]:
    """Fields the comment asks about, strongest first; attribute fields only if the product has one.
    `versions`: whether a version of the product's `prices` named makes a price question."""
    found: list[FieldMatch] = []
    seen: set[str] = set()
    if product is not None:
        hit = _asked_value(_in_metres(text), product)  # "1米8" is 1.8 m, not 1 m
        if hit is not None:
            found.append(hit)
            seen.add(hit.key)
    for name, keys, pattern in _FIELDS:
        m = pattern.search(text)
        if not m:
            continue
        if name == "sizes" and "size_guide" in seen:
            continue
        if name in ("price", "stock", "shipping", "returns"):
            key = name
        else:
            key = next((k for k in keys if product is not None and _has(product, k)), None)
            if key is None and product is not None:
                key = _named_alike(keys, product)
            key = key or keys[0]
        if key in seen:
            continue
        if name == "price" and asks_fee(text):
            continue  # "运费多少钱" asks what the delivery costs, not the goods
        strength = DEAL_STRENGTH if name == "price" and asks_deal_only(text) else 0.85
        if product is not None and not _has(product, key):
            strength = 0.3  # asked, but this product has no such field
        found.append(FieldMatch(key, strength))
        seen.add(key)
    if product is not None:
        for key in product.names:  # the shelf's own name for a field, as the lexicon's
            if key not in seen and says_field_name(text, product, key):
                found.append(FieldMatch(key, 0.85))
                seen.add(key)
        count = _count_field(text, product)
        if count is not None and count not in seen:
            found.append(FieldMatch(count, 0.85))
            seen.add(count)
        found = [_check_scope(f, text, product) for f in found]
        found = [_value_overlap(f, text, product) for f in found]
        if not found:
            hit = _value_only(text, product)
            if hit is not None:
                found.append(hit)
                seen.add(hit.key)
    if product is not None and "size_guide" in seen:
        # "M码能穿到多少斤": the size named is part of a fit question, not an availability one
        found = [f if f.key != "sizes" else replace(f, strength=min(f.strength, 0.6)) for f in found]
    if product is not None and "sizes" not in seen and "size_guide" not in seen and _has(product, "sizes"):
        m = _SIZE_TOKEN.search(text)
        if m and (re.search(r"(有|没|还|吗|么|\?|have|any)", text) or asks_availability(text)):
            found.append(FieldMatch("sizes", 0.8, next(g for g in m.groups() if g).upper()))
    if product is not None and "price" not in seen and said_price(text, product):
        found.append(FieldMatch("price", 0.85))
    if not found and _BARE_HOW_MUCH.search(text):
        found.append(FieldMatch("price", 0.85))
    body = body_measures(text)
    if body:
        said = measures_said(text, body)
        height_weight = height_weight_said(body) or None
        found = [
            FieldMatch(f.key, f.strength, f.asked or height_weight, said) if f.key == "size_guide" else f
            for f in found
        ]
    version = price_version(product, text) if product is not None and versions else None
    # "4两母的多少": how much a version named costs; "熟的多少" (the ripe one), of a product priced
    # by version, how much one of them does
    how_much = product is not None and product.prices and _ENDS_HOW_MUCH.search(text)
    if how_much and (version is not None or "的多少" in text) and all(f.key != "price" for f in found):
        # not when another field is asked outright by its word: "中长款衣长多少" asks the long
        # version's length (a unit of the version's amount, 毫安 of "20000毫安的多少", asks nothing,
        # nor do the version's own words: the 装 of "两瓶装多少" is no "装多少", a capacity)
        rest = _AMOUNT.sub(" ", text)
        if version is not None:
            rest = blanked(
                rest, {w for w in (version.lower(), *_version_words(version.lower())) if len(w) >= 2}
            )
        outright = version is not None and any(
            f.key != "price" and f.strength >= 0.8 and f.asked is None
            for f in detect_fields(rest, product, versions=False)
        )
        if not outright:
            found.append(FieldMatch("price", 0.85))
    if version is not None:  # "1米8的多少钱" of a bed priced by size: that size's price
        found = [FieldMatch(f.key, f.strength, version) if f.key == "price" else f for f in found]
    found.sort(key=lambda f: f.strength, reverse=True)
    return found


# "现在是89吗", "298元吗", "菜刀就199吗": an amount asked back, a price to confirm
_AMOUNT_ASKED = re.compile(
    r"(是|就|才|只要|只卖|卖|要|现在)?\s*[¥￥]?\s*(?<![\d.])(\d+(?:\.\d+)?)\s*(元|块|rmb)?\s*(吗|么|嘛|\?|对吧|是吧)",
    re.ASCII,
)


def said_price(text: str, product: Product) -> bool:
    """Whether the comment asks back an amount near the product's price, with a unit or a verb before
    it ("是89吗", not "有38吗", which asks for a size)."""
    prices = [product.price, *([product.original_price] if product.original_price else [])]
    for m in _AMOUNT_ASKED.finditer(text):
        amount = float(m.group(2))
        if text[: m.start()].endswith("有") or not (m.group(1) or m.group(3) or amount in prices):
            continue
        if min(prices) / 2 <= amount <= max(prices) * 2:
            return True
    return False


# A viewer's height and weight as typed: "160 105", "身高160 体重105斤", "一米六 50kg", "1.65米 110斤".
_HEIGHT = re.compile(r"(?:身高|高)?\s*(1[4-9]\d)\s*(?:cm|厘米|公分)?(?!\d|\s*(?:斤|kg|公斤))", re.ASCII)
# a height said with its word, a child's too ("孩子身高115", "身高 98cm")
_HEIGHT_SAID = re.compile(r"(?:身高|\bheight)\s*(?:is\s*)?(\d{2,3})(?!\d|\s*(?:斤|kg|公斤))", re.ASCII)
_HEIGHT_M = re.compile(r"(?:一米|1米|1\.)([1-9一二三四五六七八九])(\d)?", re.ASCII)
_WEIGHT = re.compile(r"(\d{2,3}(?:\.\d)?)\s*(斤|kg|公斤)", re.ASCII)
_PAIR = re.compile(r"(?<!\d)(1[4-9]\d)\s*[ ,，/]\s*(\d{2,3})(?!\d|\s*(?:cm|厘米))", re.ASCII)
# in feet and inches and in pounds, as English-speaking viewers give them: "5ft 6in", "5'6" (as
# `normalize` spells it: "5ft6in"), "130lbs"
_FEET = re.compile(
    r"(?<![\d.])([4-6])\s*(?:ft|feet|foot)(?![a-z])\s*(?:(\d{1,2})(?!\d)\s*(?:in(?:ch(?:es)?)?(?![a-z]))?)?",
    re.ASCII,
)
_POUNDS = re.compile(r"(?<![\d.])(\d{2,3}(?:\.\d)?)\s*(?:lbs?|pounds?)\b", re.ASCII)
_CM_PER_INCH, _JIN_PER_POUND = 2.54, 0.90718
_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")}
# a child's age ("5岁穿什么码", "3岁半", "4 years old"), read against a guide's ages ("约5-7岁")
_AGE = re.compile(
    r"(?<![\d.])(\d{1,2}|[一两二三四五六七八九十]{1,3})\s*(?:周岁|岁)(半)?|(?<![\d.])(\d{1,2})\s*(?:years?|yrs?)[\s-]*old\b",
)
# a child's height said by its unit beside the child ("122cm的孩子", "宝宝120cm", "a 130cm kid")
_CHILD = r"(?:孩子|小孩|儿子|女儿|闺女|娃|小朋友|男孩|女孩|宝宝|kid|child|son|daughter|boy|girl|toddler)"
_CHILD_HEIGHT = re.compile(
    rf"(\d{{2,3}})\s*(?:cm|厘米|公分)\s*的?\s*{_CHILD}|{_CHILD}\s*(?:现在|今年|is)?\s*(\d{{2,3}})\s*(?:cm|厘米|公分)",
    re.IGNORECASE,
)

# A body measure named by its word, in a comment ("胸围88", "腰2尺4", "脚长24.5cm", "waist 70cm")
# and in a size guide ("S 胸围80-84cm", "L 腰围2尺4", "脚长24cm穿38码"): each in cm.
_BODY_WORDS = {
    "胸围": "chest", "bust": "chest", "chest": "chest",
    "下胸围": "underbust", "underbust": "underbust", "under bust": "underbust",
    "腰围": "waist", "裤腰": "waist", "腰": "waist", "waist": "waist",
    "臀围": "hip", "hips": "hip", "hip": "hip",
    "头围": "head", "head": "head",
    "脚长": "foot", "foot length": "foot", "foot": "foot",
}  # fmt: skip
_NUM = r"(\d{1,3}(?:\.\d)?|[一二三])"
_BODY_MEASURE = re.compile(
    rf"({'|'.join(sorted(_BODY_WORDS, key=len, reverse=True))})\s*(?:是|有|大概|大约|约|差不多|is|of)?\s*"
    rf"{_NUM}(?:\s*[-~～到]\s*(\d{{1,3}}(?:\.\d)?))?\s*(?:(cm|厘米|公分|mm|毫米)|(尺)([一二三四五六七八九\d])?)?",
    re.IGNORECASE | re.ASCII,
)
_CHI_CM = 100 / 3  # 一尺 is a third of a metre


def _cm(value: str, unit: str | None, tenth: str | None, what: str) -> float | None:
    number = float(value) if value[0].isdigit() else float(_CN_DIGIT[value])
    if unit == "尺" or (unit is None and what == "waist" and number < 5):  # "2尺4", "腰围2.4"
        if tenth:
            number += (_CN_DIGIT[tenth] if tenth in _CN_DIGIT else int(tenth)) / 10
        return round(number * _CHI_CM, 1)
    if unit in ("mm", "毫米") or (unit is None and what == "foot" and number > 100):  # "脚长235"
        return number / 10
    return number if number >= 10 else None


def named_measures(text: str) -> list[tuple[str, float, float, str]]:
    """The measures named by their word in `text`: (measure, low cm, high cm, as written)."""
    found = []
    for m in _BODY_MEASURE.finditer(text):
        what = _BODY_WORDS[m.group(1).lower()]
        unit = m.group(4) or m.group(5)
        if m.group(1) == "腰" and unit != "尺":  # "腰2尺4" is a waist; "后腰2个口袋" is not
            continue
        low = _cm(m.group(2), unit, m.group(6), what)
        high = _cm(m.group(3), unit, None, what) if m.group(3) else low
        if low is not None and high is not None:
            found.append((what, low, high, m.group(0).strip()))
    return found


def body_measures(text: str) -> dict[str, float]:
    """What a comment says of the viewer's body: height (cm), weight (斤), and each measure named by
    its word (`named_measures`, cm); empty when it says none."""
    height: int | None = None
    weight: float | None = None
    measures = {what: low for what, low, _, _ in named_measures(text)}
    rest = _BODY_MEASURE.sub(" ", text)
    pair = _PAIR.search(rest)
    if pair:
        height, weight = int(pair.group(1)), float(pair.group(2))
        if weight < 75:  # "160 50": kilograms
            weight *= 2
    w = _WEIGHT.search(rest)
    if w:
        weight = float(w.group(1)) * (2 if w.group(2) in ("kg", "公斤") else 1)
    elif lb := _POUNDS.search(rest):
        weight = round(float(lb.group(1)) * _JIN_PER_POUND)
        rest = rest.replace(lb.group(0), " ")
    if ft := _FEET.search(rest):
        height = round((int(ft.group(1)) * 12 + int(ft.group(2) or 0)) * _CM_PER_INCH)
    m = _HEIGHT_M.search(rest)
    if m and height is None:
        d = m.group(1)
        height = 100 + 10 * (_CN_DIGIT[d] if d in _CN_DIGIT else int(d)) + int(m.group(2) or 0)
    unweighed = rest.replace(w.group(0), " ") if w else rest
    h = _HEIGHT_SAID.search(unweighed) or _HEIGHT.search(unweighed)
    if h and height is None and 50 <= int(h.group(1)) <= 230:
        height = int(h.group(1))
    if (
        height is None
        and (kid := _CHILD_HEIGHT.search(unweighed))
        and 50 <= int(kid.group(1) or kid.group(2)) < 140
    ):
        height = int(kid.group(1) or kid.group(2))
    if height is not None:
        measures["height"] = height
    if weight is not None:
        measures["weight"] = int(weight) if weight == int(weight) else weight
    age = _AGE.search(rest)
    years = cn_to_int(age.group(1) or age.group(3)) if age is not None else None
    if age is not None and years is not None and years <= 16:
        measures["age"] = years + (0.5 if age.group(2) else 0)
    return measures


def height_weight_said(measures: dict[str, float]) -> str:
    """The viewer's height and weight as a reply names them: "160cm 105斤", "160cm", a child's
    "身高115cm" (a number that reads back as a height); "" for neither."""
    said = []
    if "height" in measures:
        said.append(f"{'身高' if measures['height'] < 140 else ''}{measures['height']}cm")
    said += [f"{measures['weight']}斤"] if "weight" in measures else []
    return " ".join(said)


def _in_kg(said: str) -> str:
    """Measures as a Chinese reply names them, with their weight in kilograms (and a child's height
    named) for an English one."""
    said = said.replace("身高", "height ")
    said = re.sub(r"(\d+)岁(半)?", lambda m: f"age {m.group(1)}{'.5' if m.group(2) else ''}", said)
    return re.sub(r"(\d+(?:\.\d+)?)斤", lambda m: f"{round(float(m.group(1)) / 2)}kg", said)


def measures_said(text: str, measures: dict[str, float]) -> str:
    """The viewer's measures as a reply names them: "160cm 105斤", "腰2尺4", a child's "5岁"."""
    age = measures.get("age")
    aged = f"{int(age)}岁{'半' if age % 1 else ''}" if age is not None else ""
    return " ".join(filter(None, [aged, height_weight_said(measures), *(m[3] for m in named_measures(text))]))


# one size of a size guide: "M 身高158-165cm 98-110斤", "L 腰围2尺4 约125-140斤"; of a shoe
# guide, "24.5cm穿39码"
# (or a version named by a measure or by its size word: "裙长85cm 身高150-158cm", "小号 身高110-130cm")
_GUIDE_ENTRY = re.compile(
    r"([0-9]*x*[smlSML]|[0-9]{2,3}|[A-Za-z0-9]+|[\u4e00-\u9fff]{1,3}\d{2,3}(?:cm|厘米)?|[大中小]号)(?:码|\s)",
    re.ASCII,
)
_WEAR = re.compile(
    r"(\d{1,3}(?:\.\d)?)\s*(cm|厘米|mm|毫米)\s*(?:穿|选|对应|拍)\s*(\d{2}(?:\.5)?)码?", re.ASCII
)
# (a pet's or a baby's weight from one digit: "体重3-8斤", "8-20斤")
_RANGE = re.compile(r"(?<![\d.])(\d{1,3})\s*[-~～到]\s*(\d{1,3})\s*(cm|厘米|斤|kg|公斤)", re.ASCII)
# a guide's ages ("约5-7岁", "3-4 years")
_AGE_RANGE = re.compile(r"(\d{1,2})\s*[-~～到]\s*(\d{1,2})\s*(?:周岁|岁|years?\b|yrs?\b|y\b)", re.ASCII)


def _guide_sizes(guide: str) -> list[tuple[str, dict[str, list[tuple[float, float]]]]]:
    """Each size a guide gives, with the ranges (low, high) it states of each measure. A single
    value counts only where it names a size itself: a foot length ("24.5cm穿39码", of a guide
    naming 脚长) or a waist in 尺 ("L 腰围2尺4"); a garment's 胸围84cm is no fit the guide vouches
    for a body measure of 84. A cm range the guide does not name is a height when it reads as one
    (140-200cm, or from 50cm in a guide that says 身高: a child's), else the one measure the guide
    names ("M码头围55-56cm；L码57-58cm")."""
    sizes = []
    foot = "脚长" in guide
    tall = "身高" in guide or "height" in guide.lower()
    words = {what for what, _, _, _ in named_measures(guide)}
    plain = words.pop() if len(words) == 1 else None
    for part in re.split(r"[;；,，\n]", guide):
        part = part.strip()
        wear = _WEAR.search(part)
        if wear and foot:
            length = _cm(wear.group(1), wear.group(2), None, "foot")
            if length is not None:
                sizes.append((wear.group(3), {"foot": [(length, length)]}))
            continue
        head = _GUIDE_ENTRY.match(part + " ")
        if head is None:
            continue
        ranges: dict[str, list[tuple[float, float]]] = {}
        for what, low, high, written in named_measures(part):
            if low < high or what == "foot" or "尺" in written:
                ranges.setdefault(what, []).append((low, high))
        for lo, hi in _AGE_RANGE.findall(part):
            ranges.setdefault("age", []).append((float(lo), float(hi)))
        for lo, hi, unit in _RANGE.findall(_BODY_MEASURE.sub(" ", part)):
            scale = 2.0 if unit in ("kg", "公斤") else 1.0
            grown = 140 <= float(lo) <= 200 or (tall and 50 <= float(lo) <= 200)
            what = "weight" if unit not in ("cm", "厘米") else "height" if grown else plain
            if what is not None:
                ranges.setdefault(what, []).append((float(lo) * scale, float(hi) * scale))
        sizes.append((head.group(1), ranges))
    return sizes


def size_for(guide: str, measures: dict[str, float]) -> str | None:
    """The size a size guide gives for the viewer's measures: the one whose weight range holds the
    weight (where the guide gives weights), and of several (or without a weight) the one whose other
    ranges hold the most of the other measures; None if no range of the guide holds them."""
    best: tuple[int, str] | None = None
    sizes = _guide_sizes(guide)
    # a weight the guide states for no size ("S 身高150-158cm 腰围60-66cm") is no measure of its own
    weighs = "weight" in measures and any("weight" in ranges for _, ranges in sizes)
    for head, ranges in sizes:
        held = {
            what for what, value in measures.items()
            if any(lo - 0.05 <= value <= hi + 0.05 for lo, hi in ranges.get(what, []))
        }  # fmt: skip
        score = 2 * ("weight" in held) + len(held - {"weight"})
        # of two sizes that fit as well, the larger (guides go up): "介于两码之间拍大一码"
        if score and (not weighs or "weight" in held) and (best is None or score >= best[0]):
            best = (score, head)
    return best[1] if best else None


def beyond_guide(guide: str, measures: dict[str, float]) -> bool:
    """A measure the viewer gave lies beyond every size of the guide ("160斤" against sizes up to
    135斤, "身高190" against 175cm at most): the whole chart would read as if a size fit. Between two
    sizes the chart is for the viewer to choose from; a guide read only in part (a size whose range
    is written in a way not read) claims nothing."""
    sizes = _guide_sizes(guide)
    for what, value in measures.items():
        spans = [ranges[what] for _, ranges in sizes if ranges.get(what)]
        if not sizes or len(spans) < len(sizes):
            continue
        low = min(lo for span in spans for lo, _ in span)
        high = max(hi for span in spans for _, hi in span)
        if value < low - 0.05 or value > high + 0.05:
            return True
    return False


def _value_text(product: Product, key: str) -> str:
    """A field's value as lower-case text, with its English value after it when the catalog gives one."""
    texts = [
        " ".join(v) if isinstance(v, list) else v
        for v in (field_value(product, key), product.en_value(key))
        if v is not None
    ]
    return " ".join(texts).lower()


def _count_field(text: str, product: Product) -> str | None:
    m = _COUNT.search(text)
    if not m or (m.group(2) == "块" and _KUAI_AS_YUAN.search(text)):
        return None
    unit = m.group(2)
    for key in product.attributes:
        if re.search(rf"\d\s*{unit}", _value_text(product, key)):
            return key
    return None


def _check_scope(f: FieldMatch, text: str, product: Product) -> FieldMatch:
    """A shipping question naming a place the policy does not cover is not answered by it."""
    if f.key != "shipping" or f.strength < 0.5:
        return f
    policy = _value_text(product, "shipping")
    for place in _ABROAD + _MAINLAND:
        if place not in text:
            continue
        if place in policy:
            return f
        if place in _MAINLAND and "全国" in policy:
            return f
        if place in _ABROAD and _ABROAD_POLICY.search(policy):
            return f
        return replace(f, strength=0.3)
    return f


# The same device said two ways: a value written with one form still answers the other.
_SAME = {"苹果": "iphone", "iphone": "苹果", "安卓": "android", "android": "安卓", "平板": "ipad"}


def _content_terms(text: str) -> set[str]:
    words = {w for w in tokens(text) if len(w) >= 2}
    words |= {_SAME[w] for w in words if w in _SAME}
    return words | {g for g in char_bigrams(text)}


def _value_overlap(f: FieldMatch, text: str, product: Product) -> FieldMatch:
    """Among fields a comment could mean, the one whose value shares words with it is likelier."""
    if f.strength < 0.5 or f.key in ("price", "stock"):
        return f
    value = _value_text(product, f.key)
    shared = sum(1 for t in _content_terms(text) if t in value) if value else 0
    if shared:
        return replace(f, strength=min(1.0, f.strength + 0.03 * min(shared, 3)))
    return f


def _value_only(text: str, product: Product) -> FieldMatch | None:
    """No field word, but a distinctive word of the comment appears in one attribute's value and
    not in the product's name ("能在kindle上看吗" → the attribute listing kindle)."""
    name = product.names_text(tags=True)
    terms = [t for t in tokens(text) if len(t) >= 3 or (len(t) == 2 and t[0] >= "\u4e00")]
    keys: set[str] = set()
    for t in terms:
        if t in name:
            continue
        for key in product.attributes:
            if t in _value_text(product, key):
                keys.add(key)
    if len(keys) == 1:
        return FieldMatch(keys.pop(), 0.7)
    return None


def money(x: float) -> str:
    return f"{x:g}"


def currency_symbol(currency: str) -> str:
    """What an English reply puts before an amount: "¥" for yuan, else the code and a space."""
    return "¥" if currency == "CNY" else currency + " "


# what a Chinese reply calls the currencies cross-border shops price in most ("28美元"); any other
# is said by its code ("CHF 28")
_CURRENCY_ZH = {
    "CNY": "元", "USD": "美元", "HKD": "港元", "TWD": "新台币", "MOP": "澳门元", "EUR": "欧元", "GBP": "英镑",
    "JPY": "日元", "KRW": "韩元", "SGD": "新加坡元", "MYR": "林吉特", "THB": "泰铢", "AUD": "澳元",
    "CAD": "加元", "NZD": "新西兰元",
}  # fmt: skip


def zh_amount(x: float, currency: str = "CNY") -> str:
    """An amount as a Chinese reply says it: "89元" in yuan, "28美元" in dollars, else with the
    currency's code ("CHF 28"): a shop pricing in dollars is not quoted in yuan."""
    word = _CURRENCY_ZH.get(currency)
    return f"{money(x)}{word}" if word else f"{currency_symbol(currency)}{money(x)}"


def _join(values: list[str], lang: Lang) -> str:
    return ("/" if lang == "zh" else ", ").join(values)


# said after an English reply's field name when the value it quotes is the shelf's Chinese text
IN_CHINESE = " (from the shelf, in Chinese)"
_LABELS_EN = {"shipping": "shipping", "returns": "returns", "sizes": "sizes"}


def label_en(key: str, product: Product | None = None) -> str:
    """A field's name in English as a reply and the review page say it ("shipping", not the
    lexicon's search word "ship"; the product's own English name for it, `names:`)."""
    return _LABELS_EN.get(key) or field_label(key, "en", product)


def quoted_in_chinese(text: str) -> str:
    """What an English reply says before quoting `text`: that it is the shelf's Chinese, if it is."""
    return IN_CHINESE if has_han(text) else ""


# "1米8" as a version is written "1.8米"
_METRE_AND = re.compile(r"(\d)\s*米\s*(\d)(?!\d)", re.ASCII)


def _in_metres(text: str) -> str:
    """The text with "1米8" written "1.8米", as a listing writes the length."""
    return _METRE_AND.sub(r"\1.\2米", text)


def price_version(product: Product, text: str) -> str | None:
    """The one version of the product's `prices` a comment names ("1米8的多少钱" of "1.8米"); None
    when it names none or several."""
    if not product.prices:
        return None
    said = _own_link_unsaid(_in_metres(text.lower()), product.link)
    named = [
        v
        for v in product.prices
        if any(
            _says_version(n, said) or _says_parts(n, said)
            for n in {v.lower(), product.version_name(v, "en").lower()}
        )
    ]
    if not named:
        named = (
            _by_measure(list(product.prices), said)
            or _by_own_part(list(product.prices), said)
            or _by_number(list(product.prices), said)
            or _by_size_range(list(product.prices), said)
            or _by_english_word(product, said)
        )
    if not named and _CN_COUNT.search(said):
        # "十九枝" of "19枝": the number said in Chinese characters, read again in digits
        return price_version(product, _CN_COUNT.sub(lambda m: str(cn_to_int(m.group(1))), said))
    return named[0] if len(named) == 1 else None


def _own_link_unsaid(text: str, link: int) -> str:
    """The text without the product's own link said once ("3号", "3号链接", "链接3"): its number is
    no version's ("3号多少钱" of a camera sold as 2K版 and 3K版 was answered with the 3K's price, a
    security shop's trial)."""
    return re.sub(
        rf"(?<![\d.])(?:{link}\s*号(?:链接)?|(?:链接|link)\s*#?\s*{link})(?![\d.])", " ", text, count=1
    )


# a number in Chinese characters before a measure word or unit ("十九枝", "九十九朵", "二两")
_CN_COUNT = re.compile(rf"({CN_NUM})(?=[枝朵支瓶罐盒袋包斤两克个件套箱只对双条块片粒颗米])", re.ASCII)


def version_by_amount(product: Product, text: str) -> str | None:
    """The one version of the product's `prices` a comment names by an amount it gives ("5磅的多少钱"
    of "5磅", "30cm的" of "大号30cm"); None when it names none or several, or none by an amount."""
    version = price_version(product, text)
    if version is None:
        return None
    said = _amounts(_in_metres(text.lower()))
    return version if any(_meets(a, b) for a in said for b in _amounts(version.lower())) else None


def _meets(a: tuple[str, float, float], b: tuple[str, float, float]) -> bool:
    """Whether two amounts (kind, least, most) are of one kind and overlap."""
    return a[0] == b[0] and a[1] <= b[2] and b[1] <= a[2]


def _by_own_part(versions: list[str], text: str) -> list[str]:
    """The versions a comment names by a part of theirs that no other version has: "大号" or "30cm" of
    "大号30cm" beside "小号20cm", "10kg" of "10kg一对" beside "5kg一对". A part is a word of two characters
    or more, or an amount (within a range the version gives). A run of characters first, then, when no
    run names one, its words: "大号" of "大号高1.2米" beside "小号高40cm" (the run is "大号高", its
    amount's label after it), "带脚托" of "带脚托款"; "套机" of "18-50mm套机" beside "双镜头套机" stays the
    kit's own run."""
    runs = {v: {w for w in _version_words(v) if len(w) >= 2} for v in versions}
    named = _own_words(versions, runs, text)
    if not named:
        words = {v: {w for run in runs[v] for w in _run_words(run) if len(w) >= 2} for v in versions}
        named = _own_words(versions, words, text)
    said = _amounts(text)
    amounts = {v: _amounts(v) for v in versions} if said else {}
    for amount in said:
        having = [v for v in versions if any(_meets(amount, a) for a in amounts[v])]
        if len(having) == 1:
            named.add(having[0])
    return [v for v in versions if v in named]


def _by_english_word(product: Product, text: str) -> list[str]:
    """The versions a comment names by a word of their English name (`en.versions`) no other
    version's has: "the large backpack" of "Large, grades 4-6" beside "Small, grades 1-3" (a trial:
    every version's price), "the one with two batteries" of "two batteries + charger". A word in one
    name and its plural in another ("battery", "batteries") names neither."""
    english = {v: product.version_name(v, "en") for v in product.prices}
    words = {
        v: {_singular(w) for w in re.findall(r"[a-z]{3,}", name.lower())} - _EN_FILLER
        for v, name in english.items()
        if name != v
    }
    return [v for v in product.prices if v in _own_words(list(words), words, text)] if words else []


def _singular(word: str) -> str:
    """An English noun as one ("batteries" → "battery", "boxes" → "box")."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(s|x|ch|sh)es$", word):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


# words of an English version name that name none: "the set for two" names no version by "for"
_EN_FILLER = frozenset({"the", "and", "for", "with", "one", "per", "pack", "set", "kit", "version"})


def _run_words(run: str) -> list[str]:
    """A version name's run of characters as a viewer may shorten it: its words, and the run without
    a last 款 / 版 / 型 ("带脚托的" of "带脚托款")."""
    return [*tokens(run), *([run[:-1]] if len(run) >= 3 and run[-1] in "款版型" else [])]


def _own_words(versions: list[str], words: dict[str, set[str]], text: str) -> set[str]:
    """The versions the comment names by a word (of `words`, each version's) no other version has, or
    by a size code leading the version ("M码" of "M码64片", "XL" of "XL码46片"), said as a whole word."""
    words = {v: words[v] | {m.group(0).lower() for m in [_SIZE_CODE.match(v)] if m} for v in versions}
    said = {w for ws in words.values() for w in ws if w in text and _whole_latin(w, text)}
    return {having[0] for w in said if len(having := [v for v in versions if w in words[v]]) == 1}


# a number said alone, with at most a unit's letters after it and nothing that measures or counts
# ("1.5的多少钱", "41呢", "512的多少", "1T版本什么价")
_BARE_NUMBER = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)(?:[a-z]{1,2})?(?=\s*(?:的|呢|吗|嘛|多少|价|怎么|咋|版|款|[?？]|$))", re.ASCII
)
_NUMBER_IN = re.compile(r"\d+(?:\.\d+)?")


def _by_number(versions: list[str], text: str) -> list[str]:
    """The versions named by a bare number equal to one the comment says ("1.6" of "1.60", a lens
    index; "1.5" of "1.50"); else those with a number the comment says alone in their name
    ("1.5的多少钱" of "1.5米×2米", "41呢" of "41寸", "512的多少" of "16+512G")."""
    said = {float(n) for n in re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])", text)}
    exact = [v for v in versions if re.fullmatch(r"\d+(?:\.\d+)?", v) and float(v) in said]
    if exact:
        return exact
    alone = {float(n) for n in _BARE_NUMBER.findall(text)}
    return [v for v in versions if alone & {float(n) for n in _NUMBER_IN.findall(v)}]


_SIZE_CODE = re.compile(r"[a-z]{1,3}码?(?![a-z])", re.ASCII | re.IGNORECASE)


def _whole_latin(word: str, text: str) -> bool:
    """Whether `word` stands in the text as a whole word where it begins or ends in a Latin letter
    ("m码" in "m码多少钱", not in "xxm码")."""
    before = r"(?<![a-z])" if word[0].isascii() and word[0].isalpha() else ""
    after = r"(?![a-z])" if word[-1].isascii() and word[-1].isalpha() else ""
    return re.search(before + re.escape(word) + after, text) is not None


def _version_words(version: str) -> list[str]:
    """The runs of Chinese characters of a version's name beside its amounts ("公" of "公4两")."""
    return _HAN_RUN.findall(_AMOUNT.sub(" ", _AMOUNT_RANGE.sub(" ", version)))


# one or a whole of a measure word ("一箱", "整箱", "单瓶", "1盒"; not the last digit of "11斤" or
# "十一斤"): the version sold by it
_ONE_MEASURE = re.compile(rf"(?<!〇){_ONE}([一单整1])\s*([箱瓶盒支罐袋包件套斤桶提])", re.ASCII)


def _by_measure(versions: list[str], text: str) -> list[str]:
    """The versions a comment names by a measure word ("一箱多少" of "整箱6瓶"): those holding the word,
    and of several, those holding it as said, single (单 / 一 / 1) or whole (整)."""
    m = _ONE_MEASURE.search(text)
    if m is None:
        return []
    holding = [v for v in versions if m.group(2) in v]
    if m.group(1) != "整":
        # one of the measure is not the version of three ("一套" of "三套装" beside "011细弦": an
        # instrument shop's trial answered "多少钱一套" with the three sets' price)
        holding = [v for v in holding if not _counted_more(m.group(2), v)]
    if len(holding) <= 1:
        return holding
    said = "整" if m.group(1) == "整" else "单一1"
    return [v for v in holding if re.search(f"[{said}]{m.group(2)}", v)]


def _counted_more(measure: str, version: str) -> bool:
    """Whether the version counts more than one of the measure word ("三套装", "2盒装", "两瓶")."""
    counts = re.findall(rf"(\d+|{CN_NUM})\s*{measure}", version)
    return any((cn_to_int(c) or 0) > 1 for c in counts)


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+", re.ASCII)
_SIZE_RANGE = re.compile(r"(\d{2,3})\s*[-~～到至]\s*(\d{2,3})\s*码", re.ASCII)
_SIZE_SAID = re.compile(r"(?<![\d.])(\d{2,3})\s*码|\bsize\s*(\d{2,3})\b", re.ASCII)


def _by_size_range(versions: list[str], text: str) -> list[str]:
    """The versions sold by a range of sizes ("130-150码") that hold the size a comment names ("130码多
    少钱", "kids size 140 price?"; a hanfu shop's trial: handed over with every version's price)."""
    sizes = [int(a or b) for a, b in _SIZE_SAID.findall(text)]
    return [
        v
        for v in versions
        if (r := _SIZE_RANGE.search(v)) and any(int(r.group(1)) <= n <= int(r.group(2)) for n in sizes)
    ]


def _says_parts(version: str, text: str) -> bool:
    """Whether a text names a version of an amount by its parts, in any order and unit: "4两的公蟹" or
    "4两公的" of "公4两", "3斤的" of "3-3.5斤" (within the range), "2斤装" of "1000g", "250克" of
    "250g". Every amount of the version meets one of the text's of its kind, and every word beside
    them is in the text."""
    amounts = _amounts(version)
    if not amounts:
        return False
    said = _amounts(text)
    if not all(any(_meets(a, b) for b in said) for a in amounts):
        return False
    return all(w in text for w in _version_words(version))


def naming(match: FieldMatch, product: Product, text: str) -> FieldMatch:
    """The match with what the comment names that the reply is about (`asked`), where the matcher
    named nothing: the version of a price ("1米8的多少钱"), the places and couriers of a shipping
    question ("新疆能发顺丰吗"), whose reply quotes the policy's sentences about them."""
    if match.asked is not None:
        return match
    if match.key == "price":
        asked = price_version(product, text)
    elif match.key == "shipping":
        asked = asked_by_name(text)
    else:
        return match
    return FieldMatch(match.key, match.strength, asked, match.measures)


def _price_line(product: Product, match: FieldMatch, lang: Lang, currency: str, name: str) -> str:
    """The live price, after the link's `name`; of a product priced by version, the version's asked,
    else every version's."""
    sold_zh = "，已经卖完了" if not product.in_stock else ""
    sold_en = " It is sold out." if not product.in_stock else ""
    sym = currency_symbol(currency)
    display = product.display_name("en")
    version = match.asked if match.asked in product.prices else None
    if version is not None:
        amount = product.prices[version]
        if lang == "zh":
            return f"{name}{version}现在{zh_amount(amount, currency)}{sold_zh}"
        return f"{name} ({display}) is {sym}{money(amount)} now for {product.version_name(version, 'en')}.{sold_en}"
    if product.prices:
        if lang == "zh":
            # "1.56 99元", not "1.5699元": a version ending in a digit or a letter kept apart from its price
            each = "/".join(
                f"{v}{' ' if v[-1].isascii() and v[-1].isalnum() else ''}{zh_amount(a, currency)}"
                for v, a in product.prices.items()
            )
            return f"{name}现在{each}{sold_zh}"
        each = ", ".join(
            f"{sym}{money(a)} for {product.version_name(v, 'en')}" for v, a in product.prices.items()
        )
        return f"{name} ({display}) is {each} now.{sold_en}"
    if lang == "zh":
        extra = f"（原价{zh_amount(product.was_price, currency)}）" if product.was_price else ""
        return f"{name}现在{zh_amount(product.price, currency)}{extra}{sold_zh}"
    extra = f" (was {sym}{money(product.was_price)})" if product.was_price else ""
    return f"{name} ({display}) is {sym}{money(product.price)} now{extra}.{sold_en}"


def render_field(product: Product, match: FieldMatch, lang: Lang, currency: str = "CNY") -> str:
    """A short chat line quoting the field's live value; in English, the catalog's English value
    (its `en:` block) when it gives one, else the shelf's value, said to be in Chinese."""
    name = f"{product.link}号链接" if lang == "zh" else f"Link {product.link}"
    key = match.key
    if key == "price":
        return _price_line(product, match, lang, currency, name)
    if key == "stock":
        # sold out, and no more: whether and when it comes back is the streamer's to promise
        if lang == "zh":
            return f"{name}还有{product.stock}件现货" if product.in_stock else f"{name}已经卖完了"
        return f"{name} has {product.stock} in stock." if product.in_stock else f"{name} is sold out for now."
    value = field_value(product, key)
    english = product.en_value(key) if lang == "en" else None
    english_label = label_en(key, product)
    if key == "shipping" and match.asked and isinstance(value, str):
        # the policy's sentences about the place or courier asked, where some are and others are not
        value = sentences_naming(value, match.asked) or value
        if isinstance(english, str):
            english = sentences_naming(english, match.asked) or english
    if key == "size_guide" and match.measures is not None and isinstance(value, str):
        size = size_for(value, body_measures(match.measures))
        if size is not None:
            if lang == "zh":
                # a size in 码 ("建议拍M码"), or a version named in words ("建议拍裙长90cm")
                return f"{name}{match.measures}建议拍{size}{'' if has_han(size) else '码'}"
            return f"{name}: size {size} for {_in_kg(match.measures)}."
        value = str(value)
    if isinstance(value, list):
        shown = english if isinstance(english, list) else value
        if match.asked is not None:
            at = next((i for i, v in enumerate(value) if v.lower() == match.asked.lower()), None)
            if at is None:  # an item holding the measure asked ("1.8米×2米" of "1.8米", "2.0米床" of "2米")
                at = next(
                    (i for i, v in enumerate(value) if _holds_amount(v.lower(), match.asked.lower())), None
                )
            hit = value[at] if at is not None else None
            # every item named, in the list's order: "有36和37" of "36和37都有吗"
            both = (
                sorted({at, *(i for i, v in enumerate(value) if v in match.also)}) if at is not None else []
            )
            verb_zh, verb_en, not_en = _suits(key)
            not_zh = "没有" if verb_zh == "有" else "不" + verb_zh
            # "有黑色" of goods sold out reads as "black can be bought": the reply says they are not
            sold = not product.in_stock
            if lang == "zh":
                return (
                    (
                        f"{name}{verb_zh}{'和'.join(value[i] for i in both)}"
                        if hit
                        else f"{name}{not_zh}{match.asked}"
                    )
                    + f"，{_zh_label(key, product) or '可选'}：{_join(value, lang)}"
                    + ("，不过现在已经卖完了" if sold else "")
                )
            listed = _join(shown, lang)
            return (
                (
                    f"{name} {verb_en} {' and '.join(shown[i] for i in both)}."
                    if at is not None
                    else f"{name} {not_en} {_SIZE_ASKED.sub(_EN_SIZE, match.asked)}."
                )
                + f" {english_label.capitalize()}{quoted_in_chinese(listed)}: {listed}."
                + (" It is sold out for now." if sold else "")
            )
        value_text = _join(shown, lang)
    else:
        value_text = str(english if isinstance(english, str) else value)
    if lang == "zh":
        return f"{name}{_zh_label(key, product)}：{value_text}"
    return f"{name} {english_label}{quoted_in_chinese(value_text)}: {value_text}"


def _holds_amount(item: str, asked: str) -> bool:
    """Whether a listed item says the amount asked, as written or as the same number in the same unit
    ("2.0米床" of "2米", "12公斤" of "12kg"; not "1.2米" of "2米")."""
    if re.search(rf"(?<![\d.]){re.escape(asked)}(?![\d.])", item, re.ASCII):
        return True
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(\D+)", asked, re.ASCII)
    if m is None:
        return False
    number, unit = float(m.group(1)), _unit_forms(m.group(2).strip())  # "12kg" of "12公斤" too
    return any(float(n) == number for n in re.findall(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*{unit}", item, re.ASCII))


def _zh_label(key: str, product: Product) -> str:
    """A field's name in a Chinese reply ("面料"): the shelf's own name for it first (`names:`); ""
    for a key with no Chinese name ("strap_drop"), which is left out rather than shown as code."""
    plain = product.names.get(key) or key in ("size", "sizes") or value_label(key, product)
    reply_word = None if plain else _LABELS_ZH.get(key)
    label = reply_word or field_label(key, "zh", product)
    return label if has_han(label) else ""


def label_zh(key: str, product: Product) -> str:
    """A field's Chinese name as replies say it, for the pages (the console's "来自字段「售后」"
    beside a reply that says "售后：…", not "退换"); a key with no Chinese name by its words."""
    return _zh_label(key, product) or field_label(key, "zh", product)


# a name worded as a question ("里面有什么", "有哪些"): said in a reply as the field's name it reads
# "10号链接里面有什么：…"
# (an A-not-A pair asks too: "能不能飘", "可不可以", "有没有": a party shop's trial, not noted)
_ASKING_NAME = re.compile(
    r"什么|啥|多少|多[大长重高宽厚深久远粗]|哪|几|吗|呢|怎么|(.)[不没]\1|[?？]", re.ASCII
)
# a name that is only a question word ("多大", "几只"): it is said in questions about anything
# (and its measure word: "几片", "多少颗", a nail shop's trial: the second not noted)
_ASKING_WORD = re.compile(
    r"(多[大长重高宽厚深久远粗]|几|多少|什么|啥|哪个?|怎么样?)[个只条件片根块张颗粒支瓶包盒袋对双套次天]?"
)


def alias_notes(catalog: Catalog) -> list[str]:
    """One note per one-character Chinese alias ("线" of a fishing line): said as a word of its own it
    names its product, so a comment about another product that says it ("带不带线啊" watching a reel,
    "适合多重的饵" watching a rod) is read as about this one. A longer alias is surer."""
    return [
        f"{p.id} aliases: {a!r} is one character: a comment about another product that says it as a word "
        f'("带不带{a}") is read as about {p.id}; an alias of two characters or more is surer (without one, a '
        f"comment that names {p.id} by {a!r} alone is read as about the product on screen)"
        for p in catalog.products
        for a in p.aliases
        if len(a) == 1 and has_han(a)
    ]


def label_notes(catalog: Catalog) -> list[str]:
    """What a shop may want to mend in how replies name a shelf's attributes, one note per key: a key
    with no Chinese name (no `names:`, not in the lexicon), whose value Chinese replies say with no
    name before it; a first Chinese name worded as a question. Notes, not errors."""
    unnamed: dict[str, list[str]] = {}
    notes = []
    for product in catalog.products:
        for key in product.attributes:
            label = _zh_label(key, product)
            if not label:
                unnamed.setdefault(key, []).append(product.id)
            elif key in product.names and _ASKING_NAME.search(label):
                notes.append(
                    f"{product.id} names.{key}: replies say {label!r} as the field's name "
                    f'("{product.link}号链接{label}：…"); put a noun first'
                )
            for name in product.names.get(key, ()):
                if _ASKING_WORD.fullmatch(name):
                    # an aquarium shop's trial: `body_length: [体长, 多大]` took "这个适合多大的缸"
                    notes.append(
                        f"{product.id} names.{key}: {name!r} is a question word: every question that says it "
                        f"is read as asking {key}; a noun names the field only"
                    )
    for key, ids in unnamed.items():
        notes.append(
            f"attributes.{key} ({', '.join(ids)}): no Chinese name, so Chinese replies say its value with "
            f"none before it and the console shows {field_label(key, 'zh')!r}; "
            f"`names: {{{key}: [中文名]}}` gives it one"
        )
    return notes


def prices_agree(product: Product) -> bool:
    """Whether a product priced by version (`prices`) still has its lowest as its `price`: a price
    changed from the console since leaves the versions' prices as the catalog had them."""
    return not product.prices or product.price == min(product.prices.values())


def priced_from(product: Product) -> bool:
    """Whether the product's `price` is the lowest of several versions' prices: said "99元起"."""
    return len(set(product.prices.values())) > 1 and prices_agree(product)


def price_notes(catalog: Catalog) -> list[str]:
    """Products whose `price` is not the lowest of their `prices`: their price questions go to the
    streamer (the versions' prices may be old); an `original_price` beside `prices`, shown as the
    lowest version's discount. And attributes that give several prices ("1.5米 2399元；1.8米
    2699元"): prices by version written where a price question naming a version is answered with the
    one `price`."""
    notes = [
        f"{p.id}: price {money(p.price)} is not the lowest of its prices ({money(min(p.prices.values()))}); "
        "price questions go to the streamer until they agree"
        for p in catalog.products
        if not prices_agree(p)
    ]
    for p in catalog.products:
        if p.prices and p.original_price:
            notes.append(
                f"{p.id}: original_price {money(p.original_price)} is shown struck through beside the lowest of its "
                f"prices ({money(min(p.prices.values()))}), as that version's discount: right if it is that version's "
                "original price; if it is another version's, leave it out"
            )
        if p.prices:
            continue
        for key, value in p.attributes.items():
            text = " ".join(value) if isinstance(value, list) else value
            if len(_MONEY.findall(text)) >= 2:
                notes.append(
                    f"{p.id}: attributes.{key} gives several prices; if they are prices by version, write them as "
                    "`prices:` (version: price), so that a price question naming one is answered with its price"
                )
    return notes


# a stock state written into a text ("目前已售罄，补货后72小时内发货"), or when the goods come back
# ("预计下周补货", "下一批下周三到仓"): stale once the stock changes live
_SOLD_OUT_SAID = re.compile(
    r"售罄|卖完|卖光|卖空|卖没|抢光|抢完|缺货|断货|无货|没货|补货中|待补货|下一?批|"
    r"(?:预计|下周|下个月|月底|月初|\d+\s*天后).{0,8}?(?:补货|到仓|返场)|"
    r"sold out|out of stock|restocking|next batch|back in stock",
    re.ASCII | re.IGNORECASE,
)


def sold_out_said(product: Product) -> list[tuple[str, str]]:
    """(where, what) of each text of the listing that says the goods are sold out or when they come
    back (shipping, returns, an attribute, an FAQ answer): true when written, stale after a restock."""
    texts = {"shipping": product.shipping or "", "returns": product.returns or ""}
    texts |= {
        f"attributes.{k}": " ".join(v) if isinstance(v, list) else v for k, v in product.attributes.items()
    }
    texts |= {f"faq {f.id}": f.a for f in product.faq}
    return [(where, said.group(0)) for where, text in texts.items() if (said := _SOLD_OUT_SAID.search(text))]


def stock_notes(catalog: Catalog) -> list[str]:
    """Texts that say the goods are sold out (`sold_out_said`): the bot answers stock from `stock`,
    which the streamer changes live; the text is quoted as written, after a restock too (a shoe
    shop's trial: "目前已售罄" quoted as the shipping time beside 30 in stock)."""
    return [
        f"{p.id}: {where} says {said!r}, which stays as written after a restock; "
        "the stock is said from `stock`, which the console changes live"
        for p in catalog.products
        for where, said in sold_out_said(p)
    ]


def english_notes(catalog: Catalog) -> list[str]:
    """Where English replies will quote the shelf's Chinese, on a shelf that gives English values at
    all (some product has an `en:` block): each product's Chinese values with no English one, and the
    products with no `en:` block. Notes, not errors: such a reply says it quotes the shelf in Chinese."""
    if not any(p.en is not None for p in catalog.products):
        return []
    notes, bare = [], []
    for product in catalog.products:
        if product.en is None:
            bare.append(product.id)
            continue
        values = {"shipping": product.shipping, "returns": product.returns, **product.attributes}
        missing = [
            k for k, v in values.items()
            if v is not None and has_han(" ".join(v) if isinstance(v, list) else v) and product.en_value(k) is None
        ]  # fmt: skip
        missing += [f"faq {f.id}" for f in product.faq if has_han(f.a) and product.en_answer(f.id) is None]
        missing += [
            f"version {v}" for v in product.prices if has_han(v) and product.version_name(v, "en") == v
        ]
        if missing:
            notes.append(
                f"{product.id} en: no English for {', '.join(missing)}; English replies quote its Chinese"
            )
    if bare:
        notes.append(f"{', '.join(bare)}: no `en:` block; English replies quote their Chinese values")
    return notes


# ---- the asked aspect: which property of a thing a question is about ----------------------------
# Measure/property words of live-room questions, grouped into aspects. An answer written for one
# aspect ("鞋底软吗") does not answer another ("鞋底多厚"), however close the two sound. General
# shopping language, not any catalog's.
_ASPECTS: dict[str, re.Pattern[str]] = {
    "thickness": re.compile(r"(厚|薄)|\b(thick|thin)\b", re.ASCII),
    "length": re.compile(
        r"(多长(?!时间)|长不长|短不短|太长|太短|偏长|偏短|长度|袖长|衣长|裤长|裙长)"
        r"|\b(how long is|length|too (long|short))\b",
        re.ASCII,
    ),
    "height": re.compile(r"(增高|多高|高度|高不高|矮)|\b(tall|height)\b", re.ASCII),
    "width": re.compile(r"(多宽|宽不宽|窄|宽度|肥不肥)|\b(wide|width|narrow)\b", re.ASCII),
    "softness": re.compile(r"(软(?!件)|硬(?!件|币|盘))|\b(soft|hard|stiff)\b", re.ASCII),
    "weight": re.compile(
        r"(多重|重不重|沉不沉|很重|太重|轻不轻|轻便|压手)|\b(heavy|light weight|lightweight)\b", re.ASCII
    ),
    "warmth": re.compile(r"(热不热|闷|保暖|暖和|冷不冷|凉快|凉感|冻)|\b(warm|hot|cool|stuffy)\b", re.ASCII),
    "breathability": re.compile(r"(透气|闷|捂)|\b(breathable|breathe)\b", re.ASCII),
    "sheerness": re.compile(r"(透(?!气)|走光|看到内衣|看得到内衣)|\b(see[- ]through|sheer)\b", re.ASCII),
    "tightness": re.compile(r"(紧绷|发紧|紧不紧|太紧|勒)|\b(tight|tightness)\b", re.ASCII),
    "shrinking": re.compile(r"(缩水|缩不缩|会缩|变小|缩小)|\bshrink", re.ASCII),
    "loosening": re.compile(r"(洗松|变松|松垮|变形|松了)|\b(stretch out|lose shape)\b", re.ASCII),
    "fading": re.compile(r"(掉色|褪色|退色|染色|串色)|\bfade", re.ASCII),
    "pilling": re.compile(r"(起球|掉毛|起毛)|\bpill", re.ASCII),
    "smell": re.compile(r"(味道|异味|气味|臭|香味|有味)|\b(smell|odou?r)\b", re.ASCII),
    "noise": re.compile(r"(噪音|吵|声音|响不响|静音|分贝)|\b(noisy|loud|quiet)\b", re.ASCII),
    # how much it holds ("声音有多大" asks the noise, not the 400ml a capacity field gives)
    # (Chinese words only: a field's text holds its key's words, and "weight_capacity" is what it bears)
    "capacity": re.compile(r"(容量|装多少(?!度)|能装几(?!度)|几升|多少毫升|多少升)", re.ASCII),
    "waterproof": re.compile(r"(防水|漏水|渗水|进水|怕水)|\b(waterproof|leak)", re.ASCII),
    "slip": re.compile(r"(防滑|打滑|滑不滑)|\b(slippery|non-slip)\b", re.ASCII),
    # who it is for: an answer for one group ("糖尿病能吃吗") does not answer another ("孕妇能吃吗")
    "pregnancy": re.compile(r"(孕妇|怀孕|孕期|哺乳期|备孕)|\b(pregnan\w*|breastfeeding)\b", re.ASCII),
    "diabetes": re.compile(r"(糖尿病|血糖|控糖)|\bdiabet\w*", re.ASCII),
    "elderly": re.compile(r"(老人|老年人|长辈)|\b(elderly|seniors?)\b", re.ASCII),
    # how the goods travel with their owner: what flying allows is no answer for the train ("能带上高铁吗"
    # against "压力罐不能带上飞机": a party shop's trial, sent at 0.98)
    "flight": re.compile(r"(飞机|灰机|登机|机舱|航班|托运)|\b(plane|flight|airline|carry[- ]on)\b", re.ASCII),
    "rail": re.compile(r"(高铁|火车|动车)|\b(on|by) (the |a )?trains?\b", re.ASCII),
}
# Parts of a product a question can be about: a measure asked of one part is not answered by an
# entry about another.
_PARTS = (
    "袖子 袖口 袖长 领口 领子 帽子 帽檐 鞋底 中底 鞋垫 鞋面 鞋带 鞋跟 后跟 鞋头 腰围 腰头 裤腿 裤脚 肩宽 "
    "胸围 臀围 大腿 手臂 拉链 口袋 纽扣 扣子 内胆 盖子 把手 手柄 屏幕 表带 内衬 里衬 肩带 背带 底座 "
    "刀头 刷头 滤网 镜片 镜腿"
).split()
# single-character forms of the same parts ("袖子多长" / "袖长")
_PART_ROOT = {p: p[0] if p[0] in "袖领帽腰臀胸肩" else p for p in _PARTS}


# what a comparison compares the goods with: "和卡西欧PX-S1100比怎么样", "跟真钢琴差多少", "compared to
# the A7"; the thing named sits between the preposition and the comparing word
_COMPARED = re.compile(
    r"(?:和|跟|与|同|比起)\s*([^\s，,。？?！!]{2,16}?)\s*"
    r"(?:比|相比|对比|比较|差多少|差在哪|差别|有什么区别|有啥区别|区别|哪个好|哪个更|谁好)"
    r"|\b(?:compare[ds]? (?:to|with)|vs\.?|versus|better than)\s+(?:the\s+)?([a-z0-9][\w\- ]{1,30})"
)
_POINTING = re.compile(r"^(?:这|那)(?:个|款|种|件|只|把|台)?$")


def compared_with(text: str, product: Product | None) -> list[str]:
    """The words naming what a comparison compares the goods with: its Chinese words and model codes
    (a Latin word with a digit), the product's own names left out ("和卡西欧PX-S1100比怎么样" → 卡西欧,
    s1100; an English word would not be found in a Chinese entry anyway); none when the comment
    compares nothing."""
    m = _COMPARED.search(text)
    if m is None:
        return []
    name = product.names_text() if product else ""
    return [
        w
        for w in tokens(m.group(1) or m.group(2))
        if len(w) >= 2
        and (has_han(w) or any(c.isdigit() for c in w))
        and w not in name
        and not _POINTING.match(w)
    ]


def _names_compared(against: list[str], entry: str) -> bool:
    """Whether an entry names what a comparison compares with: every model code of it (a6400, s1100)
    and, of its Chinese words, one at least ("以前那种要抛光的硬蜡": 抛光 will do, 以前 says nothing)."""
    codes = [w for w in against if not has_han(w)]
    words = [w for w in against if has_han(w)]
    return all(w in entry for w in codes) and (not words or any(w in entry for w in words))


@lru_cache(maxsize=8192)
def asked_aspects(text: str) -> frozenset[str]:
    """The aspects (thickness, length, softness, ...) a text speaks of (cached: the answer model
    asks it of every candidate entry, whose texts repeat)."""
    return frozenset(name for name, rx in _ASPECTS.items() if rx.search(text))


def named_parts(text: str, product: Product | None = None) -> set[str]:
    """Parts of a product a text names, leaving out those in the product's own name (a "帽子"
    in "连帽衫" is what the product is, not what is asked)."""
    name = product.names_text() if product is not None else ""
    return {_PART_ROOT[p] for p in _PARTS if p in text and p not in name}


def aspect_conflict(comment: str, entry_question: str, entry_text: str, product: Product | None) -> bool:
    """Whether an entry (an FAQ question with its answer, or a field's label and value) clearly
    answers a different aspect than the comment asks: both speak of aspects and share none, or the
    comment asks about a part of the product the entry never names while naming another part, or it
    compares the goods with something the entry does not name (`_names_compared`: "和索尼a6400比哪个好"
    against the camera's mount, 索尼E卡口; "和卡西欧比怎么样" against an entry comparing the piano with a
    real one)."""
    against = compared_with(comment, product)
    if against and not _names_compared(against, entry_text.lower()):
        return True
    asked = asked_aspects(comment)
    if asked:
        covered = asked_aspects(entry_question)
        if covered and not asked & covered and not asked & asked_aspects(entry_text):
            return True
    parts = named_parts(comment, product)
    if parts and not any(p in entry_text for p in parts):
        # the entry speaks of another part, or gives the asked measure of something else
        # ("袖子多长" against "衣长约65cm")
        if named_parts(entry_text, product) or asked & asked_aspects(entry_text):
            return True
    return False


# who or where the goods are asked to do for, before "can wear / use / eat it": "男的能穿吗", "孕妇可以
# 用吗", "东北能穿吗"; said right before it in its clause, a link, "this", an adverb or the product's
# name left out ("这个身体乳能涂吗" names nobody)
_FOR_WHOM = re.compile(r"([\u4e00-\u9fff]{1,8})(?:也)?(?:能|可以)(?:穿|用|吃|喝|戴|涂)(?:吗|么|嘛|不|$)")
# where one clause of a comment ends and the next begins
CLAUSE_SPLIT = re.compile(r"[\s,，。.!！?？;；~、]+")
# the same, but a space ends a clause only beside Chinese ("14号是啥 刚进来"): an English question
# is one clause however many words it has ("how much is link 6? any XL left" is two)
SENTENCE_SPLIT = re.compile(r"[,，。.!！?？;；~、]+|(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])")
_LINK_SAID = re.compile(r"[\d一二三四五六七八九十两]+号(?:链接)?|链接\s*\d+")
_POINTER = re.compile(r"这个|这款|这件|这条|这双|这套|那个|[这那它还都也就再]|请问|问下|主播")


def _for_whom(question: str, product: Product | None) -> str | None:
    for clause in CLAUSE_SPLIT.split(_LINK_SAID.sub("", question)):
        m = _FOR_WHOM.search(clause)
        if m is None:
            continue
        who = _POINTER.sub("", m.group(1))
        if product is not None:
            # "这个身体乳能涂吗": a word of the product's own name is what is asked about, not for whom
            name = f"{product.names_text()} {product.category.lower()}"
            if any(b in name for b in char_bigrams(who)):
                return None
        return who if 2 <= len(who) <= 5 else None
    return None


# a kind of person: by sex, age or build ("男的", "小孩", "老人家", "胖子", "学生党")
_PERSON = re.compile(r"[男女孩童婴宝老孕胖瘦爸妈]|学生|大人|成人")


def other_group(comment: str, question: str, entry: str, product: Product | None) -> bool:
    """Whether an entry written for one group or place ("东北能穿吗？") is matched to a comment asking
    for a kind of person it never names ("男的能穿吗"; an underwear shop's trial: the Northeast's answer
    was sent to "can men wear it" at 0.95). Only a kind of person: a condition said otherwise than the
    entry says it ("来例假能穿吗" of "生理期能穿吗？") is the same question. The pregnant, the diabetic
    and the old are aspects of their own too (`_ASPECTS`)."""
    asked, written = _for_whom(comment, product), _for_whom(question, product)
    if asked is None or written is None or asked == written or not _PERSON.search(asked):
        return False
    return not any(b in entry for b in char_bigrams(asked))


def field_text(product: Product, key: str) -> str:
    """A field's label (the shelf's own names of it too) and live value as text, for comparing with a
    comment."""
    names = " ".join(product.names.get(key, ()))
    return f"{_LABELS_ZH.get(key, key)} {names} {key.replace('_', ' ')} {_value_text(product, key)}"
