"""A product's fields as retrievable entries, found by the same hybrid retrieval as its FAQ.

Every field (price, stock, shipping, returns and each attribute, whatever its key) becomes a `Doc`
whose text names the field in words, in Chinese and English, followed by its value: viewers ask
with the field's name ("保质期多久") or with words of its value ("支持esim吗"), and the retriever
matches both, with the same dense and BM25 scores as an FAQ entry. Keys the lexicon does not know are
named by the key itself split into words (`charging_time` → "charging time"): the multilingual
encoder carries that to the Chinese a viewer types.

The lexicon is written from how viewers ask in live rooms in general, not from any catalog.
"""

from __future__ import annotations

import re

from domain.catalog import Catalog, Product
from recommender.glossary import glossable_words, zh_glosses
from recommender.retrieval import Doc
from recommender.text import has_han

# how much of a field's value its entry text holds
VALUE_CHARS = 160
# the fields every product has, beside its attributes
CORE_FIELDS = ("price", "stock", "shipping", "returns")

# field key (or a word of a key) → how viewers name it, Chinese then English
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "price": ("价格", "多少钱", "价钱", "到手价", "优惠", "price", "how much", "cost"),
    "stock": ("库存", "有货", "还有吗", "现货", "卖完", "stock", "in stock", "sold out", "left"),
    "shipping": ("发货", "快递", "物流", "包邮", "几天到", "ship", "shipping", "delivery"),
    "returns": ("退换", "退货", "换货", "售后", "无理由", "return", "refund", "exchange"),
    "sizes": ("尺码", "码数", "有什么码", "size", "sizes"),
    "size": ("尺码", "大小", "尺寸", "size"),
    "size_guide": ("尺码建议", "穿什么码", "身高体重", "选码", "size guide", "what size"),
    "material": ("材质", "面料", "什么材料", "什么做的", "material", "fabric", "made of"),
    "fabric": ("面料", "布料", "材质", "fabric"),
    "colors": ("颜色", "有什么色", "配色", "colour", "color", "colours"),
    "color": ("颜色", "色", "colour", "color"),
    "shelf_life": ("保质期", "能放多久", "过期", "shelf life", "expiry"),
    "origin": ("产地", "哪里产的", "产自", "origin", "made in", "where from"),
    "weight": ("重量", "多重", "净含量", "几斤", "weight", "how heavy"),
    "net_weight": ("净含量", "重量", "几斤", "net weight"),
    "flavor": ("口味", "味道", "什么味", "flavour", "flavor", "taste"),
    "flavour": ("口味", "味道", "什么味", "flavour", "taste"),
    "taste": ("口感", "味道", "好吃吗", "taste"),
    "suitable_for": ("适用", "适合", "谁能用", "适合什么人", "suitable for", "who is it for"),
    "suitable_age": ("适用年龄", "几岁", "多大孩子", "age", "how old"),
    "age": ("年龄", "几岁", "age"),
    "ingredients": ("成分", "配料", "配方", "ingredients", "contains"),
    "capacity": ("容量", "能装多少", "多大容量", "capacity", "volume"),
    # how much weight the goods bear (a chair, a rack, a stroller's seat), not what they weigh
    "max_load": ("承重", "能承受多重", "最大承重", "max load", "how much weight"),
    "load_capacity": ("承重", "能承受多重", "最大承重", "load capacity", "how much weight"),
    "weight_capacity": ("承重", "能承受多重", "最大承重", "weight capacity", "how much weight"),
    "max_weight": ("承重", "能承受多重", "最大承重", "max weight", "how much weight"),
    "volume": ("容量", "多少毫升", "volume", "ml"),
    "dimensions": ("尺寸", "多大", "长宽高", "dimensions", "how big"),
    "length": ("长度", "多长", "length", "how long"),
    "power": ("功率", "多少瓦", "power", "watts"),
    "wattage": ("功率", "瓦数", "多少瓦", "几瓦", "wattage", "watts"),
    # lamps and lighting
    "lumen": ("亮度", "流明", "多亮", "lumens", "how bright"),
    "color_temp": ("色温", "光色", "暖光", "白光", "colour temperature", "color temperature"),
    "dimmable": ("调光", "能调光", "调亮度", "dimmable", "dimming"),
    "lifespan": ("寿命", "能用多久", "用多久", "lifespan", "how long does it last"),
    "ip_rating": ("防护等级", "防水等级", "防水", "ip rating", "waterproof"),
    # a battery field may say what the battery is or how long it lasts; a shelf with both says how
    # long under `battery_life`
    "battery": ("电池", "续航", "battery"),
    "battery_life": ("续航", "充一次用多久", "能用多久", "battery life"),
    "charging_time": ("充电时间", "充电多久", "充多久", "charging time"),
    "warranty": ("保修", "质保", "坏了怎么办", "warranty", "guarantee"),
    "waterproof": ("防水", "能沾水", "waterproof", "water resistant"),
    "compatibility": ("兼容", "适配", "能用吗", "compatible", "works with"),
    "usage": ("用法", "怎么用", "使用方法", "how to use", "usage"),
    "storage": ("保存", "怎么存放", "冷藏", "storage", "how to store"),
    # how the goods are washed and looked after ("怎么洗" watching a jacket vanished as chat in two trials)
    "care": ("洗涤", "怎么洗", "清洗", "机洗", "手洗", "保养", "how to wash", "wash", "care"),
    "wash": ("洗涤", "怎么洗", "清洗", "机洗", "手洗", "how to wash", "wash"),
    "skin_type": ("肤质", "什么皮肤", "敏感肌", "skin type"),
    "brand": ("品牌", "牌子", "什么牌子", "brand"),
    "model": ("型号", "款式", "model"),
    "style": ("款式", "风格", "style"),
    "fit": ("版型", "宽松", "修身", "fit"),
    "thickness": ("厚度", "厚不厚", "薄", "thickness", "thick"),
    "quantity": ("数量", "几个", "多少个", "quantity", "how many"),
    "count": ("数量", "几个", "多少", "count", "how many"),
    "pieces": ("件数", "几件", "多少件", "pieces"),
    "spec": ("规格", "spec", "specification"),
    "specs": ("规格", "参数", "specs"),
    "year": ("年份", "哪年", "year"),
    "condition": ("成色", "新旧", "几成新", "condition"),
    "certificate": ("证书", "鉴定", "certificate"),
    "validity": ("有效期", "能用多久", "期限", "validity", "valid until"),
    "hours": ("营业时间", "几点", "开门", "hours", "opening hours"),
    "address": ("地址", "在哪", "位置", "address", "where"),
    "location": ("地址", "在哪里", "位置", "location"),
    "booking": ("预约", "要预约吗", "订位", "booking", "reservation"),
    "spiciness": ("辣度", "辣不辣", "spicy"),
    "cooking": ("做法", "怎么煮", "怎么吃", "how to cook"),
    "time": ("时间", "多久", "time"),
    "speed": ("速度", "多快", "speed"),
    "noise": ("噪音", "声音大吗", "noise"),
    "scent": ("香味", "味道", "什么香", "scent", "smell"),
    "effect": ("效果", "有用吗", "effect"),
    "dosage": ("用量", "一次吃几", "怎么吃", "dosage"),
    "packaging": ("包装", "礼盒", "packaging"),
    "gift": ("赠品", "送什么", "gift", "freebie"),
    "accessories": ("配件", "送什么", "附件", "accessories"),
    "installation": ("安装", "怎么装", "installation"),
    # what a box or a bundle holds
    "contents": ("内容", "里面有什么", "包含", "有哪些", "contents", "what's inside"),
    "vintage": ("年份", "哪年", "vintage"),
    "sweetness": ("甜度", "甜不甜", "sweetness", "how sweet"),
    "calories": ("热量", "卡路里", "calories"),
    "allergens": ("过敏原", "过敏", "allergens"),
    # a drink's alcohol by volume ("多少度的", "几度"; 度 alone is also a temperature, so not alone)
    "abv": ("度数", "酒精度", "多少度", "几度", "alcohol", "abv", "how strong"),
    "alcohol": ("酒精度", "度数", "多少度", "几度", "alcohol", "abv", "how strong"),
    "alcohol_content": ("酒精度", "度数", "多少度", "几度", "alcohol content", "abv"),
    "thread_count": ("支数", "多少支", "thread count"),
}
# common words of attribute keys, named in Chinese, for keys the lexicon does not hold whole
WORD_ZH: dict[str, str] = {
    "charging": "充电",
    "charge": "充电",
    "time": "时间",
    "life": "寿命",
    "shelf": "保质",
    "size": "尺寸",
    "guide": "指南",
    "weight": "重量",
    "net": "净",
    "age": "年龄",
    "suitable": "适合",
    "skin": "皮肤",
    "type": "类型",
    "color": "颜色",
    "colour": "颜色",
    "material": "材质",
    "origin": "产地",
    "battery": "电池",
    "capacity": "容量",
    "power": "功率",
    "water": "水",
    "temperature": "温度",
    "length": "长度",
    "width": "宽度",
    "height": "高度",
    "depth": "深度",
    "screen": "屏幕",
    "storage": "存储",
    "memory": "内存",
    "range": "范围",
    "speed": "速度",
    "warranty": "保修",
    "flavor": "口味",
    "flavour": "口味",
    "shade": "色号",
    "shades": "色号",
    "fit": "版型",
    "care": "护理 洗涤",
    "wash": "洗",
    "hours": "时间",
    "opening": "营业",
    "parking": "停车",
    "people": "人数",
    "guests": "人数",
    "rooms": "房间",
    "room": "房间",
    "booking": "预约",
    "validity": "有效期",
    "valid": "有效",
    "days": "天数",
    "usage": "用法",
    "dose": "用量",
    "dosage": "用量",
    "serving": "份量",
    "servings": "份量",
    "ingredients": "成分",
    "certificate": "证书",
    "condition": "成色",
    "year": "年份",
    "model": "型号",
    "brand": "品牌",
    "voltage": "电压",
    "noise": "噪音",
    "level": "等级",
    "grade": "等级",
    "pieces": "件数",
    "count": "数量",
    "quantity": "数量",
    "pack": "包装",
    "packaging": "包装",
    "accessories": "配件",
    "included": "包含",
    "compatibility": "兼容",
    "compatible": "兼容",
    "installation": "安装",
    "style": "款式",
    "not": "不宜 不能",  # "not_suitable_for": who must not use it
}
# words of shoe, bag and bedding keys as a Chinese reply names the field ("heel_height": 鞋跟高度, not
# "heel height"), where the dictionary's first senses are others' (sole: 唯一, lining: 线路). For the
# reply's name only: in the search text too they cost three right answers leave-one-room-out (634
# against 637) and moved the field bar from 0.917 to 0.929 (docs/answering.md)
LABEL_ZH: dict[str, str] = {
    "heel": "鞋跟",
    "sole": "鞋底",
    "outsole": "大底",
    "insole": "鞋垫",
    "upper": "鞋面",
    "lining": "内里",
    "toe": "鞋头",
    "shaft": "靴筒",
    "strap": "带子",
    "leather": "皮料",
    "filling": "填充物",
    "fill": "填充",
    "thread": "支数",
    "shape": "形状",
}


def lexicon_key(key: str) -> str:
    """The key as the lexicon holds it: itself, or its singular ("flavors" → "flavor")."""
    if key not in FIELD_WORDS:
        for plural in ("es", "s"):
            if key.endswith(plural) and key[: -len(plural)] in FIELD_WORDS:
                return key[: -len(plural)]
    return key


def key_words(key: str) -> str:
    """A key split into words ("shelf_life" / "shelfLife" → "shelf life") with their Chinese: the
    small word list's, else, for a key the lexicon lacks, the dictionary's ("unlock_methods" →
    "unlock methods 开锁 解锁 方法 手段", recommender/glossary.py)."""
    words = [w.lower() for w in re.findall(r"[A-Za-z][a-z]*|[0-9]+|[\u4e00-\u9fff]+", key)]
    glossed = lexicon_key(key) not in FIELD_WORDS  # a key the lexicon names whole is named by it alone
    # a key's small words ("not_suitable_for", "price_per_gram") glossed alone say nothing (for: 为了 来讲)
    worth = set(glossable_words(" ".join(words)))
    zh = [
        WORD_ZH[w] if w in WORD_ZH else " ".join(zh_glosses(w)) if glossed and w in worth else ""
        for w in words
    ]
    return " ".join(words + [z for z in zh if z])


