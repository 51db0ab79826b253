"""Which product a comment means: a link number, a name or alias, "这个" (the one on screen),
or what the same viewer asked about a moment ago."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import lazy_pinyin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from domain.catalog import Catalog, Product
from handlers.destinations import SENT_TO
from handlers.field_entries import FIELD_WORDS, lexicon_key
from handlers.fields import FieldMatch, detect_fields, version_by_amount
from handlers.normalize import CN_NUM, cn_to_int, words_only
from recommender.glossary import glossable_words, zh_glosses
from recommender.text import HAN, add_words, blanked, char_pinyin, han_chars, says_alone, tokens, without_word

_NUM = rf"(\d{{1,3}}|{CN_NUM})"
# said before a number in 号 that is a size, not a link: a ring's size ("圈口16号", "戒圈17号"), one to
# wear ("穿38号", "戴17号"); one lookbehind each, as Python's are of fixed width
_SIZE_BEFORE = "".join(f"(?<!{w})" for w in ("圈口", "戒圈", "手寸", "指圈", "穿", "戴"))
# counter measures: a number before one measures the goods ("两盒", "5斤"), it names no link
_MEASURE_WORDS = "饼盒包袋瓶支件个只条双套箱罐斤克片粒"
# a unit after a number: it measures the goods ("20cm", "500ml", "1.5米", a formula's "1段") or a time
# ("链接 7天无理由"), it names no link
_UNIT_AFTER = r"(?:cm|mm|ml|kg|mah|[glwv](?![a-z])|厘米|毫米|毫升|公斤|米|寸|升|码|瓦|度|岁|段|阶|天|\.\d)"
_LINK_PATTERNS = [
    re.compile(rf"{_NUM}\s*号\s*(链接|连接|宝贝|商品|产品)"),
    # "链接3" but not "3号链接5斤多少个", "5号链接一箱几个" nor "3号链接20cm多少钱": a number with a
    # measure word or a unit after it
    re.compile(
        rf"(链接|连接|宝贝|商品)\s*(\d{{1,3}}(?!\d)|{CN_NUM}(?!{CN_NUM}))(?!\s*(?:[{_MEASURE_WORDS}]|{_UNIT_AFTER}))"
    ),
    re.compile(rf"第\s*{_NUM}\s*(个|号|款|件)"),
    re.compile(r"#\s*(\d{1,3})"),
    # "15#多少钱": the number before the sign, as viewers type it on the phone keypad
    re.compile(r"(?<![\d.])(\d{1,3})\s*#"),
    # "no.10几天能发": the number may run straight into Chinese text
    re.compile(r"\b(?:no\.?|number|link|item)\s*#?\s*(\d{1,3})(?![\d.])"),
    # bare "3号" / "三号", but not a size ("38号鞋", "40号脚", a ring's "17号圈", "圈口16号", "穿/戴几号",
    # a fishing line's "0.8号": a number with a decimal point is no link) or a date ("11号发货"). A shoe
    # size in 号 has two digits (童鞋 from 13), so one digit before 鞋 / 脚 / 码 is a link: "3号鞋是真皮的吗"
    re.compile(
        rf"{_SIZE_BEFORE}(?<![\d一二两三四五六七八九十])(?<!\d\.)(?:^|(?<=\D))([1-9]|[一二两三四五六七八九])\s*号"
        r"(?!\s*(发|到|之前|以前|前|左右|那天|圈))"
    ),
    re.compile(
        rf"{_SIZE_BEFORE}(?<![\d一二两三四五六七八九十])(?<!\d\.)(?:^|(?<=\D)){_NUM}\s*号"
        r"(?!\s*(鞋|脚|码|圈|发|到|之前|以前|前|左右|那天))"
    ),
]
# "12号发货快吗": a bare number before 发 / 到 / 前 may be a link or a day of the month ("11号发货"):
# when it is a link on the shelf, neither reading is sure, and the viewer's last product is no answer
_DAY_OR_LINK = re.compile(
    rf"(?<![\d一二两三四五六七八九十])(?<!\d\.)(?:^|(?<=\D)){_NUM}\s*号\s*(?=发|到|之前|以前|前|左右|那天)"
)
_THIS = re.compile(
    # English words whole: "it" ends "grit", "fit" and "kit" ("what grit is the whetstone?")
    r"(这个|这款|这件|这条|这双|这套|这只|这瓶|这支|这盒|这本|这种|这一款|这|它|\bthis\b|\bit\b|\bthat one\b)"
)

# pronouns that may point back to a product named earlier in the comment, where "这个" and "this"
# point at the screen
_PRONOUNS = {"它", "it"}

# "上一个多少钱", "刚才那个还有吗": a product shown before, not the one on screen now
_EARLIER = re.compile(r"(上一个|上一款|上一件|前一个|刚才那|刚刚那|之前那|前面那|the (last|previous) one)")
# "多少钱一饼", "两盒": a number and a counter measure the goods, they do not name a product
_MEASURED = re.compile(rf"[\d一二两三四五六七八九十半几每]\s*[{_MEASURE_WORDS}]")
# ("还有" before 吗 / 没 / 货 … asks whether there is any left: "安吉白茶还有吗")
_AND = re.compile(r"(和|跟|与|还有(?![吗么嘛没不呢货\s?？]|$)|、|\band\b|&)")
ALIAS_WEIGHT = 3.0  # an alias names its product more surely than a title's or a tag's word
# what a comment asks the goods to be ("鞋面是真皮吗", "是不是纯棉的"): a title's or a tag's word said
# there is the property asked, not a name ("真皮" of the leather boots, with sneakers on screen)
_ASKED_TO_BE = re.compile(
    r"是(?:不是)?\s*([^\s是吗嘛么呢不的?？,，]{1,8}?)\s*的?\s*(?:吗|嘛|么|呢|不|[?？]|$)"
)
# how much of a measure a comment asks ("多大直径", "多长时间"): a title's or a tag's word there is the
# measure asked ("大直径" of the large-diameter lenses, another product on screen), not a name
_MEASURE_ASKED = re.compile(r"多((?:大|长|高|重|宽|厚|粗|深|远)[^\s吗嘛么呢啊呀的?？,，]{1,6})")
# what the goods are to be used with ("能泡绿茶吗" of a teapot, "电吉他能用吗" of a tuner, "能放a60吗" of
# a camera bag): another product's name said there is what the one on screen serves, not the one asked
_USED_WITH = re.compile(
    r"(?:能|可以|可)(?:泡|用|装|放|配|搭配|适配|兼容|连接?|配对|充)\s*([^\s吗嘛么呢不?？,，]{2,12}?)\s*(?:吗|嘛|么|呢|不|[?？]|$)"
    # the name before the verb only when nothing follows it but the question: "a60放得下吗" is what the
    # bag holds, "护照包能放几本护照" and "行李箱能用几年" ask of the product named
    r"|([^\s?？,，]{2,12}?)\s*(?:能用|可以用|能不能用|可不可以用|适用|能装|装得下|放得下|能放|能连接?|可以连接?)"
    r"\s*(?:吗|嘛|么|呢|不|[?？]|$)"
)
# what the goods come with ("带不带线啊" of a reel, "送盆吗", "配电池吗"): another product's name, or a title
# word saying as much ("带盆" of a potted plant), said there is the thing asked about, not the product
_GIVES = (
    r"((?:带不带|带没带|送不送|配不配|含不含|附赠|赠送|带|送|配|含)"
    r"\s*([^\s吗嘛么呢不啊?？,，]{1,6}?))\s*(?:吗|嘛|么|呢|不|啊|[?？]|$)"
)
_COMES_WITH = re.compile(r"(?:^|(?<=[这那它个款是都会还有]))\s*" + _GIVES)
# the same said after the goods' own name ("吊灯送灯泡吗", "does the lamp come with bulbs?"): the thing
# after the verb is what the goods named before it may come with
_COMES_WITH_AFTER = re.compile(
    _GIVES + r"|((?:come|comes)\s+with\s+(?:a |an |the |any |some )?([a-z][a-z -]{0,30}?))\s*(?:[?,.!]|$)"
)
_GIVING_VERB = re.compile(r"[带送配含附赠]|\bcomes?\b")
# two goods used together ("能和洁厕灵一起用吗", "要跟洗衣液一起放吗", "can I mix it with bleach"): a
# question about one of them, not about both
_USED_TOGETHER = re.compile(
    r"(?:一起|一块|同时|混着|搭配|配着)(?:用|放|洗|吃|喝|泡|涂|擦)|混用|\bmix(?:ed)? (?:it )?with\b"
)
# "the check one", "the grey one": a product picked by a word that names it
_THE_X_ONE = re.compile(r"\bthe ([a-z][a-z-]+) one\b", re.ASCII)
# what a bundle's title lists as its parts ("手竿+线组+鱼钩+浮漂", "收纳盒、标签贴", "送刷包"): a word
# next to a + or 、, or after 送 / 含 / 附, names a thing that comes in the product, not the product
_PART_BEFORE = r"(?:[+＋、]|送|含|附)\s*"
_PART_AFTER = r"\s*[+＋、]"
# "那个包", "这款杯": a head noun alone after a measure word names the product it heads
_HEAD_ALONE = re.compile(r"(?:个|款|只)([鞋裤裙衫帽包杯锅袜被枕垫瓶盒])(?!子|邮|装)")


@dataclass(frozen=True, slots=True)
class ProductRef:
    product: Product | None
    how: str  # link | name | this | recent | on_screen | earlier | none | unknown_link | day_or_link
    confidence: float
    link: int | None = None


_GENERIC = {
    "女款",
    "男款",
    "男士",
    "女士",
    "男女",
    "同款",
    "款",
    "新款",
    "套装",
    "礼盒",
    "装",
    "包邮",
    "官方",
    "正品",
    "夏季",
    "春秋",
    "四季",
    "透气",
    "百搭",
    "显瘦",
    "宽松",
    "女",
    "男",
}


# words of `_GENERIC` that say what the goods are: the name of the one product whose title has them
_SHARED_KINDS = ("礼盒", "套装")
# A title word saying whom or where the goods are for ("猫用", "家用", "四季通用", "车家两用", "专用"):
# many products of a shelf are for the same, so it names none of them
_FOR_USE = "用"
# a title word saying how many come in a pack ("3条装" read as "条装", "盒装"): what the goods come in,
# which a question about the pack asks ("几条装"), not a name; 包装 is the wrapping, a word as before
_PACKED = re.compile(rf"(?!包装)[{_MEASURE_WORDS}]装")
# How viewers name everyday goods differently from listing titles (general usage, any shelf): a
# title word on the left is also reached by the words on the right.
_SYNONYMS = {
    "洁面": ("洗面奶", "洗脸"),
    "洁面乳": ("洗面奶",),
    "移动电源": ("充电宝",),
    "充电宝": ("移动电源",),
    "短袖": ("t恤", "体恤"),
    "t恤": ("短袖", "体恤"),
    "保温杯": ("杯子", "水杯"),
    "水杯": ("杯子",),
    "四件套": ("床品", "被套", "床单"),
    "精华液": ("精华",),
    "口红": ("唇膏",),
    "唇膏": ("口红",),
    "耳机": ("耳塞",),
    "空气炸锅": ("炸锅",),
    "电子书": ("ebook", "ebooks", "e-book"),
    "课程": ("课",),
}
# A title's head noun as viewers shorten it: 跑步鞋 → 鞋子, 牛仔裤 → 裤子, 吸管杯 → 杯子.
_HEAD_NOUNS = "鞋裤裙衫帽包杯锅袜被枕垫瓶盒"
# A device's name ends in one of these, which viewers swap (投影仪 / 投影机) or drop (雨刮器 → 雨刮):
# a swapped one names the product as the listed one does; a dropped one is no name to find a product
# by (充电 is also what a charger does), but once the product is known it is no part of the question
_DEVICE_ENDS = "器机仪"
# An English word the shelf does not know, whose Chinese (CC-CEDICT, recommender/glossary.py) is a
# Chinese name of a product ("juicer" → 榨汁机): it names that product for this share of the name's
# weight, when nothing else in the comment names one
GLOSS_WEIGHT = 0.6
# Viewers type with pinyin input methods, so a name often comes with a homophone in it ("雨绒服" for
# 羽绒服), or a near one where the input method's fuzzy pinyin (z/zh, c/ch, s/sh, l/n, an/ang,
# en/eng, in/ing, the usual options) let it through: a Chinese name word that is not in the text
# but sounds the same there counts, for this share of its weight. A two-character word only with its
# first character typed right ("防嗮"): two syllables alone collide too often (杯子 / 被子).
SOUNDALIKE_WEIGHT = 0.6
_FUZZY = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"^l"), "n"), (re.compile(r"([aei]n)g$"), r"\1"))


@lru_cache(maxsize=1 << 16)
def _sound(ch: str) -> str:
    """One character's sound: its toneless pinyin with the fuzzy pairs folded; anything else a break
    (cached: every comment is read so, and the characters repeat)."""
    return _folded(char_pinyin(ch)) if HAN.match(ch) else "|"


def _folded(syllable: str) -> str:
    """A toneless pinyin syllable with the input method's fuzzy pairs folded (`_FUZZY`)."""
    for rx, to in _FUZZY:
        syllable = rx.sub(to, syllable)
    return syllable


