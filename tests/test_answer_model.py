"""The learned answer decision, as a viewer and the streamer see it: fields found like FAQ entries
(keys the code never met included), the shipped model, and the gate that hands unsure matches to the
streamer with the bot's guess. On a small test shelf (tests/catalogs/gadgets.yaml) and the demo
shelf, with the real encoder and the model file shipped in the package."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from domain.catalog import Catalog, load_catalog, parse_catalog
from handlers.answer_model import (
    LINK_RANK,
    MODEL_PATH,
    NEAR_DIM,
    NEVER,
    AnswerModel,
    HeldOut,
    Neighbours,
    calibration,
    choose_thresholds,
    fit_conditional_logit,
    shipped_model,
)
from handlers.destinations import address_unsaid, asked_by_name, courier_unnamed, fee_unsaid, sentences_naming
from handlers.field_entries import field_docs, field_name_text, unit_words
from handlers.fields import asks_price, body_measures, size_for
from handlers.knowledge import RoomKnowledge, build_knowledge
from handlers.normalize import normalize
from handlers.qa import BEYOND_GUIDE, QASettings, answer_comment
from recommender.encoder import TextEncoder

GADGETS = Path(__file__).resolve().parent / "catalogs" / "gadgets.yaml"
SETTINGS = QASettings()


@pytest.fixture(scope="module")
def gadgets() -> Catalog:
    return load_catalog(GADGETS)


@pytest.fixture(scope="module")
def room(gadgets: Catalog, encoder: TextEncoder) -> RoomKnowledge:
    return build_knowledge(gadgets, encoder, SETTINGS.dense_weight)


@pytest.fixture(scope="module")
def demo_room(demo_catalog: Catalog, encoder: TextEncoder) -> RoomKnowledge:
    return build_knowledge(demo_catalog, encoder, SETTINGS.dense_weight)


def test_the_shipped_model_loads_and_says_the_live_price(demo_room: RoomKnowledge) -> None:
    model = AnswerModel.from_json(MODEL_PATH.read_text(encoding="utf-8"))
    assert set(model.gates) == {"live", "field", "faq"} and all(0.0 < t <= 1.0 for t in model.gates.values())
    assert shipped_model() is not None
    product = demo_room.catalog.by_link(1)
    assert product is not None
    d = answer_comment("1号链接多少钱", demo_room, None, SETTINGS)
    assert d.kind == "answer" and d.product_id == product.id and d.source == "price"
    assert d.reply is not None and f"{product.price:g}元" in d.reply


def test_a_price_change_is_in_the_next_answer_without_reencoding(
    room: RoomKnowledge, gadgets: Catalog, encoder: TextEncoder
) -> None:
    product = gadgets.products[0]
    changed = gadgets.with_product(product.model_copy(update={"price": 88.0}))
    room2 = room.with_catalog(changed, encoder, SETTINGS.dense_weight)
    assert room2.fields is room.fields  # no live value in the field entries: nothing re-encoded
    d = answer_comment("1号链接多少钱", room2, None, SETTINGS)
    assert d.kind == "answer" and d.reply is not None and "88元" in d.reply


def test_every_field_is_an_entry_named_in_words(gadgets: Catalog) -> None:
    docs = {(d.product_id, d.doc_id): d for d in field_docs(gadgets)}
    assert {("g1", k) for k in ("price", "stock", "shipping", "returns", "charging_time", "colors")} <= set(
        docs
    )
    # a key no lexicon holds is named by its own words, and its value is part of the entry
    assert "charging time" in field_name_text("charging_time")
    assert "4小时" in docs[("g1", "charging_time")].text
    assert "价格" in docs[("g1", "price")].text and "129" not in docs[("g1", "price")].text


def test_an_attribute_key_the_code_never_met_is_answered(room: RoomKnowledge) -> None:
    d = answer_comment("1号充满电要多长时间", room, None, SETTINGS)
    assert d.kind == "answer" and d.product_id == "g1" and d.source == "charging_time"
    assert d.reply is not None and "4小时" in d.reply
    assert "charging_time" not in d.reply  # the field is named in words, not by its key
    d = answer_comment("线有多长", room, "g1", SETTINGS)
    assert d.kind == "answer" and d.source == "cable_length" and "30cm" in (d.reply or "")
    # a key in English words no lexicon holds, asked in Chinese: found by the words' Chinese
    d = answer_comment("1号有几个接口", room, None, SETTINGS)
    assert d.kind == "answer" and d.source == "output_ports" and "USB-C×2" in (d.reply or "")


def test_a_value_the_list_lacks_gets_the_list(room: RoomKnowledge) -> None:
    d = answer_comment("1号有粉色吗", room, None, SETTINGS)
    assert d.kind == "answer" and d.source == "colors"
    assert d.reply is not None and "没有粉色" in d.reply
    assert all(c in d.reply for c in ("石墨黑", "雾白", "薄荷绿"))


def test_a_low_probability_match_goes_to_the_streamer_with_its_guess(room: RoomKnowledge) -> None:
    # nothing on the shelf says how long the warranty is: the best entry is a poor match
    d = answer_comment("充电宝保修多久", room, None, SETTINGS)
    assert d.kind == "escalate" and d.product_id == "g1"
    assert d.reply is None
    assert d.guess is not None and d.guess.startswith("1号链接")
    model = shipped_model()
    assert model is not None and d.reason.startswith("not sure enough")
    assert 0.0 <= d.confidence < max(model.gates.values())
    # the reason says the bar it missed: its kind of answer has a bar of its own
    shown, bar = map(float, re.findall(r"\d\.\d\d", d.reason))
    assert shown <= d.confidence < bar and bar in {math.ceil(g * 100) / 100 for g in model.gates.values()}


def test_the_rules_alone_still_decide_when_asked(room: RoomKnowledge) -> None:
    from handlers.qa import decide, understand

    u = understand("1号链接多少钱", room, None)
    d = decide(u, room, SETTINGS, rules_only=True)
    assert d.kind == "answer" and d.source == "price" and d.reason == "field"


def _rooms(seed: int, groups: tuple[str, ...] = ("live", "field", "faq")) -> list[HeldOut]:
    """Four held-out rooms of 100 comments: wrong first choices score 0.1-0.5, right ones 0.7-1.0."""
    rng = np.random.default_rng(seed)
    rooms = []
    for _ in range(4):
        wrong = [(float(p), False) for p in rng.uniform(0.1, 0.5, 12)]
        right = [(float(p), True) for p in rng.uniform(0.7, 1.0, 36)]
        rooms.append(HeldOut(100, 0, wrong + right, [groups[i % len(groups)] for i in range(48)]))
    return rooms


def _said(rooms: list[HeldOut], gates: dict[str, float]) -> list[bool]:
    return [ok for h in rooms for (p, ok), g in zip(h.outcomes, h.groups, strict=True) if p >= gates[g]]


def test_the_thresholds_sit_between_the_wrong_and_the_right_answers() -> None:
    rooms = _rooms(1)
    gates = choose_thresholds(rooms, 0.02, mean_bound=0.01)
    # at most 2 wrong answers said in any room of 100 comments
    assert all(_said([h], gates).count(False) <= 2 for h in rooms)
    assert _said(rooms, gates).count(True) >= 0.9 * 4 * 36  # and (nearly) every right one
    # no wrong answer allowed: every one held back, most right ones still said
    strict = choose_thresholds(rooms, 0.002, mean_bound=0.001)
    assert all(_said(rooms, strict))
    assert len(_said(rooms, strict)) >= 0.8 * 4 * 36


def test_the_chance_of_being_right_grows_with_the_probability() -> None:
    curve = calibration([h.split("field") for h in _rooms(2)])
    chances = curve(np.array([0.2, 0.5, 0.7, 0.9]))
    assert np.all(np.diff(chances) > 0)
    assert chances[0] < 0.2 and chances[-1] > 0.9


def test_a_tighter_mean_bound_holds_back_more() -> None:
    # right and wrong choices mixed over 0.3-1.0, wrong ones likelier lower down
    rng = np.random.default_rng(3)
    rooms = []
    for _ in range(4):
        p = rng.uniform(0.3, 1.0, 60)
        outcomes = [(float(x), bool(rng.uniform() < x)) for x in p]
        rooms.append(HeldOut(200, 0, outcomes, ["field"] * 60))
    loose = choose_thresholds(rooms, 0.05, ("field",), mean_bound=0.05)["field"]
    tight = choose_thresholds(rooms, 0.05, ("field",), mean_bound=0.005)["field"]
    assert tight > loose
    assert sum(_said(rooms, {"field": tight})) < sum(_said(rooms, {"field": loose}))


def test_each_kind_of_answer_gets_its_own_threshold() -> None:
    # price and stock choices are all right, attribute choices as often wrong as right at any
    # probability: every price answer is said, most attribute answers held back (the few said
    # spend the bound on their expected wrong half)
    rng = np.random.default_rng(4)
    rooms = []
    for _ in range(4):
        live = [(float(p), True) for p in rng.uniform(0.5, 1.0, 20)]
        attr = [(float(p), bool(i % 2)) for i, p in enumerate(rng.uniform(0.5, 1.0, 20))]
        rooms.append(HeldOut(100, 0, live + attr, ["live"] * 20 + ["field"] * 20))
    gates = choose_thresholds(rooms, 0.02, ("live", "field"), mean_bound=0.01)
    said = [g for h in rooms for (p, _), g in zip(h.outcomes, h.groups, strict=True) if p >= gates[g]]
    assert said.count("live") == 4 * 20
    assert said.count("field") <= 0.2 * 4 * 20


def test_when_the_rules_alone_send_too_many_wrong_answers_the_model_says_nothing() -> None:
    rooms = _rooms(5)
    rooms[0] = HeldOut(100, 3, rooms[0].outcomes, rooms[0].groups)  # 3% wrong before any answer
    assert choose_thresholds(rooms, 0.02, mean_bound=0.01) == dict.fromkeys(("live", "field", "faq"), NEVER)


def test_one_more_comment_moves_the_thresholds_little() -> None:
    rooms = _rooms(6)
    gates = choose_thresholds(rooms, 0.02, mean_bound=0.01)
    # a wrong choice just above the field threshold: calibrated, it bends the curve by one outcome
    # among many, where a count of wrong answers past the threshold would step
    h = rooms[0]
    rooms[0] = HeldOut(h.comments + 1, 0, [*h.outcomes, (gates["field"] + 0.01, False)], [*h.groups, "field"])
    again = choose_thresholds(rooms, 0.02, mean_bound=0.01)
    assert abs(again["field"] - gates["field"]) < 0.05
    assert len(_said(rooms, again)) >= 0.9 * 4 * 36


def test_a_model_file_without_the_three_thresholds_is_refused_clearly() -> None:
    import json

    old = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    gates = old.pop("gates")
    old["threshold"], old["threshold_faq"] = gates["field"], gates["faq"]  # the two-threshold file
    with pytest.raises(ValueError, match="cohost train-qa"):
        AnswerModel.from_json(json.dumps(old))


def test_a_model_file_of_the_older_per_candidate_form_is_refused_clearly() -> None:
    import json

    old = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    del old["form"]
    old["intercept"] = old.pop("none_score")  # a logistic regression per candidate
    with pytest.raises(ValueError, match="cohost train-qa"):
        AnswerModel.from_json(json.dumps(old))


def test_the_candidates_share_one_probability_with_none_of_them() -> None:
    # comments of three candidates; the answer, when there is one, has the larger first feature;
    # comments whose candidates all score low on the second feature have no answer
    rng = np.random.default_rng(7)
    xs, ys = [], []
    for i in range(300):
        x = rng.normal(size=(3, 2))
        y = np.zeros(3)
        if i % 3:
            y[np.argmax(x[:, 0])] = 1.0
            x[:, 1] += 2.0
        xs.append(x)
        ys.append(y)
    coef, none_score = fit_conditional_logit(np.vstack(xs), np.concatenate(ys), [3] * 300)
    assert coef[0] > 0 and coef[1] > 0
    model = AnswerModel(np.zeros(2), np.ones(2), coef, none_score, shipped_model().asked)  # type: ignore[union-attr]
    p = model.probabilities(np.array([[3.0, 2.0], [0.0, 2.0], [-1.0, 2.0]]))
    assert np.argmax(p) == 0 and p.sum() < 1.0
    # two candidates alike split what one alone would get: a close call is a less sure answer
    alone = model.probabilities(np.array([[3.0, 2.0]]))[0]
    split = model.probabilities(np.array([[3.0, 2.0], [3.0, 2.0]]))
    assert split[0] == split[1] < alone
    # a comment like the unanswered ones: "none of them" takes most of it
    assert model.probabilities(np.array([[0.5, -1.0], [0.0, -1.0]])).max() < 0.5


def test_the_learned_comment_to_answer_map_survives_the_model_file(demo_room: RoomKnowledge) -> None:
    from handlers.qa import decide, understand

    model = shipped_model()
    assert model is not None and model.asked.link_in is not None
    assert model.asked.link_in.shape[1] == LINK_RANK
    again = AnswerModel.from_json(model.to_json())
    shown = demo_room.catalog.products[3].id
    for text in ("游泳的时候涂着会掉吗", "能带上飞机吗", "混油皮夏天用闷不闷"):
        u = understand(text, demo_room, shown)
        a = decide(u, demo_room, SETTINGS, answer_model=model)
        b = decide(u, demo_room, SETTINGS, answer_model=again)
        assert (a.kind, a.source, a.confidence) == (b.kind, b.source, b.confidence)
    # the map is read, not carried along unused: without it the same comment scores otherwise
    u = understand("游泳的时候涂着会掉吗", demo_room, shown)
    with_map = decide(u, demo_room, SETTINGS, answer_model=again).confidence
    again.asked.link_in = again.asked.link_out = None
    assert decide(u, demo_room, SETTINGS, answer_model=again).confidence != with_map


def test_the_nearest_training_comments_survive_the_model_file(demo_room: RoomKnowledge) -> None:
    from handlers.qa import decide, understand

    model = shipped_model()
    assert model is not None and model.asked.near is not None
    assert model.asked.near.basis.shape[1] == NEAR_DIM
    again = AnswerModel.from_json(model.to_json())
    u = understand("上班通勤能用吗", demo_room, demo_room.catalog.products[3].id)
    near = decide(u, demo_room, SETTINGS, answer_model=again).confidence
    assert decide(u, demo_room, SETTINGS, answer_model=model).confidence == near
    # read, not carried along unused
    again.asked.near = None
    assert decide(u, demo_room, SETTINGS, answer_model=again).confidence != near


def test_a_comment_is_nearest_to_the_training_comments_it_resembles() -> None:
    rng = np.random.default_rng(0)
    # answered comments of two kinds, each answered by an entry of its own; and comments of a third
    # kind that nothing answered
    asks_a, asks_b, other_dir = (rng.normal(size=128) for _ in range(3))
    entry_a, entry_b = rng.normal(size=128), rng.normal(size=128)

    def noise(n: int) -> np.ndarray:
        return 0.3 * rng.normal(size=(n, 128))

    vecs = np.vstack([asks_a + noise(30), asks_b + noise(30), other_dir + noise(60)])
    answered = np.arange(120) < 60
    answers = np.vstack([entry_a + 0.1 * noise(30), entry_b + 0.1 * noise(30)])
    near = Neighbours.fit(vecs, answered, answers)
    assert near is not None
    comment = asks_a + 0.3 * rng.normal(size=128)
    to_answered, to_other, (a, b, none) = near.columns(comment, [entry_a, entry_b, None])
    assert to_answered > to_other
    to_answered, to_other, _ = near.columns(other_dir + 0.3 * rng.normal(size=128), [])
    assert to_answered < to_other
    # the entry that answered comments like it scores above the other one; no vector, 0
    assert a > b and none == 0.0
    # too few of one side to compare with: no neighbours at all
    assert Neighbours.fit(vecs, np.arange(120) < 2, answers[:2]) is None


def test_the_bot_gates_an_answer_by_its_kind(room: RoomKnowledge) -> None:
    from handlers.qa import decide, understand

    # the shipped model with live values always said, and nothing else ever
    model = AnswerModel.from_json(MODEL_PATH.read_text(encoding="utf-8"))
    model.gates = {"live": 0.0, "field": 1.01, "faq": 1.01}
    price = decide(understand("1号链接多少钱", room, None), room, SETTINGS, answer_model=model)
    assert price.kind == "answer" and price.source == "price"
    colour = decide(understand("1号有粉色吗", room, None), room, SETTINGS, answer_model=model)
    assert colour.kind == "escalate" and colour.guess is not None and "粉色" in colour.guess
    # and the other way round
    model.gates = {"live": 1.01, "field": 0.0, "faq": 0.0}
    price = decide(understand("1号链接多少钱", room, None), room, SETTINGS, answer_model=model)
    assert price.kind == "escalate"
    colour = decide(understand("1号有粉色吗", room, None), room, SETTINGS, answer_model=model)
    assert colour.kind == "answer" and colour.source == "colors"


def test_a_height_and_weight_get_the_size_the_guide_gives(demo_room: RoomKnowledge) -> None:
    shirt = next(p for p in demo_room.catalog.products if "身高" in str(p.attributes.get("size_guide", "")))
    guide = str(shirt.attributes["size_guide"])
    # the guide read as data: the size whose weight (and height) range holds the viewer's
    size = next(
        part.split()[0]
        for part in guide.split(";")
        if (r := part.split()[-1].rstrip("斤").split("-")) and float(r[0]) <= 105 <= float(r[1])
    )
    d = answer_comment(f"{shirt.link}号160 105斤穿什么码", demo_room, None, SETTINGS)
    assert d.product_id == shirt.id and d.source == "size_guide"
    # said, or held only for the model's probability (one retraining puts it a hair either side of
    # the field threshold) with the same words as the streamer's guess
    assert d.kind == "answer" or d.reason.startswith("not sure enough"), d.reason
    said = d.reply or d.guess
    assert said is not None and f"{size}码" in said
    assert guide not in said  # the size named, not the whole guide


def test_a_viewer_no_size_of_the_guide_holds_goes_to_the_streamer(demo_room: RoomKnowledge) -> None:
    # a new user's trial: "160斤能穿这个衬衫吗" was sent the whole guide, whose largest size stops at
    # 135斤, at 0.98: a chart sent to that question reads as "yes, pick one"
    shirt = next(p for p in demo_room.catalog.products if "身高" in str(p.attributes.get("size_guide", "")))
    guide = str(shirt.attributes["size_guide"])
    heaviest = max(int(part.split()[-1].rstrip("斤").split("-")[1]) for part in guide.split(";"))
    tallest = max(
        int(part.split()[1].removeprefix("身高").rstrip("cm").split("-")[1]) for part in guide.split(";")
    )
    for text in (f"{shirt.link}号{heaviest + 25}斤能穿吗", f"{shirt.link}号身高{tallest + 15}能穿吗"):
        d = answer_comment(text, demo_room, None, SETTINGS)
        assert d.kind == "escalate" and d.source == "size_guide" and d.reason == BEYOND_GUIDE, (text, d)
        assert d.guess is not None and guide in d.guess  # the chart, for the streamer to answer from
    # within the guide, the size it gives
    d = answer_comment(f"{shirt.link}号{heaviest - 5}斤能穿吗", demo_room, None, SETTINGS)
    assert d.reason != BEYOND_GUIDE, d


def test_a_waist_named_in_chi_or_cm_gets_the_size_the_guide_gives(demo_room: RoomKnowledge) -> None:
    # "腰围2尺4穿什么码" got the whole guide: only a height and a weight were read
    trousers = next(
        p for p in demo_room.catalog.products if "腰围2尺4" in str(p.attributes.get("size_guide"))
    )
    guide = str(trousers.attributes["size_guide"])
    size = next(part.split()[0] for part in guide.split(";") if "腰围2尺4" in part)
    for text in (
        f"{trousers.link}号腰围2尺4穿什么码",
        f"{trousers.link}号 我腰二尺四 穿多大",
        f"{trousers.link}号腰围80cm穿啥码",
    ):
        d = answer_comment(text, demo_room, None, SETTINGS)
        assert d.kind == "answer" and d.source == "size_guide", (text, d)
        assert d.reply is not None and f"建议拍{size}码" in d.reply and guide not in d.reply, (text, d.reply)
    english = answer_comment(
        f"what size is link {trousers.link} for a waist of 80cm?", demo_room, None, SETTINGS
    )
    assert english.reply is not None and f"size {size} for" in english.reply
    # a waist between two of the guide's sizes: the guide, whole, for the viewer to choose from
    between = answer_comment(f"{trousers.link}号腰围2尺3穿什么码", demo_room, None, SETTINGS)
    assert between.reply is not None and guide in between.reply


@pytest.mark.parametrize(
    ("guide", "said", "size"),
    [
        ("S 胸围80-84cm 85-100斤; M 胸围84-88cm 100-115斤; L 胸围88-94cm 115-130斤", "胸围90穿多大", "L"),
        ("S 胸围80-84cm 85-100斤; M 胸围84-88cm 100-115斤; L 胸围88-94cm 115-130斤", "胸围86 110斤", "M"),
        ("S 胸围80-84cm 85-100斤; M 胸围84-88cm 100-115斤", "胸围86 120斤", None),  # the weight fits none
        ("按平时码数拍；脚长23cm穿36码，23.5cm穿37码，24cm穿38码", "脚长23.5穿几码", "37"),
        ("按平时码数拍；脚长23cm穿36码，23.5cm穿37码，24cm穿38码", "脚长235mm", "37"),
        ("M码头围54-56cm；L码56-58cm；XL码58-60cm", "头围57戴什么码", "L"),
        (
            "M 165-170cm 110-125斤 腰围2尺2; L 170-175cm 125-140斤 腰围2尺4",
            "172 130斤",
            "L",
        ),  # still a height
        ("M码头围54-56cm；L码56-58cm；XL码58-60cm", "头围58", "XL"),  # between two: the larger
        ("S 胸围96cm 建议90-105斤; M 胸围100cm 建议105-118斤", "胸围96", None),  # a garment's own measure
        ("S 身高150-158cm 85-98斤; M 身高158-165cm 98-110斤", "后腰2个口袋 160 105斤", "M"),
        # a child's height, said with its word, against a guide by height (three shops' trials: the
        # whole guide was quoted)
        ("90码 身高80-90cm；100码 90-100cm；110码 100-110cm；120码 110-120cm", "孩子身高115穿多大", "120"),
        ("90码 身高80-90cm；100码 90-100cm；110码 100-110cm；120码 110-120cm", "宝宝身高 98cm", "100"),
        ("90码 身高80-90cm；100码 90-100cm；110码 100-110cm", "kids height 95cm", "100"),
        ("90码 身高80-90cm；100码 90-100cm；110码 100-110cm", "孩子115穿多大", None),  # no height said
        # a child's height by its unit beside the child, and a child's age against a guide's ages (a kids'
        # shop's trial: "122cm的孩子穿多大", "5岁穿什么码" got the whole guide)
        ("110 身高105-115cm 约3-5岁; 120 身高115-125cm 约5-7岁", "122cm的孩子穿多大", "120"),
        ("110 身高105-115cm 约3-5岁; 120 身高115-125cm 约5-7岁", "a 112cm kid?", "110"),
        (
            "110 身高105-115cm 约3-5岁; 120 身高115-125cm 约5-7岁; 130 身高125-135cm 约7-9岁",
            "六岁穿什么码",
            "120",
        ),
        ("110 身高105-115cm 约3-5岁; 120 身高115-125cm 约5-7岁", "my son is 4 years old", "110"),
        ("110 身高105-115cm 约3-5岁; 120 身高115-125cm 约5-7岁", "宝宝床120cm的有吗", None),  # a bed's
        ("110 身高105-115cm 约3-5岁; 120 身高115-125cm 约5-7岁", "18岁能穿吗", None),  # no child
        # sizes named in words: a skirt length, a bag's size
        ("裙长85cm 身高150-158cm; 裙长90cm 身高158-165cm; 裙长95cm 身高165-172cm", "160穿哪个", "裙长90cm"),
        ("小号 身高110-130cm；大号 身高130-150cm", "身高125选哪个", "小号"),
    ],
)
def test_a_body_measure_named_by_its_word_is_read_against_the_guide(
    guide: str, said: str, size: str | None
) -> None:
    assert size_for(guide, body_measures(said)) == size


def test_a_room_on_another_encoder_is_decided_by_the_rules(gadgets: Catalog) -> None:
    from recommender.encoder import load_encoder

    # the model's centroids and similarities are the shipped encoder's: on another encoder's
    # vectors (here the small test stand-in) it must not run, and the rules answer instead
    hashed = build_knowledge(gadgets, load_encoder("hash"), SETTINGS.dense_weight)
    assert not shipped_model().fits(hashed.faq.encoder.name)  # type: ignore[union-attr]
    d = answer_comment("1号链接多少钱", hashed, None, SETTINGS)
    assert d.kind == "answer" and d.source == "price" and d.reason == "field"
    assert d.reply is not None and "129元" in d.reply


def test_a_comment_asking_two_things_goes_to_the_streamer(demo_room: RoomKnowledge) -> None:
    product = next(p for p in demo_room.catalog.products if p.stock > 0)
    # price and stock in one comment: one reply would leave one of them unanswered
    d = answer_comment(f"{product.link}号多少钱 还有吗", demo_room, None, SETTINGS)
    assert d.kind == "escalate" and d.product_id == product.id
    assert d.reason == "asks two things at once" and d.guess is not None
    # asked alone, the price is answered
    d = answer_comment(f"{product.link}号多少钱", demo_room, None, SETTINGS)
    assert d.kind == "answer" and d.source == "price"


def test_an_english_comment_asking_two_things_goes_to_the_streamer(demo_room: RoomKnowledge) -> None:
    # an English question is many words, not a clause each: "how much is link 6? any XL left" was
    # answered with the price alone, the XL never said
    for text in ("how much is link 6? any XL left", "link 6 how much? and does it shrink?"):
        d = answer_comment(text, demo_room, None, SETTINGS)
        assert d.kind == "escalate" and d.product_id == "d01", text
        assert d.reason == "asks two things at once" and d.guess is not None, text
    # asked alone, each is answered
    d = answer_comment("how much is link 6?", demo_room, None, SETTINGS)
    assert d.kind == "answer" and d.source == "price"
    d = answer_comment("how much is link 6? how much?", demo_room, None, SETTINGS)
    assert d.kind == "answer" and d.source == "price"


def test_one_question_said_twice_is_not_two_things(demo_room: RoomKnowledge) -> None:
    product = next(p for p in demo_room.catalog.products if p.stock > 0)
    for text, source in (("多少钱 多少钱啊", "price"), ("还有货吗 有货吗", "stock")):
        d = answer_comment(f"{product.link}号{text}", demo_room, None, SETTINGS)
        assert d.kind == "answer" and d.source == source, text
    # the stock and something else: one answer would leave the other unanswered
    d = answer_comment(f"{product.link}号还有货吗 几天发货", demo_room, None, SETTINGS)
    assert d.kind == "escalate"


def test_a_remark_or_a_way_in_beside_the_question_is_not_a_second_question(demo_room: RoomKnowledge) -> None:
    # "这么好" remarks, it does not ask (么 of 这么); "家人们帮问下" introduces the question beside it.
    # Both were counted as questions of their own and the comment went to the streamer
    d = answer_comment("质量这么好 会缩水吗", demo_room, "d01", SETTINGS)
    assert d.kind == "answer" and d.source == "d01-f3" and d.reply is not None and "预缩" in d.reply
    d = answer_comment("6号链接啥价 家人们帮问下", demo_room, None, SETTINGS)
    assert d.kind == "answer" and d.source == "price" and d.reply is not None and "99元" in d.reply
    # a second question beside a remark still is one
    d = answer_comment("质量这么好 会缩水吗 几天发货", demo_room, "d01", SETTINGS)
    assert d.kind == "escalate"


def test_an_aspect_asked_again_another_way_is_one_question(demo_room: RoomKnowledge) -> None:
    # "放包里沉不沉" alone finds its entry less surely than "多重" and went to the streamer as a second question
    d = answer_comment("榨汁杯多重 放包里沉不沉", demo_room, "d09", SETTINGS)
    assert d.kind == "answer" and d.source == "weight" and d.reply is not None and "450g" in d.reply
    # another aspect beside it is a second question
    d = answer_comment("榨汁杯多重 能榨冰吗", demo_room, "d09", SETTINGS)
    assert d.kind == "escalate"


def test_a_courier_the_shipping_policy_never_names_goes_to_the_streamer(demo_room: RoomKnowledge) -> None:
    # link 6 ships "48小时内发货，全国包邮" with no courier named: quoting it to "能发顺丰吗" reads as a yes
    for text in ("6号链接能发顺丰吗", "6号链接发什么快递"):
        d = answer_comment(text, demo_room, None, SETTINGS)
        assert d.kind == "escalate" and d.source == "shipping", text
        assert d.reason == "the shipping policy does not say which courier"
        assert d.guess is not None and "全国包邮" in d.guess
    # link 8's policy says 顺丰包邮: it answers
    d = answer_comment("8号链接能发顺丰吗", demo_room, None, SETTINGS)
    assert d.kind == "answer" and d.source == "shipping" and d.reply is not None and "顺丰" in d.reply
    # a courier's name in Latin letters counts only as a word of its own ("items" holds no EMS)
    policy = ["48小时内发货，全国包邮"]
    assert courier_unnamed("发ems吗", policy) and courier_unnamed("can you ship by sf?", policy)
    assert not courier_unnamed("how fast do these items ship?", policy)
    assert not courier_unnamed("发ems吗", ["默认邮政EMS"])


def test_a_fee_or_an_address_the_policy_never_gives_goes_to_the_streamer(
    encoder: TextEncoder, demo_room: RoomKnowledge
) -> None:
    # a perfume shop's trial: "小样包邮吗" was sent "付款后24小时内发货，中通陆运…", which reads as a yes
    sample = {"id": "s", "link": 5, "title": "香水小样套装", "category": "香水", "price": 69, "stock": 40}
    sample["shipping"] = "付款后24小时内发货，中通陆运；港澳台及海外不发货"
    sample["returns"] = "未拆封支持7天无理由退货；已拆封不退"
    room = build_knowledge(
        parse_catalog({"room_id": "r", "products": [sample]}), encoder, SETTINGS.dense_weight
    )
    d = answer_comment("小样包邮吗", room, "s", SETTINGS)
    assert (d.kind, d.source, d.reason) == (
        "escalate",
        "shipping",
        "the shipping policy does not say what delivery costs",
    ), d
    assert d.guess is not None and "中通" in d.guess
    # a policy that says it answers (the demo's link 6: "全国包邮")
    d = answer_comment("6号链接包邮吗", demo_room, None, SETTINGS)
    assert d.kind == "answer" and d.source == "shipping" and d.reply is not None and "包邮" in d.reply
    assert fee_unsaid("free shipping?", ["Ships within 48 hours"])
    assert not fee_unsaid("free shipping?", ["Ships within 48 hours, free delivery"])
    assert not fee_unsaid("几天发货", ["付款后24小时内发货"])
    # and a returns answer to where a return is sent, from a policy that gives no address
    d = answer_comment("退货地址在哪", room, "s", SETTINGS)
    assert (d.kind, d.source, d.reason) == (
        "escalate",
        "returns",
        "the returns policy does not give the address",
    ), d
    assert answer_comment("拆了能退吗", room, "s", SETTINGS).source == "returns"
    assert not address_unsaid("退货地址在哪", ["退回广州市白云区仓库，7天无理由"])
    assert not address_unsaid("退货地址在哪", ["退货请联系客服获取地址"])


def test_a_link_and_a_field_word_alone_ask_the_field(demo_room: RoomKnowledge) -> None:
    # "6号链接" alone is said to order; with 价格 or 库存 after it, it asks (read as an order before,
    # the comment got no reply and reached no queue)
    for text, said in (("6号链接价格", "99元"), ("6号链接 价格", "99元"), ("6号链接库存", "248")):
        d = answer_comment(text, demo_room, None, SETTINGS)
        assert d.kind == "answer" and d.reply is not None and said in d.reply, text
    # an order pattern beside the field word stays an order
    assert answer_comment("上6号链接 价格", demo_room, None, SETTINGS).kind == "purchase"


def test_a_word_that_asks_a_price_asks_it_of_the_product_on_screen(demo_room: RoomKnowledge) -> None:
    # a furniture shop's trial: "这个多钱" (no question particle) was read as chat and lost
    product = demo_room.catalog.by_link(6)
    assert product is not None
    for text in ("这个多钱", "咋卖"):
        d = answer_comment(text, demo_room, product.id, SETTINGS)
        assert d.kind == "answer" and d.source == "price" and d.reply is not None and "99元" in d.reply, text
    # a price word said in praise asks nothing; nor "不管多少钱", the price not mattering
    assert answer_comment("这价格真香", demo_room, product.id, SETTINGS).kind == "chat"
    assert not asks_price("不管多少钱都要") and asks_price("这件多钱一件")


def test_a_place_the_shipping_policy_never_names_goes_to_the_streamer(room: RoomKnowledge) -> None:
    # g1 ships "全国包邮": nothing about Taiwan or other countries, so quoting it would read as a yes
    for text, screen in (("1号寄到台湾几天能到", None), ("how long is shipping to Canada?", "g1")):
        d = answer_comment(text, room, screen, SETTINGS)
        assert d.kind == "escalate" and d.source == "shipping", text
        assert d.reason == "the shipping policy does not say whether it goes there"
        assert d.guess is not None and "全国包邮" in d.guess
    # a mainland place is what "全国" covers: answered, named in Chinese or in pinyin (before, a
    # province in pinyin was taken for a country)
    for text, screen in (("1号寄到上海几天能到", None), ("does it ship to xinjiang?", "g1")):
        d = answer_comment(text, room, screen, SETTINGS)
        assert d.kind == "answer" and d.source == "shipping", text


def test_a_country_is_known_by_either_language_and_after_a_verb_of_sending() -> None:
    # a Hong Kong shop's trial: "寄唔寄日本？" (Japan, never named) got the whole policy as an answer,
    # and "ship to Singapore?" was handed over though the policy names 新加坡
    from handlers.destinations import policy_is_silent

    policy = ["付款后48小时内发货，香港、澳门、台湾、新加坡包邮"]
    assert policy_is_silent(normalize("寄唔寄日本？"), policy)
    assert policy_is_silent("do you ship to japan?", policy)
    assert not policy_is_silent("ship to singapore?", policy)
    assert not policy_is_silent(normalize("能寄新加坡嗎"), policy)
    assert not policy_is_silent("can you ship to japan?", ["Ships to Japan and Korea in 7 days"])
    assert not policy_is_silent("能寄日本吗", ["Ships to Japan and Korea in 7 days"])
    assert not policy_is_silent("日本进口的吗", policy)  # where it comes from, not where it goes


def test_the_us_is_a_country_and_the_mainland_speaks_for_abroad_only_when_it_is_the_only_place() -> None:
    # a fishing shop's trial: "do you ship to the US?" got "free delivery in mainland China" (the US
    # was read as "us", and the mainland named as where delivery is free as a word about abroad)
    from handlers.destinations import asked_destination, policy_is_silent

    policy = [
        "付款后48小时内发货，全国包邮",
        "Ships within 48 hours of payment, free delivery in mainland China",
    ]
    for text in ("do you ship to the US?", "can you ship to US", "ship to the USA?"):
        assert policy_is_silent(text, policy), text
    assert asked_destination("can you ship it to us quickly?") is None  # the viewers, not the country
    for only in ("Mainland China only.", "仅发中国大陆", "只发大陆地区"):
        assert not policy_is_silent("do you ship to the US?", [policy[0], only]), only
        assert not policy_is_silent("能寄香港吗", [policy[0], only]), only


def test_a_province_is_known_by_its_short_name_in_a_policy() -> None:
    # a festival-gift shop's trial: "快递到上海几天" of "江浙沪次日达" was handed over as a policy that
    # did not say; the reply quotes the part that does
    from handlers.destinations import policy_is_silent

    policy = "顺丰发货，江浙沪次日达；其他地区3-5天；新疆、西藏暂不发货"
    for text, place in (("快递到上海几天", "上海"), ("寄到浙江要多久", "浙江"), ("能发江苏吗", "江苏")):
        assert not policy_is_silent(text, [policy]), text
        assert sentences_naming(policy, place) == "顺丰发货，江浙沪次日达", text
    # a province the policy names by no name of its own, nor by a word for all of them
    assert policy_is_silent("能寄北京吗", ["江浙沪次日达"])
    assert policy_is_silent("能寄北京吗", ["京东快递发货"])  # 京 of 京东 names no Beijing


def test_a_policy_that_speaks_of_abroad_answers_it(demo_room: RoomKnowledge) -> None:
    product = next(p for p in demo_room.catalog.products if "海外" in (p.shipping or ""))
    d = answer_comment("能寄到台湾吗", demo_room, product.id, SETTINGS)
    assert d.reason != "the shipping policy does not say whether it goes there"


def test_a_place_or_courier_asked_gets_the_policy_s_sentence_about_it(demo_room: RoomKnowledge) -> None:
    # link 6: "付款后48小时内发货，全国包邮（新疆、西藏、青海除外）；港澳台及海外暂不发货"
    replies = {}
    for text in ("6号链接能发新疆吗", "6号链接能寄香港吗", "6号链接发货快吗"):
        d = answer_comment(text, demo_room, None, SETTINGS)
        assert d.kind in ("answer", "escalate") and d.source == "shipping", text
        replies[text] = d.reply or d.guess or ""
    assert "新疆" in replies["6号链接能发新疆吗"] and "港澳台" not in replies["6号链接能发新疆吗"]
    assert (
        "港澳台及海外暂不发货" in replies["6号链接能寄香港吗"]
        and "48小时" not in replies["6号链接能寄香港吗"]
    )
    assert (
        "48小时" in replies["6号链接发货快吗"] and "港澳台" in replies["6号链接发货快吗"]
    )  # asks nothing named
    # two places asked: two answers, never one grouped reply
    assert answer_comment("6号链接能发新疆吗", demo_room, None, SETTINGS).asked == "新疆"
    # a sentence of an English policy by the place's name in either language; one naming every
    # sentence, or none, quotes the whole policy
    policy = "Ships within 48 hours. Free shipping in mainland China. Singapore and Malaysia: +30 yuan."
    assert (
        sentences_naming(policy, asked_by_name("能寄新加坡吗") or "") == "Singapore and Malaysia: +30 yuan."
    )
    assert sentences_naming("顺丰包邮；港澳可发顺丰", "顺丰") is None
    assert asked_by_name("包邮吗") is None


def test_a_viewer_typing_the_streamer_s_own_faq_question_gets_its_answer(demo_room: RoomKnowledge) -> None:
    # whatever the model makes of it: the streamer wrote this question and its answer
    product = demo_room.catalog.products[0]
    entry = product.faq[0]
    d = answer_comment(entry.q.rstrip("？?") + " ", demo_room, product.id, SETTINGS)
    assert d.kind == "answer" and d.source == entry.id and d.reply is not None and entry.a in d.reply


def test_a_name_word_that_is_the_word_asked_stays_in_the_search_text(demo_room: RoomKnowledge) -> None:
    # the shirt's title says 纯棉: "是纯棉的吗" without it would search "是的吗", which asks nothing
    product = next(p for p in demo_room.catalog.products if "纯棉衬衫" in p.aliases)
    matcher = demo_room.matcher
    assert matcher.focus("是纯棉的吗", product) == "是纯棉的吗"
    assert matcher.focus("纯棉衬衫会缩水吗", product) == "会缩水吗"


def test_available_in_a_version_is_not_answered_with_the_stock_count(demo_room: RoomKnowledge) -> None:
    # "available?" asks whether it can be bought; "available in XL" of a product sold in no sizes
    # asks for a version it does not have, which "800 in stock" would wrongly answer
    product = next(p for p in demo_room.catalog.products if "sizes" not in p.attributes)
    d = answer_comment("is it available?", demo_room, product.id, SETTINGS)
    assert d.source == "stock"  # said, or handed to the streamer with the stock as the guess
    for text in ("is it available in XL?", "is it available in black?"):
        d = answer_comment(text, demo_room, product.id, SETTINGS)
        assert d.kind != "answer" or d.source != "stock", text


def test_a_coupon_or_a_bargain_is_not_answered_with_the_price(demo_room: RoomKnowledge) -> None:
    # the live price says neither whether a coupon applies nor whether the streamer goes lower; a
    # discount it does say (the price now beside the original one)
    product = next(p for p in demo_room.catalog.products if p.original_price and p.in_stock)
    for text in (
        "有没有优惠券",
        "优惠券有吗",
        "这个能用优惠券吗",
        "再便宜一点行不行",
        "can I use a coupon on this?",
    ):
        d = answer_comment(text, demo_room, product.id, SETTINGS)
        assert d.kind != "answer" or d.source != "price", (text, d)
    d = answer_comment("这个多少钱", demo_room, product.id, SETTINGS)
    assert d.kind == "answer" and d.source == "price"


def test_a_field_named_in_praise_is_not_a_question(room: RoomKnowledge) -> None:
    # "颜色真好看" names the colours and asks nothing; "有哪些颜色" asks
    assert answer_comment("1号颜色真好看", room, None, SETTINGS).kind == "chat"
    assert answer_comment("充电宝颜色好高级", room, "g1", SETTINGS).kind == "chat"
    d = answer_comment("1号有哪些颜色", room, None, SETTINGS)
    assert d.kind in ("answer", "escalate") and d.source == "colors"


def test_asking_the_streamer_s_own_size_in_english_goes_to_the_streamer(room: RoomKnowledge) -> None:
    d = answer_comment("what's your height and weight?", room, "g1", SETTINGS)
    assert d.kind == "escalate" and d.reason == "asks the streamer's own size"


def test_a_chinese_reply_never_shows_a_key_without_a_chinese_name(gadgets: Catalog) -> None:
    from handlers.fields import FieldMatch, render_field

    product = gadgets.products[0]
    odd = product.model_copy(
        update={"attributes": {**product.attributes, "strap_drop": "12cm", "zorbs": ["A", "B"]}}
    )
    reply = render_field(odd, FieldMatch("strap_drop", 1.0), "zh")
    assert reply == f"{odd.link}号链接：12cm"
    listed = render_field(odd, FieldMatch("zorbs", 1.0, asked="C"), "zh")
    assert "zorbs" not in listed and listed.endswith("可选：A/B")
    # a key the lexicon knows keeps its Chinese name; English replies name the key in words
    assert "充电时间" in render_field(odd, FieldMatch("charging_time", 1.0), "zh")
    assert "strap drop" in render_field(odd, FieldMatch("strap_drop", 1.0), "en")


def test_a_short_flavour_question_is_answered_with_the_flavour(
    demo_room: RoomKnowledge, demo_catalog: Catalog
) -> None:
    # before: "有什么口味" with the product on screen was read as chat (no field word the rules knew)
    p = next(p for p in demo_catalog.products if isinstance(p.attributes.get("flavor"), str))
    for text in ("有什么口味", "what flavours?"):
        d = answer_comment(text, demo_room, p.id, SETTINGS)
        assert (d.kind, d.source) == ("answer", "flavor"), (text, d)
    assert str(p.attributes["flavor"]) in answer_comment("有什么口味", demo_room, p.id, SETTINGS).reply


def test_a_unit_said_in_chinese_finds_the_value_written_in_latin_letters(
    demo_room: RoomKnowledge, demo_catalog: Catalog
) -> None:
    p = next(p for p in demo_catalog.products if str(p.attributes.get("weight", "")).startswith("500g"))
    entry = next(d for d in field_docs(demo_catalog) if d.product_id == p.id and d.doc_id == "weight")
    assert "克" in entry.text  # "500g（50g×10枚）" is also 克 to the matcher
    assert unit_words("支持5G网络 64G+128G") == "" and unit_words("160-170 M码") == ""  # no grams, no metres
    d = answer_comment("一盒多少克", demo_room, p.id, SETTINGS)  # before: handed over at 0.81
    assert (d.kind, d.source) == ("answer", "weight") and "500g" in d.reply


def test_whether_a_size_is_there_is_answered_from_the_size_list(
    demo_room: RoomKnowledge, demo_catalog: Catalog
) -> None:
    # shoes: numbered sizes and a size guide beside them (which shares more words with "码")
    p = next(
        p
        for p in demo_catalog.products
        if "size_guide" in p.attributes and all(s.isdigit() for s in p.attributes.get("sizes", ["x"]))
    )
    listed = p.attributes["sizes"]
    missing = next(str(n) for n in range(30, 50) if str(n) not in listed)
    d = answer_comment(f"有{missing}码的吗", demo_room, p.id, SETTINGS)  # before: handed over
    assert (d.kind, d.source) == ("answer", "sizes"), d
    assert listed[0] in d.reply  # what there is


def test_a_guess_held_back_says_the_surest_reason_and_so_teaches_nothing(demo_room: RoomKnowledge) -> None:
    # a console trial: "有优惠券吗" held back as merely "not sure enough (0.79)" (the gate came before
    # the check that the price says nothing of coupons); approved, it taught the price for it
    import copy

    from handlers.answer_model import NEVER
    from handlers.qa import DEAL_ONLY, SAYS_LESS, decide, understand

    model = shipped_model()
    assert model is not None
    shut = copy.deepcopy(model)
    shut.gates = dict.fromkeys(model.gates, NEVER)  # no answer clears the gate
    on_screen = demo_room.catalog.by_link(3)
    assert on_screen is not None
    u = understand("有优惠券吗", demo_room, on_screen.id)
    d = decide(u, demo_room, SETTINGS, answer_model=shut)
    assert d.kind == "escalate" and d.source == "price" and d.reason == DEAL_ONLY and DEAL_ONLY in SAYS_LESS
    # one the checks pass is held for its probability, and says the bar it missed
    d = decide(understand("多少钱", demo_room, on_screen.id), demo_room, SETTINGS, answer_model=shut)
    assert d.kind == "escalate" and d.reason.startswith("not sure enough") and "< 1.01" in d.reason


def test_a_field_word_in_the_products_name_is_still_what_is_asked(demo_room: RoomKnowledge) -> None:
    # "续航几天" of a band titled "…长续航": 续航 was taken out as a name word, and "几天" searched
    # found the shipping policy (answered at 0.92, "付款后24小时内发货")
    band = next(p for p in demo_room.catalog.products if "续航" in p.title)
    for text in ("续航几天", f"第{band.link}个手环续航几天"):
        d = answer_comment(text, demo_room, band.id, SETTINGS)
        assert d.source == "battery" and d.product_id == band.id, (text, d.source, d.reason)
