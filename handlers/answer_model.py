"""The learned answer decision: which of a product's entries (its fields and its FAQ) answers a
comment, and whether the bot is sure enough to say it in the room.

Each candidate entry gets a row of features (retrieval scores, its rank and margin, what the pattern
rules say of it, how surely the product was identified, the comment's language); a conditional
logit (a softmax over the comment's candidates and "none of them") turns the rows into the
probability that each entry is the answer. The bot answers with
the likeliest entry only when that probability clears a threshold chosen on held-out rooms so that
wrong answers stay rare; otherwise the streamer gets the comment with the guess attached.

Training (`train_answer_model`) reads labelled rooms through `bot.evaluate`; the shipped model
(`handlers/models/answer.json`, fitted on the nine rooms and the project's own, `data/rooms`, by
`cohost train-qa --train-rooms data/rooms/*/`) holds only
coefficients, scaling and the threshold as JSON: no pickle, nothing executed on load.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from domain.catalog import Product
from domain.messages import Decision
from handlers.field_entries import field_value_text
from handlers.fields import FieldMatch, asked_aspects, asks_availability, aspect_conflict, field_text
from recommender.retrieval import Hit
from recommender.text import char_bigrams, has_han, tokens

if TYPE_CHECKING:
    from bot.evaluate import KindFitter, PreparedRoom
    from handlers.kind_model import KindModel
    from handlers.qa import QASettings, Understanding

MODEL_PATH = Path(__file__).with_name("models") / "answer.json"
# the expected share of its comments each inner held-out room may get wrong when the thresholds are
# chosen: the 2% aimed at in any room
WRONG_BOUND = 0.02
# and the expected mean share over the inner held-out rooms: the margin. Expected: each first choice
# counts as wrong by its calibrated chance of being wrong (`calibration`), so no bound rests on the
# two or three wrong answers near it (counted, the thresholds moved with single comments; Platt-
# calibrated, a room never seen got 0.9% at most where counting let it get 1.8%: docs/answering.md).
# 1.2%: along `scripts/gate_curve.py`'s nine folds, right answers rise little past it, and the worst
# room's wrong ones pass 2% past 1.25%
MEAN_BOUND = 0.012
HOWS = ("link", "name", "this", "recent", "on_screen", "earlier", "none")
# each kind of answer has a threshold of its own: a live value (price, stock), any other field, an
# FAQ entry; a probability means a different risk for each (a price question names what it asks, an
# attribute question may ask what the field does not say)
GATE_GROUPS = ("live", "field", "faq")
FORM = "conditional logit"  # the model file's form: an older file (a logistic regression per candidate) is refused
NEVER = 1.01  # a threshold no probability reaches


def gate_group(source: str, is_field: bool) -> str:
    """Which of `GATE_GROUPS` gates an answer from this entry."""
    if not is_field:
        return "faq"
    return "live" if source in ("price", "stock") else "field"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entry that may answer the comment: a field (source = its key) or an FAQ entry (its id)."""

    source: str
    is_field: bool
    hit: Hit
    match: FieldMatch | None = None  # what the pattern rules found for this field, if anything

    @property
    def gate_group(self) -> str:
        """Which of `GATE_GROUPS` gates this candidate's answer."""
        return gate_group(self.source, self.is_field)


FEATURES = (
    "dense",
    "lexical",
    "score",
    "rank_score",
    "inv_position",
    "is_top",
    "margin_over_next",
    "gap_to_top",
    "is_field",
    "is_price_stock",
    "is_shipping_returns",
    "field_x_score",
    "field_x_dense",
    "field_x_lexical",
    "pattern_strength",
    "pattern_top_strength",
    "pattern_is_strongest",
    "value_named",
    "value_in_entry",
    "rule_picks",
    "rule_answers",
    "rule_faq",
    "other_aspect",
    "same_aspect",
    "ref_confidence",
    *(f"how_{h}" for h in HOWS),
    "lang_en",
    "log_candidates",
    "log_length",
    "faq_top_score",
    "field_top_score",
    "overlap",
    "overlap_share",
    "overlap_is_max",
    "overlap_x_field",
    "rule_confidence",
    "question_clauses",
    "en_x_score",
    "en_x_dense",
    "en_x_lexical",
    "en_x_field",
    "named_x_score",
    "named_x_field",
    "name_dense",
    "name_x_field",
    "name_gap_to_top",
    "views_first",
    "kind_question",
    "kind_chat",
    "kind_purchase",
    "is_list",
    "list_x_availability",
    "list_x_rule",
    "sibling_words",
)


def content_terms(text: str, product: Product) -> set[str]:
    """The comment's own words (two characters or more) and character bigrams, leaving out those in
    the product's name: what an entry that answers it is likely to share."""
    name = product.names_text()
    terms = {w for w in tokens(text) if len(w) >= 2} | set(char_bigrams(text))
    return {t for t in terms if t not in name}


@lru_cache(maxsize=1 << 14)  # an entry's text is read for every comment that finds it
def _chinese_words(text: str) -> frozenset[str]:
    """The text's Chinese words of two characters or more."""
    return frozenset(w for w in tokens(text) if len(w) >= 2 and has_han(w))


