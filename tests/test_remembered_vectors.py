"""The encoder remembers the vectors of recent texts: a comment repeated in the room is not encoded
again, and gets the vector it would have got."""

from __future__ import annotations

import numpy as np
import pytest

from bot.config import Settings
from recommender.encoder import HashEncoder, RememberingEncoder


class Counted(HashEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return super().encode(texts)


def test_a_repeated_comment_is_not_encoded_again_and_gets_the_same_vector() -> None:
    inner = Counted()
    enc = RememberingEncoder(inner, size=3)
    first = enc.encode(["666", "多少钱", "666"])
    assert inner.seen == ["666", "多少钱"]  # a text twice in one batch is encoded once
    assert np.array_equal(first, HashEncoder().encode(["666", "多少钱", "666"]))

    again = enc.encode(["多少钱", "有XL吗"])
    assert inner.seen == ["666", "多少钱", "有XL吗"]
    assert np.array_equal(again, HashEncoder().encode(["多少钱", "有XL吗"]))
    again[0] = 0.0  # the caller's copy: what is remembered stays as it was
    assert np.array_equal(enc.encode(["多少钱"]), HashEncoder().encode(["多少钱"]))
    assert (enc.hits, enc.misses) == (3, 3)

    enc.encode(["包邮吗", "多少钱"])  # the fourth text: the least recently used one (666) is let go
    enc.encode(["666"])
    assert inner.seen[-2:] == ["包邮吗", "666"]
    assert enc.encode([]).shape == (0, inner.dim)


def test_the_setting_is_checked_at_start_up() -> None:
    assert Settings().encoder.remember > 0  # on by default
    assert Settings.model_validate({"encoder": {"remember": 0}}).encoder.remember == 0
    with pytest.raises(ValueError, match="remember"):
        Settings.model_validate({"encoder": {"remember": -1}})
