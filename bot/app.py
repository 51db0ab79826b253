"""create_app(): the aiohttp application with the Socket.IO server, rooms and the interaction log."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import Any
from urllib.parse import quote

import socketio
from aiohttp import web
from pydantic import ValidationError

from bot.bodies import BodyError, BodyTimeout, RedactingAccessLogger, json_object, read_body
from bot.cluster import RoomSync
from bot.config import Settings, viewer_salt
from bot.connections import CappedTCPSite, ConnectionCap
from bot.fanout import FanoutManager, FanoutRedisManager
from bot.refusals import RefusalCounter, quiet_malformed_requests
from domain.catalog import Catalog, CatalogError, Product, load_catalog, parse_catalog, safe_yaml
from handlers.batching import EncodeBatcher
from handlers.comments import CommentFlow, streamer_channel
from handlers.console import changed_since, price_jump, version_prices
from handlers.namespace import GuardedServer, LiveRoomNamespace
from handlers.review import Carried, carry_learned, learned_on
from handlers.rooms import Room, RoomRegistry
from recommender.encoder import ProcessEncoder, RememberingEncoder, TextEncoder, load_encoder
from recommender.ranking import Recommender
from storage.log import InteractionLog
from storage.queries import behaviour_events
from storage.shelves import check_saved, fingerprint, kept_aside_row, read_shelf, saved_shelf, shelf_row
from storage.tokens import OPERATOR as OPERATOR_KIND
from storage.tokens import STREAMER, TokenCheck, ensure_tokens, read_hashes

logger = logging.getLogger(__name__)
CLOSE_TIMEOUT_S = 3.0

SIO = web.AppKey("sio", socketio.AsyncServer)
REGISTRY = web.AppKey("registry", RoomRegistry)
LOG = web.AppKey("log", InteractionLog)
TOKEN = web.AppKey("streamer_token", str)
BACKGROUND = web.AppKey("background", list)
NAMESPACE = web.AppKey("namespace", LiveRoomNamespace)
SYNC = web.AppKey("sync", RoomSync)
SALT = web.AppKey("viewer_salt", str)
OPERATOR = web.AppKey("operator_token", str)
TOKENS = web.AppKey("tokens", TokenCheck)
REFUSALS = web.AppKey("refusals", RefusalCounter)
SETTINGS = web.AppKey("settings", Settings)
CONNECTIONS = web.AppKey("connections", ConnectionCap)


def load_catalogs(paths: list[str]) -> list[Catalog]:
    """Every configured catalog, or CatalogError naming the file, product and field."""
    catalogs: list[Catalog] = []
    seen: dict[str, str] = {}
    for path in paths:
        catalog = load_catalog(path)
        if catalog.room_id in seen:
            raise CatalogError(
                f"{path}: room_id {catalog.room_id!r} is already opened by {seen[catalog.room_id]}"
            )
        seen[catalog.room_id] = path
        catalogs.append(catalog)
    return catalogs


def replay_history(log: InteractionLog, recommender: Recommender, days: float) -> int:
    """Feed the logged behaviour of the last `days` to the recommender, oldest first, then rebuild."""
    if days <= 0:
        return 0
    events = log.query(*behaviour_events(time.time() - days * 86_400))
    for e in events:
        recommender.observe(e["room_id"], e["viewer_id"], e["event"], e["product_id"], e["created_at"])
    if events:
        recommender.rebuild(time.time())
    return len(events)


def _token(env: str) -> str:
    """A token given by the environment ("" when unset); stored tokens are in storage/tokens.py."""
    return os.environ.get(env, "")


def streamer_token(settings: Settings) -> str:
    """The streamer token valid for every room, when the environment gives one."""
    return _token(settings.auth.streamer_token_env)


def operator_token(settings: Settings) -> str:
    """The operator's token (review and analytics pages), when the environment gives one."""
    return _token(settings.auth.operator_token_env)


def base_url(settings: Settings) -> str:
    """The address to open the pages at, for the links printed at start-up."""
    host = settings.server.host
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.server.port}"


