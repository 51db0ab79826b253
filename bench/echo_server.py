"""A bare python-socketio + aiohttp echo server: the transport's reference for bench/load.py.

    .venv/bin/python bench/echo_server.py --port 8099 [--host 127.0.0.1] [--redis URL] [--reply-to sender|room]
                                          [--loop uvloop|asyncio]

It speaks the viewer events bench/load.py uses, with no bot behind them:

- `join_room {room_id, viewer_id}` enters the room and acks `{ok, room_id, on_screen: null, products: 0}`;
- `comment {text}` emits a `bot_reply {reply_id, text, reply_to: [comment_id], viewer_ids, author,
  product_id, source, confidence}` and acks `{ok, comment_id, kind: "answer", reply_id}`. Every comment
  is answered. The reply goes to the **sender only** by default (`--reply-to sender`: one ack and one
  message per comment, the transport's floor); `--reply-to room` broadcasts it to the whole room
  like cohost's `bot_reply` (every comment fanned out to every viewer: heavy with many viewers).
- `GET /healthz` answers `{ok: true}` so the benchmark can wait for it like for `cohost serve`.

Same Socket.IO settings and event loop as cohost's defaults (ping 25 s / 20 s, 1 MiB frames, uvloop). With `--redis`, several
echo processes share rooms through python-socketio's AsyncRedisManager, like `cohost serve --redis`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
from typing import Any

import socketio
from aiohttp import web


def error(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


def build_app(reply_to: str = "sender", redis_url: str | None = None) -> web.Application:
    manager = socketio.AsyncRedisManager(redis_url) if redis_url else None
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins="*",
        client_manager=manager,
        ping_interval=25,
        ping_timeout=20,
        max_http_buffer_size=1024 * 1024,
    )
    app = web.Application()
    sio.attach(app)
    ids = itertools.count(1)
    tag = f"{os.getpid():x}"
    sessions: dict[str, tuple[str, str]] = {}  # sid -> (room_id, viewer_id)

    @sio.event
    async def join_room(sid: str, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            return error("bad_payload", "join_room needs {room_id, viewer_id}")
        room_id, viewer_id = data.get("room_id"), data.get("viewer_id")
        if not isinstance(room_id, str) or not isinstance(viewer_id, str) or not room_id or not viewer_id:
            return error("bad_payload", "join_room needs {room_id, viewer_id}")
        old = sessions.get(sid)
        if old is not None and old[0] != room_id:
            await sio.leave_room(sid, old[0])
        await sio.enter_room(sid, room_id)
        sessions[sid] = (room_id, viewer_id)
        return {"ok": True, "room_id": room_id, "on_screen": None, "products": 0}

    @sio.event
    async def comment(sid: str, data: Any) -> dict[str, Any]:
        session = sessions.get(sid)
        if session is None:
            return error("not_in_room", "not in a room")
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str):
            return error("bad_payload", "comment needs {text}")
        n = next(ids)
        comment_id, reply_id = f"c{tag}-{n}", f"r{tag}-{n}"
        room_id, viewer_id = session
        payload = {
            "reply_id": reply_id,
            "text": f"@{viewer_id} {text[:60]}",
            "reply_to": [comment_id],
            "viewer_ids": [viewer_id],
            "author": "bot",
            "product_id": None,
            "source": "echo",
            "confidence": 1.0,
        }
        await sio.emit("bot_reply", payload, to=sid if reply_to == "sender" else room_id)
        return {"ok": True, "comment_id": comment_id, "kind": "answer", "reply_id": reply_id}

    @sio.event
    async def disconnect(sid: str, *args: Any) -> None:
        sessions.pop(sid, None)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "rooms": 1, "encoder": "none", "log_pending": 0})

    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--redis", help="redis://HOST:PORT/DB: share rooms with other echo processes")
    ap.add_argument("--reply-to", choices=["sender", "room"], default="sender")
    ap.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop", help="as server.event_loop")
    args = ap.parse_args()
    app = build_app(args.reply_to, args.redis)
    if args.loop == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    web.run_app(app, host=args.host, port=args.port, print=None, loop=loop)


if __name__ == "__main__":
    main()
