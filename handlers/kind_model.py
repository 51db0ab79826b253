"""The kind of a comment (chat / question / purchase / complaint), learned from labelled live rooms.

A multinomial logistic regression over three blocks of features of the normalised comment:
character 1-3-gram TF-IDF, the sentence encoder's embedding, and the rules of `handlers.intent` as
binary signals. Two heads share the n-grams and rules: the *full* head adds the embedding; the *light*
head, without it, decides the comments it is sure are chatter before anything is encoded (three
comments in four in a busy room), so chatter stays as cheap as it was.

The model is stored as plain arrays (`kind.npz`) and JSON (`kind.json`: vocabulary, settings), not a
pickle, and is applied with numpy alone: the shipped files do not depend on the scikit-learn version.
scikit-learn is needed only to train (`cohost train-kind`).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from handlers.intent import (
    about_streamer,
    asks_for_goods,
    asks_in_dialect,
    asks_streamer_fit,
    asks_to_confirm,
    asks_what_if,
    is_complaint,
    is_link_request,
    is_order_done,
    is_purchase,
    is_question,
    mentions_trouble,
)
from handlers.normalize import normalize
from recommender.text import has_han

KINDS = ("chat", "question", "purchase", "complaint")
# the labels of the evaluation rooms, mapped onto the four kinds
LABEL_KIND = {"chat": "chat", "answer": "question", "escalate": "question", "purchase": "purchase"}
LABEL_KIND["complaint"] = "complaint"
MODEL_DIR = Path(__file__).resolve().parent / "models"
FORMAT = 1

_LINK = re.compile(r"(\d+|[一二三四五六七八九十]+)\s*号|#\s*\d+|链接\s*\d+|\blink\s*\d+|\bno\.\s*\d+")
_DIGITS = re.compile(r"\d")
_QUESTION_MARKS = re.compile(r"\?+")
_LATIN_WORD = re.compile(r"[a-z]{2,}")

RULES: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("is_question", is_question),
    ("is_purchase", is_purchase),
    ("is_order_done", is_order_done),
    ("is_complaint", is_complaint),
    ("is_link_request", is_link_request),
    ("about_streamer", about_streamer),
    ("asks_for_goods", asks_for_goods),
    ("asks_streamer_fit", asks_streamer_fit),
    ("asks_in_dialect", asks_in_dialect),
    ("mentions_trouble", mentions_trouble),
    ("asks_what_if", asks_what_if),
    ("asks_to_confirm", asks_to_confirm),
    ("names_a_link", lambda t: bool(_LINK.search(t))),
    ("has_digits", lambda t: bool(_DIGITS.search(t))),
    ("english", lambda t: bool(_LATIN_WORD.search(t)) and not has_han(t)),
    ("short", lambda t: len(t) <= 3),
    ("long", lambda t: len(t) >= 15),
)


def rule_features(text: str) -> np.ndarray:
    """Today's rules as 0/1 signals of a normalised comment (features, not decisions)."""
    return np.array([1.0 if f(text) else 0.0 for _, f in RULES], dtype=np.float32)


def char_ngrams(text: str) -> list[str]:
    """Character 1-3-grams of a normalised comment, with ^ and $ marking its ends ("吗$"). Question
    marks are left out of a comment that says more than them: a question typed with one or without
    is the same question ("有xl吗？" had read as chat, 0.84, "有xl吗" as a question), and the chatter
    the model learns from puts them on remarks to the streamer as often as shoppers put them on
    questions; a comment of question marks alone ("？？？") keeps them."""
    t = f"^{_QUESTION_MARKS.sub('', text).strip() or text}$"
    grams = [t[i : i + n] for n in (1, 2, 3) for i in range(len(t) - n + 1)]
    return [g for g in grams if g not in ("^", "$")]