# a size given as a length ("32cm", "40×28×3cm", "12寸"), not a clothing or shoe size
_MEASURED_SIZE = re.compile(r"\d\s*(cm|mm|厘米|毫米|寸|英寸|inch|in\b|\")|\d\s*[×x*]\s*\d", re.IGNORECASE)
# or as a volume ("500ml", "1.5L", "20oz"): a cup's or a bottle's sizes are how much it holds
_VOLUME_SIZE = re.compile(r"\d\s*(ml|l|毫升|升|oz)(?![a-z])", re.IGNORECASE)


# a key whose value shows another sense than the lexicon's: `storage` of a camera ("TF卡，最大256G") is
# 存储, not how food is kept (保存); `power` given as a supply ("12V电源适配器", "电池"), not in watts,
# is 供电 (a security shop's trial: "3号链接保存：支持TF卡…", "4号链接功率：插电版12V电源适配器")
_DIGITAL_STORAGE = re.compile(r"\d\s*(g|gb|t|tb)(?![a-z])|tf卡|sd卡|内存卡|存储卡|云存储", re.IGNORECASE)
_WATTS = re.compile(r"\d\s*(w|kw|瓦|千瓦)(?![a-z])", re.IGNORECASE)


def value_label(key: str, product: Product) -> str | None:
    """The Chinese name a key's value calls for where the lexicon's would misname it, else None."""
    listed = str(product.attributes.get(key, ""))
    if key == "storage" and _DIGITAL_STORAGE.search(listed):
        return "存储"
    if key == "power" and listed and not _WATTS.search(listed):
        return "供电"
    return None


