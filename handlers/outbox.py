"""What a handler decided to send and to log, returned instead of emitted so it is testable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Emit:
    event: str
    payload: dict[str, Any]
    to: str  # a sid, or a channel such as "room:demo-room"


@dataclass
class Outcome:
    ack: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    emits: list[Emit] = field(default_factory=list)
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # room state other processes must learn (kind, room_id, payload); empty without a cluster
    shared: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, event: str, payload: dict[str, Any], to: str) -> None:
        self.emits.append(Emit(event, payload, to))

    def log(self, table: str, row: dict[str, Any]) -> None:
        self.rows.append((table, row))

    def share(self, kind: str, room_id: str, payload: dict[str, Any]) -> None:
        self.shared.append((kind, room_id, payload))

    def extend(self, other: Outcome) -> None:
        self.emits.extend(other.emits)
        self.rows.extend(other.rows)
        self.shared.extend(other.shared)
