"""Node.js for the tests that drive real JavaScript Socket.IO peers (tests/node/, pinned in its lockfile)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
NPM_CI_TIMEOUT_S = 300


@functools.cache
def _prepare() -> tuple[str | None, str]:
    """(path of node, "") when tests/node is ready, else (None, why not). Runs `npm ci` at most once."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None, "node and npm are needed for the JavaScript Socket.IO tests (Node.js >= 18)"
    if (NODE_DIR / "node_modules" / ".package-lock.json").is_file():
        return node, ""
    try:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return (
            None,
            f"`npm ci` in {NODE_DIR} did not finish in {NPM_CI_TIMEOUT_S} s (is the npm registry reachable?)",
        )
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        cause = [ln for ln in lines if ln.startswith("npm error") and not ln.startswith("npm error     at ")]
        return None, f"`npm ci` in {NODE_DIR} failed (exit {done.returncode}): {' | '.join(cause[:4])}"
    return node, ""


def node_ready() -> str:
    """The node binary, with tests/node/node_modules installed (`npm ci`) if missing.

    Fails the test with the reason when that is impossible; only a developer machine without npm
    (and without the CI environment variable) skips instead.
    """
    node, why = _prepare()
    if node is not None:
        return node
    if shutil.which("npm") is None and not os.environ.get("CI"):
        pytest.skip(why)
    pytest.fail(why, pytrace=False)