def mentions(word: str, text: str) -> bool:
    """Whether the text says the name word: a Chinese word anywhere in it, but for one character
    (`says_alone`); a Latin one as a word of its own (or its plural) and never inside another ("air"
    is not said in "hair" nor "pair", "band" not in "husband")."""
    if word not in text:
        return False
    if not word.isascii():
        # one character only where it is a word of its own: the bag's 包 is not said in 包邮
        return len(word) > 1 or not HAN.match(word) or says_alone(text, word)
    return _latin_word(word).search(text) is not None


@lru_cache(maxsize=4096)
def _latin_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?:e?s)?(?![a-z0-9])")


def sounds(text: str) -> str:
    """The text read aloud for sound-alike matching, space-separated with a space at each end."""
    return " " + " ".join(_sound(ch) for ch in text) + " "


def word_sounds(word: str) -> str:
    """A Chinese name word read as a word, as `sounds` reads text: a character of several readings
    is read as in the word (瑜伽 is "yu jia", where 伽 alone is "ga"), so that a viewer's 瑜珈 sounds
    like it."""
    syllables = lazy_pinyin(word)
    if len(syllables) != len(word):
        return sounds(word)
    return " " + " ".join(map(_folded, syllables)) + " "


def _in_longer_name(word: str, text: str, product: Product, keywords: dict[str, float]) -> bool:
    """Whether the comment says `word` as part of a longer name of the product: a name word holding
    it, or in English two words of a name side by side ("power bank")."""
    if any(word in k != word and mentions(k, text) for k in keywords):
        return True
    if not word.isascii():
        return False
    names = [n.lower() for n in (product.title_en or "", *product.aliases) if n.isascii()]
    pairs = {" ".join(ws[i : i + 2]) for n in names if len(ws := n.split()) > 1 for i in range(len(ws) - 1)}
    return any(word in pair.split() and pair in text for pair in pairs)


def _asked_names(text: str, product: Product, fields: Sequence[FieldMatch] | None = None) -> frozenset[str]:
    """The names (the lexicon's, the shelf's `names:`) of each field the comment asks outright: a
    product's name may hold one ("长续航手环"), and then it is the word asked, not the product's.
    `fields`: the comment's `detect_fields` of the product, when found already."""
    words: set[str] = set()
    for f in detect_fields(text, product) if fields is None else fields:
        if f.strength >= 0.8:
            words.update(
                w.lower() for w in (*FIELD_WORDS.get(lexicon_key(f.key), ()), *product.names.get(f.key, ()))
            )
    return frozenset(words)


# what says nothing of what is asked: spaces and punctuation, sentence particles, "this / that",
# the copula, and their English (a search text of these alone has nothing to search with)
_FUNCTION = re.compile(r"[\W_]+|[这那个款是的吗嘛呢啊吧呀哦么了]|\b(is|it|this|that|one|the|a|an|are|they)\b")


def without_links(text: str) -> str:
    """The comment without its link phrases ("14号链接是什么" → " 是什么")."""
    for pat in _LINK_PATTERNS:
        text = pat.sub(" ", text)
    return text


# English title words that describe rather than name ("strong suction", "lightweight", "long-lasting"),
# or join ("converter included": "is a rain cover included?" watching a backpack was the pen's, a
# stationery shop's trial): a viewer saying one ("does it smell strong?") asks about the product on
# screen, not for another.
# Four letters or more, as the title words read (`_EN_TITLE_WORD`)
# (and the plurals a count is said in, "bought 2 boxes": a festival-gift shop's trial logged it as the
# one title with "gift boxes" while another product was on screen)
_EN_NOT_NAMES = frozenset(
    """women mens with pack style strong light lightweight long lasting long-lasting soft large small
    mini smart fast quick slim thin thick warm cool fresh natural pure premium classic portable
    durable waterproof genuine real original daily everyday extra super ultra high quality easy
    gentle full half heavy heavyweight strength double single best good great fine deep wide
    narrow tall short round flat non-slip anti-slip breathable adjustable foldable rechargeable
    reusable non-stick stainless
    include includes included including plus from into onto only each without this that these those
    edition version
    boxes packs pieces pairs sets""".split()
)
_EN_TITLE_WORD = re.compile(r"[a-z][a-z-]{3,}")
# A three-letter English title word ("pad", "mat", "cap"): too often a describing or common word to
# name a product alone, but it tells apart products a longer word names alike ("sleeping pad" and
# "sleeping bag")
_EN_SHORT_WORD = re.compile(r"\b[a-z]{3}\b")
# three-letter English nouns of goods ("how much is the bag?" of a shelf whose tote bag is titled so in
# English, read as the price of the shirt on screen): everyday things, not words that also describe,
# pack or qualify ("box", "kit", "set", "oil", "tea" are left out). See `ShelfMatcher._goods_noun`
_EN_SHORT_GOODS = frozenset(
    "bag bed bib bra cap cup hat jar mat mug pad pan pen pot rug saw tee toy tub wig wok".split()
)
# such a noun said as the thing itself ("the bag", "a cup"), not as a part of another name ("hot pot",
# "dust bag", "pad thai")
_GOODS_SAID = re.compile(rf"\b(?:the|a|an|your|ur)\s+({'|'.join(sorted(_EN_SHORT_GOODS))})(?:e?s)?(?![-\w])")
# three-letter words that name nothing: function words, numbers, and a few that describe
_EN_SHORT_NOT_NAMES = frozenset(
    """the and for you can how are was has had not but any all its our out off per via one two six
    ten now get who why yet too may nor own see put her him his she due etc inc ltd new set pro big
    men kid""".split()
)


