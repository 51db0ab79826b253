"""What a request carries, read defensively: strict JSON bodies and an access log without tokens.

Python's json module takes `NaN`, `Infinity` and `-Infinity`, which no browser can parse back and
which made the bot say "nan元"; a 5,000-digit number raises ValueError (the int-digits limit) and a
deeply nested body RecursionError: each was a 500. Here every one of them is a `BodyError` (400).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from aiohttp.web_log import AccessLogger

MAX_DEPTH = 32  # a streamer or operator body is two levels deep; more is not a real client


class BodyError(ValueError):
    """A body that is not the JSON object a route takes; the message says why, in one line."""


class BodyTimeout(BodyError):
    """A body that did not arrive in time (sent a byte at a time to hold the route open)."""


def _no_constant(name: str) -> Any:
    raise BodyError(f"{name} is not a number JSON allows")


def _depth(value: Any, limit: int) -> int:
    """How deeply `value` nests (without recursion, so a deep body cannot overflow the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_json_object(raw: bytes | str) -> dict[str, Any]:
    """A JSON object from a body, or BodyError: not JSON, not an object, NaN / Infinity, a number too
    long to read, or nested deeper than MAX_DEPTH."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        body = json.loads(text, parse_constant=_no_constant)
    except BodyError:
        raise
    except RecursionError:
        raise BodyError(f"body is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, a number past the digits limit
        raise BodyError(f"body must be a JSON object ({str(e).splitlines()[0][:120]})") from None
    if not isinstance(body, dict):
        raise BodyError("body must be a JSON object")
    if _depth(body, MAX_DEPTH) > MAX_DEPTH:
        raise BodyError(f"body is nested deeper than {MAX_DEPTH} levels")
    return body


async def read_body(request: web.Request, timeout_s: float) -> bytes:
    """The whole body, or BodyTimeout when it has not all arrived within `timeout_s` (aiohttp bounds
    its size, client_max_size, but not the time it takes)."""
    try:
        async with asyncio.timeout(timeout_s):
            return await request.read()
    except TimeoutError:
        raise BodyTimeout(f"the body did not arrive within {timeout_s:g} s") from None


async def json_object(request: web.Request, timeout_s: float) -> dict[str, Any]:
    """The request's body as a JSON object, or BodyError (BodyTimeout: too slow)."""
    return parse_json_object(await read_body(request, timeout_s))


_TOKEN_IN_QUERY = re.compile(r"(?i)([?&;](?:token|access_token)=)[^&;\s\"]*")


def redact(text: str) -> str:
    """`token=...` in a URL replaced by `token=[redacted]`."""
    return _TOKEN_IN_QUERY.sub(r"\1[redacted]", text)


class RedactingAccessLogger(AccessLogger):
    """aiohttp's access log with tokens taken out of the request line and the Referer."""

    def _format_line(self, request: Any, response: Any, time: float) -> Iterable[tuple[Any, Any]]:
        return [
            (key, redact(value) if isinstance(value, str) else value)
            for key, value in super()._format_line(request, response, time)
        ]
