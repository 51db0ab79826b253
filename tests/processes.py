"""Real processes for tests: `cohost serve` and `redis-server` on free 127.0.0.1 ports."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "process-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    proc: subprocess.Popen
    url: str
    db: Path
    log: Path

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def serve(tmp: Path, name: str = "serve", **config: Any) -> Served:
    """Start `cohost serve` with a config file written from `config` (merged over test defaults), on
    `server.port` when it gives one (a restart on the same address), else on a free port."""
    port = config.get("server", {}).get("port") or free_port()
    db = tmp / f"{name}.db"
    data: dict[str, Any] = {
        "server": {"port": port},
        "storage": {"db_path": str(db)},
        "rooms": {"catalogs": [str(ROOT / "bot/data/demo_catalog.yaml")]},
    }
    for section, values in config.items():
        data.setdefault(section, {}).update(values)
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    log = tmp / f"{name}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--config", str(path)],
            cwd=ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "COHOST_STREAMER_TOKEN": TOKEN},
            stderr=out,
        )
    return Served(proc, f"http://127.0.0.1:{port}", db, log)


async def wait_healthy(served: Served, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if served.proc.poll() is not None:
                raise AssertionError(f"server exited: {served.log.read_text()[-2000:]}")
            try:
                async with http.get(f"{served.url}/healthz") as r:
                    if (await r.json())["ok"]:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("server never became healthy")


async def wait_exit(served: Served, timeout: float = 30) -> int:
    """Wait for the process to end without blocking the loop (clients still answer close handshakes)."""
    deadline = time.monotonic() + timeout
    while served.proc.poll() is None:
        if time.monotonic() > deadline:
            raise AssertionError("server did not stop")
        await asyncio.sleep(0.1)
    return served.proc.returncode


@dataclass
class Redis:
    proc: subprocess.Popen | None
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def redis_binary() -> str:
    path = shutil.which("redis-server")
    if path is None:
        if os.environ.get("CI"):
            raise AssertionError("redis-server is missing: scripts/system-deps.sh installs it")
        pytest.skip("redis-server is not installed (scripts/system-deps.sh installs it)")
    return path


def start_redis(port: int | None = None) -> Redis:
    port = port or free_port()
    proc = subprocess.Popen(
        [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return Redis(proc, port)
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("redis-server did not start")


def stop_redis(redis: Redis) -> None:
    if redis.proc is not None and redis.proc.poll() is None:
        redis.proc.kill()
        redis.proc.wait(timeout=10)