async def open_tokens(app: web.Application, settings: Settings, rooms: list[str]) -> None:
    """Load the stored tokens, make the missing ones, and print one link per room (and /ops): with the
    token when it was made now, without it otherwise (it is only shown once)."""
    check = app[TOKENS]
    hashes, made = await asyncio.to_thread(
        ensure_tokens,
        settings.storage.db_path,
        rooms,
        not check.streamer_everywhere,
        not check.operator_everywhere,
    )
    check.hashes = hashes
    base = base_url(settings)
    for room in rooms:
        link = f"{base}/console/{quote(room, safe='')}"
        token = made.get((STREAMER, room))
        if token:
            logger.info("console %s: %s?token=%s", room, link, token)
        elif check.streamer_everywhere:
            logger.info("console %s: %s (token: $%s)", room, link, settings.auth.streamer_token_env)
        else:
            logger.info(
                "console %s: %s (token as shown when made; `cohost tokens rotate --room`)", room, link
            )
    operator = made.get((OPERATOR_KIND, ""))
    if operator:
        app[OPERATOR] = operator  # known in plaintext to this run only
        logger.info("operator: %s/ops?token=%s", base, operator)
    elif check.operator_everywhere:
        logger.info("operator: %s/ops (token: $%s)", base, settings.auth.operator_token_env)
    else:
        logger.info("operator: %s/ops (token as shown when made; `cohost tokens rotate --operator`)", base)