def field_label(key: str, lang: str, product: Product | None = None) -> str:
    """A field's name for a reply: the product's own name for it in the language (`names:`, the
    first with Chinese characters, or the first in Latin letters for English), then the lexicon's
    first word in the language, else the key's words ("charging_time" → "充电时间" / "charging
    time")."""
    words = FIELD_WORDS.get(lexicon_key(key), ())
    own = product.names.get(key, ()) if product is not None else ()
    named = next((n for n in own if has_han(n) == (lang == "zh")), None)
    if named is not None:
        return named
    if lang == "zh" and product is not None and (by_value := value_label(key, product)):
        return by_value
    if lang == "zh" and key in ("size", "sizes") and product is not None:
        # a wok of 32cm, a board of 40×28cm, a cup of 500ml: 尺码 is what clothes and shoes come in
        listed = str(product.attributes.get(key, ""))
        if _VOLUME_SIZE.search(listed):
            return "容量"
        if _MEASURED_SIZE.search(listed):
            return "尺寸"
    if lang == "zh":
        zh = next((w for w in words if has_han(w)), None)
        parts = [w.lower() for w in re.findall(r"[A-Za-z][a-z]*|[0-9]+", key)]
        said = {**WORD_ZH, **LABEL_ZH}
        if zh is None and parts and all(w in said for w in parts):
            zh = "".join(said[w].split()[0] for w in parts)
        return zh or " ".join(parts) or key
    en = next((w for w in words if w.isascii()), None)
    return en or " ".join(w.lower() for w in re.findall(r"[A-Za-z][a-z]*|[0-9]+", key)) or key


def field_name_text(key: str, product: Product | None = None) -> str:
    """The words a viewer may use for a field: the product's names for it (`names:`), the lexicon's,
    else the key split into words."""
    words = FIELD_WORDS.get(lexicon_key(key))
    if words is None:
        words = tuple(dict.fromkeys(FIELD_WORDS.get(w, ())[0] for w in key.split("_") if w in FIELD_WORDS))
    own = product.names.get(key, ()) if product is not None else ()
    return " ".join((*own, *words, key_words(key))).strip()


def field_value_text(product: Product, key: str) -> str:
    """A field's value as text, for matching; price and stock are live values and carry no words."""
    if key in ("price", "stock"):
        return ""
    value = product.shipping if key == "shipping" else product.returns if key == "returns" else None
    if key not in CORE_FIELDS:
        value = product.attributes.get(key)
    if value is None:
        return ""
    return " / ".join(value) if isinstance(value, list) else str(value)


def product_fields(product: Product) -> list[str]:
    """The fields a product can answer: price and stock always, shipping and returns if written,
    every attribute with a value."""
    faq = {f.id for f in product.faq}
    return [k for k in product.entries() if k not in faq]


def field_docs(catalog: Catalog) -> list[Doc]:
    """Every product's fields as entries: `doc_id` is the field key, the text its name and value.
    No live price or stock in the text: a price change re-encodes nothing."""
    return [
        Doc(doc_id=key, text=field_entry_text(p, key), product_id=p.id, name=field_name_text(key, p))
        for p in catalog.products
        for key in product_fields(p)
    ]


# units as a value writes them after a number ("420g", "24V", "5000mAh") and as viewers say them
# ("多少克", "24伏能用吗", "多少毫安"): the entry holds both
UNIT_ZH = {
    "g": "克",
    "kg": "公斤 千克",
    "mg": "毫克",
    "ml": "毫升",
    "l": "升",
    "mah": "毫安",
    "w": "瓦",
    "v": "伏",
    "cm": "厘米",
    "mm": "毫米",
    "m": "米",
    "h": "小时",
    "min": "分钟",
}
# a unit of two letters or more after a number, a space allowed ("5000 mAh"); one letter only right
# after the number, "g" and "m" in lower case only: "5G网络" / "64G" is no weight, "M码" no length
_UNIT = re.compile(r"\d(?:\s*(?i:(mah|kg|mg|ml|mm|cm|min))|((?i:l|w|v|h)|g|m))(?![A-Za-z])")


def unit_words(value: str) -> str:
    """The Chinese names of the units a value writes in Latin letters ("420g/㎡" → "克")."""
    return " ".join(dict.fromkeys(UNIT_ZH[(m.group(1) or m.group(2)).lower()] for m in _UNIT.finditer(value)))


def field_entry_text(product: Product, key: str) -> str:
    """What a field entry is matched on: its name in words, then its value (cut to a sentence's
    length: a long size table would drown the name), then its English value if the catalog gives
    one (an English question finds it by its own words)."""
    english = product.en_value(key) if key not in ("price", "stock") else None
    en_text = " / ".join(english) if isinstance(english, list) else english or ""
    value = field_value_text(product, key)[:VALUE_CHARS]
    text = f"{field_name_text(key, product)} {value} {unit_words(value)}".strip()
    return f"{text} {en_text[:VALUE_CHARS]}".strip()