@dataclass(frozen=True, slots=True)
class KindSettings:
    """How the blocks are weighed and how sure the light head must be to call a comment chatter."""

    C: float = 4.0  # inverse regularisation of the logistic regression
    embed_weight: float = 1.0  # the embedding block is scaled by this (the TF-IDF rows have norm 1)
    rule_weight: float = 1.0
    min_df: int = 2  # an n-gram seen in fewer training comments is dropped
    # light head's P(chat) at or above this: chatter, nothing encoded (chosen by scripts/chat_sure.py)
    chat_sure: float = 0.8
    chat_weight: float = 0.35  # the chat class's total weight against each other kind's
    complaint_min: float = 0.6  # least probability of a complaint (see `kind_of`)
    # a comment read as chat or an order with at least this P(complaint) is put on the operators'
    # review list (see `maybe_complaint`)
    complaint_flag: float = 0.3
    # a question form about a known product with at least this P(question) is a question, though
    # read as chat (see `handlers.qa.decide`)
    question_floor: float = 0.3
    blend: float = 0.3  # share of the light head's probabilities in a prediction with an embedding


@dataclass
class KindModel:
    """A fitted kind classifier: TF-IDF vocabulary and idf, and the two heads' coefficients."""

    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_grams,)
    full_coef: np.ndarray  # (4, n_grams + dim + n_rules)
    full_bias: np.ndarray  # (4,)
    light_coef: np.ndarray  # (4, n_grams + n_rules)
    light_bias: np.ndarray
    encoder: str  # the encoder whose embeddings the full head reads
    dim: int
    settings: KindSettings

    # -- features -----------------------------------------------------------------------------------
    def _grams(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The sparse TF-IDF row of a normalised comment: (column indices, l2-normalised values)."""
        counts = Counter(g for g in char_ngrams(text) if g in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        cols = np.fromiter((self.vocabulary[g] for g in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
        vals = tf * self.idf[cols]
        return cols, vals / max(float(np.linalg.norm(vals)), 1e-12)

    def _head(
        self, cols: np.ndarray, vals: np.ndarray, rules: np.ndarray, emb: np.ndarray | None
    ) -> np.ndarray:
        n = len(self.idf)
        if emb is None:
            coef = self.light_coef
            z = coef[:, cols] @ vals + coef[:, n:] @ rules + self.light_bias
        else:
            coef = self.full_coef
            z = coef[:, cols] @ vals + coef[:, n : n + self.dim] @ emb + coef[:, n + self.dim :] @ rules
            z = z + self.full_bias
        p = np.exp(z - z.max())
        return p / p.sum()

    def __post_init__(self) -> None:
        # a comment's light-head verdict is asked twice on its way (encode it? which kind?), and its
        # n-grams and rules a third time by the full head; chatter repeats: remembered per model
        self._light_probs = lru_cache(maxsize=8192)(self._light)
        self._features = lru_cache(maxsize=8192)(self._read)

    def _read(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A comment's n-gram columns and values, and its weighted rule features (read-only)."""
        cols, vals = self._grams(text)
        rules = rule_features(text) * self.settings.rule_weight
        for a in (cols, vals, rules):
            a.flags.writeable = False
        return cols, vals, rules

    def _light(self, text: str) -> np.ndarray:
        return self._head(*self._features(text), None)

    def _scores(self, text: str, vec: np.ndarray | None) -> np.ndarray:
        """Probabilities of KINDS: the light head's alone without a vector; with one, the full head's
        blended with the light head's (`settings.blend`: the embedding of a very short comment says
        little, its characters say more)."""
        s = self.settings
        light = self._light_probs(text)
        if vec is None:
            return light
        full = self._head(*self._features(text), np.asarray(vec, dtype=np.float32) * s.embed_weight)
        return (1.0 - s.blend) * full + s.blend * light

    def accepts(self, vec: np.ndarray | None, encoder: str | None) -> bool:
        """Whether this embedding is one the full head was fitted on (same encoder, same size)."""
        return vec is not None and encoder == self.encoder and np.shape(vec)[-1] == self.dim

    # -- prediction ---------------------------------------------------------------------------------
    def predict(
        self, texts: Sequence[str], vecs: Sequence[np.ndarray | None] | np.ndarray | None = None
    ) -> list[dict[str, float]]:
        """{kind: probability} for each normalised text; the full head where a vector is given, the
        light head where it is None (or `vecs` is None)."""
        vs: Sequence[np.ndarray | None] = [None] * len(texts) if vecs is None else vecs
        return [
            {k: float(p) for k, p in zip(KINDS, self._scores(t, v), strict=True)}
            for t, v in zip(texts, vs, strict=True)
        ]

    def surely_chat(self, text: str, bar: float | None = None) -> bool:
        """The light head is sure the normalised comment is chatter: decided without the encoder
        (`bar`: in place of the setting `chat_sure`, to choose it)."""
        return bool(self._scores(text, None)[0] >= (self.settings.chat_sure if bar is None else bar))

    # -- files --------------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> list[Path]:
        """Write `kind.npz` (arrays) and `kind.json` (vocabulary in column order, settings)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        npz, meta = out / "kind.npz", out / "kind.json"
        with npz.open("wb") as f:  # np.savez_compressed writes no timestamps: same model, same bytes
            np.savez_compressed(
                f,
                idf=self.idf.astype(np.float32),
                full_coef=self.full_coef.astype(np.float32),
                full_bias=self.full_bias.astype(np.float32),
                light_coef=self.light_coef.astype(np.float32),
                light_bias=self.light_bias.astype(np.float32),
            )
        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        info = {
            "format": FORMAT,
            "kinds": list(KINDS),
            "rules": [name for name, _ in RULES],
            "encoder": self.encoder,
            "dim": self.dim,
            "settings": _fields(self.settings),
            "vocabulary": vocab,
        }
        meta.write_text(json.dumps(info, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        return [npz, meta]

    @classmethod
    def load(cls, folder: str | Path) -> KindModel:
        folder = Path(folder)
        info = json.loads((folder / "kind.json").read_text(encoding="utf-8"))
        if info.get("format") != FORMAT or info.get("kinds") != list(KINDS):
            raise ValueError(f"{folder}/kind.json: not a kind model of format {FORMAT}")
        if info.get("rules") != [name for name, _ in RULES]:
            raise ValueError(f"{folder}/kind.json: fitted on other rule features; run `cohost train-kind`")
        with np.load(folder / "kind.npz") as a:
            arrays = {k: a[k] for k in a.files}
        return cls(
            vocabulary={g: i for i, g in enumerate(info["vocabulary"])},
            idf=arrays["idf"],
            full_coef=arrays["full_coef"],
            full_bias=arrays["full_bias"],
            light_coef=arrays["light_coef"],
            light_bias=arrays["light_bias"],
            encoder=str(info["encoder"]),
            dim=int(info["dim"]),
            settings=KindSettings(**info["settings"]),
        )


def _fields(settings: KindSettings) -> dict[str, Any]:
    return {f: getattr(settings, f) for f in KindSettings.__dataclass_fields__}


@lru_cache(maxsize=1)
def shipped_kind_model() -> KindModel:
    """The model shipped in the package (fitted on the nine labelled rooms, the project's own
    `data/rooms` and real chatter)."""
    return KindModel.load(MODEL_DIR)


_ACTIVE: KindModel | None = None


def use_kind_model(model: KindModel | None) -> None:
    """Decide kinds with `model` from now on (an evaluation fold's); None: the shipped model."""
    global _ACTIVE
    _ACTIVE = model


def active_kind_model() -> KindModel:
    return _ACTIVE if _ACTIVE is not None else shipped_kind_model()


def comment_kind(text: str, vec: np.ndarray | None, encoder: str | None) -> tuple[str, dict[str, float]]:
    """The kind of a normalised comment and {kind: probability}: the full head when `vec` is an
    embedding of the model's encoder, else the light head."""
    model = active_kind_model()
    probs = model.predict([text], [vec if model.accepts(vec, encoder) else None])[0]
    return kind_of(probs, model.settings.complaint_min), probs


# -- training -------------------------------------------------------------------------------------
def room_examples(rooms: Sequence[Any]) -> tuple[list[str], list[str]]:
    """Normalised texts and kinds of labelled rooms (`bot.rooms_data.LabelledRoom`: `.questions`
    with `text` and `expect.kind`); answer and escalate are both a question."""
    texts = [normalize(q["text"]) for r in rooms for q in r.questions]
    kinds = [LABEL_KIND[q["expect"]["kind"]] for r in rooms for q in r.questions]
    return texts, kinds


def train_kind_model(
    rooms: Sequence[Any],
    encoder: Any,
    chatter: Sequence[str] = (),
    settings: KindSettings | None = None,
) -> KindModel:
    """Fit on labelled rooms plus real chatter (texts, each a `chat`); `encoder` is a TextEncoder."""
    texts, kinds = room_examples(rooms)
    chat = [t for t in normalised(chatter) if t]
    texts, kinds = texts + chat, kinds + ["chat"] * len(chat)
    return fit_kind_model(texts, kinds, encoder.encode(texts), encoder.name, settings)


def fit_kind_model(
    texts: Sequence[str],
    kinds: Sequence[str],
    vecs: np.ndarray,
    encoder: str,
    settings: KindSettings | None = None,
) -> KindModel:
    """Fit both heads on normalised texts, their kinds (one of KINDS) and their embeddings.
    Deterministic: the same data gives the same model. Needs scikit-learn."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    s = settings or KindSettings()
    tfidf = TfidfVectorizer(analyzer=char_ngrams, min_df=s.min_df, sublinear_tf=True, dtype=np.float32)
    grams = tfidf.fit_transform(list(texts))
    rules = sparse.csr_matrix(np.stack([rule_features(t) for t in texts]) * s.rule_weight)
    emb = sparse.csr_matrix(np.asarray(vecs, dtype=np.float32) * s.embed_weight)
    y = np.array([KINDS.index(k) for k in kinds])
    # balanced classes (each kind counts as much as another, however few its examples), chatter
    # scaled by chat_weight
    counts = np.bincount(y, minlength=len(KINDS))
    weights = {
        i: len(y) / (len(KINDS) * max(int(c), 1)) * (s.chat_weight if KINDS[i] == "chat" else 1.0)
        for i, c in enumerate(counts)
    }

    def fit(x: Any) -> tuple[np.ndarray, np.ndarray]:
        lr = LogisticRegression(C=s.C, class_weight=weights, max_iter=2000)
        lr.fit(x, y)
        coef = np.zeros((len(KINDS), x.shape[1]), dtype=np.float32)
        bias = np.zeros(len(KINDS), dtype=np.float32)
        coef[lr.classes_] = lr.coef_
        bias[lr.classes_] = lr.intercept_
        return coef, bias

    full_coef, full_bias = fit(sparse.hstack([grams, emb, rules], format="csr"))
    light_coef, light_bias = fit(sparse.hstack([grams, rules], format="csr"))
    vocab = {g: int(i) for g, i in tfidf.vocabulary_.items()}
    return KindModel(
        vocab,
        tfidf.idf_.astype(np.float32),
        full_coef,
        full_bias,
        light_coef,
        light_bias,
        encoder,
        int(np.shape(vecs)[1]),
        s,
    )


def kind_of(probs: dict[str, float], complaint_min: float = 0.0) -> str:
    """The likeliest kind; a complaint only when at least `complaint_min` sure (a false complaint
    costs a person's time and tells a happy viewer sorry), else the next likeliest kind."""
    ranked = sorted(probs, key=probs.__getitem__, reverse=True)
    if ranked[0] == "complaint" and probs["complaint"] < complaint_min:
        return ranked[1]
    return ranked[0]


def maybe_complaint(kind: str, probs: dict[str, float], flag: float | None = None) -> bool:
    """Read as chat or an order, yet likely enough after-sales trouble (P(complaint) at least `flag`,
    by default the active model's `complaint_flag`) that a person should see it: "昨天下单的 快递显示被
    退回了". A complaint nobody sees costs more than a look at a happy comment, so its reason says so
    and the operators' review list shows it (status `maybe_complaint`). It stays out of the streamer's
    complaints lane, which chatter flagged with it would crowd through a show, and nothing is said to
    the viewer."""
    if flag is None:
        flag = active_kind_model().settings.complaint_flag
    return kind in ("chat", "purchase") and probs.get("complaint", 0.0) >= flag


def normalised(texts: Sequence[str]) -> list[str]:
    return [normalize(t) for t in texts]