# a measure a title gives ("Cherry高度" of keycaps, "高密度"): what the goods are like, which any product
# of a shelf has ("座椅高度多少" watching the chair asks the chair's), not a name
_MEASURE_NOUN = re.compile(r"[\u4e00-\u9fff]{1,2}度")
# a thing's everyday noun: one character and the suffix 子 ("桌子", "椅子", "裙子", "杯子")
_HEAD_NOUN = re.compile(r"[\u4e00-\u9fff]子")
# a number in 号 said as a link: "3号链接", "链接3", "#3", "第3个", "link 3"
_CALLED_LINK = re.compile(r"链接|连接|宝贝|#|第|\b(link|no|number|item)\b", re.IGNORECASE)
_SIZE_RANGE = re.compile(r"(\d{1,3})\s*号?\s*[-~～到至]\s*(\d{1,3})\s*号")


def _lists_size(value: str | list[str], number: int) -> bool:
    """Whether an attribute's value lists size `number`: an item "17号" (or "17码", "17", not "17寸"
    nor "17cm": "21号" of a wiper sold in 21寸 is link 21) of a list, or a range "10号-20号" holding it."""
    if isinstance(value, list):
        return any(re.fullmatch(rf"\s*{number}\s*(号|码)?\s*([(（].*)?", str(v)) for v in value)
    return any(int(a) <= number <= int(b) for a, b in _SIZE_RANGE.findall(str(value)))


def _sized_in_hao(value: str | list[str]) -> bool:
    """Whether an attribute lists sizes in 号 ("0号", "2号", …: brushes, rings, hooks)."""
    return (
        isinstance(value, list)
        and len(value) > 1
        and all(re.fullmatch(r"\s*\d+\s*号\s*", str(v)) for v in value)
    )


def _inside_others(words: list[str], others: list[list[str]]) -> bool:
    """Whether each name word said of a product is part of a longer one said of another product:
    "白茶" of "安吉白茶" names no second tea."""
    longer = [o for said in others for o in said]
    return bool(words) and all(any(w in o and w != o for o in longer) for w in words)


