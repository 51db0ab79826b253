"""Product cards for viewers: profiles, decay, rules, caps, sold-out and cold start, strategy split.

Semantic tests use the real bundled encoder (the session `encoder` fixture in conftest: USE
multilingual v3, loaded once); pure bookkeeping tests use the deterministic HashEncoder.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.catalog import Catalog
from recommender.encoder import HashEncoder, TextEncoder
from recommender.ranking import Recommender
from recommender.rec_settings import RecSettings

ROOM = "demo-room"


def make_rec(encoder: TextEncoder, catalog: Catalog, **overrides: object) -> Recommender:
    settings = RecSettings.model_validate({"strategy_shares": {"personalized": 1.0}, **overrides})
    rec = Recommender(settings, encoder)
    rec.set_shelf(ROOM, catalog.products)
    return rec


@pytest.fixture(scope="module")
def usem3(encoder: TextEncoder) -> TextEncoder:
    """The real model, loaded once per run (session fixture)."""
    return encoder


def test_viewer_who_asked_about_sunscreen_gets_sun_protection_first(usem3, demo_catalog):
    rec = make_rec(usem3, demo_catalog)
    q = usem3.encode(["这个防晒霜防水吗，户外能用多久"])[0]
    rec.observe(ROOM, "v1", "question", "d04", now=100.0, text_vec=q)
    first = rec.recommend(ROOM, "v1", now=110.0, on_screen=None, trigger="periodic")
    assert [p.product_id for p in first] == ["d04"]
    assert first[0].reason_key == "asked" and first[0].reason == "你刚问过"
    # the sun hat ranks ahead of every product that is neither sun protection nor cosmetics
    ranked = [pid for pid, _, _ in rec.rank(ROOM, "v1", now=120.0)]
    unrelated = [pid for pid in ranked if pid not in {"d04", "d05", "d06"}]
    assert all(ranked.index("d05") < ranked.index(pid) for pid in unrelated)
    # d04 is now cooling down: the next card is a near neighbour (sun hat or cushion foundation)
    second = rec.recommend(ROOM, "v1", now=120.0, on_screen=None, trigger="periodic")
    assert [p.product_id for p in second] in (["d05"], ["d06"])
    assert second[0].reason_key == "for_you" and second[0].scores["similarity"] > 0


def test_sold_out_product_is_never_carded(usem3, demo_catalog):
    rec = make_rec(usem3, demo_catalog, cap_cards=100)
    for t in range(5):
        rec.observe(ROOM, "v1", "click", "d08", now=float(t))
    rec.observe(ROOM, "v1", "question", "d08", now=6.0, text_vec=usem3.encode(["护颈枕还有货吗"])[0])
    assert "d08" not in [pid for pid, _, _ in rec.rank(ROOM, "v1", now=10.0, on_screen="d08")]
    picks = rec.recommend(ROOM, "v1", now=10.0, on_screen="d08", trigger="question", anchor="d08", k=2)
    assert "d08" not in [p.product_id for p in picks]
    picks = rec.recommend(ROOM, "v1", now=11.0, on_screen="d08", trigger="periodic", k=14)
    assert picks and "d08" not in [p.product_id for p in picks]
    assert rec.recommend_many(ROOM, ["v1", "v2"], now=12.0, product_id="d08") == [None, None]


def test_frequency_cap_and_cooldown_hold():
    from bot.config import BUNDLED_CATALOG
    from domain.catalog import load_catalog

    rec = make_rec(
        HashEncoder(), load_catalog(BUNDLED_CATALOG), cap_cards=2, cap_window_s=600, cooldown_s=300
    )
    got = [rec.recommend(ROOM, "v1", now=t, on_screen="d01", trigger="join") for t in (0.0, 10.0, 20.0)]
    assert [len(x) for x in got] == [1, 1, 0]  # third card within the window: capped
    assert got[0][0].product_id == "d01" and got[1][0].product_id != "d01"  # d01 cooling down
    again = rec.recommend(ROOM, "v1", now=610.0, on_screen="d01", trigger="join")
    assert [p.product_id for p in again] == ["d01"]  # window passed and cooldown over
    # cards sent elsewhere count too
    rec.record_shown(ROOM, "v2", "d01", now=0.0)
    assert rec.recommend(ROOM, "v2", now=1.0, on_screen="d01", trigger="join")[0].product_id != "d01"


def test_no_three_cards_of_one_category_in_a_row(demo_catalog):
    # most of the shelf becomes one category
    products = [
        p.model_copy(update={"category": "女装"}) if i < 10 else p
        for i, p in enumerate(demo_catalog.products)
    ]
    rec = Recommender(RecSettings(strategy_shares={"personalized": 1.0}, cap_cards=100), HashEncoder())
    rec.set_shelf(ROOM, products)
    cats = {p.id: p.category for p in products}
    seq = [p.product_id for p in rec.recommend(ROOM, "v1", now=0.0, on_screen="d01", trigger="join", k=6)]
    seq += [
        p.product_id
        for t in (1.0, 2.0, 3.0)
        for p in rec.recommend(ROOM, "v1", now=t, on_screen="d02", trigger="join")
    ]
    assert len(seq) == 9
    runs = [cats[a] == cats[b] == cats[c] for a, b, c in zip(seq, seq[1:], seq[2:], strict=False)]
    assert not any(runs), [cats[x] for x in seq]


def test_purchase_brings_bought_together_complement_once_the_rule_exists(usem3, demo_catalog):
    rec = make_rec(usem3, demo_catalog)
    for i in range(4):  # earlier viewers bought the pastry and the white tea together
        rec.observe(ROOM, f"old{i}", "purchase", "d07", now=float(i))
        rec.observe(ROOM, f"old{i}", "purchase", "d13", now=float(i) + 1)
    rec.observe(ROOM, "old9", "purchase", "d07", now=9.0)
    before = rec.recommend(
        ROOM, "v1", now=20.0, on_screen=None, trigger="purchase", anchor="d07", record=False
    )
    assert all(p.reason_key != "bought_together" for p in before)  # no rule mined yet

    rec.rebuild(now=30.0)
    assert rec.bought_together("d07")[0][0] == "d13"
    rec.observe(ROOM, "v1", "purchase", "d07", now=40.0)
    picks = rec.recommend(ROOM, "v1", now=41.0, on_screen=None, trigger="purchase", anchor="d07")
    assert picks[0].product_id == "d13"
    assert picks[0].reason_key == "bought_together"
    assert picks[0].reason.startswith("买了鲜花饼的人也买了")
    assert picks[0].scores["rule"] == pytest.approx(0.8)
    en = rec.recommend(ROOM, "v2", now=41.0, on_screen=None, trigger="cart", anchor="d07", lang="en")
    assert en[0].reason.startswith("People who bought")


def test_just_bought_is_not_carded_unless_consumable(usem3, demo_catalog):
    rec = make_rec(usem3, demo_catalog, cap_cards=100, cooldown_s=0)
    rec.observe(ROOM, "v1", "purchase", "d01", now=0.0)  # a shirt: durable
    rec.observe(ROOM, "v1", "purchase", "d07", now=0.0)  # pastry: 食品, consumable
    shown = {p.product_id for p in rec.recommend(ROOM, "v1", now=5.0, on_screen="d01", trigger="join", k=13)}
    assert "d01" not in shown and "d07" in shown
    assert rec.recommend_many(ROOM, ["v1"], now=6.0, product_id="d01") == [None]


def test_new_viewer_gets_on_screen_product_then_what_sells(usem3, demo_catalog):
    rec = make_rec(usem3, demo_catalog)
    picks = rec.recommend(ROOM, "newbie", now=0.0, on_screen="d10", trigger="join")
    assert [(p.product_id, p.reason_key, p.reason) for p in picks] == [("d10", "on_screen", "正在讲解")]
    for i in range(6):
        rec.observe(ROOM, f"buyer{i}", "purchase", "d09", now=10.0 + i)
    picks = rec.recommend(ROOM, "newbie2", now=20.0, on_screen=None, trigger="join", lang="en")
    assert [(p.product_id, p.reason_key, p.reason) for p in picks] == [
        ("d09", "hot", "Selling fast in this room")
    ]


def test_on_screen_push_reaches_interested_viewers_only(usem3, demo_catalog):
    rec = make_rec(usem3, demo_catalog)
    rec.observe(ROOM, "sun", "question", "d04", now=0.0, text_vec=usem3.encode(["防晒霜怎么用"])[0])
    rec.observe(ROOM, "tea", "question", "d13", now=0.0, text_vec=usem3.encode(["白茶能放多久"])[0])
    picks = rec.recommend_many(ROOM, ["sun", "tea", "cold"], now=10.0, product_id="d05")
    assert picks[0] is not None and picks[0].product_id == "d05" and picks[0].reason == "正在讲解"
    assert picks[1] is None and picks[2] is None
    # recorded: the same push a moment later is in cooldown
    assert rec.recommend_many(ROOM, ["sun"], now=20.0, product_id="d05") == [None]


def test_strategy_split_is_stable_and_recorded(demo_catalog):
    settings = RecSettings(strategy_shares={"personalized": 0.5, "popularity": 0.5})
    a, b = Recommender(settings, HashEncoder()), Recommender(settings, HashEncoder())
    viewers = [f"viewer-{i}" for i in range(400)]
    arms = [a.strategy_for(v) for v in viewers]
    assert arms == [b.strategy_for(v) for v in viewers] == [a.strategy_for(v) for v in viewers]
    assert 150 < arms.count("popularity") < 250
    a.set_shelf(ROOM, demo_catalog.products)
    for v in viewers[:20]:
        picks = a.recommend(ROOM, v, now=0.0, on_screen="d01", trigger="join")
        assert picks[0].strategy == a.strategy_for(v)
    only = Recommender(RecSettings(strategy_shares={"personalized": 1.0, "popularity": 0.0}), HashEncoder())
    assert {only.strategy_for(v) for v in viewers} == {"personalized"}


def test_time_decay_makes_old_interest_count_less(usem3, demo_catalog):
    rec = make_rec(usem3, demo_catalog, half_life_s=1800)
    rec.observe(ROOM, "v1", "click", "d10", now=0.0)  # old interest
    rec.observe(ROOM, "v1", "click", "d12", now=3600.0)  # fresh interest, same event
    scores = {pid: s for pid, _, s in rec.rank(ROOM, "v1", now=3600.0)}
    assert scores["d12"]["affinity"] > scores["d10"]["affinity"] > 0
    ranked = [pid for pid, _, _ in rec.rank(ROOM, "v1", now=3600.0)]
    assert ranked.index("d12") < ranked.index("d10")
    # two half-lives later the old click weighs a quarter: b = 1·e^(−λ·3600) = 0.25
    assert scores["d10"]["affinity"] == pytest.approx(1 - 2.718281828**-0.25, rel=1e-3)


def test_memory_stays_bounded(demo_catalog):
    rec = Recommender(
        RecSettings(max_viewers=10, max_items_per_viewer=4, idle_evict_s=60, history_viewers=10),
        HashEncoder(),
    )
    rec.set_shelf(ROOM, demo_catalog.products)
    for i in range(50):
        for p in demo_catalog.products:
            rec.observe(ROOM, f"v{i}", "view", p.id, now=float(i))
    assert len(rec._profiles) <= 10
    assert len(rec._history.touched) <= 10
    assert max(p.n for _, p in rec._profiles.in_room(ROOM)) <= 4
    rec.observe(ROOM, "late", "view", "d01", now=10_000.0)
    assert len(rec._profiles) == 1  # the idle ones were evicted


def test_settings_are_strict_and_bounded():
    with pytest.raises(ValidationError):
        RecSettings.model_validate({"cap_card": 3})
    with pytest.raises(ValidationError):
        RecSettings(cap_cards=0)
    with pytest.raises(ValidationError):
        RecSettings(strategy_shares={"random": 1.0})
    with pytest.raises(ValidationError):
        RecSettings.model_validate({"events": {"like": 100}})
