"""Screenshots of the viewer room, /ops and the room's analytics in Chinese and in English.

    .venv/bin/python scripts/screenshots_viewer.py            # writes docs/screenshots/*-zh.png, *-en.png
    .venv/bin/python scripts/screenshots_viewer.py --out /tmp/shots

Starts a real server on 127.0.0.1 (a free port, the bundled model and demo catalog, a database in a
temporary folder), lets a viewer ask and the streamer put a product on screen, and saves each page in
headless Chromium (Debian's /usr/bin/chromium, as the tests drive it). Run it by hand when the pages
change; no test run writes into docs/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402

from bot.app import LOG, OPERATOR, create_app  # noqa: E402
from bot.config import BUNDLED_CATALOG, Settings  # noqa: E402
from domain.catalog import load_catalog  # noqa: E402
from recommender.encoder import load_encoder  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
VIEWPORT = {"width": 1100, "height": 720}
STREAMER = "screenshots-streamer-token"


async def shoot(out: Path) -> list[Path]:
    from playwright.async_api import async_playwright, expect

    catalog = load_catalog(BUNDLED_CATALOG)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.model_validate({"storage": {"db_path": str(Path(tmp) / "cohost.db")}})
        app = create_app(settings, [catalog], load_encoder(settings.encoder.model), token=STREAMER)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        base = f"http://127.0.0.1:{server.port}"
        try:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                for lang in ("zh", "en"):
                    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
                    await context.add_init_script(f"localStorage.setItem('cohost.lang', '{lang}')")
                    room = await context.new_page()
                    await room.goto(
                        f"{base}/room/demo-room?viewer=shot-{lang}&name="
                        + ("小美" if lang == "zh" else "May")
                    )
                    await expect(room.locator("body[data-joined]")).to_have_count(1)
                    on_screen = catalog.by_link(2)
                    async with aiohttp.ClientSession() as http:
                        await http.post(
                            f"{base}/api/rooms/demo-room/on_screen",
                            json={"product_id": on_screen.id},
                            headers={"Authorization": f"Bearer {STREAMER}"},
                        )
                    await expect(room.locator("#on-screen .card")).to_have_count(1)
                    await room.fill("#comment", "3号链接多少钱" if lang == "zh" else "how much is link 3")
                    await room.click("#say button[type=submit]")
                    await expect(room.locator("#cards .card")).not_to_have_count(0, timeout=10_000)
                    await expect(room.locator(".msg.bot")).not_to_have_count(0, timeout=10_000)
                    await room.locator(".msg.bot button.up").first.click()
                    await expect(room.locator(".msg.bot .fb-note").first).not_to_be_empty()
                    saved.append(out / f"room-{lang}.png")
                    await room.screenshot(path=str(saved[-1]))

                    assert await asyncio.to_thread(app[LOG].flush, 10)
                    ops = await context.new_page()
                    await ops.goto(f"{base}/ops?token={app[OPERATOR]}")
                    await expect(ops.locator("#qa tbody tr")).not_to_have_count(0)
                    # the label form, open on the bot's own decision (an answer, its product and entry)
                    await ops.locator("#qa tbody tr button.label-open").first.click()
                    await expect(ops.locator("#qa tr.label select.label-entry")).to_be_visible()
                    saved.append(out / f"ops-{lang}.png")
                    await ops.screenshot(path=str(saved[-1]))

                    await ops.goto(f"{base}/ops/rooms/demo-room?lang={lang}")
                    await expect(ops.locator("h1")).to_contain_text(
                        "analytics" if lang == "en" else "数据分析"
                    )
                    saved.append(out / f"analytics-{lang}.png")
                    await ops.screenshot(path=str(saved[-1]))
                    await context.close()
                await browser.close()
        finally:
            await server.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder for the PNGs")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"screenshots: {CHROMIUM} is missing: run scripts/system-deps.sh", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shoot(out)):
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