async def reload_tokens(sio: socketio.AsyncServer, check: TokenCheck, path: str, every_s: float) -> None:
    """Re-read the stored hashes now and then: a `cohost tokens rotate` takes effect while serving,
    and the streamer connections this process holds for a rotated room are closed (they joined with
    the old token; a console reconnects and must join with the new one)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            hashes = await asyncio.to_thread(read_hashes, path)
        except sqlite3.Error as e:
            logger.warning("tokens: cannot re-read %s (%s); keeping the ones loaded", path, e)
            continue
        rotated = [
            room
            for (kind, room), h in hashes.items()
            if kind == STREAMER and check.hashes.get((kind, room)) not in (None, h)
        ]
        check.hashes = hashes
        for room in rotated:
            try:
                sids = [sid for sid, _ in sio.manager.get_participants("/", streamer_channel(room))]
                logger.info("console %s: token rotated; closing %d streamer connection(s)", room, len(sids))
                for sid in sids:
                    await sio.disconnect(sid)
            except Exception:  # the loop must go on re-reading tokens
                logger.exception("console %s: could not close the streamer connections", room)


def origin_check(origins: list[str]) -> Callable[..., bool]:
    """Browser origins allowed to open Socket.IO: the configured ones, plus the server's own, so the
    pages it serves work on whatever host and port it listens on."""

    def allowed(origin: str | None, environ: dict[str, Any] | None = None) -> bool:
        if origin in origins:
            return True
        host = (environ or {}).get("HTTP_HOST")
        return bool(host) and origin == f"{(environ or {}).get('wsgi.url_scheme', 'http')}://{host}"

    return allowed


def create_app(
    settings: Settings,
    catalogs: list[Catalog] | None = None,
    encoder: TextEncoder | None = None,
    token: str | None = None,
    operator: str | None = None,
) -> web.Application:
    """Build the app. Catalogs are validated now; the model, index and database open at start-up."""
    if catalogs is None:
        catalogs = load_catalogs(settings.rooms.catalogs)
    quiet_malformed_requests()  # a client's broken request is a warning line, not a traceback
    cors: Any = "*" if settings.server.cors_origins == ["*"] else origin_check(settings.server.cors_origins)
    manager = (
        FanoutRedisManager(settings.redis.url, channel=f"{settings.redis.prefix}:socketio")
        if settings.redis.url
        else FanoutManager()
    )
    sio = GuardedServer(  # malformed packets dropped and counted (handlers/namespace.py)
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=cors,
        max_http_buffer_size=settings.server.max_payload_bytes,
        ping_interval=settings.server.ping_interval_s,
        ping_timeout=settings.server.ping_timeout_s,
        # their errors through the service's log handlers only (left to themselves, python-socketio
        # and python-engineio add a handler of their own and every line is written twice)
        logger=_library_logger("socketio.server"),
        engineio_logger=_library_logger("engineio.server"),
    )
    app = web.Application(
        client_max_size=max(settings.server.max_payload_bytes, 2 * 1024 * 1024),
        handler_args={
            # aiohttp closes a connection that has no whole request head `keepalive_timeout` after it
            # opened or answered its last request (web_protocol.RequestHandler: the timer starts at
            # connection_made and is not pushed back by bytes received), so this bounds the time to
            # read request headers: a slowloris socket is closed after header_timeout_s. It also ends
            # idle keep-alive connections: clients must (and do) reopen them, aiohttp's after 15 s idle
            "keepalive_timeout": settings.server.header_timeout_s,
            "access_log_class": RedactingAccessLogger,  # no `?token=` in the access log
        },
    )
    sio.attach(app)
    app[SETTINGS] = settings
    app[REFUSALS] = RefusalCounter(settings.server.refused_log_interval_s)
    app[CONNECTIONS] = ConnectionCap(  # applied by `run` (cohost serve): CappedTCPSite
        settings.server.max_connections,
        settings.server.max_connections_per_ip,
        settings.server.refused_log_interval_s,
    )
    app[SIO] = sio
    app[TOKEN] = token or streamer_token(settings)  # "" when every room has its own stored token only
    app[OPERATOR] = operator or operator_token(settings)
    app[TOKENS] = TokenCheck(app[TOKEN], app[OPERATOR])
    app[SALT] = viewer_salt(settings) or ""
    log = InteractionLog(
        settings.storage.db_path, settings.storage.flush_interval_s, settings.storage.batch_size
    )
    app[LOG] = log
    # Answers (FAQ search, card scoring) on one thread; comment batches wait for the encoder on another,
    # so a batch being encoded does not hold up the answers to comments already encoded.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cohost-cpu")
    encoding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cohost-encode")
    workers: list[ProcessEncoder] = []  # an encoder process this app started (and so stops)

    async def start(app: web.Application) -> None:
        await asyncio.to_thread(log.open)
        enc = encoder
        if enc is None:
            cfg = settings.encoder
            enc = await asyncio.to_thread(load_encoder, cfg.model, cfg.batch_size, cfg.process)
            if isinstance(enc, ProcessEncoder):
                workers.append(enc)
        if settings.encoder.remember:  # comments repeat: a text seen lately is not encoded again
            enc = RememberingEncoder(enc, settings.encoder.remember)
        recommender = Recommender(settings.rec, enc)
        replayed = await asyncio.to_thread(replay_history, log, recommender, settings.cards.replay_days)
        logger.info("recommender: replayed %d logged events", replayed)
        registry = RoomRegistry(enc, settings.qa.dense_weight, recommender)
        await open_rooms(registry, log, catalogs)
        await open_tokens(app, settings, [c.room_id for c in catalogs])
        app[REGISTRY] = registry
        namespace = LiveRoomNamespace(
            registry,
            log,
            CommentFlow(settings.hygiene, recommender, settings.cards.enabled, settings.cards.repeat_s),
            settings.qa,
            executor,
            app[TOKENS].streamer_ok,
            max_comment_chars=settings.limits.max_comment_chars,
            comments_per_10s=settings.limits.comments_per_10s,
            max_viewers_per_room=settings.limits.max_viewers_per_room,
            approve_below=settings.console.approve_below,
            max_timers=settings.console.max_timers,
            guess_above=settings.console.guess_above,
            queue_expire_min=settings.console.queue_expire_min,
            viewer_salt=app[SALT] or None,
            batcher=EncodeBatcher(enc, encoding),
            limits=settings.limits,  # per viewer, connection and source address
            refused=app[REFUSALS].refuse,
        )
        await namespace.restore_controls()
        await asyncio.to_thread(namespace.warm_up)
        sio.register_namespace(namespace)
        app[NAMESPACE] = namespace
        app[BACKGROUND] = [
            asyncio.create_task(namespace.run_followups()),
            asyncio.create_task(namespace.run_pushes(settings.cards.push_interval_s)),
            asyncio.create_task(namespace.run_timers()),
            asyncio.create_task(
                reload_tokens(sio, app[TOKENS], settings.storage.db_path, settings.auth.reload_s)
            ),
        ]
        if settings.redis.url:
            sync = RoomSync(settings.redis.url, settings.redis.prefix, registry, namespace)
            await sync.start()
            app[SYNC] = sync
            logger.info("sharing rooms through Redis at %s", settings.redis.url)

    async def stop(app: web.Application) -> None:
        for task in app.get(BACKGROUND, []):
            task.cancel()
        if SYNC in app:
            await app[SYNC].stop()
        for pool in (executor, encoding):
            pool.shutdown(wait=True, cancel_futures=True)
        for worker in workers:
            await asyncio.to_thread(worker.close)
        log.close()  # the loop has nothing left to serve: write every queued row, then stop
        if log.failed:
            logger.warning("stopped: %d rows SQLite refused are in %s", log.failed, log.spill_path)
        else:
            logger.info("stopped: every logged row is in %s", log.path)

    async def finish_handling() -> None:
        # comments on their way through the encoder are answered and logged before its pool is shut
        if NAMESPACE in app and not await app[NAMESPACE].finish_handling(CLOSE_TIMEOUT_S):
            logger.warning("stopping: some events were still being handled after %s s", CLOSE_TIMEOUT_S)

    async def disconnect_clients(app: web.Application) -> None:
        await finish_handling()
        # grouped answers still waiting out their cooldown reach their askers before they go
        if NAMESPACE in app:
            try:
                await app[NAMESPACE].send_waiting()
            except Exception:
                logger.exception("stopping: sending the grouped replies still waiting failed")
        # aiohttp waits for open websockets on shutdown: close them so SIGTERM stops promptly
        # (each disconnect is logged as a leave before the log is closed)
        # (engineio's disconnect-all fails when the last viewer leaves while it starts: close a copy)
        closing = [_close_socket(s, sio.eio.reason.SERVER_DISCONNECT) for s in list(sio.eio.sockets.values())]
        if closing:
            try:  # a dead connection would hold the stop until its ping times out
                await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), CLOSE_TIMEOUT_S)
            except TimeoutError:
                logger.warning("stopping: some connections did not close within %s s", CLOSE_TIMEOUT_S)
            sio.eio.sockets = {}
        await finish_handling()  # events read while the connections closed
        await sio.shutdown()

    app.on_startup.append(start)
    app.on_shutdown.append(disconnect_clients)
    app.on_cleanup.append(stop)
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/metrics", metrics),
            web.get("/api/rooms", list_rooms),
            web.put("/api/rooms/{room_id}/catalog", put_catalog),
            web.post("/api/rooms/{room_id}/on_screen", set_on_screen),
            web.patch("/api/rooms/{room_id}/products/{product_id}", patch_product),
            web.get("/api/rooms/{room_id}/queue", get_queue),
        ]
    )
    from bot.pages import add_page_routes  # pages use this module's app keys

    add_page_routes(app)
    return app


# -- HTTP ------------------------------------------------------------------------------------------
def error_response(status: int, code: str, message: str) -> web.Response:
    """The HTTP error body every route uses: {ok: false, error: {code, message}}."""
    return web.json_response({"ok": False, "error": {"code": code, "message": message}}, status=status)


def body_error(error: BodyError) -> web.Response:
    """400 for a body that is not what the route takes; 408 (and the connection closed) for one that
    did not arrive within server.body_timeout_s."""
    if isinstance(error, BodyTimeout):
        response = error_response(408, "request_timeout", str(error))
        response.force_close()
        return response
    return error_response(400, "bad_payload", str(error))


def body_timeout(request: web.Request) -> float:
    return request.app[SETTINGS].server.body_timeout_s


def _authorised(request: web.Request) -> bool:
    """The request's Bearer token opens the room it names (its own token, or the every-room one)."""
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else ""
    return request.app[TOKENS].streamer_ok(request.match_info.get("room_id", ""), given)


