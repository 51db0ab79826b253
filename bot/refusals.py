"""Refused requests (missing or wrong tokens), counted in memory rather than logged one by one.

A refusal used to write a row and a warning line each, so anyone could grow the database and the log
at will by sending bad tokens. Now each kind of refusal is a counter (served by `GET /metrics`), and
the log gets at most one warning line per interval, summing up what was refused since the last one.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from aiohttp.http_exceptions import HttpProcessingError

logger = logging.getLogger(__name__)

# the kinds of refusal, and what each counts
KINDS = {
    "streamer_api": "streamer HTTP API call without the streamer token",
    "streamer_page": "streamer console page with a wrong token",
    "operator_page": "operator page with a wrong token",
    "operator_api": "operator API call without the operator token",
    "streamer_join": "Socket.IO streamer_join with a wrong token",
}


class Throttled:
    """Counts events per kind since the last summary; a summary is due at most once per `interval_s`."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._unlogged: Counter[str] = Counter()
        self._last = float("-inf")

    def add(self, kind: str) -> Counter[str] | None:
        """Count one `kind`; the counts since the last summary (then reset) when one is due, else None."""
        self._unlogged[kind] += 1
        now = time.monotonic()
        if now - self._last < self.interval_s:
            return None
        counts, self._unlogged, self._last = self._unlogged, Counter(), now
        return counts


class RefusalCounter:
    """Counts refusals per kind; logs one summary warning per `log_interval_s` at most."""

    def __init__(self, log_interval_s: float = 60.0) -> None:
        self.log_interval_s = log_interval_s
        self.counts: Counter[str] = Counter({kind: 0 for kind in KINDS})
        self._summary = Throttled(log_interval_s)

    def refuse(self, kind: str, what: str) -> None:
        """Count one refusal of `kind`; `what` (method and path) is named in the next summary line."""
        self.counts[kind] += 1
        counts = self._summary.add(kind)
        if counts is not None:
            summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            logger.warning(
                "refused requests with a missing or wrong token: %s (last: %s)", summary, what[:200]
            )

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def metrics(self) -> str:
        """The counters in Prometheus' text format."""
        lines = [
            "# HELP cohost_refused_requests_total Requests refused for a missing or wrong token.",
            "# TYPE cohost_refused_requests_total counter",
        ]
        lines += [
            f'cohost_refused_requests_total{{kind="{kind}"}} {n}' for kind, n in sorted(self.counts.items())
        ]
        return "\n".join(lines) + "\n"


class MalformedRequestLines(logging.Filter):
    """aiohttp logs a client's malformed request (a non-ASCII byte in the path, a broken header) at
    ERROR with the parser's traceback, though the server is fine and answered 400: an operator reads
    a crash, and anyone can fill the log. One warning line a minute at most says how many there were."""

    def __init__(self, interval_s: float = 60.0) -> None:
        super().__init__()
        self._summary = Throttled(interval_s)

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, HttpProcessingError) or exc.code >= 500:
            return True
        counts = self._summary.add("malformed")
        if counts is None:
            return False
        said = str(exc.message or type(exc).__name__).strip().splitlines()
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg = "malformed HTTP requests answered %d: %d since the last such line (last: %s)"
        record.args = (exc.code, counts["malformed"], said[0][:200] if said else "")
        record.exc_info = record.exc_text = None
        return True


_MALFORMED = MalformedRequestLines()


def quiet_malformed_requests() -> None:
    """Put `MalformedRequestLines` on aiohttp's server logger (once, however many apps are made)."""
    server_log = logging.getLogger("aiohttp.server")
    if _MALFORMED not in server_log.filters:
        server_log.addFilter(_MALFORMED)
