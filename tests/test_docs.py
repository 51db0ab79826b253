"""docs/events.md documents every event the server handles and every error code it can send."""

from __future__ import annotations

import re
from pathlib import Path

from handlers import payloads
from handlers.namespace import LiveRoomNamespace

DOC = (Path(__file__).resolve().parent.parent / "docs" / "events.md").read_text(encoding="utf-8")


def test_every_viewer_event_is_documented() -> None:
    ns = LiveRoomNamespace.__new__(LiveRoomNamespace)
    handlers = {
        name[3:] for name in dir(ns) if name.startswith("on_") and name not in ("on_connect", "on_disconnect")
    }
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", DOC, flags=re.M))
    assert handlers <= documented, handlers - documented


def test_every_error_code_is_documented() -> None:
    codes = {
        v for k, v in vars(payloads).items() if k.isupper() and isinstance(v, str) and not k.startswith("_")
    }
    for code in codes:
        assert f"| `{code}` |" in DOC, code