def _room(request: web.Request) -> Room | web.Response:
    if not _authorised(request):
        request.app[REFUSALS].refuse("streamer_api", f"{request.method} {request.path}")
        return error_response(
            401, "unauthorized", "a valid streamer token is required (Authorization: Bearer ...)"
        )
    room = request.app[REGISTRY].get(request.match_info["room_id"])
    if room is None:
        return error_response(404, "unknown_room", f"no room {request.match_info['room_id']!r}")
    return room


async def _json_body(request: web.Request) -> dict[str, Any] | web.Response:
    try:
        return await json_object(request, body_timeout(request))
    except BodyError as e:
        return body_error(e)


async def _room_and_body(request: web.Request) -> tuple[Room, dict[str, Any]] | web.Response:
    """A streamer call on a room with a JSON object body, or the error response to send."""
    room = _room(request)
    if isinstance(room, web.Response):
        return room
    body = await _json_body(request)
    if isinstance(body, web.Response):
        return body
    return room, body


async def healthz(request: web.Request) -> web.Response:
    """Ready and writing: 503 with ok false while starting, or when the log is not being written (its
    writer stopped, or rows waiting `InteractionLog.stall_after_s` with none written meanwhile)."""
    registry = request.app.get(REGISTRY)
    log = request.app[LOG]
    stalled = log.stalled_s()
    writing = log.alive and stalled < log.stall_after_s
    ok = registry is not None and writing
    return web.json_response(
        {
            "ok": ok,
            "rooms": sorted(registry.rooms) if registry else [],
            "encoder": registry.encoder.name if registry else None,
            "event_loop": type(asyncio.get_running_loop()).__module__.partition(".")[0],
            "log_pending": log.pending,
            "log_failed": log.failed,
            "log_writer_alive": log.alive,
            "log_last_write_at": log.last_write_at,
            "log_stalled_s": round(stalled, 3),
            "malformed_packets": getattr(request.app[SIO], "malformed", 0),
        },
        status=200 if ok else 503,
    )