def sibling_words(words: set[str], entry: str) -> int:
    """How many of the comment's Chinese words (`words`, two characters or more) the entry lacks while
    it holds a sibling of theirs, a word as long that differs in one character ("机洗" of an entry
    saying "手洗", "粉色" of one saying "染色"): an entry about the thing beside the one asked, which
    may answer it or not; the model weighs it."""
    if not words:
        return 0
    near = _one_blanked(entry)
    # a word the entry holds blanks to a held word too: `w not in entry` leaves it out
    return sum(1 for w in words if w not in entry and any(k in near for k in _blankings(w)))


def _blankings(word: str) -> list[str]:
    """The word with one character blanked, each way: two words of one length that differ in one
    character share one of these."""
    return [f"{word[:i]}\0{word[i + 1 :]}" for i in range(len(word))]


@lru_cache(maxsize=1 << 14)
def _one_blanked(text: str) -> frozenset[str]:
    """Every `_blankings` of the text's Chinese words (cached: an entry is read for many comments)."""
    return frozenset(b for w in _chinese_words(text) for b in _blankings(w))


def entry_text(c: Candidate, product: Product) -> str:
    if c.is_field:
        return c.hit.doc.text.lower()
    return f"{c.hit.doc.text} {c.hit.doc.answer or ''}".lower()


def views_first(cands: Sequence[Candidate], shared: Sequence[int]) -> list[float]:
    """Per candidate, how many of five ways of comparing it with the comment put it first: the dense
    cosine, BM25, the cosine to the entry's name alone, the retriever's ordering key, the comment's
    words it shares. An entry that wins on every view is a surer answer than one that wins on one."""
    views = [
        [c.hit.dense for c in cands],
        [c.hit.lexical for c in cands],
        [c.hit.name_dense for c in cands],
        [c.hit.rank for c in cands],
        list(shared),
    ]
    return [float(sum(v[i] >= max(v) - 1e-9 for v in views)) for i in range(len(cands))]


