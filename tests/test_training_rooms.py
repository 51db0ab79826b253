"""The project's own labelled rooms (`data/rooms/*`), which the shipped models are trained on beside
the evaluation set: each one loads as a shelf the bot serves, and every label names what the review
page would accept for that shelf, so that a catalog edited later cannot leave labels that train the
model on entries that no longer exist."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.rooms_data import load_rooms
from domain.catalog import load_catalog
from handlers.review import label_problem

ROOMS = sorted(p for p in (Path(__file__).resolve().parent.parent / "data" / "rooms").iterdir() if p.is_dir())


def test_there_are_rooms_of_many_shops() -> None:
    assert len(ROOMS) >= 20


@pytest.mark.parametrize("folder", ROOMS, ids=[p.name for p in ROOMS])
def test_every_label_names_an_entry_of_its_shelf(folder: Path) -> None:
    catalog = load_catalog(str(folder / "catalog.yaml"))
    lines = [
        json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len({q["id"] for q in lines}) == len(lines) >= 200
    for q in lines:
        assert q["text"].strip(), q
        assert q["on_screen"] is None or catalog.product(q["on_screen"]) is not None, q
        expect = q["expect"]
        product = expect.get("product") if expect["kind"] == "answer" else None
        if expect["kind"] == "escalate" and expect.get("product"):  # may say which product it is about
            assert catalog.product(expect["product"]) is not None, q
        assert label_problem(catalog, expect["kind"], product, expect.get("source")) is None, q
    kinds = {q["expect"]["kind"] for q in lines}
    assert kinds == {"answer", "escalate", "purchase", "chat", "complaint"}


def test_a_room_only_trained_on_is_marked_so_and_may_not_take_a_known_name(tmp_path: Path) -> None:
    (tmp_path / "rooms").mkdir()
    (tmp_path / "catalog.yaml").write_text(
        (ROOMS[0] / "catalog.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "questions-dev.jsonl").write_text(
        (ROOMS[0] / "questions.jsonl").read_text(encoding="utf-8"), encoding="utf-8"
    )
    rooms = load_rooms(tmp_path, train_only=ROOMS[:2])
    assert [(r.name, r.calibrates) for r in rooms] == [
        ("dev", True),
        (ROOMS[0].name, False),
        (ROOMS[1].name, False),
    ]
    with pytest.raises(ValueError, match="already loaded"):
        load_rooms(tmp_path, extra=[ROOMS[0]], train_only=[ROOMS[0]])


def test_eval_kind_scores_the_rooms_it_holds_out_and_only_trains_on_the_project_rooms(
    tmp_path: Path,
) -> None:
    # `cohost eval-kind --train-rooms`: a room only trained on is in every fold's training and is
    # never a row of the table (its figures would read as held out, and it calibrates nothing)
    from bot.eval_kind import eval_kind
    from recommender.encoder import HashEncoder

    dev, held, trained = ROOMS[:3]
    (tmp_path / "rooms" / held.name).mkdir(parents=True)
    for src, catalog, questions in (
        (dev, tmp_path / "catalog.yaml", tmp_path / "questions-dev.jsonl"),
        (
            held,
            tmp_path / "rooms" / held.name / "catalog.yaml",
            tmp_path / "rooms" / held.name / "questions.jsonl",
        ),
    ):
        catalog.write_text((src / "catalog.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        questions.write_text((src / "questions.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "data").mkdir()
    chatter = ["来了来了", "哈哈哈哈", "主播好", "晚上好", "666", "好听"]
    (tmp_path / "data" / "danmaku-trace.jsonl").write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in chatter[:4]), encoding="utf-8"
    )
    (tmp_path / "data" / "chatter-dev.jsonl").write_text(
        "".join(json.dumps({"id": f"c{i}", "text": t}) + "\n" for i, t in enumerate(chatter[4:])),
        encoding="utf-8",
    )
    out = io.StringIO()
    figures = eval_kind(tmp_path, HashEncoder(), out=out, through_decide=False, train_only=[trained])
    assert set(figures["rooms"]) == {"dev", held.name}
    assert all(0.5 < room["kind_right"] <= 1 for room in figures["rooms"].values())
    assert "fitted on all 3 rooms" in out.getvalue() and trained.name not in out.getvalue()