async def metrics(request: web.Request) -> web.Response:
    """Counters in Prometheus' text format: plain counts, nothing secret, so no token."""
    text = request.app[REFUSALS].metrics() + request.app[CONNECTIONS].metrics()
    return web.Response(text=text, content_type="text/plain")


async def list_rooms(request: web.Request) -> web.Response:
    registry = request.app[REGISTRY]
    return web.json_response(
        {
            "rooms": [
                {
                    "room_id": rid,
                    "products": len(r.catalog.products),
                    "viewers": r.viewers,
                    "on_screen": r.on_screen,
                }
                for rid, r in sorted(registry.rooms.items())
            ]
        }
    )


async def put_catalog(request: web.Request) -> web.Response:
    """Replace a room's shelf while live; body is the catalog as YAML or JSON. What the room learned
    (operators' answers, taught wordings) stays with the products still on the shelf unless
    `?learned=drop`."""
    room = _room(request)
    if isinstance(room, web.Response):
        return room
    learned = request.query.get("learned", "keep")
    if learned not in ("keep", "drop"):
        return error_response(400, "bad_payload", "learned must be keep or drop")
    try:
        text = (await read_body(request, body_timeout(request))).decode("utf-8")
    except BodyTimeout as e:
        return body_error(e)
    except UnicodeDecodeError as e:
        return error_response(400, "bad_catalog", f"catalog: not UTF-8 text (byte {e.start})")
    max_nodes = request.app[SETTINGS].server.yaml_max_nodes
    try:
        # off the loop: a big upload takes a while to parse (aliases are refused, nodes are capped)
        data = await asyncio.to_thread(safe_yaml, text, "catalog", max_nodes)
        catalog = parse_catalog(data, "catalog")
    except CatalogError as e:
        return error_response(400, "bad_catalog", str(e))
    if catalog.room_id != room.room_id:
        return error_response(
            400, "bad_catalog", f"catalog is for room {catalog.room_id!r}, not {room.room_id!r}"
        )
    async with request.app[REGISTRY].editing(room.room_id):  # what the shelf learned up to the swap
        if learned == "keep":
            catalog, carried = carry_learned(room.catalog, catalog)
        else:
            carried = Carried(dropped=learned_on(room.catalog))
        await request.app[REGISTRY].replace_catalog(catalog)
    await request.app[NAMESPACE].shelf_changed(room, viewers=True)
    detail = f"{len(catalog.products)} products; {carried.describe()}"
    request.app[LOG].record(
        "room_events", {"room_id": room.room_id, "event": "catalog_replaced", "detail": detail}
    )
    return web.json_response(
        {"ok": True, "room_id": room.room_id, "products": len(catalog.products), "learned": carried.as_dict()}
    )