def comment_features(
    u: Understanding,
    cands: Sequence[Candidate],
    product: Product,
    rule: Decision,
    other_aspect: Callable[[Candidate], bool],
    clauses: int = 1,
    kind_probs: dict[str, float] | None = None,
) -> np.ndarray:
    """One row of `FEATURES` per candidate (candidates ordered best first by the retriever).
    `kind_probs`: the comment-kind model's probabilities ({kind: p}), so that praise or an order
    that reads a little like a question is answered less surely."""
    kinds = kind_probs or {}
    scores = [c.hit.score for c in cands]
    top = max(scores) if scores else 0.0
    strengths = {f.key: f.strength for f in u.fields}
    strongest = max(strengths.values(), default=0.0)
    faq_top = max((c.hit.score for c in cands if not c.is_field), default=0.0)
    field_top = max((c.hit.score for c in cands if c.is_field), default=0.0)
    terms = content_terms(u.focus or u.text, product)
    shared = [sum(1 for t in terms if t in entry_text(c, product)) for c in cands]
    words = {t for t in tokens(u.focus or u.text) if t in terms and has_han(t)}
    siblings = [sibling_words(words, entry_text(c, product)) for c in cands]
    most = max(shared, default=0)
    english = float(u.lang == "en")
    named = float(u.ref.how in ("link", "name"))  # the comment names the product it asks about
    name_top = max((c.hit.name_dense for c in cands), default=0.0)
    firsts = views_first(cands, shared)
    # a field whose value is a list (sizes, colours, flavours), and a comment asking whether some
    # version is there ("有46码的吗"): the list says, where a guide or a description of it may not
    listed = [c.is_field and isinstance(product.attributes.get(c.source), list) for c in cands]
    available = asks_availability(u.text)
    aspects = asked_aspects(u.text)
    ordered = sorted(scores, reverse=True)
    rows = []
    for i, c in enumerate(cands):
        s = c.hit.score
        # the best score of the other candidates: the runner-up's for the best one
        best_other = (ordered[1] if len(ordered) > 1 else 0.0) if s >= top else top
        strength = strengths.get(c.source, 0.0) if c.is_field else 0.0
        asked = c.match.asked if c.match is not None else None
        value = (
            field_value_text(product, c.source).lower() if c.is_field else (c.hit.doc.answer or "").lower()
        )
        rows.append(
            [
                c.hit.dense,
                c.hit.lexical,
                s,
                c.hit.rank,
                1.0 / (1 + i),
                float(i == 0),
                s - best_other,
                top - s,
                float(c.is_field),
                float(c.source in ("price", "stock")),
                float(c.source in ("shipping", "returns")),
                s * c.is_field,
                c.hit.dense * c.is_field,
                c.hit.lexical * c.is_field,
                strength,
                strongest,
                float(strength > 0 and strength >= strongest),
                float(asked is not None),
                float(asked is not None and asked.lower() in value),
                float(rule.source == c.source and rule.product_id == product.id),
                float(rule.kind == "answer"),
                float(rule.reason == "faq"),
                float(other_aspect(c)),
                float(bool(aspects & asked_aspects(c.hit.doc.text))),
                u.ref.confidence,
                *(float(u.ref.how == h) for h in HOWS),
                english,
                math.log1p(len(cands)),
                math.log1p(len(u.text)),
                faq_top,
                field_top,
                math.log1p(shared[i]),
                shared[i] / max(len(terms), 1),
                float(shared[i] > 0 and shared[i] == most),
                math.log1p(shared[i]) * c.is_field,
                rule.confidence,
                float(min(clauses, 3)),
                s * english,
                c.hit.dense * english,
                c.hit.lexical * english,
                float(c.is_field) * english,
                s * named,
                float(c.is_field) * named,
                c.hit.name_dense,
                c.hit.name_dense * c.is_field,
                name_top - c.hit.name_dense,
                firsts[i],
                kinds.get("question", 1.0),
                kinds.get("chat", 0.0),
                kinds.get("purchase", 0.0),
                float(listed[i]),
                float(listed[i] and available),
                float(listed[i] and rule.source == c.source),
                math.log1p(siblings[i]),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(cands), len(FEATURES))


def field_aspect_conflict(u: Understanding, c: Candidate, product: Product) -> bool:
    """A field whose label and value speak of another aspect or part than the comment asks."""
    text = field_text(product, c.source)
    return aspect_conflict(u.text, text, text, product)


# what the asked-field classifier tells apart besides field keys: an FAQ entry answers, nothing answers
FAQ_CLASS, NONE_CLASS, RARE_CLASS = "_faq", "_none", "_rare_field"
# a field key needs this many labelled comments in the training rooms to be a class of its own
MIN_KEY_COMMENTS = 6
KEY_FEATURES = (
    "key_sim",
    "faq_sim",
    "none_sim",
    "key_sim_below_best",
    "key_is_class",
    "entry_link",
    "near_answered",
    "near_unanswered",
    "near_answer_entry",
)
# the learned link from a comment's embedding to the embedding of the entry that answers it: a ridge
# regression (this penalty) kept at this rank (the file stays small; rank 64 scores as the full map)
LINK_RIDGE = 100.0
LINK_RANK = 64
# the training comments nearest to a comment: how many are averaged, and the number of principal
# directions of the training comments' embeddings they are compared in (the file stays small; 64
# scored as the full embedding, leave-one-room-out)
NEAR_K = 3
NEAR_DIM = 64


@dataclass
class AskedField:
    """Nearest centroid over the comment's embedding: for each field key seen often enough in the
    training rooms (`price`, `shipping`, ...), for "an FAQ entry answers" and for "nothing on the
    shelf answers", the mean embedding of the comments labelled so. A candidate field gets the
    cosine to its key's centroid (a key never seen: the rare-field centroid).

    And a linear map from the comment's embedding towards the embedding of the entry that answers it,
    fitted on the labelled pairs: a candidate gets the cosine of its own embedding to the mapped
    comment. It learns, across rooms, where the entry that answers a comment lies when the two share
    no word (a question naming an ingredient, against an ingredients entry that lists others).

    And the training comments themselves, as points in their top principal directions, split into
    those whose labelled answer was among their candidates and the others (escalations, chat, a
    wrong product): every candidate gets the mean cosine of the comment to its `NEAR_K` nearest in
    each set. A comment worded like ones the shelf could answer is likelier answerable than one like
    the requests and personal questions that went to the streamer, whatever the entry. And how
    much the candidate's entry resembles the entries that answered comments like this one."""

    classes: tuple[str, ...]
    coef: np.ndarray  # (classes, dim): unit-length centroids
    link_in: np.ndarray | None = None  # (dim, rank): the map is link_in @ link_out
    link_out: np.ndarray | None = None  # (rank, dim)
    near: Neighbours | None = None

    def similarities(self, vec: np.ndarray) -> dict[str, float]:
        return dict(zip(self.classes, (self.coef @ vec).tolist(), strict=True))

    def columns(self, cands: Sequence[Candidate], vec: np.ndarray | None) -> np.ndarray:
        """`KEY_FEATURES` for each candidate."""
        out = np.zeros((len(cands), len(KEY_FEATURES)))
        if vec is None:
            return out
        p = self.similarities(vec)
        best = max(p.values())
        mapped = self.mapped(vec)
        if self.near is not None:
            *near, entry = self.near.columns(vec, [c.hit.vector for c in cands])
        else:
            near, entry = [0.0, 0.0], np.zeros(len(cands))
        link = np.zeros(len(cands))
        have = [i for i, c in enumerate(cands) if c.hit.vector is not None]
        if mapped is not None and have:
            link[have] = np.vstack([cands[i].hit.vector for i in have]) @ mapped
        for i, c in enumerate(cands):
            known = c.is_field and c.source in p
            key = p.get(c.source, p.get(RARE_CLASS, 0.0)) if c.is_field else p.get(FAQ_CLASS, 0.0)
            out[i] = (
                key,
                p.get(FAQ_CLASS, 0.0),
                p.get(NONE_CLASS, 0.0),
                key - best,
                float(known),
                link[i],
                *near,
                entry[i],
            )
        return out

    def mapped(self, vec: np.ndarray) -> np.ndarray | None:
        """The comment's embedding mapped towards its answer's, unit length (None: no map)."""
        if self.link_in is None or self.link_out is None:
            return None
        m = (vec @ self.link_in) @ self.link_out
        norm = float(np.linalg.norm(m))
        return m / norm if norm > 0 else None


@dataclass
class Neighbours:
    """Training comments as unit vectors in their top principal directions: those whose labelled
    answer was among their candidates (and the entries that answer them, in the same directions),
    and the others."""

    center: np.ndarray  # (dim,)
    basis: np.ndarray  # (dim, NEAR_DIM)
    answered: np.ndarray  # (n, NEAR_DIM), unit rows
    other: np.ndarray  # (m, NEAR_DIM), unit rows
    answers: np.ndarray  # (n, NEAR_DIM), unit rows: the entry that answers each of `answered`

    @classmethod
    def fit(cls, vecs: np.ndarray, answered: np.ndarray, answers: np.ndarray) -> Neighbours | None:
        """From the comments' embeddings, whether each one's answer was among its candidates, and
        the embeddings of those answers (one row per answered comment; None: too few of either)."""
        if answered.sum() < NEAR_K or (~answered).sum() < NEAR_K or len(vecs) <= NEAR_DIM:
            return None
        from scipy.linalg import eigh

        center = vecs.mean(axis=0)
        x, dim = vecs - center, vecs.shape[1]
        # the top principal directions as the covariance's top eigenvectors: the same directions as
        # an SVD of the comments (up to sign, which no cosine sees) at a fraction of its cost, which
        # the nested fits pay once per room left out
        basis = eigh(x.T @ x, subset_by_index=[dim - NEAR_DIM, dim - 1])[1][:, ::-1]
        points = _project(vecs, center, basis)
        entries = _project(answers, center, basis)
        entries[~answers.any(axis=1)] = 0.0  # an answer without a vector resembles no entry
        return cls(center, basis, points[answered], points[~answered], entries)

    def columns(
        self, vec: np.ndarray, entries: Sequence[np.ndarray | None]
    ) -> tuple[float, float, np.ndarray]:
        """The mean cosine of the comment to its `NEAR_K` nearest answerable and `NEAR_K` nearest
        other comments; and per entry (None: no vector, 0) the most, over the answered training
        comments, of the comment's cosine to one times the entry's cosine to the entry that
        answered it."""
        z = _project(vec, self.center, self.basis)
        to_answered, to_other = self.answered @ z, self.other @ z
        entry = np.zeros(len(entries))
        have = [i for i, e in enumerate(entries) if e is not None]
        if have:
            points = _project(np.vstack([entries[i] for i in have]), self.center, self.basis)
            entry[have] = self._most(to_answered, points)
        answerable, other = (
            float(np.partition(s, -NEAR_K)[-NEAR_K:].mean()) for s in (to_answered, to_other)
        )
        return answerable, other, entry

    def _most(self, sims: np.ndarray, points: np.ndarray, first: int = 256) -> np.ndarray:
        """Per entry, the most over answered comments of `sims` times the entry's cosine to that
        comment's answer; exact, reading a fraction of the pairs (a cosine is at most 1, so a comment
        whose |cosine| to the question is under an entry's most so far cannot raise it): the `first`
        comments nearest the question, then the others that could still raise an entry, for those
        entries only."""
        size = np.abs(sims)
        if len(sims) <= first:
            return ((self.answers @ points.T) * sims[:, None]).max(axis=0)
        near = np.argpartition(-size, first)[:first]
        most = ((self.answers[near] @ points.T) * sims[near, None]).max(axis=0)
        rest = size > most.min()
        rest[near] = False
        rows = np.flatnonzero(rest)
        cols = np.flatnonzero(most < size[rows].max()) if len(rows) else rows
        if len(cols):
            got = ((self.answers[rows] @ points[cols].T) * sims[rows, None]).max(axis=0)
            most[cols] = np.maximum(most[cols], got)
        return most


def _project(vecs: np.ndarray, center: np.ndarray, basis: np.ndarray) -> np.ndarray:
    z = (vecs - center) @ basis
    return z / np.maximum(np.linalg.norm(z, axis=-1, keepdims=True), 1e-9)


@dataclass
class AnswerModel:
    """A conditional logit over standardised `FEATURES` + `KEY_FEATURES` (each candidate scores
    `coef · x`; "none of them" scores `none_score`), the asked-field classifier that gives the latter
    columns, and the thresholds of the answer gate."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    none_score: float
    asked: AskedField
    gates: dict[str, float] = field(default_factory=dict)  # per `GATE_GROUPS`; one missing: never said
    info: dict[str, Any] = field(default_factory=dict)
    encoder: str = ""  # the encoder its centroids and similarities come from; another one: no model

    def gate(self, c: Candidate) -> float:
        """The least probability at which the bot says this candidate (by its gate group)."""
        return self.gates.get(c.gate_group, NEVER)

    def fits(self, encoder_name: str) -> bool:
        """Whether this model can read a room encoded by `encoder_name`."""
        return not self.encoder or self.encoder == encoder_name

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Each candidate's probability of being the answer, `x` the full rows of one comment's
        candidates (base features and the asked-field columns); the rest is "none of them"."""
        z = ((x - self.mean) / self.scale) @ self.coef
        top = max(float(z.max()), self.none_score)
        e = np.exp(z - top)
        return e / (e.sum() + math.exp(self.none_score - top))

    def choose(self, cands: Sequence[Candidate], x: np.ndarray, vec: np.ndarray | None) -> tuple[int, float]:
        """The likeliest candidate and its probability."""
        p = self.probabilities(np.hstack([x, self.asked.columns(cands, vec)]))
        i = int(np.argmax(p))
        return i, float(p[i])

    def to_json(self) -> str:
        near = self.asked.near
        return json.dumps(
            {
                "features": [*FEATURES, *KEY_FEATURES],
                "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(),
                "coef": self.coef.round(6).tolist(),
                "form": FORM,
                "none_score": round(self.none_score, 6),
                "gates": {g: round(t, 4) for g, t in self.gates.items()},
                "encoder": self.encoder,
                "asked_classes": list(self.asked.classes),
                # the centroids and the map's factors as float16 bytes in base64: a tenth of the
                # size of decimal text
                "asked_centroids_f16": _f16(self.asked.coef),
                "link_rank": 0 if self.asked.link_in is None else int(self.asked.link_in.shape[1]),
                "link_in_f16": _f16(self.asked.link_in),
                "link_out_f16": _f16(self.asked.link_out),
                "near_dim": 0 if near is None else int(near.basis.shape[1]),
                "near_center_f16": _f16(None if near is None else near.center),
                "near_basis_f16": _f16(None if near is None else near.basis),
                "near_answered_f16": _f16(None if near is None else near.answered),
                "near_other_f16": _f16(None if near is None else near.other),
                "near_answers_f16": _f16(None if near is None else near.answers),
                "info": self.info,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> AnswerModel:
        d = json.loads(text)
        if (
            d.get("form") != FORM
            or tuple(d["features"]) != (*FEATURES, *KEY_FEATURES)
            or set(d.get("gates", ())) != set(GATE_GROUPS)
        ):
            raise ValueError("answer model: its features are not this code's; run `cohost train-qa`")
        classes = tuple(d["asked_classes"])
        cents = _from_f16(d["asked_centroids_f16"]).reshape(len(classes), -1)
        rank = int(d["link_rank"])
        link_in = _from_f16(d["link_in_f16"]).reshape(-1, rank) if rank else None
        link_out = _from_f16(d["link_out_f16"]).reshape(rank, -1) if rank else None
        dim = int(d["near_dim"])
        near = (
            Neighbours(
                _from_f16(d["near_center_f16"]),
                _from_f16(d["near_basis_f16"]).reshape(-1, dim),
                _from_f16(d["near_answered_f16"]).reshape(-1, dim),
                _from_f16(d["near_other_f16"]).reshape(-1, dim),
                _from_f16(d["near_answers_f16"]).reshape(-1, dim),
            )
            if dim
            else None
        )
        asked = AskedField(classes, cents, link_in, link_out, near)
        return cls(
            np.asarray(d["mean"]),
            np.asarray(d["scale"]),
            np.asarray(d["coef"]),
            float(d["none_score"]),
            asked,
            {g: float(t) for g, t in d["gates"].items()},
            d.get("info", {}),
            str(d.get("encoder", "")),
        )


def _f16(a: np.ndarray | None) -> str:
    return "" if a is None else base64.b64encode(a.astype("<f2").tobytes()).decode()


def _from_f16(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float64)


@lru_cache(maxsize=1)
def shipped_model() -> AnswerModel | None:
    """The model shipped in the package, or None when there is none (then the rules decide)."""
    if not MODEL_PATH.is_file():
        return None
    return AnswerModel.from_json(MODEL_PATH.read_text(encoding="utf-8"))


class Recorder:
    """Stands in for a model while collecting training rows: keeps the candidates, features and
    comment vector `decide` built, and never answers."""

    def __init__(self) -> None:
        self.seen: tuple[list[Candidate], np.ndarray, np.ndarray | None] | None = None

    def choose(self, cands: Sequence[Candidate], x: np.ndarray, vec: np.ndarray | None) -> tuple[int, float]:
        self.seen = (list(cands), x, vec)
        return 0, 0.0

    def gate(self, c: Candidate) -> float:
        return NEVER

    def fits(self, encoder_name: str) -> bool:
        return True


# ---- training ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentRows:
    """What one labelled comment gives training: its candidates, their features and labels, the
    comment's vector and the class the asked-field classifier learns; or, when `decide` never
    reached the learned part, whether the rules' own decision is a wrong answer."""

    room: str
    cands: tuple[Candidate, ...] = ()
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    vec: np.ndarray | None = None
    label: str = NONE_CLASS
    fixed_wrong: bool = False


# id of a prepared room -> (the room, kept so that its id is not reused; its rows)
_ROWS: dict[int, tuple[PreparedRoom, list[CommentRows]]] = {}


def room_rows(
    prepared: PreparedRoom, settings: QASettings, kind_model: KindModel | None = None
) -> list[CommentRows]:
    """Every comment of a prepared room as training rows. With `kind_model`, the room is understood
    and decided with that comment-kind model in place of the shipped one (not cached); without,
    with the shipped one (cached per prepared room: none of it depends on the answer model)."""
    from bot.evaluate import understood_with
    from handlers.kind_model import use_kind_model

    if kind_model is not None:
        prepared = understood_with(prepared, kind_model)
        use_kind_model(kind_model)
        try:
            return _room_rows(prepared, settings)
        finally:
            use_kind_model(None)
    key = id(prepared)
    if key not in _ROWS:
        _ROWS[key] = (prepared, _room_rows(prepared, settings))
    return _ROWS[key][1]


def _room_rows(prepared: PreparedRoom, settings: QASettings) -> list[CommentRows]:
    from handlers.qa import decide

    out = []
    for q, u in zip(prepared.room.questions, prepared.understood, strict=True):
        rec = Recorder()
        d = decide(u, prepared.knowledge, settings, answer_model=rec)
        exp = q["expect"]
        if rec.seen is None:
            right = (
                d.kind == "answer"
                and exp["kind"] == "answer"
                and d.product_id == exp.get("product")
                and d.source == exp.get("source")
            )
            out.append(CommentRows(prepared.room.name, fixed_wrong=d.kind == "answer" and not right))
            continue
        cands, x, vec = rec.seen
        ok = exp["kind"] == "answer" and exp.get("product") == d.product_id
        y = np.array([float(ok and exp.get("source") == c.source) for c in cands])
        hit = next((c for c, yy in zip(cands, y, strict=True) if yy == 1.0), None)
        label = NONE_CLASS if hit is None else c_label(hit)
        out.append(CommentRows(prepared.room.name, tuple(cands), x, y, vec, label))
    return out


def c_label(c: Candidate) -> str:
    return c.source if c.is_field else FAQ_CLASS


_ASKED: dict[tuple[str, ...], AskedField] = {}


def fit_asked(rows: list[CommentRows]) -> AskedField:
    """The asked-field classifier on the comments that reached the learned part (memoised per set
    of rooms: the nested folds ask for the same sets again and again)."""
    key = (*sorted({r.room for r in rows}), str(len(rows)))
    if key not in _ASKED:
        _ASKED[key] = _fit_asked(rows)
    return _ASKED[key]


def _fit_asked(rows: list[CommentRows]) -> AskedField:
    from collections import Counter

    use = [r for r in rows if r.vec is not None]
    counts = Counter(r.label for r in use)
    classes = {k for k, n in counts.items() if n >= MIN_KEY_COMMENTS} | {FAQ_CLASS, NONE_CLASS}
    labels = [r.label if r.label in classes else RARE_CLASS for r in use]
    names = tuple(sorted(set(labels)))
    vecs = np.vstack([r.vec for r in use])
    cents = np.vstack([vecs[[lab == n for lab in labels]].mean(axis=0) for n in names])
    cents /= np.linalg.norm(cents, axis=1, keepdims=True)
    answered = np.array([r.y is not None and len(r.y) > 0 and r.y.max() == 1.0 for r in use])
    # the entry that answers each answered comment (no vector: a zero row)
    answers = np.zeros((int(answered.sum()), vecs.shape[1]))
    for i, r in enumerate(r for r, a in zip(use, answered, strict=True) if a):
        v = _answer(r).hit.vector
        answers[i] = 0.0 if v is None else v
    near = Neighbours.fit(vecs.astype(np.float64), answered, answers)
    return AskedField(names, cents, *_fit_link(use), near)


def _answer(r: CommentRows) -> Candidate:
    """The labelled answer among a comment's candidates (it has one)."""
    assert r.y is not None
    return r.cands[int(np.argmax(r.y))]


def _fit_link(rows: list[CommentRows]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The comment-to-answer map: ridge regression from each answerable comment's embedding to its
    answering entry's, cut to `LINK_RANK` by its singular values (closed form, deterministic)."""
    pairs = [
        (r.vec, _answer(r).hit.vector)
        for r in rows
        if r.vec is not None and r.y is not None and len(r.y) and r.y.max() == 1.0
    ]
    pairs = [(q, e) for q, e in pairs if e is not None]
    if len(pairs) < LINK_RANK:
        return None, None
    q = np.vstack([p[0] for p in pairs]).astype(np.float64)
    e = np.vstack([p[1] for p in pairs]).astype(np.float64)
    w = np.linalg.solve(q.T @ q + LINK_RIDGE * np.eye(q.shape[1]), q.T @ e)
    u, s, vt = np.linalg.svd(w)
    return u[:, :LINK_RANK] * s[:LINK_RANK], vt[:LINK_RANK]


def _full(rows: list[CommentRows], asked: AskedField) -> list[np.ndarray]:
    return [np.hstack([r.x, asked.columns(r.cands, r.vec)]) for r in rows]


def fit(rows: list[CommentRows], asked: AskedField | None = None) -> AnswerModel:
    """The candidate model on the given comments. Its asked-field columns come, for each training
    room, from a classifier fitted without that room (cross-fitted, as they will be on a new room);
    the model keeps `asked`, or a classifier fitted on all of them."""
    use = [r for r in rows if r.x is not None and r.y is not None and len(r.x)]
    xs: list[np.ndarray] = []
    for name in sorted({r.room for r in use}):
        inner = fit_asked([r for r in rows if r.room != name])
        xs += _full([r for r in use if r.room == name], inner)
    ys = [r.y for name in sorted({r.room for r in use}) for r in use if r.room == name]
    # rounded: the encoder's float sums vary in the last bits from run to run (threads); rounded
    # features make the fitted file the same every time
    x, y = np.vstack(xs).round(4), np.concatenate(ys)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    coef, none_score = fit_conditional_logit((x - mean) / scale, y, [len(a) for a in xs])
    return AnswerModel(mean, scale, coef, none_score, asked or fit_asked(rows))


def fit_conditional_logit(
    x: np.ndarray, y: np.ndarray, sizes: Sequence[int], c: float = 1.0
) -> tuple[np.ndarray, float]:
    """A conditional logit: the rows of `x` are the candidates of consecutive comments (`sizes`
    each), `y` marks the answer (a comment with none: "none of them", which scores a constant).
    Maximum likelihood with an L2 penalty of `1/(2c)` on the weights, as scikit-learn's `C`, by
    scipy's L-BFGS from zero (deterministic). Returns the weights and the none score.

    scikit-learn's multinomial regression needs the same classes for every row; here each comment
    chooses among its own candidates, so the likelihood is written out (about twenty lines)."""
    from scipy.optimize import minimize

    sizes = np.asarray(sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    comment = np.repeat(np.arange(len(sizes)), sizes)
    unanswered = float(len(sizes) - np.add.reduceat(y, starts).clip(0, 1).sum())

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, none = theta[:-1], theta[-1]
        z = x @ w
        top = np.maximum(np.maximum.reduceat(z, starts), none)  # per comment, for a stable softmax
        e = np.exp(z - top[comment])
        e_none = np.exp(none - top)
        total = np.add.reduceat(e, starts) + e_none
        nll = float((top + np.log(total)).sum() - z @ y - none * unanswered)
        grad_w = x.T @ (e / total[comment] - y) + w / c
        grad_none = float((e_none / total).sum() - unanswered)
        return nll + float(w @ w) / (2 * c), np.append(grad_w, grad_none)

    start = np.zeros(x.shape[1] + 1)
    theta = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 2000}).x
    return theta[:-1], float(theta[-1])


def _outcomes(model: AnswerModel, rows: list[CommentRows]) -> tuple[list[tuple[float, bool]], list[str]]:
    """(probability of the chosen candidate, whether it is the right answer) per comment that
    reaches the learned part, and that candidate's gate group."""
    out, groups = [], []
    for r in rows:
        if r.x is None or r.y is None or not len(r.x):
            continue
        i, p = model.choose(r.cands, r.x, r.vec)
        out.append((p, bool(r.y[i] == 1.0)))
        groups.append(r.cands[i].gate_group)
    return out, groups


@dataclass(frozen=True)
class HeldOut:
    """One room scored by a model that never saw it: its number of comments, the wrong answers the
    rules send on their own (outside the learned part), and the learned part's (probability,
    right) outcome per comment."""

    comments: int
    rules_wrong: int
    outcomes: list[tuple[float, bool]]
    # per outcome: the chosen candidate's gate group (empty: all "field")
    groups: list[str] = field(default_factory=list)

    def split(self, group: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted probabilities of the right and of the wrong choices in one gate group."""
        groups = self.groups or ["field"] * len(self.outcomes)
        mine = [(p, r) for (p, r), g in zip(self.outcomes, groups, strict=True) if g == group]
        return np.sort([p for p, r in mine if r]), np.sort([p for p, r in mine if not r])


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=float), 1e-4, 1 - 1e-4)
    return np.log(q / (1 - q))


def calibration(parts: list[tuple[np.ndarray, np.ndarray]]) -> Callable[[np.ndarray], np.ndarray]:
    """How often a first choice of one gate group is right, against its probability: a logistic
    curve over the probability's log-odds, fitted on the held-out rooms' outcomes pooled (`parts`:
    each room's `HeldOut.split` of the group; Platt scaling). Two parameters fitted on every
    outcome: one comment more or less bends the curve a little, where a count of the wrong answers
    past a threshold moves a whole step. With outcomes of one kind only (or none), their share,
    flat."""
    from sklearn.linear_model import LogisticRegression

    p = np.concatenate([np.concatenate([r, w]) for r, w in parts] + [np.zeros(0)])
    y = np.concatenate([np.r_[np.ones(len(r)), np.zeros(len(w))] for r, w in parts] + [np.zeros(0)])
    if len(np.unique(y)) < 2:
        share = float(y.mean()) if len(y) else 0.0
        return lambda q: np.full(len(q), share)
    lr = LogisticRegression(C=1e4).fit(_logit(p)[:, None], y)
    slope, intercept = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    return lambda q: 1.0 / (1.0 + np.exp(-(slope * _logit(q) + intercept)))


def _from(p: np.ndarray, weight: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The sum of `weight` over the probabilities `p` (sorted) that reach each threshold of `grid`."""
    suffix = np.concatenate([np.cumsum(weight[::-1])[::-1], [0.0]])
    return suffix[np.searchsorted(p, grid, side="left")]


def choose_thresholds(
    held_out: list[HeldOut],
    bound: float = WRONG_BOUND,
    groups: Sequence[str] = GATE_GROUPS,
    mean_bound: float = MEAN_BOUND,
) -> dict[str, float]:
    """A threshold per gate group: of the combinations at which every held-out room's expected share
    of wrong answers is at most `bound` (the rules' own wrong answers included) and the rooms' mean
    share at most `mean_bound`, the one with the most expected right answers (macro over rooms;
    ties: the higher thresholds). A first choice counts as right by its calibrated chance
    (`calibration`) and as wrong by the rest. Each group's thresholds tried are quantiles of its
    probabilities (126 for three groups: about two million combinations). None within the bounds
    (the rules alone send too many wrong answers): the learned part says nothing."""
    steps = max(10, min(200, round(2e6 ** (1 / max(len(groups), 1)))))
    # each room's right and wrong probabilities per group, split once
    parts = {g: [h.split(g) for h in held_out] for g in groups}
    curves = {g: calibration(parts[g]) for g in groups}
    grids = []
    for g in groups:
        probs = np.concatenate([np.concatenate(rw) for rw in parts[g]] + [np.zeros(0)])
        inner = np.quantile(probs, np.linspace(0, 1, steps)) if len(probs) else np.zeros(0)
        grids.append(np.unique(np.concatenate([[0.0, NEVER], inner])))
    shape = tuple(len(grid) for grid in grids)
    worst, mean, right = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for i, h in enumerate(held_out):
        wrong, good = np.full(shape, float(h.rules_wrong)), np.zeros(shape)
        for axis, (g, grid) in enumerate(zip(groups, grids, strict=True)):
            along = [1] * len(shape)
            along[axis] = -1
            p = np.sort(np.concatenate(parts[g][i]))
            chance = curves[g](p)
            wrong = wrong + _from(p, 1.0 - chance, grid).reshape(along)
            good = good + _from(p, chance, grid).reshape(along)
        n = max(h.comments, 1)
        worst = np.maximum(worst, wrong / n)
        mean += wrong / n / len(held_out)
        right += good / n
    ok = (worst <= bound + 1e-12) & (mean <= mean_bound + 1e-12)
    if not ok.any():
        return dict.fromkeys(groups, NEVER)
    score = np.where(ok, right.round(9), -1.0)
    best = [tuple(ix) for ix in np.argwhere(score == score.max()).tolist()]
    values = [[float(grid[i]) for grid, i in zip(grids, ix, strict=True)] for ix in best]
    pick = max(values, key=lambda v: (sum(v), v))
    return dict(zip(groups, pick, strict=True))


def fit_calibrated(
    rows: list[CommentRows], bound: float = WRONG_BOUND, calibrate: Collection[str] | None = None
) -> AnswerModel:
    """Fit on all given rooms; choose the threshold by leave-one-room-out inside them (nested), so
    the threshold is set on probabilities from models that did not see the room they score.
    `calibrate`: the rooms held out for that choice (default all); the others are in every inner
    fit, and no threshold is chosen on them."""
    rooms = sorted({r.room for r in rows})
    calibrated_on = [n for n in rooms if calibrate is None or n in calibrate]
    held = []
    for name in calibrated_on:
        inner = fit([r for r in rows if r.room != name])
        mine = [r for r in rows if r.room == name]
        outcomes, groups = _outcomes(inner, mine)
        held.append(HeldOut(len(mine), sum(r.fixed_wrong for r in mine), outcomes, groups))
    model = fit(rows)
    model.gates = choose_thresholds(held, bound)
    model.info = {
        "rooms": rooms,
        "calibrated_on": calibrated_on,
        "comments": len(rows),
        "wrong_bound": bound,
        "mean_wrong_bound": MEAN_BOUND,
        "calibration": "Platt scaling per gate group over the nested held-out outcomes",
        "model": FORM + ", L-BFGS from zero",
    }
    return model


def train_answer_model(
    train: list[PreparedRoom], settings: QASettings, kinds: KindFitter | None = None
) -> dict[str, Any]:
    """A trainer for `bot.evaluate.train_fold`: the calibrated answer model of these rooms.

    With `kinds`, comment kinds are decided as they will be on a new room: each training room by a
    kind model fitted on the other training rooms, for the fit and for the nested threshold choice
    alike. Without, by the shipped kind model (which saw every labelled room)."""
    calibrate = {p.room.name for p in train if p.room.calibrates}
    if kinds is None:
        rows = [r for p in train for r in room_rows(p, settings)]
        model = fit_calibrated(rows, calibrate=calibrate)
    else:
        # each training room decided by a kind model fitted on the other training rooms: its rows
        # then hold the comment-kind mistakes (and the kind probabilities) of a room the kind model
        # never saw, as a new room's will
        rows = [r for p in train for r in room_rows(p, settings, kinds.fit([o for o in train if o is not p]))]
        model = fit_calibrated(rows, calibrate=calibrate)
        model.info["kind_model"] = "fitted without the room (cross-fitted, nested)"
    model.encoder = train[0].knowledge.faq.encoder.name if train else ""
    return {"answer_model": model}


def train_shipped_model(
    eval_dir: str,
    encoder: Any,
    settings: QASettings,
    out: Path,
    extra: Sequence[str] = (),
    train_only: Sequence[str] = (),
) -> AnswerModel:
    """Fit on every labelled room, `extra` and `train_only` ones included (threshold by leave-one-
    room-out within all but the `train_only` ones, each held-out room's kinds decided by a kind
    model fitted without it) and write the file."""
    from bot.evaluate import KindFitter, prepare_room
    from bot.rooms_data import load_rooms

    prepared = [prepare_room(r, encoder, settings) for r in load_rooms(eval_dir, extra, train_only)]
    model = train_answer_model(prepared, settings, KindFitter(eval_dir, encoder))["answer_model"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(model.to_json() + "\n", encoding="utf-8")
    return model
