"""The labelled rooms of the evaluation set (`../shared/eval`) and of a shop's own reviewed comments
(`cohost export-labels`), read for leave-one-room-out training and scoring. Only the training and
evaluation commands use this module; the bot never reads labelled rooms at run time."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class RoomsError(ValueError):
    """Labelled rooms that cannot be loaded as asked (a folder without its files, a name twice)."""


@dataclass(frozen=True, slots=True)
class LabelledRoom:
    """One room: its shelf and its labelled comments (`{"id", "text", "on_screen", "expect"}`)."""

    name: str
    catalog_path: Path
    questions_path: Path
    questions: list[dict[str, Any]]
    # False: a room only trained on (the project's own, `data/rooms/*`), never one the answer
    # model's thresholds are chosen on nor one a leave-one-room-out table scores
    calibrates: bool = True


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_rooms(
    eval_dir: str | Path, extra: Sequence[str | Path] = (), train_only: Sequence[str | Path] = ()
) -> list[LabelledRoom]:
    """The nine rooms: `catalog.yaml` + `questions-dev.jsonl` (named "dev") and every `rooms/*/`; then
    each folder of `extra` (a room's reviewed comments, `cohost export-labels`: `catalog.yaml` +
    `questions.jsonl`) and of `train_only` (the project's own rooms, `data/rooms/*`: trained on, not
    calibrated on), named by its folder."""
    root = Path(eval_dir)
    rooms = [LabelledRoom("dev", root / "catalog.yaml", root / "questions-dev.jsonl", [])]
    rooms += [
        LabelledRoom(d.name, d / "catalog.yaml", d / "questions.jsonl", [])
        for d in sorted((root / "rooms").iterdir())
        if (d / "catalog.yaml").is_file() and (d / "questions.jsonl").is_file()
    ]
    folders = [(Path(d), True) for d in extra] + [(Path(d), False) for d in train_only]
    for d, calibrates in folders:
        name = d.resolve().name
        if any(r.name == name for r in rooms):
            raise RoomsError(f"{d}: a room named {name!r} is already loaded; rename the folder")
        rooms.append(LabelledRoom(name, d / "catalog.yaml", d / "questions.jsonl", [], calibrates))
    missing = [
        str(r.catalog_path.parent)
        for r in rooms
        if not r.catalog_path.is_file() or not r.questions_path.is_file()
    ]
    if missing:
        raise RoomsError(f"no catalog.yaml or questions file in {', '.join(missing)}")
    return [
        LabelledRoom(r.name, r.catalog_path, r.questions_path, read_jsonl(r.questions_path), r.calibrates)
        for r in rooms
    ]


def score(eval_dir: str | Path, predictions: list[dict[str, Any]], questions_path: Path) -> dict[str, Any]:
    """The evaluation set's own scorer (`score_qa.py --json`) run on these predictions: the figures are
    the scorer's, not a copy of its logic."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as f:
        for p in predictions:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    try:
        out = subprocess.run(
            [sys.executable, str(Path(eval_dir) / "score_qa.py"), f.name, str(questions_path), "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        Path(f.name).unlink(missing_ok=True)
    return json.loads(out.strip().splitlines()[-1])
