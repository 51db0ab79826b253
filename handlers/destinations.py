"""Where a viewer asks to have goods sent, or by which courier, and whether a shipping policy says
anything about it.

"能寄到台湾吗" or "do you ship to Canada?" is a shipping question, but a policy that reads "48小时内发货，
全国包邮" does not answer it: quoting it would read as a yes. A shop in this market ships within the
mainland; Hong Kong, Macau, Taiwan and other countries are the exceptions a policy has to name.
"""

from __future__ import annotations

import re
from typing import Literal

Region = Literal["mainland", "hk_mo_tw", "abroad"]

# province-level names (general geography, not any shelf's words)
_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|"
    "海南|四川|贵州|云南|陕西|甘肃|青海|内蒙古|内蒙|广西|西藏|宁夏|新疆"
)
_ZH = re.compile(
    rf"(?P<mainland>{_PROVINCES})|(?P<hk_mo_tw>香港|澳门|台湾|港澳台|港澳|(?<![a-z])hk(?![a-z]))"
    r"|(?P<abroad>国外|海外|境外|出国)",
    re.ASCII,
)
# a place after a verb of sending ("能寄云南吗", "发新疆几天", "到西藏要多久"): where the goods go,
# never the name of a product from there ("云南鲜花饼")
SENT_TO = re.compile(rf"(?:[寄发邮送运](?:到|往|去)?|到|往)(?:{_PROVINCES}|香港|澳门|台湾)", re.ASCII)
# "ship to Canada", "deliver it to the US", "send this to Hong Kong"
_EN_TO = re.compile(
    r"\b(?:ship|send|deliver|post|mail)(?:s|ping|ped|ed)?\b[^.?!]{0,20}?\bto\s+(the\s+)?([a-z]+)",
    re.ASCII | re.IGNORECASE,
)
_EN_ABROAD = re.compile(r"\b(abroad|overseas|international(?:ly)?|worldwide)\b", re.ASCII)
_EN_REGION: dict[str, Region] = {
    "china": "mainland",
    "mainland": "mainland",
    "hong": "hk_mo_tw",
    "hk": "hk_mo_tw",
    "macau": "hk_mo_tw",
    "macao": "hk_mo_tw",
    "taiwan": "hk_mo_tw",
}
# the provinces' names in pinyin (and Tibet), as an English comment writes them: said in Chinese,
# the place a Chinese policy names or excepts ("新疆、西藏除外")
_EN_PROVINCES = dict(
    zip(
        "beijing tianjin shanghai chongqing hebei shanxi liaoning jilin heilongjiang jiangsu zhejiang anhui"
        " fujian jiangxi shandong henan hubei hunan guangdong hainan sichuan guizhou yunnan shaanxi gansu"
        " qinghai guangxi tibet xizang ningxia xinjiang".split(),
        "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川"
        " 贵州 云南 陕西 甘肃 青海 广西 西藏 西藏 宁夏 新疆".split(),
        strict=True,
    )
)
# the countries viewers most ask to have goods sent to, by their Chinese names and their English
# ones (general geography): a policy in either language that names one speaks for it
_COUNTRIES: dict[str, tuple[str, ...]] = {
    "日本": ("japan",), "韩国": ("korea",), "新加坡": ("singapore",), "马来西亚": ("malaysia",),
    "泰国": ("thailand",), "越南": ("vietnam",), "菲律宾": ("philippines",), "印尼": ("indonesia",),
    "美国": ("usa", "america", "united states"), "加拿大": ("canada",), "英国": ("uk", "britain", "england"),
    "澳大利亚": ("australia",), "澳洲": ("australia",), "新西兰": ("new zealand",), "德国": ("germany",),
    "法国": ("france",), "意大利": ("italy",), "西班牙": ("spain",), "荷兰": ("netherlands",),
    "俄罗斯": ("russia",),
}  # fmt: skip
# a country after a verb of sending ("能寄日本吗", "寄唔寄日本", "发到新加坡"): never a product's origin
# ("日本进口")
_ZH_ABROAD_TO = re.compile(rf"(?:[寄发邮送运](?:到|往|去)?|到|往)({'|'.join(_COUNTRIES)})", re.ASCII)
# the mainland named as the only place goods go ("仅发中国大陆", "mainland China only"): a statement
# about every other place; "free delivery in mainland China" says what delivery costs there, not
# whether goods go abroad
_MAINLAND_ONLY = (
    r"(仅|只|限)[^，。；,;]{0,6}(大陆|内地)|(大陆|内地)(以外|之外)"
    r"|mainland[^.;,]{0,16}\bonly\b|\bonly\b[^.;,]{0,16}mainland"
)
# what a policy says that covers each region (named outright, or a statement about it)
_COVERS: dict[Region, re.Pattern[str]] = {
    "mainland": re.compile(r"全国|大陆|内地|mainland|nationwide|china", re.IGNORECASE | re.ASCII),
    "hk_mo_tw": re.compile(
        rf"港澳|台湾|香港|澳门|海外|境外|{_MAINLAND_ONLY}|hong kong|macau|taiwan", re.IGNORECASE | re.ASCII
    ),
    "abroad": re.compile(
        rf"海外|国外|境外|{_MAINLAND_ONLY}|abroad|overseas|international", re.IGNORECASE | re.ASCII
    ),
}