async def set_on_screen(request: web.Request) -> web.Response:
    checked = await _room_and_body(request)
    if isinstance(checked, web.Response):
        return checked
    room, body = checked
    if "link" in body and "product_id" not in body:
        # the number the streamer says on air ("3号链接"): three shops' trials sent it as the id
        link = body["link"]
        if not isinstance(link, int) or isinstance(link, bool):
            return error_response(400, "bad_payload", "link: the number viewers say, 3 for 3号链接")
        shown = room.catalog.by_link(link)
        if shown is None:
            return error_response(404, "unknown_product", f"no link {link} in room {room.room_id}")
        body = {"product_id": shown.id}
    if "product_id" not in body or not isinstance(body["product_id"], (str, type(None))) or "link" in body:
        # `{}` or a misspelt key used to take the product off screen as if null had been sent
        return error_response(
            400, "bad_payload", "give product_id (a product's id, or null for none) or link, not both"
        )
    pid = body["product_id"]
    if pid is not None and room.catalog.product(pid) is None:
        return error_response(404, "unknown_product", f"no product {pid[:64]!r} in room {room.room_id}")
    return web.json_response(await request.app[NAMESPACE].put_on_screen(room, pid))


async def patch_product(request: web.Request) -> web.Response:
    """Live price / stock change: {"price"?: number, "prices"?: {version: number}, "stock"?: int}."""
    checked = await _room_and_body(request)
    if isinstance(checked, web.Response):
        return checked
    room, body = checked
    async with request.app[REGISTRY].editing(room.room_id):  # read, check and change as one step
        return await _patch_product(request, room, body)


async def _patch_product(request: web.Request, room: Room, body: dict[str, Any]) -> web.Response:
    product = room.catalog.product(request.match_info["product_id"])
    if product is None:
        return error_response(404, "unknown_product", f"no product {request.match_info['product_id']!r}")
    update: dict[str, Any] = {}
    for key, kind in (("price", (int, float)), ("stock", (int,)), ("original_price", (int, float))):
        if key in body:
            value = body[key]
            if isinstance(value, bool) or not isinstance(value, kind) or value < 0:
                what = "a whole number, 0 or more" if key == "stock" else "a number, 0 or more"
                return error_response(400, "bad_payload", f"{key} must be {what}")
            update[key] = value
    if "price" in update and product.prices and "prices" not in body:
        # its price is the lowest version's: a price of its own would leave each version's as it was
        return error_response(
            400,
            "bad_payload",
            f"{product.id} is priced by version ({' / '.join(product.prices)}): change prices, its price follows",
        )
    if "prices" in body:
        versions = version_prices(product, body["prices"], "price" in update)
        if isinstance(versions, str):
            return error_response(400, "bad_payload", versions)
        # the product's price is its lowest version's, as in a catalog file (the cards' "from" price)
        update["prices"] = {**product.prices, **versions}
        update["price"] = min(update["prices"].values())
    else:
        versions = {}
    if not update:
        return error_response(
            400, "bad_payload", "nothing to change: give price, prices, original_price or stock"
        )
    expect = body.get("expect")  # what the sender believes the values are (the console's undo sends it)
    if expect is not None:
        if (
            not isinstance(expect, dict)
            or not set(expect) <= {"price", "prices", "stock", "original_price"}
            or not isinstance(expect.get("prices", {}), dict)
        ):
            return error_response(
                400, "bad_payload", "expect: an object of price, prices, original_price or stock"
            )
        moved = changed_since(product, expect)
        if moved:
            return error_response(409, "changed_since", f"changed since: {moved} now; nothing was changed")
    try:  # validated like a catalog file's product (bounds, no NaN): never a bare model_copy
        changed = Product.model_validate({**product.model_dump(), **update})
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(x) for x in first["loc"])
        return error_response(400, "bad_payload", f"{field}: {first['msg']}")
    # each price the streamer typed against the one it replaces (a version's, or the product's)
    typed = [(f"{v} ", product.prices[v], a) for v, a in versions.items()] or (
        [("", product.price, update["price"])] if "price" in update else []
    )
    jump = next(((what, old, new) for what, old, new in typed if price_jump(old, new)), None)
    if jump is not None and body.get("confirm") is not True:
        what, old, new = jump
        return error_response(
            409,
            "confirm_price_jump",
            f"price {what}{old:g} -> {new:g} is a cut of more than half or a rise of more"
            " than 3x; send it again with confirm: true",
        )
    await request.app[REGISTRY].update_product(room, changed)
    await request.app[NAMESPACE].shelf_changed(room, viewers=True)
    request.app[LOG].record(
        "room_events",
        {
            "room_id": room.room_id,
            "event": "product_updated",
            "detail": json.dumps({"product_id": product.id, **update}),
        },
    )
    # what the console's undo sends back: of versions' prices, the ones changed (the price follows)
    previous = {key: getattr(product, key) for key in update if not versions or key != "price"}
    now = {key: getattr(changed, key) for key in update}  # as stored (a price given as 79 reads 79.0)
    if versions:
        previous["prices"] = {v: product.prices[v] for v in versions}
        now["prices"] = {v: changed.prices[v] for v in versions}
    return web.json_response({"ok": True, "product_id": product.id, **now, "previous": previous})


