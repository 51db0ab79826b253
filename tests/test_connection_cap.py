"""Issue 12: a cap on open connections (`server.max_connections`, `server.max_connections_per_ip`).

The header timeout bounds how long a half-open socket lives, not how many there are: before the cap,
every one of these idle sockets stayed open (see the commit message). Against a real `cohost serve`
on 127.0.0.1; the other peer addresses are loopback ones (127.0.0.2, 127.0.0.3).
"""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import aiohttp
import pytest

from bot.config import ConfigError, validate_settings
from tests.processes import serve, wait_exit, wait_healthy

HALF_A_HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"  # and then nothing


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1024), seconds) == b""
    except TimeoutError:
        return False
    except ConnectionError:  # reset, or a broken pipe from a write the server did not wait for
        return True


Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _idle(port: int, source: str, n: int, head: bytes = HALF_A_HEAD) -> list[Conn]:
    """`n` connections from `source` that send half a request head (or `head`) and then nothing."""
    conns = []
    for _ in range(n):
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        writer.write(head)
        try:
            await writer.drain()
        except ConnectionError:  # closed by the server already: counted below like the others
            pass
        conns.append((reader, writer))
    return conns


async def _closed_by_server(conns: list[Conn]) -> int:
    """How many of `conns` the server closes within 5 s (the header timeout is a minute away)."""
    return sum(await asyncio.gather(*(_closed_within(r, 5) for r, _ in conns)))


async def _close(conns: list[Conn]) -> None:
    for _, writer in conns:
        writer.close()
        try:
            await writer.wait_closed()
        except ConnectionError:
            pass


def _metric(metrics: str, line: str) -> int:
    found = re.search(rf"^{re.escape(line)} (\d+)$", metrics, re.M)
    assert found, metrics
    return int(found.group(1))


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
async def test_connections_over_the_caps_are_closed_at_once_counted_and_others_still_served(
    tmp_path: Path, loop: str
) -> None:
    caps = {"max_connections": 20, "max_connections_per_ip": 12}
    served = serve(
        tmp_path,
        "cap",
        server={**caps, "header_timeout_s": 60, "event_loop": loop},
        encoder={"model": "hash"},
    )
    port = int(served.url.rsplit(":", 1)[1])
    held: list[Conn] = []
    try:
        await wait_healthy(served)
        await asyncio.sleep(0.5)  # the health checks' connections are closed on the server's side too

        # one address holds 15 idle sockets: 12 stay open, the 3 over its cap are closed at once
        first = await _idle(port, "127.0.0.2", 15)
        held += first
        assert await _closed_by_server(first) == 3
        # ... while another address is served as usual
        async with (
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http,
            http.get(f"{served.url}/healthz") as r,
        ):
            assert r.status == 200 and (await r.json())["ok"]
        await asyncio.sleep(0.5)

        # a second address fills the process's cap (20): 8 more stay open, 7 are closed
        second = await _idle(port, "127.0.0.3", 15)
        held += second
        assert await _closed_by_server(second) == 7
        # full: a whole request is closed unanswered too, from any address
        probe = await _idle(port, "127.0.0.1", 1, HALF_A_HEAD + b"\r\n")
        held += probe
        assert await _closed_by_server(probe) == 1

        # once the idle sockets are gone, requests are answered again, and the refusals were counted
        await _close(held)
        held = []
        await asyncio.sleep(0.5)
        async with (
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http,
            http.get(f"{served.url}/metrics") as r,
        ):
            assert r.status == 200
            metrics = await r.text()
        assert _metric(metrics, 'cohost_refused_connections_total{limit="per_ip"}') == 3
        assert _metric(metrics, 'cohost_refused_connections_total{limit="total"}') == 8
        assert _metric(metrics, "cohost_open_connections") == 1  # this request's own

        # the stop stays graceful, and the log got one warning line for 11 refusals, not 11
        served.stop(signal.SIGTERM)
        assert await wait_exit(served) == 0
    finally:
        await _close(held)
        served.kill()
    warned = [line for line in served.log.read_text().splitlines() if "refused connections" in line]
    assert len(warned) == 1, warned


def test_a_per_address_cap_behind_a_proxy_stops_the_start() -> None:
    with pytest.raises(ConfigError, match=r"max_connections_per_ip.*proxy"):
        validate_settings(
            {"server": {"max_connections_per_ip": 200}, "limits": {"trust_forwarded_for": True}},
            "config.yaml",
        )
    settings = validate_settings({"limits": {"trust_forwarded_for": True}}, "config.yaml")
    assert settings.server.max_connections_per_ip == 0