def asked_destination(text: str) -> tuple[str, Region] | None:
    """The place the comment asks to have goods sent to, and its region; None when it names none.
    Hong Kong's Latin initials count in a Chinese comment too ("可以寄HK吗")."""
    lower = text.lower()
    m = _ZH.search(lower)
    if m is not None and m.lastgroup is not None:
        return m.group(), m.lastgroup  # type: ignore[return-value]
    abroad_to = _ZH_ABROAD_TO.search(text)
    if abroad_to is not None:
        return abroad_to.group(1), "abroad"
    to = _EN_TO.search(text)
    if to is not None:
        the, said = to.groups()
        # "us" is the country after "the" or in capitals ("ship to the US?"), else the viewers themselves
        word = "usa" if said.lower() == "us" and (the or said == "US") else said.lower()
        if word not in ("me", "my", "us", "you", "your", "home", "door", "ship"):
            if word in _EN_PROVINCES:
                return _EN_PROVINCES[word], "mainland"
            return word, _EN_REGION.get(word, "abroad")
    abroad = _EN_ABROAD.search(lower)
    return (abroad.group(1), "abroad") if abroad is not None else None


def policy_is_silent(text: str, policies: list[str]) -> bool:
    """Whether the comment names a destination that none of the policy texts (the shelf's and its
    English one) names or speaks for."""
    asked = asked_destination(text)
    if asked is None:
        return False
    place, region = asked
    joined = " ".join(policies).lower()
    return not any(n in joined for n in _names_of(place)) and not _COVERS[region].search(joined)


# how policies name provinces short: by their one-character names and the groups they ship to alike
# ("江浙沪次日达", "仅发江浙沪皖", "东三省偏远加运费"; general geography, not any shelf's words). Only the
# short names that say nothing else in a policy (not 京 of 京东, 新 of 新鲜, 藏 of 冷藏, 云 of 云仓)
_SHORT_NAMES: dict[str, tuple[str, ...]] = {
    "上海": ("沪",), "江苏": ("江浙", "苏浙"), "浙江": ("浙",), "安徽": ("皖",), "广东": ("粤", "两广", "珠三角"),
    "广西": ("两广",), "福建": ("闽",), "湖北": ("鄂",), "湖南": ("湘",), "河南": ("豫",), "山东": ("鲁",),
    "江西": ("赣",), "重庆": ("渝",), "四川": ("川渝",), "北京": ("京津冀",), "天津": ("京津",), "河北": ("冀",),
    "贵州": ("黔",), "云南": ("滇",), "海南": ("琼",), "辽宁": ("东三省",), "吉林": ("东三省",),
    "黑龙江": ("东三省",),
}  # fmt: skip


def _names_of(place: str) -> set[str]:
    """A place by its name in either language ("ship to Singapore?" of a policy naming 新加坡) and a
    province by its short names ("快递到上海几天" of "江浙沪次日达": a festival-gift shop's trial, handed
    over as a policy that did not say)."""
    names = {place.lower(), *_COUNTRIES.get(place, ()), *_SHORT_NAMES.get(place, ())}
    return names | {zh for zh, en in _COUNTRIES.items() if place.lower() in en}


# the couriers of this market by their usual names, and asking which one ("发什么快递", "which courier")
_COURIERS = re.compile(
    r"顺丰|京东(?:快递|物流)?|中通|圆通|申通|韵达|百世|极兔|德邦|邮政|(?<![a-z])(?:ems|sf|dhl|fedex|ups)(?![a-z])",
    re.ASCII,
)
_WHICH_COURIER = re.compile(
    r"(什么|啥|哪家|哪个|哪种)(快递|物流)|快递是(哪家|哪个|什么)"
    r"|\b(which|what) (courier|carrier|delivery company|express)\b",
    re.ASCII,
)


