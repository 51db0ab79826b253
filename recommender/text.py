"""Chinese-aware word splitting shared by the lexical retriever and product matching."""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable

import jieba
import Stemmer
from pypinyin import lazy_pinyin

jieba.setLogLevel(logging.WARNING)
_init_lock = threading.Lock()
_initialised = False

_WORD = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]+")
HAN = re.compile(r"[\u4e00-\u9fff]")  # one Chinese character (the CJK unified ideographs)
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 是 我 你 他 她 它 这 那 个 有 没 在 和 就 都 也 还 要 会 能 可以 "
    "一 不 请问 问 下 主播 宝宝 亲 老师 姐姐 什么 怎么 多少 啥 哪 a an the is are do does to of "
    "for it this that you i me my your be can will and or on in with".split()
)


def has_han(text: str) -> bool:
    """Whether a text has a Chinese character."""
    return HAN.search(text) is not None


@functools.lru_cache(maxsize=1 << 16)
def char_pinyin(ch: str) -> str:
    """A Chinese character's usual reading in toneless pinyin (any other character as it is)."""
    return lazy_pinyin(ch)[0] if HAN.match(ch) else ch


def _ensure_init() -> None:
    global _initialised
    if not _initialised:
        with _init_lock:
            if not _initialised:
                jieba.initialize()
                _initialised = True


def add_words(words: list[str]) -> None:
    """Teach the segmenter product names and aliases so they stay whole words."""
    _ensure_init()
    for w in words:
        if w and len(w) >= 2:
            jieba.add_word(w, freq=20000)
    _tokens.cache_clear()  # a new word may cut a text another way


def dictionary_frequencies() -> dict[str, int]:
    """How common each word of jieba's own dictionary is, as shipped: not the segmenter's live
    table, which the shelves' names are added to (add_words), so that what is read from it does
    not depend on which rooms were opened first."""
    _ensure_init()
    freq: dict[str, int] = {}
    with jieba.dt.get_dict_file() as f:
        for line in f:
            word, count = line.decode("utf-8").split(" ")[:2]
            freq[word] = int(count)
    return freq


def tokens(text: str) -> list[str]:
    """Lower-cased content words: jieba words for Chinese, alphanumeric runs for the rest."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=1 << 14)
def _tokens(text: str) -> tuple[str, ...]:
    """`tokens`, remembered: a comment is read for its words several times on its way (its fields,
    its search terms), and chatter repeats."""
    _ensure_init()
    out: list[str] = []
    for run in _WORD.findall(text.lower()):
        if run[0] < "\u4e00":
            if run not in STOPWORDS:
                out.append(run)
            continue
        for w in jieba.lcut(run, HMM=True):
            if w not in STOPWORDS:
                out.append(w)
    return tuple(out)


# what the segmenter glues to a one-character noun without making another word of it: "这包", "卡是"
_GLUED = "这那个把只款件是的吗呢啊"


@functools.lru_cache(maxsize=1 << 12)
def _segmented(text: str) -> tuple[str, ...]:
    _ensure_init()
    return tuple(jieba.lcut(text, HMM=True))


def _alone(piece: str, char: str) -> bool:
    return char in piece and piece.strip(_GLUED) == char


def says_alone(text: str, char: str) -> bool:
    """Whether the text says a one-character word as a word of its own ("刀是什么钢", "这包是真皮吗"),
    not as part of another ("刀柄", "卡其色", "包邮")."""
    return char in text and any(_alone(w, char) for w in _segmented(text))


def blanked(text: str, words: Iterable[str]) -> str:
    """The text with each of `words` blanked, the longest first (a longer word holding a shorter one
    goes whole)."""
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, " ")
    return text


def without_word(text: str, char: str) -> str:
    """The text with a one-character word blanked where it is said alone (`says_alone`)."""
    return "".join(w.replace(char, " ") if _alone(w, char) else w for w in _segmented(text))


_stemmer = Stemmer.Stemmer("english")
_stem_lock = threading.Lock()  # a PyStemmer object is not to be shared by threads at once


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """An English word's Snowball stem ("modes" → "mode", "charging" → "charg"); anything else as it
    is. Lexical matching only: a stem is not a word to show."""
    if not word.isascii() or not word.isalpha():
        return word
    with _stem_lock:
        return _stemmer.stemWord(word)


def han_chars(text: str) -> list[str]:
    """Single Chinese characters that carry content: the unit paraphrases share most reliably
    ("缩水" / "缩不缩"), and robust to segmentation and typos."""
    return [c for c in re.findall(r"[\u4e00-\u9fff]", text) if c not in STOPWORDS]


def char_bigrams(text: str) -> list[str]:
    """Character bigrams of the Chinese runs: robust to segmentation and typos."""
    grams: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams
