"""Cleaning live-room comments: full-width forms, emoji, repeated letters, language."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

from domain.messages import Lang
from recommender.text import has_han

_LATIN = re.compile(r"[a-z]")
# keep letters, digits, CJK, a little punctuation that carries meaning (question marks, #, ., %, -, /)
_DROP = re.compile(r"[^\w\u4e00-\u9fff?#.%+\-/: ]+")
_REPEAT_LATIN = re.compile(r"([a-z?!.])\1{2,}")
_REPEAT_CJK = re.compile(r"([\u4e00-\u9fff])\1{2,}")
_SPACES = re.compile(r"\s+")
# internet slang for 没有 ("还有货木有", "木有货了", "还木有发"); not the 木 of a word before 有 ("实木有
# 味道吗"): at a clause's start or end, or after 还 / 都 / 也
_MU_YOU = re.compile(r"(?:(?<![\u4e00-\u9fff])|(?<=[还都也]))木有|木有(?=[\s?!.]|$)")
# what the dropped punctuation would split: English contractions ("i'm" is no "i m", whose "m" reads as
# a size) and a height in feet and inches ("5'6" is no "5 6")
_CONTRACTION = re.compile(r"(?<=[a-z])['’](?=[a-z])")
_FEET_INCHES = re.compile(r"(?<![\d.])([4-7])\s*['’′]\s*(\d{1,2})(?!\d)\s*(?:\"|”|″|'')?")
# viewers from Hong Kong and Taiwan write traditional characters ("這個多少錢"); the catalog, the
# rules and the FAQ are in simplified ones
_T2S = OpenCC("t2s")
# and are answered in them: the bot's Chinese replies are written in simplified characters, and
# turned into traditional ones as Hong Kong writes them ("台灣", where plain s2t writes "臺灣", which
# rewrote a shop's own place names)
_S2T = OpenCC("s2hk")
_S2T_PLAIN = OpenCC("s2t")
# dryness words OpenCC's phrase list lacks, so it writes 干 as 幹 (to do) where it is 乾 (dry): "速干"
# became "速幹" in a sportswear shop's trial, and "干皮", "干发帽" go the same way
_DRY = re.compile(r"(?<=速)幹|幹(?=皮|發|髮)")


@lru_cache(maxsize=8192)  # a comment is cleaned more than once on its way, and chatter repeats
def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), simplified characters, lower case, emoji and decoration dropped,
    runs shortened; English contractions joined ("im"), feet and inches spelt out ("5ft6in"), 木有
    read as 没有."""
    t = _T2S.convert(unicodedata.normalize("NFKC", text)).lower()
    t = t.replace("？", "?").replace("！", "!")
    t = _FEET_INCHES.sub(r" \1ft\2in ", _CONTRACTION.sub("", t))
    t = _DROP.sub(" ", t)
    t = _REPEAT_LATIN.sub(r"\1\1", t)
    t = _REPEAT_CJK.sub(r"\1\1", t)
    t = _MU_YOU.sub("没有", t)
    return _SPACES.sub(" ", t).strip()


# Chinese numerals, as comments write link numbers and counts ("三号", "十九枝")
_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_NUM = r"[零一二两三四五六七八九十百]+"


def cn_to_int(s: str) -> int | None:
    """Chinese numerals up to 999 (三, 十二, 二十三, 一百零五) to int."""
    if s.isdigit():
        return int(s)
    total, current = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


_NOT_WORDS = re.compile(r"[\W_]+")


def words_only(text: str) -> str:
    """The cleaned text without spaces and punctuation: two wordings that say the same words match."""
    return _NOT_WORDS.sub("", normalize(text))


def detect_lang(text: str) -> Lang:
    """Chinese if any Han character, English if Latin letters only, Chinese otherwise."""
    if has_han(text):
        return "zh"
    if _LATIN.search(text.lower()):
        return "en"
    return "zh"


def writes_traditional(text: str) -> bool:
    """Whether a comment is written in traditional characters ("這個幾多錢"): some character of it
    reads otherwise in simplified ones."""
    return has_han(text) and _T2S.convert(text) != text


def writes_simplified(text: str) -> bool:
    """Whether a text is written in simplified characters: some character of it reads otherwise in
    traditional ones ("这个"; "有冇" is either)."""
    return has_han(text) and _S2T_PLAIN.convert(text) != text


@lru_cache(maxsize=256)
def shelf_traditional(titles: tuple[str, ...]) -> bool:
    """Whether a shelf is written in traditional characters (a Hong Kong or Taiwan shop's), by its
    products' titles: its replies then are too, to a comment that could be either."""
    return writes_traditional(" ".join(titles))


def in_viewers_script(reply: str, comment: str, traditional_shelf: bool = False) -> str:
    """A Chinese reply in the characters the viewer wrote in: traditional to a comment written so,
    and, on a shelf written in traditional characters, to one that could be either ("有冇貨" is
    "有冇货" too: "有咩色" got "3号链接…" in simplified)."""
    if writes_traditional(comment) or (traditional_shelf and not writes_simplified(comment)):
        return _DRY.sub("乾", _S2T.convert(reply))
    return reply