async def get_queue(request: web.Request) -> web.Response:
    room = _room(request)
    if isinstance(room, web.Response):
        return room
    return web.json_response({"room_id": room.room_id, "queue": [i.as_dict() for i in room.queue]})


async def open_rooms(registry: RoomRegistry, log: InteractionLog, catalogs: list[Catalog]) -> None:
    """Open each room on its catalog file, or on its shelf as last changed live while that file is
    unchanged (storage/shelves.py; an edited file keeps what the room learned). The shelf a room
    opens on is stored unless it is the stored one, and from then on every change of it: after the
    show, with the room closed, the review page labels and corrects against it (bot/pages.py)."""
    sources = {c.room_id: fingerprint(c) for c in catalogs}
    for from_file in catalogs:
        saved = await asyncio.to_thread(log.query, *saved_shelf(from_file.room_id))
        restored, problem = check_saved(from_file, saved)
        store = restored is None  # the shelf it opens on, unless that is the stored one
        if problem is not None:  # the file's shelf is stored in its place
            _keep_aside(log, from_file, saved[0], problem, sources[from_file.room_id])
            saved, store = [], False
        catalog, detail = (
            restored or from_file,
            f"{len(from_file.products)} product{'' if len(from_file.products) == 1 else 's'}",
        )
        if restored is not None:
            if restored != from_file:  # else stored as it opened, unchanged since
                detail += ", as last changed live"
        elif saved:  # the file was edited since the last show: it wins, what was learned stays
            earlier, unreadable = read_shelf(saved[0], from_file.room_id)
            catalog, carried = carry_learned(earlier, from_file) if earlier else (from_file, Carried())
            store = earlier is not None  # one that cannot be read stays, for a person to look at
            detail += f", from the catalog file edited since the last show; {carried.describe()}"
            logger.warning(
                "room %s: its catalog file changed since its last show; starting from the file (%s)",
                from_file.room_id,
                f"its stored shelf cannot be read: {unreadable}" if unreadable else carried.describe(),
            )
        if store:  # a restart reopens on it, and the review page labels against it once it closes
            log.record("shelves", shelf_row(catalog, sources[from_file.room_id]))
        await asyncio.to_thread(registry.open_sync, catalog)
        log.record("room_events", {"room_id": catalog.room_id, "event": "open", "detail": detail})
        logger.info("room %s open: %s", catalog.room_id, detail)
    registry.changed = lambda c: log.record("shelves", shelf_row(c, sources.get(c.room_id, "")))


