"""Right answers against wrong ones at several bounds of the answer gate, leave-one-room-out.

    .venv/bin/python scripts/gate_curve.py --eval-dir ../shared/eval          # about 9 minutes

With the project's rooms in every fold (`--train-rooms data/rooms/*/`, about 3.5 minutes a fold on
the idle machine, 20 on a busy one), the folds can run in two parts at once, one per core, and be
put together:

    .venv/bin/python scripts/gate_curve.py --train-rooms data/rooms/*/ --hold dev beauty-baby car-tools farm --save a.pkl &
    .venv/bin/python scripts/gate_curve.py --train-rooms data/rooms/*/ --hold fashion health local-life luxury-resale tech-home --save b.pkl; wait
    .venv/bin/python scripts/gate_curve.py --merge a.pkl b.pkl

`cohost eval-rooms` scores each held-out room at the bounds the shipped model is chosen with
(`MEAN_BOUND`, the expected mean share of wrong answers over the inner held-out rooms, and
`WRONG_BOUND` in each). A change to the features moves
the three thresholds of every fold, and one comment more or less over the bound in one inner room
can move the worst room by 0.8 points: comparing two versions at a single bound mixes the change
with that noise. This runs the same folds once, keeps
each fold's nested held-out probabilities, and chooses the thresholds again at each pair of
`BOUNDS`: a change that helps shows as more right answers at about the same wrong ones all along.

Each fold decides every comment twice: as the bot would, and with the gate open (all thresholds at
0), which gives the answer the learned part would send and whether a check after the gate ("asks
two things at once") holds it back anyway; a comment then counts as answered at a bound when it
clears that fold's threshold for the bound.

Below the table: how often the learned part's first choice is the labelled answer, and the right
answers it would send with the thresholds that suit the held-out rooms best at a given number of
its own wrong answers over all rooms (three thresholds chosen on the very comments they are scored
on: an upper bound of what a gate could make of these probabilities, the same for every version
compared, without the noise of the nested choice).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
from collections import defaultdict
from functools import partial, reduce
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import handlers.answer_model as am
from bot.config import load_settings
from bot.evaluate import KindFitter, prepare_room, train_fold, understood_with
from bot.rooms_data import load_rooms, score
from handlers.kind_model import use_kind_model
from handlers.qa import decide
from recommender.encoder import load_encoder

# (expected mean share of wrong answers over the inner held-out rooms, each inner room): the shipped
# pair, others beside it, and bounds on each room alone (no mean bound)
BOUNDS = (
    (0.008, 0.02),
    (0.009, 0.02),
    (0.01, 0.02),
    (0.011, 0.02),
    (0.012, 0.02),
    (0.0125, 0.02),
    (0.015, 0.02),
    (0.02, 0.02),
    (1.0, 0.01),
    (1.0, 0.0125),
    (1.0, 0.015),
)
LEARNED = ("field", "faq")  # the reasons of an answer the learned part sends
# wrong answers of the learned part over all rooms, for the best-thresholds figures
BUDGETS = (5, 10, 15, 20, 30, 45)


def run_folds(
    eval_dir: str, train_only: list[str] | None = None, hold: list[str] | None = None
) -> tuple[list[dict[str, Any]], dict[str, list[am.HeldOut]]]:
    """Per comment: the bot's decision and the open-gate one; per fold: its nested held-out rooms.
    `train_only` rooms are in every fold's training and never held out; `hold`: only these folds."""
    settings = load_settings("config.yaml")
    encoder = load_encoder(settings.encoder.model, settings.encoder.batch_size)
    kinds = KindFitter(eval_dir, encoder)
    rooms = [prepare_room(r, encoder, settings.qa) for r in load_rooms(eval_dir, train_only=train_only or ())]
    captured: list[list[am.HeldOut]] = []
    choose = am.choose_thresholds

    def spy(held_out: list[am.HeldOut], *args: Any, **kw: Any) -> dict[str, float]:
        captured.append(held_out)
        return choose(held_out, *args, **kw)

    am.choose_thresholds = spy  # type: ignore[assignment]
    rows, folds = [], {}
    for held in rooms:
        if not held.room.calibrates or (hold and held.room.name not in hold):
            continue
        train = [r for r in rooms if r is not held]
        fold = dict(
            train_fold(train, settings.qa, [kinds.trainer, partial(am.train_answer_model, kinds=kinds)])
        )
        folds[held.room.name] = captured[-1]
        kind_model = fold.pop("kind_model")
        model = fold["answer_model"]
        prepared = understood_with(held, kind_model)
        use_kind_model(kind_model)
        try:
            for q, u in zip(held.room.questions, prepared.understood, strict=True):
                d = decide(u, prepared.knowledge, settings.qa, **fold)
                gates, model.gates = model.gates, dict.fromkeys(model.gates, 0.0)
                try:
                    d0 = decide(u, prepared.knowledge, settings.qa, **fold)
                finally:
                    model.gates = gates
                rows.append({"room": held.room.name, "id": q["id"], "bot": d, "open": d0})
        finally:
            use_kind_model(None)
        print(f"  {held.room.name} done", file=sys.stderr, flush=True)
    am.choose_thresholds = choose  # type: ignore[assignment]
    return rows, folds