def courier_unnamed(text: str, policies: list[str]) -> bool:
    """Whether the comment names a courier ("能发顺丰吗") that the policy texts do not name, or asks
    which courier when they name none: "48小时内发货，全国包邮" says neither."""
    joined, lower = " ".join(policies).lower(), text.lower()
    named = _COURIERS.findall(lower)
    if named:
        return not any(c in joined for c in named)
    return bool(_WHICH_COURIER.search(lower)) and not _COURIERS.search(joined)


# what the delivery costs, asked ("包邮吗", "要运费不", "free shipping?") and said ("全国包邮", "运费到付",
# "满49元包邮", "shipping is free")
_FEE_ASKED = re.compile(
    r"包邮|免邮|运费|邮费|快递费|\b(free shipping|free delivery|shipping (fee|cost)|postage|delivery fee)\b",
    re.ASCII,
)
_FEE_SAID = re.compile(
    r"包邮|免邮|运费|邮费|快递费|到付|\b(free|fee|fees|postage|paid on (arrival|delivery))\b", re.ASCII
)


def fee_unsaid(text: str, policies: list[str]) -> bool:
    """Whether the comment asks what the delivery costs ("小样包邮吗") and no policy text speaks of it:
    "付款后24小时内发货，中通陆运" quoted would read as a yes (a perfume shop's trial)."""
    return _asked_not_given(_FEE_ASKED, _FEE_SAID, text, policies)


# where a return is sent, asked ("退货地址发一下", "寄回哪里", "return address?"), and an address said
_ADDRESS_ASKED = re.compile(
    r"(退货|退回|寄回|退换)(的)?地址|(寄|退|发)回(哪|哪里|哪儿|什么地方)|\b(return address|where (do|should|can) i (send|return))\b",
    re.ASCII,
)
_ADDRESS_SAID = re.compile(
    r"地址|仓库|\d+号|路\d|[\u4e00-\u9fff]{2}[省市](?!场)|\b(address|warehouse)\b", re.ASCII
)


def address_unsaid(text: str, policies: list[str]) -> bool:
    """Whether the comment asks where a return is sent and no returns text gives an address:
    "未拆封7天无理由退货" quoted to "退货地址在哪" answers another question (a perfume shop's trial)."""
    return _asked_not_given(_ADDRESS_ASKED, _ADDRESS_SAID, text, policies)


def _asked_not_given(asked: re.Pattern[str], given: re.Pattern[str], text: str, policies: list[str]) -> bool:
    """Whether the comment asks what `asked` finds and no policy text says what `given` finds."""
    return bool(asked.search(text.lower())) and not given.search(" ".join(policies).lower())


def asked_by_name(text: str) -> str | None:
    """The places and couriers the comment names ("新疆 顺丰"), space-joined, as a policy would name
    them: what a shipping reply quotes the policy's sentences about. None when it names neither."""
    asked = asked_destination(text)
    names = [asked[0]] if asked is not None else []
    names += [c for c in dict.fromkeys(_COURIERS.findall(text.lower())) if c not in names]
    return " ".join(names) or None


# a policy's sentences and clauses: "全国包邮（新疆、西藏除外）。默认中通，可加钱发顺丰；48小时内发货"
_SENTENCE = re.compile(r"(?<=[。；;！!\n])|(?<=[.!?])\s+", re.ASCII)


def _region_of(name: str) -> Region | None:
    """The region of a place as `asked_by_name` gives it; None for a courier."""
    zh = _ZH.fullmatch(name)
    if zh is not None:
        return zh.lastgroup  # type: ignore[return-value]
    if name in _EN_PROVINCES:
        return "mainland"
    if name in _EN_REGION:
        return _EN_REGION[name]
    if _COURIERS.fullmatch(name):
        return None
    return "abroad"


def sentences_naming(policy: str, asked: str) -> str | None:
    """The sentences of a policy that name what `asked_by_name` found, or, for a place no sentence
    names, the ones speaking for its region ("港澳台及海外暂不发货" of "香港"), in their order: the part
    of the policy that answers. None when none of them, or all, do."""
    parts = [p.strip() for p in _SENTENCE.split(policy) if p.strip()]
    kept: set[int] = set()
    for name in asked.lower().split():
        names = _names_of(name)
        named = {i for i, p in enumerate(parts) if any(n in p.lower() for n in names)}
        region = _region_of(name)
        if not named and region is not None:
            named = {i for i, p in enumerate(parts) if _COVERS[region].search(p)}
        kept |= named
    if not kept or len(kept) == len(parts):
        return None
    shown = [p for i, p in enumerate(parts) if i in kept]
    return (" ".join(shown) if policy.isascii() else "".join(shown)).rstrip("；;，,")