def _keep_aside(
    log: InteractionLog, from_file: Catalog, row: dict[str, Any], problem: str, source: str
) -> None:
    """A stored shelf that cannot be read back: reported (log line and `shelf_rejected` row), kept in
    the database under another key, and replaced by the file's shelf so it is not read again; the
    room opens on its catalog file and later live changes are stored as usual."""
    aside = kept_aside_row(row, time.time())
    log.record("shelves", aside)
    log.record("shelves", shelf_row(from_file, source))
    log.record(
        "room_events",
        {
            "room_id": from_file.room_id,
            "event": "shelf_rejected",
            "detail": json.dumps({"problem": problem, "kept_as": aside["room_id"]}, ensure_ascii=False),
        },
    )
    logger.error(
        "room %s: its stored live shelf cannot be read back (%s); kept as shelves row %r, "
        "the room opens on its catalog file",
        from_file.room_id,
        problem,
        aside["room_id"],
    )


async def _close_socket(socket: Any, reason: str) -> None:
    """Close one engine.io connection (its disconnect handlers run: the leave is logged) and end its
    transport, without engine.io's close packet. That packet tells a client the server ended the
    session for good: python-socketio then never reconnects, so a restart lost every such viewer; a
    browser's client ignores it on a websocket, and the socket's writer waited for its next packet
    with the websocket open, aiohttp's shutdown waiting that handler out (a console left open made a
    stop take about 20 s). The empty packet (engine.io's own "no more to send") ends the writer, which
    closes the websocket: every client sees its transport close and reconnects when the server is
    back."""
    await socket.close(reason=reason, abort=True)
    await socket.queue.put(None)


def run(settings: Settings) -> None:
    """Validate catalogs, then serve until interrupted; SIGTERM / Ctrl-C flush the log before exit."""
    catalogs = load_catalogs(settings.rooms.catalogs)
    app = create_app(settings, catalogs)
    app.on_startup.append(_freeze_startup_objects)  # after the app's own start-up
    logger.info(
        "live-cohost on http://%s:%d (db %s)",
        settings.server.host,
        settings.server.port,
        settings.storage.db_path,
    )
    _files_for(settings.server.max_connections)
    # web.run_app's steps, with a site that caps connections (aiohttp's own TCPSite takes every one)
    loop = new_event_loop(settings.server.event_loop)
    main = loop.create_task(_serve(app, settings))
    try:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):  # SIGTERM / SIGINT: the runner's signal handlers
        pass
    finally:
        if not main.done():
            main.cancel()
            with suppress(asyncio.CancelledError):
                loop.run_until_complete(main)
        left = asyncio.all_tasks(loop)
        for task in left:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _files_for(max_connections: int) -> None:
    """Each connection is a file descriptor: raise the soft open-files limit (often 1,024) so the cap,
    not a failing accept(), is what refuses connections; warn when the hard limit is lower."""
    import resource  # Unix only, like the rest of `cohost serve`'s signal handling

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = max_connections + 256  # the database, the model's files, the encoder's pipes, Redis
    if soft == resource.RLIM_INFINITY or soft >= need:
        return
    target = need if hard == resource.RLIM_INFINITY else min(need, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < need:
        logger.warning(
            "open files limited to %d (ulimit -Hn): fewer than server.max_connections (%d) can open",
            target,
            max_connections,
        )


async def _serve(app: web.Application, settings: Settings) -> None:
    """Start the app, listen (through the connection cap) until cancelled or signalled, then stop it:
    the runner's cleanup closes the connections and runs the app's shutdown and cleanup hooks."""
    runner = web.AppRunner(app, handle_signals=True, shutdown_timeout=10)
    await runner.setup()
    try:
        await CappedTCPSite(runner, settings.server.host, settings.server.port, app[CONNECTIONS]).start()
        while True:
            await asyncio.sleep(3600)
    finally:
        await runner.cleanup()


async def _freeze_startup_objects(app: web.Application) -> None:
    """What is loaded by now (the model's and jieba's tables, catalogs, indexes) lives as long as the
    process: kept out of the garbage collector's full passes, which otherwise stall the event loop for
    100-230 ms mid-show. Only for the `cohost serve` process, which owns the whole interpreter."""
    gc.collect()
    gc.freeze()


def _library_logger(name: str) -> logging.Logger:
    lib = logging.getLogger(name)
    if lib.level == logging.NOTSET:
        lib.setLevel(logging.ERROR)
    return lib


def new_event_loop(name: str) -> asyncio.AbstractEventLoop:
    """The loop `server.event_loop` names (validated at start-up: uvloop is installed when named)."""
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()