class ShelfMatcher:
    """Keyword table of one shelf: each product's aliases, title words, tags and category."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.keywords: dict[str, dict[str, float]] = {}
        self.device_stems: dict[str, set[str]] = {}  # a device's name without its ending (`_DEVICE_ENDS`)
        words: list[str] = []
        for p in catalog.products:
            words.extend(p.aliases)
            words.extend(p.tags)
        add_words(words)
        # a kind of goods many shelves have several of ("礼盒", "套装"): a name where one title alone has
        # it, unless the title only says how the goods are packed ("礼盒装": a belt, in a gift box)
        kinds = {w: [p for p in catalog.products if re.search(f"{w}(?!装)", p.title)] for w in _SHARED_KINDS}
        for p in catalog.products:
            kw: dict[str, float] = {}
            for a in p.aliases:
                kw[a.lower()] = ALIAS_WEIGHT
            for w, titled in kinds.items():
                if titled == [p]:
                    kw[w] = 1.0
            for w in tokens(p.title):
                if (
                    len(w) >= 2
                    and w not in _GENERIC
                    and not w.isdigit()
                    and not w.endswith(_FOR_USE)
                    and not _PACKED.fullmatch(w)
                    and not _MEASURE_NOUN.fullmatch(w)
                ):
                    kw.setdefault(w, 2.0)
            if p.title_en:
                for w in _EN_TITLE_WORD.findall(p.title_en.lower()):
                    if w not in _EN_NOT_NAMES:
                        kw.setdefault(w, 1.5)
            for t in p.tags:
                # a tag of one Chinese character is a quality ("辣" of spicy tofu), not a name: "辣吗"
                # watching the sausage was read as about the tofu (a specialty food shop's trial)
                if t not in _GENERIC and not t.endswith(_FOR_USE) and not (len(t) == 1 and HAN.match(t)):
                    kw.setdefault(t.lower(), 1.2)
            for word in list(kw):
                for syn in _SYNONYMS.get(word, ()):
                    kw.setdefault(syn, min(kw[word], 2.0))
            for word in tokens(p.title) + list(p.aliases):
                if word and word[-1] in _HEAD_NOUNS and len(word) >= 2:
                    kw.setdefault(word[-1] + "子", 1.0)
            for word in [w for w in kw if len(w) >= 3 and w[-1] in _DEVICE_ENDS]:
                for end in _DEVICE_ENDS:
                    kw.setdefault(word[:-1] + end, kw[word])
            kw.setdefault(p.category.lower(), 1.0)
            self.keywords[p.id] = kw
            self.device_stems[p.id] = {w[:-1] for w in kw if len(w) >= 3 and w[-1] in _DEVICE_ENDS}
        # each English title's three-letter words (`_told_apart`, `_goods_noun`)
        self.short_words = {
            p.id: set(_EN_SHORT_WORD.findall((p.title_en or "").lower())) for p in catalog.products
        }
        # how each all-Chinese name word of two characters or more sounds
        self.sounded = {
            pid: {w: word_sounds(w) for w in kw if len(w) >= 2 and all(HAN.match(ch) for ch in w)}
            for pid, kw in self.keywords.items()
        }
        # every name word, by its first character and (one heard too) its first sound: a comment is
        # checked only against the words it may say or sound like, of the shelf's hundreds
        self._words: list[tuple[str, str, float]] = []
        self._by_char: dict[str, list[int]] = {}
        self._by_sound: dict[str, list[int]] = {}
        for pid, kw in self.keywords.items():
            for word, weight in kw.items():
                self._by_char.setdefault(word[:1], []).append(len(self._words))
                if word in self.sounded[pid]:
                    self._by_sound.setdefault(self.sounded[pid][word].split()[0], []).append(len(self._words))
                self._words.append((pid, word, weight))
        # each product's Chinese names (its aliases), for English words said in their place
        self.chinese_names = {p.id: {a.lower() for a in p.aliases if HAN.search(a)} for p in catalog.products}
        # what each listing says besides its names: its fields and FAQ, and the lexicon's words for its
        # fields ("续航" of a battery_life: asked watching the earbuds, not the watch titled 两周续航;
        # see `_screen_says`)
        self.listing = {
            p.id: json.dumps(
                p.model_dump(include={"attributes", "shipping", "returns", "faq", "en", "names"}),
                ensure_ascii=False,
            ).lower()
            + " "
            + " ".join(w for k in p.attributes for w in FIELD_WORDS.get(lexicon_key(k), ())).lower()
            for p in catalog.products
        }

    def focus(self, text: str, product: Product | None, fields: Sequence[FieldMatch] | None = None) -> str:
        """The comment without its link phrase and the product's own name words: what is left is
        what is asked, which is what an FAQ question says ("5号裤子会掉色吗" → "会掉色吗").
        `fields`: the comment's `detect_fields` of the product, when found already."""
        out = without_links(text)
        if product is not None:
            kw = self.keywords.get(product.id, {})
            # a name word that names the field asked is what is asked ("续航几天" of a "长续航手环":
            # without it the search read "几天" as the delivery time), unless said as part of a longer
            # name ("power" of "how much is the power bank?")
            named = {
                w for w in _asked_names(text, product, fields) if not _in_longer_name(w, text, product, kw)
            }
            out = self._without_soundalikes(out, product.id, frozenset(named))
            for word in sorted(kw, key=len, reverse=True):
                if word in named:
                    continue
                if len(word) >= 2 and mentions(word, out):
                    out = out.replace(word, " ") if not word.isascii() else _latin_word(word).sub(" ", out)
                elif len(word) == 1 and HAN.match(word) and mentions(word, out):
                    out = without_word(out, word)  # "刀是什么钢" of a knife set called 刀, not 刀柄
            for stem in self.device_stems.get(product.id, ()):
                out = out.replace(stem, " ")  # "雨刮包邮吗" of a 雨刮器 → "包邮吗"
            # its everyday nickname too, a head noun after a measure word ("这个锅多少钱" → "这个 多少钱")
            out = _HEAD_ALONE.sub(
                lambda m: m.group(0)[:-1] + " " if f"{m.group(1)}子" in kw else m.group(0), out
            )
        out = re.sub(r"\s+", " ", out).strip()
        # nothing left but particles and "this" ("是纯棉的吗" of a 纯棉 shirt → "是的吗"): the name
        # word was the word asked, so the whole comment is searched
        return out if len(_FUNCTION.sub("", out)) >= 2 else text

    def _without_soundalikes(self, text: str, pid: str, keep: frozenset[str] = frozenset()) -> str:
        """The text without the product's names typed as homophones ("蛋白分多少钱" of 蛋白粉 →
        "多少钱"), as `_name_scores` hears them; but for the words of `keep`."""
        for word, sound in sorted(self.sounded.get(pid, {}).items(), key=lambda ws: -len(ws[0])):
            if word in keep or sound not in sounds(text):
                continue
            n = len(word)
            for i in range(len(text) - n, -1, -1):
                typed = text[i : i + n]
                if sounds(typed) == sound and (n > 2 or typed[0] == word[0]):
                    text = text[:i] + " " + text[i + n :]
        return text

    def _a_listed_size(self, text: str, number: int, on_screen: str | None) -> bool:
        """Whether a number in 号 is a version the product on screen lists ("有17号的吗" of a ring sold
        in sizes 10号–20号), or a size its listing names as the comment does, before the same word
        ("4号线" of a reel whose listing says "4000型 4号线150米"), not a link, which the comment does not
        call it ("17号链接")."""
        if _CALLED_LINK.search(text):
            return False
        named, _, _ = self.by_name(self._name_scores(text))
        if named is not None and any(_sized_in_hao(v) for v in named.attributes.values()):
            # "貂毛笔有12号吗" watching an easel, of brushes sized 0号 to 10号: the brush named is sized in
            # 号, and a number in 号 said of it is its size, listed or not (an art shop's trial: link 12)
            return True
        screen = self.catalog.product(on_screen) if on_screen else None
        if screen is None:
            return False
        if any(_lists_size(v, number) for v in screen.attributes.values()):
            return True
        values = screen.values_text()
        said = {m.group(1) for m in re.finditer(rf"(?<![\d.]){number}\s*号\s*([\u4e00-\u9fff])", text)}
        return any(re.search(rf"(?<![\d.]){number}\s*号\s*{word}", values) for word in said)

    def find_link(self, text: str) -> int | None:
        for pat in _LINK_PATTERNS:
            m = pat.search(text)
            if m:
                raw = next(g for g in m.groups() if g and (g.isdigit() or re.fullmatch(CN_NUM, g)))
                n = cn_to_int(raw)
                if n is not None and n > 0:
                    return n
        return None

    def several(self, text: str, on_screen: str | None = None) -> list[Product | None]:
        """The products a comment names when it names more than one: by link number ("3号5号多少钱",
        "1号链接和2号链接", in the order named; None for a link not on the shelf), one link joined with
        "this" (the product `on_screen`: "这竿子和3号链接的线配吗", "3号和这个哪个好"), or names joined
        with 和 / and; else nothing."""
        found: dict[int, int] = {}  # link -> where it is named
        taken: list[tuple[int, int]] = []  # the spans read as links so far
        for pat in _LINK_PATTERNS:
            for m in pat.finditer(text):
                # a phrase names one link: "3号链接一桌六椅" holds "链接一", which is no second one
                if any(m.start() < end and start < m.end() for start, end in taken):
                    continue
                raw = next(g for g in m.groups() if g and (g.isdigit() or re.fullmatch(CN_NUM, g)))
                n = cn_to_int(raw)
                if n is not None and n > 0:
                    found.setdefault(n, m.start())
                    taken.append(m.span())
        if len(found) >= 2:
            return [self.catalog.by_link(n) for n in sorted(found, key=found.__getitem__)]
        # one link and "this" (the product on screen) joined by 和 / 跟 / and: two products
        screen = self.catalog.product(on_screen) if on_screen else None
        if len(found) == 1 and screen is not None and screen.link not in found:
            link, (start, end) = next(iter(found)), taken[0]  # the one link, where it is first named
            this = next(
                (
                    m
                    for m in _THIS.finditer(text)
                    if not (start <= m.start() < end) and m.group(0) not in _PRONOUNS
                ),
                None,
            )
            between = text[min(end, this.end()) : max(start, this.start())] if this is not None else ""
            if this is not None and _AND.search(between) and len(between) <= 6:
                return (
                    [screen, self.catalog.by_link(link)]
                    if this.start() < start
                    else [self.catalog.by_link(link), screen]
                )
        if found or not _AND.search(text) or _USED_TOGETHER.search(text):
            # "84能和洁厕灵一起用吗": one product asked about, the other what it is used with
            return []
        if any(sum(mentions(v.lower(), text) for v in p.prices) >= 2 for p in self.catalog.products):
            # "英语一和英语二什么区别": two versions of one product, not two products
            return []
        # "衬衫和裤子多少钱": two names joined; a name inside another's longer one said there is none
        # ("白茶" of "安吉白茶")
        named = [
            p for pid, s in self._name_scores(text).items() if s >= 1.0 and (p := self.catalog.product(pid))
        ]
        said = {p.id: self.names_said(text, p) for p in named}
        named = [
            p for p in named if not _inside_others(said[p.id], [said[q.id] for q in named if q is not p])
        ]
        return named if len(named) >= 2 else []

    def _name_scores(self, text: str) -> dict[str, float]:
        """Each product's keyword score in the text (products with none left out)."""
        scores: dict[str, float] = {}
        heads = {m.group(1) + "子" for m in _HEAD_ALONE.finditer(text)}
        text = SENT_TO.sub(" ", _MEASURED.sub(" ", text))
        heard = sounds(text)
        asked = [m.group(1).lower() for rx in (_ASKED_TO_BE, _MEASURE_ASKED) for m in rx.finditer(text)]
        said: set[str] = set()
        heard_as: list[tuple[str, str, float]] = []  # (product, name word, weight) heard, not typed
        firsts = {"", *text, *(h[0] for h in heads)}
        near = sorted(
            {i for ch in firsts for i in self._by_char.get(ch, ())}
            | {i for syllable in set(heard.split()) for i in self._by_sound.get(syllable, ())}
        )
        typed_scores: dict[str, float] = {}
        for pid, word, weight in (self._words[i] for i in near):  # in the shelf's order
            if asked and weight < ALIAS_WEIGHT and any(word in a for a in asked):
                continue  # a property asked of the goods, not their name
            sounded = self.sounded[pid]
            if mentions(word, text) or word in heads:
                typed_scores[pid] = typed_scores.get(pid, 0.0) + weight * (1 + 0.1 * len(word))
                said.add(word)
            elif word in sounded and sounded[word] in heard and (len(word) > 2 or word[0] in text):
                heard_as.append((pid, word, weight))
        scores.update((pid, s) for pid, s in typed_scores.items() if s > 0)
        typed = sorted((w for w in said if HAN.match(w[0])), key=len, reverse=True)
        for pid, word, weight in heard_as:
            # not heard inside a longer name typed right: "古典吉他" holds the sound of 电吉他
            longer = [w for w in typed if len(w) > len(word)]
            if longer and self.sounded[pid][word] not in sounds(blanked(text, longer)):
                continue
            scores[pid] = scores.get(pid, 0.0) + SOUNDALIKE_WEIGHT * weight * (1 + 0.1 * len(word))
        return scores or self._glossed_scores(text)

    def _glossed_scores(self, text: str) -> dict[str, float]:
        """Products named by an English word's Chinese ("how much is the juicer?": 榨汁机, an alias of
        the blender cup), each at `GLOSS_WEIGHT` of the alias weight."""
        scores: dict[str, float] = {}
        for word in set(glossable_words(text)):
            for gloss in zh_glosses(word):
                for pid, names in self.chinese_names.items():
                    if gloss in names:
                        scores[pid] = scores.get(pid, 0.0) + GLOSS_WEIGHT * 3.0 * (1 + 0.1 * len(gloss))
        return scores

    def by_name(self, scores: dict[str, float]) -> tuple[Product | None, float, list[Product]]:
        """Best product by a text's keyword `scores` (`_name_scores`); ties come back as candidates."""
        if not scores:
            return None, 0.0, []
        best = max(scores.values())
        top = [self.catalog.product(pid) for pid, s in scores.items() if s >= best * 0.999]
        top_products = [p for p in top if p is not None]
        if len(top_products) == 1:
            return top_products[0], best, top_products
        return None, best, top_products

    def _told_apart(self, text: str, tied: list[Product]) -> Product | None:
        """Of products a comment names alike, the one alone whose English title has a three-letter
        word the comment says ("how heavy is the sleeping pad?": the pad, not the sleeping bag)."""
        if len(tied) < 2:
            return None
        said = set(_EN_SHORT_WORD.findall(text.lower())) - _EN_SHORT_NOT_NAMES
        hits = [p for p in tied if said & self.short_words[p.id]]
        return hits[0] if len(hits) == 1 else None

    def _goods_noun(self, text: str, screen: Product | None) -> Product | None:
        """The one product of another kind than the one on screen whose English title has a
        three-letter noun of goods the comment says as the thing itself ("how much is the bag?"
        watching a shirt: the tote bag). Too common a word to name a product alone otherwise: on a
        shelf of handbags, "the bag" is the one on screen, whichever title says "bag"."""
        if screen is None:
            return None
        said = {m.group(1) for m in _GOODS_SAID.finditer(text.lower())}
        if not said or said & self.short_words[screen.id]:  # "the bag" watching a bag is that bag
            return None
        hits = [p for p in self.catalog.products if said & self.short_words[p.id]]
        return hits[0] if len(hits) == 1 and hits[0].category != screen.category else None

    def tied(self, text: str) -> list[Product]:
        """Every product a text's names fit best, equally well ("帽子" of a shelf with two hats)."""
        return self.by_name(self._name_scores(text))[2]

    def _screen_says(self, text: str, screen: Product, named: Product) -> bool:
        """Whether each word of the title or tags that names another product is one the listing on
        screen uses too: the viewer asks about that part or aspect of the product in view ("充电一次
        能用几天" of a fitness band whose listing speaks of charging), not for the product whose title
        has the word (a blender cup tagged 充电). An alias is a name."""
        said = self.names_said(text, named)
        if not said or any(mentions(a.lower(), text) for a in named.aliases):
            return False
        return all(mentions(w, self.listing[screen.id]) for w in said)

    def _named_past(self, text: str, screen: Product, named: Product) -> bool:
        """Whether another product is named past the one on screen: each word naming the one on
        screen is part of a longer name of the other said ("duvet" of "down duvet"), or the
        comment picks the other as "the X one" by a word only it is named by ("the check one, is
        it 100% cotton?": "cotton" names both bed sets, "check" the other one), or each word naming
        the one on screen names the field asked ("潜水表防水吗" watching a watch titled "100米防水": the
        water resistance asked of the dive watch)."""
        if named.id == screen.id:
            return False
        ours, theirs = self.names_said(text, screen), self.names_said(text, named)
        if ours and all(any(w in t and w != t for t in theirs) for w in ours):
            return True
        asked = _asked_names(text, screen) if ours else frozenset()
        if ours and all(w in asked for w in ours) and any(w not in asked for w in theirs):
            return True
        if ours and all(self._a_part_named_by(w, screen, named) for w in ours):
            return True
        picked = {m.group(1) for m in _THE_X_ONE.finditer(text.lower())}
        return any(w in picked and w not in ours for w in theirs)

    def _a_part_named_by(self, word: str, screen: Product, named: Product) -> bool:
        """Whether `word` is one of the parts the title on screen lists and the other product's own
        name (an alias, not the screen's): "鱼钩多少钱" watching a kit titled "手竿+线组+鱼钩+浮漂" asks
        about the hooks sold on their own, not the kit (its price was sent)."""
        if self.keywords.get(screen.id, {}).get(word, 0.0) >= ALIAS_WEIGHT:
            return False
        if self.keywords.get(named.id, {}).get(word, 0.0) < ALIAS_WEIGHT:
            return False
        w = re.escape(word)
        return re.search(rf"{_PART_BEFORE}{w}|{w}{_PART_AFTER}", screen.title.lower()) is not None

    def _asks_entry_of(self, text: str, screen: Product) -> bool:
        """Whether the comment is, but for spaces and punctuation, a question the listing on screen
        answers in its FAQ: "能戴眼镜吗" watching the helmet is its entry's question, whatever
        product 眼镜 names."""
        said = words_only(text)
        return bool(said) and any(said == words_only(q) for q in screen.faq_questions())

    def _another_of_its_kind(self, text: str, named: Product) -> bool:
        """Whether every word naming the other product is a word of its English title said after an
        English word its English title, aliases and versions lack: "is the plum wine sweet" watching a
        plum wine named only in Chinese asks of another wine than the "Bordeaux red wine" (its
        sweetness, "Dry", was sent); "the red wine" would name the Bordeaux."""
        said = self.names_said(text, named)
        kw = self.keywords.get(named.id, {})
        if not said or not all(w.isascii() and kw.get(w, 0.0) < ALIAS_WEIGHT for w in said):
            return False
        versions = list(named.en.versions.values()) if named.en is not None else []
        english = " ".join([named.title_en or "", *named.aliases, *versions]).lower()
        lowered = text.lower()
        for w in said:
            before = re.search(rf"\b([a-z][a-z-]+)\s+{re.escape(w)}\b", lowered)
            if before is None or before.group(1) in ENGLISH_STOP_WORDS or before.group(1) in english:
                return False
        return True

    def _faq_compares_with_link(self, text: str, screen: Product, link: int) -> bool:
        """Whether a question of the FAQ of the product on screen names the link the comment names,
        another product's, and says most of the rest of the comment too: "礼盒里的酒跟1号一样吗"
        watching a gift box whose FAQ asks "礼盒里的酒和1号链接一样吗？" compares the box with link 1 (it
        was put to link 1, and its entry on small bottles sent)."""
        if screen.link == link:
            return False
        rest = set(han_chars(without_links(text)))
        for q in screen.faq_questions():
            if (
                self.find_link(q) == link
                and len(rest & set(han_chars(without_links(q)))) * 3 >= len(rest) * 2
            ):
                return True
        return False

    def _faq_asks_with(self, text: str, screen: Product, named: Product) -> bool:
        """Whether a question of the FAQ of the product on screen says every name of the other product
        the comment says and shares a content character with the comment besides ("钢笔写会不会洇"
        watching a notebook whose FAQ asks "钢笔写会洇吗？": the notebook's question, asked with the word
        that names the pen; a stationery shop's trial)."""
        said = self.names_said(text, named)
        if not said:
            return False
        rest = set(han_chars(blanked(text, said)))
        return any(
            all(w in q for w in said) and bool(rest & set(han_chars(blanked(q, said))))
            for q in (q.lower() for q in screen.faq_questions())
        )

    def _used_with(self, text: str, named: Product) -> bool:
        """Whether every name of another product the comment says is what the goods are to be used
        with (`_USED_WITH`): "电吉他能用吗" watching the tuner asks about the tuner. Before the verb,
        the name alone: "18-135全幅能用吗" and "学饮杯几个月能用" ask whether the product named can be."""
        said = self.names_said(text, named)
        if not said:
            return False
        # a span after the verb counts as it is; one before it when the product's names are all it says
        spans = [
            after or before
            for after, before in (m.groups() for m in _USED_WITH.finditer(text))
            if after or not blanked(before, said).strip(" 也")
        ]
        return all(any(w in span for span in spans) for w in said)

    def _comes_with(self, text: str, screen: Product, named: Product) -> bool:
        """Whether every name of another product the comment says is what the goods on screen are
        asked to come with (`_COMES_WITH`), a thing their listing speaks of: "带不带线啊" watching the
        reel (its FAQ: 带线吗) asks about the reel. Not an alias the asking verb begins ("有带鱼吗": the
        hairtail, named), nor a thing the listing on screen never names ("送姜醋吗" watching the crabs:
        the dipping sauce's own FAQ says what comes with them)."""
        said = self.names_said(text, named)
        spans = [m.groups() for m in _COMES_WITH.finditer(text) if m.group(2) in self.listing[screen.id]]
        kw = self.keywords.get(named.id, {})
        return (
            bool(said)
            and all(any(w in span for span, _ in spans) for w in said)
            and not any(kw[w] >= ALIAS_WEIGHT and span.startswith(w) for w in said for span, _ in spans)
        )

    def _without_what_comes_with(self, text: str, scores: dict[str, float]) -> dict[str, float]:
        """The scores without the products named only as what another product named before them is
        asked to come with (`_COMES_WITH_AFTER`): "吊灯送灯泡吗" asks about the pendant lamp, the bulbs
        it may come with are no product asked about (`_comes_with` reads so a comment about the
        product on screen)."""
        if len(scores) < 2:
            return scores
        lowered = text.lower()
        said = {pid: [w for w in self.keywords.get(pid, {}) if mentions(w, lowered)] for pid in scores}
        extras: set[str] = set()
        for verb in _GIVING_VERB.finditer(lowered):
            given = _COMES_WITH_AFTER.match(lowered, verb.start())
            if given is None:
                continue
            at, end = verb.start(), given.end(1 if given.group(1) else 3)
            before = lowered[:at]

            def given_only(w: str, at: int = at, end: int = end) -> bool:
                # said only after the verb, or made by the verb with a word beside it ("带不带鱼线": 带鱼,
                # "吊灯带灯泡吗": 灯带); "买手机送手机壳吗" says the phone before the verb too
                return all(
                    m.start() + len(w) > at and m.start() < end for m in re.finditer(re.escape(w), lowered)
                )

            if any(mentions(w, before) for words in said.values() for w in words):
                extras |= {pid for pid, words in said.items() if words and all(map(given_only, words))}
        return {pid: s for pid, s in scores.items() if pid not in extras} if extras < set(scores) else scores

    def _called_by_kind(self, text: str, screen: Product, named: Product) -> bool:
        """Whether every name of another product the comment says is a thing's everyday noun ("桌子",
        "椅子") whose head the title on screen has too: "桌子能升多高" watching the 学习桌 asks about
        it, not about the dining table aliased 桌子."""
        said = self.names_said(text, named)
        return bool(said) and all(_HEAD_NOUN.fullmatch(w) and w[0] in screen.title for w in said)

    def names_said(self, text: str, product: Product) -> list[str]:
        """The product's name words the comment says."""
        return [w for w in self.keywords.get(product.id, {}) if mentions(w, text)]

    def _refers_to(self, text: str, this: re.Match[str], product: Product) -> bool:
        """Whether `this` (a match of `_THIS`) refers to `product` rather than to the one on screen:
        one of its names follows the demonstrative ("这个洗面奶", "this cream"), or a pronoun ("它",
        "it") comes after one of its names ("the sunscreen is great, is it waterproof?")."""
        words = [w for w in self.keywords.get(product.id, {}) if w]
        after = text[this.end() :].lstrip()
        if any(after.startswith(w) for w in words):
            return True
        return this.group(0) in _PRONOUNS and any(mentions(w, text[: this.start()]) for w in words)

    def _by_version(self, text: str, screen: Product | None) -> Product | None:
        """The one product whose versions of prices a price question names by an amount ("5磅的多少钱"
        of the protein powder sold in 2磅 and 5磅), where the product on screen has no such version;
        never of another question ("宝宝20斤穿什么码" names no rice sold by 10斤 and 20斤)."""
        if not any(ch.isdigit() for ch in text) or not any(
            f.key == "price" and f.strength >= 0.8 for f in detect_fields(text, None)
        ):  # an amount is written in digits; most comments give none
            return None
        if screen is not None and version_by_amount(screen, text) is not None:
            return None
        having = [p for p in self.catalog.products if p is not screen and version_by_amount(p, text)]
        return having[0] if len(having) == 1 else None

    def resolve(
        self, text: str, on_screen: str | None, recent: str | None = None, earlier: str | None = None
    ) -> ProductRef:
        """The product meant, with how it was found and how sure that is. `earlier`: the product on
        screen before the current one, what "上一个" means."""
        link = self.find_link(text)
        screen = self.catalog.product(on_screen) if on_screen else None
        if screen is not None and link is not None and self._faq_compares_with_link(text, screen, link):
            return ProductRef(screen, "on_screen", 0.85)
        if link is not None and not self._a_listed_size(text, link, on_screen):
            p = self.catalog.by_link(link)
            if p is not None:
                return ProductRef(p, "link", 1.0, link)
            return ProductRef(None, "unknown_link", 0.0, link)
        scores = self._without_what_comes_with(text, self._name_scores(text))
        named, strength, tied = self.by_name(scores)
        if screen is not None and named is not None and self._another_of_its_kind(text, named):
            named = None  # "the plum wine" of a shelf whose only English "wine" is the Bordeaux's
        this = _THIS.search(text)
        day = _DAY_OR_LINK.search(text)
        if day is not None and named is None and this is None:
            number = cn_to_int(day.group(1))
            if number is not None and self.catalog.by_link(number) is not None:
                return ProductRef(None, "day_or_link", 0.0, number)
        if (
            screen is not None
            and scores.get(screen.id, 0.0) > 0.0
            and not (named is not None and self._named_past(text, screen, named))
        ):
            # the product on screen is named too: the viewer asks about it, and the other names
            # are context ("用了防晒霜再上粉底会搓泥吗" watching the cushion foundation)
            return ProductRef(screen, "name", 0.9)
        if (
            screen is not None
            and named is not None
            and (
                self._screen_says(text, screen, named)
                or self._called_by_kind(text, screen, named)
                # "电吉他能用吗", not "这个防晒霜能用吗" ("this" names the sunscreen)
                or (
                    self._used_with(text, named)
                    and not (this is not None and self._refers_to(text, this, named))
                )
                or self._asks_entry_of(text, screen)
                or self._faq_asks_with(text, screen, named)
                or self._comes_with(text, screen, named)
            )
        ):
            return ProductRef(screen, "on_screen", 0.85)
        if (
            this is not None
            and screen is not None
            and named is not None
            and not self._refers_to(text, this, named)
        ):
            # "防晒霜涂完能用这个吗", "does it go on over sunscreen?": "this", or "it" before any
            # other name, is the product on screen; the other name is context
            return ProductRef(screen, "this", 0.95)
        if named is not None and strength >= 2.0:
            return ProductRef(named, "name", 0.95)
        if tied and screen is not None and screen in tied:
            return ProductRef(screen, "name", 0.9)
        if named is not None and strength >= 1.0 and (screen is None or named.id != screen.id):
            # "油皮能用这个洗面奶吗" names another product than the one on screen: the name wins
            return ProductRef(named, "name", 0.85)
        if _EARLIER.search(text) and named is None:
            # not the one on screen; if which one was shown before is not known, the streamer says
            before = self.catalog.product(earlier) if earlier else None
            return ProductRef(before, "earlier", 0.9 if before is not None else 0.0)
        if this is not None and screen is not None:
            return ProductRef(screen, "this", 0.95)
        if named is not None:
            return ProductRef(named, "name", 0.8)
        told = self._told_apart(text, tied) if screen is None or screen not in tied else None
        if told is not None:
            return ProductRef(told, "name", 0.85)
        versioned = self._by_version(text, screen)
        if versioned is not None:
            return ProductRef(versioned, "name", 0.85)
        goods = self._goods_noun(text, screen)
        if goods is not None:
            return ProductRef(goods, "name", 0.85)
        if recent:
            rp = self.catalog.product(recent)
            if rp is not None:
                return ProductRef(rp, "recent", 0.8)
        if screen is not None:
            return ProductRef(screen, "on_screen", 0.85)
        if tied:
            return ProductRef(tied[0], "name", 0.5)
        if len(self.catalog.products) == 1:  # a shelf of one: it is the product on screen, said or not
            return ProductRef(self.catalog.products[0], "on_screen", 0.85)
        return ProductRef(None, "none", 0.0)
