"""A cap on open TCP connections, in all and per peer address (`server.max_connections`,
`server.max_connections_per_ip`).

The header timeout (`server.header_timeout_s`) bounds how long a socket that never sends a whole
request head lives, not how many there are at once: without a cap, anyone can hold every file
descriptor the process has. Here each accepted connection is counted before aiohttp sees it; over a
cap it is closed at once (no request handler is made for it), the refusal is counted for
`GET /metrics`, and the log gets one warning line per interval summing up the refusals since the
last one. The address is the TCP peer's, never X-Forwarded-For (`limits.trust_forwarded_for` only
says whom to believe about a comment's sender; behind a proxy every connection comes from the proxy,
so set the per-address cap to 0 there).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.refusals import Throttled

logger = logging.getLogger(__name__)

# why a connection was refused
LIMITS = {
    "total": "server.max_connections: the process holds as many connections as it takes",
    "per_ip": "server.max_connections_per_ip: the peer address holds as many as it may",
}


class ConnectionCap:
    """Counts open connections, in all and per peer address; says whether one more may open."""

    def __init__(self, max_total: int, max_per_ip: int = 0, log_interval_s: float = 60.0) -> None:
        self.max_total = max_total
        self.max_per_ip = max_per_ip  # 0: no cap per address
        self.log_interval_s = log_interval_s
        self.open = 0
        self.by_ip: Counter[str] = Counter()
        self.refused: Counter[str] = Counter({limit: 0 for limit in LIMITS})
        self._summary = Throttled(log_interval_s)

    def admit(self, ip: str) -> bool:
        """Count a new connection from `ip` and say True, or count a refusal and say False."""
        if self.open >= self.max_total:
            self._refuse("total", ip)
            return False
        if self.max_per_ip and self.by_ip[ip] >= self.max_per_ip:
            self._refuse("per_ip", ip)
            return False
        self.open += 1
        self.by_ip[ip] += 1
        return True

    def release(self, ip: str) -> None:
        """An admitted connection from `ip` closed."""
        self.open -= 1
        left = self.by_ip[ip] - 1
        if left > 0:
            self.by_ip[ip] = left
        else:
            del self.by_ip[ip]  # no entry kept per address that has gone

    def _refuse(self, limit: str, ip: str) -> None:
        self.refused[limit] += 1
        counts = self._summary.add(limit)
        if counts is None:
            return
        summary = ", ".join(f"{n} over the {k} cap" for k, n in sorted(counts.items()))
        logger.warning(
            "refused connections: %s (open: %d, cap %d in all, %s per address; last from %s)",
            summary,
            self.open,
            self.max_total,
            self.max_per_ip or "no cap",
            ip,
        )

    def metrics(self) -> str:
        """Open connections and refusals in Prometheus' text format."""
        lines = [
            "# HELP cohost_open_connections TCP connections open now (HTTP and Socket.IO).",
            "# TYPE cohost_open_connections gauge",
            f"cohost_open_connections {self.open}",
            "# HELP cohost_refused_connections_total Connections closed on accept, over a connection cap.",
            "# TYPE cohost_refused_connections_total counter",
        ]
        lines += [
            f'cohost_refused_connections_total{{limit="{k}"}} {n}' for k, n in sorted(self.refused.items())
        ]
        return "\n".join(lines) + "\n"


def peer_ip(transport: asyncio.BaseTransport) -> str:
    """The TCP peer's address ("" for a socket without one, such as a Unix socket)."""
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""


class CappedProtocol(asyncio.Protocol):
    """Stands in front of aiohttp's request handler for one connection: makes the handler only when the
    cap admits the connection, and tells the cap when it closes. Every other call goes through as is."""

    __slots__ = ("_cap", "_factory", "_inner", "_ip")

    def __init__(self, factory: Callable[[], asyncio.Protocol], cap: ConnectionCap) -> None:
        self._factory = factory
        self._cap = cap
        self._inner: asyncio.Protocol | None = None
        self._ip = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        ip = peer_ip(transport)
        if not self._cap.admit(ip):
            transport.abort()  # nothing was read or written: close now, without waiting on the peer
            return
        self._ip = ip
        self._inner = self._factory()
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is None:
            return
        self._cap.release(self._ip)
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()


class CappedTCPSite(web.BaseSite):
    """aiohttp's TCPSite with every connection passed through a ConnectionCap first."""

    __slots__ = ("_bound_port", "_cap", "_host", "_port", "_reuse_address")

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        cap: ConnectionCap,
        *,
        backlog: int = 128,
        reuse_address: bool | None = None,
    ) -> None:
        super().__init__(runner, backlog=backlog)
        self._host = host
        self._port = port
        self._cap = cap
        self._reuse_address = reuse_address
        self._bound_port: int | None = None

    @property
    def port(self) -> int:
        return self._bound_port if self._bound_port is not None else self._port

    @property
    def name(self) -> str:
        return f"http://{self._host or '0.0.0.0'}:{self.port}"

    async def start(self) -> None:
        await super().start()  # registers the site with its runner (stopped with it on shutdown)
        handler: Any = self._runner.server
        assert handler is not None
        cap = self._cap
        self._server = await asyncio.get_running_loop().create_server(
            lambda: CappedProtocol(handler, cap),
            self._host or None,
            self._port,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
        )
        sockets = self._server.sockets
        self._bound_port = sockets[0].getsockname()[1] if sockets else self._port
