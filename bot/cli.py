"""The `cohost` command: serve, join, eval-qa, eval-retrieval, eval-rec, eval-kind, train-kind."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bot.config import ConfigError, Settings, load_settings, validate_settings
from domain.catalog import CatalogError

logger = logging.getLogger("cohost")


def _settings(args: argparse.Namespace) -> Settings:
    path = args.config
    if path is None and Path("config.yaml").is_file():
        path = "config.yaml"
    return load_settings(path)


def _serve(args: argparse.Namespace) -> int:
    from bot.app import run

    data = _settings(args).model_dump()
    if args.catalog:
        data["rooms"]["catalogs"] = [str(Path(c).resolve()) for c in args.catalog]
    if args.host:
        data["server"]["host"] = args.host
    if args.port is not None:
        data["server"]["port"] = args.port
    if args.db:
        data["storage"]["db_path"] = str(Path(args.db).resolve())
    if args.redis:
        data["redis"]["url"] = args.redis
    run(validate_settings(data, "command line"))  # flags obey the same bounds as the file
    return 0


def _join(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from bot.join import run_join
    from domain.catalog import load_catalog

    if not args.url.startswith(("http://", "https://", "ws://", "wss://")):
        raise ConfigError(f"--url {args.url!r}: expected http(s):// or ws(s):// and the server's address")
    settings = _settings(args)
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


def _forget(args: argparse.Namespace) -> int:
    import sqlite_utils

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
    print("a running server keeps the viewer's in-memory profile until DELETE /api/viewers/<id> or a restart")
    return 0


def _eval_qa(args: argparse.Namespace) -> int:
    from bot.evaluate import eval_qa
    from recommender.encoder import load_encoder

    settings = _settings(args)
    encoder = load_encoder(args.encoder or settings.encoder.model, settings.encoder.batch_size)
    eval_qa(args.catalog, args.questions, encoder, settings.qa)
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
    figures = eval_kind(args.eval_dir, encoder)
    if args.json:
        write_json(figures, args.json)
    return 0


def _train_kind(args: argparse.Namespace) -> int:
    from bot.eval_kind import train_kind
    from handlers.kind_model import MODEL_DIR
    from recommender.encoder import load_encoder

    encoder = load_encoder(args.encoder or _settings(args).encoder.model)
    for path in train_kind(args.eval_dir, encoder, args.out or MODEL_DIR):
        print(f"{path}: {path.stat().st_size / 1024:.0f} KiB")
    return 0


def _report(args: argparse.Namespace) -> int:
    from bot.report import write_report

    if not Path(args.db).is_file():
        print(f"cohost: {args.db}: no such database", file=sys.stderr)
        return 2
    data = write_report(args.db, args.room, args.out, args.seed)
    f = data["funnel"]
    print(
        f"{args.out}: room {args.room}: {f['viewers']} viewers, {f['questions']} questions, "
        f"{f['impressions']} cards, {f['clicks']} clicks, {f['orders']} orders"
    )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from bot.simulate import simulate_show

    token = args.token or os.environ.get("COHOST_STREAMER_TOKEN") or None
    summary = asyncio.run(
        simulate_show(args.url, args.room, args.viewers, args.seed, args.minutes, args.speed, token)
    )
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cohost", description="live-cohost: a co-host bot for live rooms")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    forget = sub.add_parser("forget", help="delete every logged row about one viewer (privacy request)")
    forget.add_argument("--viewer", required=True, help="the viewer id as the platform gives it")
    forget.add_argument("--db", help="SQLite file (default: storage.db_path of the config)")
    forget.add_argument("--config")
    forget.set_defaults(func=_forget)

    serve = sub.add_parser("serve", help="run the Socket.IO service")
    serve.add_argument(
        "--config", help="config.yaml (default: ./config.yaml if present, else built-in defaults)"
    )
    serve.add_argument("--catalog", action="append", help="catalog YAML; repeat for several rooms")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--db", help="SQLite file for the interaction log")
    serve.add_argument("--redis", help="redis://HOST:PORT/DB: share rooms with other processes")
    serve.set_defaults(func=_serve)

    join = sub.add_parser("join", help="co-host someone else's live room as a Socket.IO client")
    join.add_argument(
        "--url", required=True, help="the platform's Socket.IO server, e.g. https://live.example"
    )
    join.add_argument("--room", required=True, help="the platform's room id (fills {room} in join.*)")
    join.add_argument("--config", help="config.yaml with the platform's join: section")
    join.add_argument("--catalog", help="catalog YAML of the shelf (default: the first of rooms.catalogs)")
    join.set_defaults(func=_join)

    qa = sub.add_parser("eval-qa", help="answer labelled questions, one JSON line each")
    qa.add_argument("--catalog", required=True)
    qa.add_argument("--questions", required=True)
    qa.add_argument("--config")
    qa.add_argument("--encoder", help="override encoder.model")
    qa.set_defaults(func=_eval_qa)

    ret = sub.add_parser("eval-retrieval", help="rank LCQMC paraphrases with the bot's retriever")
    ret.add_argument("--pairs", required=True)
    ret.add_argument("--config")
    ret.add_argument("--encoder", help="override encoder.model")
    ret.add_argument(
        "--dense-weight", type=float, help="override qa.dense_weight (1 = dense only, 0 = BM25 only)"
    )
    ret.set_defaults(func=_eval_retrieval)

    rec = sub.add_parser("eval-rec", help="rank leave-last-out shelves with the room's recommender")
    rec.add_argument("--train", required=True)
    rec.add_argument("--products", required=True)
    rec.add_argument("--candidates", required=True)
    rec.add_argument("--config")
    rec.add_argument("--encoder", help="override encoder.model")
    rec.add_argument(
        "--ablation", choices=["none", "no-collab", "no-embed", "no-behaviour"], help="switch one signal off"
    )
    rec.set_defaults(func=_eval_rec)

    kind = sub.add_parser("eval-kind", help="comment kind, leave-one-room-out on the labelled rooms")
    kind.add_argument("--eval-dir", required=True, help="the evaluation set (../shared/eval)")
    kind.add_argument("--json", help="also write the figures to this file")
    kind.add_argument("--config")
    kind.add_argument("--encoder", help="override encoder.model")
    kind.set_defaults(func=_eval_kind)

    tk = sub.add_parser("train-kind", help="fit the comment-kind model on all labelled rooms, write it")
    tk.add_argument("--eval-dir", required=True, help="the evaluation set (../shared/eval)")
    tk.add_argument("--out", help="folder for kind.npz + kind.json (default: handlers/models)")
    tk.add_argument("--config")
    tk.add_argument("--encoder", help="override encoder.model")
    tk.set_defaults(func=_train_kind)

    report = sub.add_parser("report", help="write a room's analytics as one HTML page")
    report.add_argument("--db", required=True, help="the SQLite interaction log")
    report.add_argument("--room", required=True)
    report.add_argument("--out", default="report.html")
    report.add_argument("--seed", type=int, default=0, help="train / held-out split of the purchase model")
    report.set_defaults(func=_report)

    sim = sub.add_parser("simulate", help="replay a scripted show of simulated viewers against a server")
    sim.add_argument("--url", default="http://127.0.0.1:8080")
    sim.add_argument("--room", default="demo-room")
    sim.add_argument("--viewers", type=int, default=50)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--minutes", type=float, default=10.0, help="show length in show time")
    sim.add_argument("--speed", type=float, default=1.0, help="show minutes per real minute")
    sim.add_argument(
        "--token", help="streamer token, to rotate the on-screen product (default: $COHOST_STREAMER_TOKEN)"
    )
    sim.set_defaults(func=_simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except (ConfigError, CatalogError) as e:
        print(f"cohost: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