def at_bound(
    rows: list[dict[str, Any]], gates: dict[str, dict[str, float]]
) -> dict[str, list[dict[str, Any]]]:
    """Predictions per room with each fold's thresholds for one pair of bounds."""
    by_room: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        d, d0 = r["bot"], r["open"]
        if d0.reason in LEARNED:
            g = gates[r["room"]][am.gate_group(d0.source or "", d0.reason == "field")]
            # confidence is the probability rounded down to three decimals
            said = d0.confidence + 0.0005 >= g
            pred = {"kind": "answer" if said else "escalate", "product": d0.product_id, "source": d0.source}
        else:
            pred = {"kind": d.kind, "product": d.product_id, "source": d.source}
        by_room[r["room"]].append({"id": r["id"], **pred})
    return by_room


def first_choices(
    rows: list[dict[str, Any]], labels: dict[tuple[str, str], dict[str, Any]]
) -> list[tuple[float, bool, str]]:
    """(probability, right, gate group) of the learned part's first choice, per comment it reaches."""
    out = []
    for r in rows:
        d0 = r["open"]
        if d0.reason not in LEARNED:
            continue
        exp = labels[r["room"], r["id"]]
        right = exp["kind"] == "answer" and (d0.product_id, d0.source) == (
            exp.get("product"),
            exp.get("source"),
        )
        out.append((d0.confidence, right, am.gate_group(d0.source or "", d0.reason == "field")))
    return out


def best_right(choices: list[tuple[float, bool, str]], budgets: tuple[int, ...] = BUDGETS) -> list[int]:
    """The most right answers at each number of wrong ones, a threshold per gate group chosen among
    100 quantiles of its probabilities on these very choices."""
    right, wrong = [], []
    for g in am.GATE_GROUPS:
        probs = np.array([p for p, _, gg in choices if gg == g])
        good = np.array([ok for _, ok, gg in choices if gg == g], dtype=bool)
        grid = np.unique(
            np.concatenate([np.quantile(probs, np.linspace(0, 1, 100)) if len(probs) else [], [am.NEVER]])
        )
        said = probs[None, :] >= grid[:, None]
        right.append((said & good).sum(axis=1))
        wrong.append((said & ~good).sum(axis=1))
    # every combination of the groups' thresholds: the sums over an outer product of the grids
    total_right, total_wrong = reduce(np.add.outer, right), reduce(np.add.outer, wrong)
    return [int(total_right[total_wrong <= b].max()) for b in budgets]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", default="../shared/eval")
    ap.add_argument(
        "--train-rooms", nargs="+", metavar="DIR", help="rooms in every fold's training, never held out"
    )
    ap.add_argument(
        "--hold", nargs="+", metavar="ROOM", help="run only these folds (with --save: a part of the run)"
    )
    ap.add_argument("--save", help="write the folds run to this file (pickle) instead of the table")
    ap.add_argument("--merge", nargs="+", metavar="FILE", help="the table of parts written with --save")
    args = ap.parse_args()
    if args.merge:
        rows, folds = [], {}
        for path in args.merge:
            part_rows, part_folds = pickle.loads(Path(path).read_bytes())
            rows += part_rows
            folds.update(part_folds)
    else:
        rows, folds = run_folds(args.eval_dir, args.train_rooms, args.hold)
    if args.save:
        Path(args.save).write_bytes(pickle.dumps((rows, folds)))
        return
    paths = {r.name: r.questions_path for r in load_rooms(args.eval_dir)}
    print("| mean bound | room bound | macro right | macro wrong | worst room wrong | macro kind right |")
    print("|---|---|---|---|---|---|")
    for mean_bound, bound in BOUNDS:
        gates = {
            room: am.choose_thresholds(held, bound, mean_bound=mean_bound) for room, held in folds.items()
        }
        scores = [score(args.eval_dir, p, paths[n]) for n, p in at_bound(rows, gates).items()]
        right = np.mean([s["answer_correct"] for s in scores])
        wrong = [s["wrong_answer_rate"] for s in scores]
        kind = np.mean([s["kind_accuracy"] for s in scores])
        shipped = (mean_bound, bound) == (am.MEAN_BOUND, am.WRONG_BOUND)
        mean_text = f"{mean_bound:.2%}" if mean_bound < 1 else "none"
        print(
            f"| {mean_text}{' (shipped)' if shipped else ''} | {bound:.2%} | {right:.1%} | {np.mean(wrong):.2%} "
            f"| {max(wrong):.1%} | {kind:.1%} |",
            flush=True,
        )
    labels = {(r.name, q["id"]): q["expect"] for r in load_rooms(args.eval_dir) for q in r.questions}
    choices = first_choices(rows, labels)
    print(
        f"\nthe learned part's first choice is the labelled answer for {sum(ok for _, ok, _ in choices)} of "
        f"the {len(choices)} comments it reaches"
    )
    best = best_right(choices)
    print(
        "with the thresholds that suit the held-out rooms best, right answers at "
        + " / ".join(str(b) for b in BUDGETS)
        + " wrong ones over all rooms: "
        + " / ".join(str(n) for n in best)
    )


if __name__ == "__main__":
    main()
